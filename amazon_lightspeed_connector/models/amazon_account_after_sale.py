from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .access_guard import requires
from .amazon_account_dashboard import DashboardFigure, dashboard_figure

SHIPMENT_SOURCES = [
    ("odoo", "In Odoo"),
    ("lightspeed", "In Lightspeed"),
    ("both", "In Odoo or Lightspeed (first wins)"),
]


class AmazonAccountAfterSale(models.Model):
    """Where a channel's shipments are marked (see amazon_routed_order_after_sale)."""

    _inherit = "amazon.account"

    shipment_source = fields.Selection(
        SHIPMENT_SOURCES,
        "Shipments Marked",
        required=True,
        default="both",
        help="In Odoo: Mark shipped on the Shipments screen. In Lightspeed: store staff tick "
        "Shipped under Inventory > Shipping with a shipment note line "
        '"Tracking: <number> <carrier>"; the connector reads it back. Both: whichever comes '
        "first marks the order shipped; Amazon is told once.",
    )

    restock_policy = fields.Selection(
        [
            ("shipping_store", "At the store that shipped"),
            ("returns_store", "At a returns store"),
            ("none", "No restocking"),
        ],
        "Restock Refunds",
        required=True,
        default="shipping_store",
        help="When Amazon refunds a shipped item (a settlement's refund rows): a refund sale "
        "in Lightspeed brings the units back to the store that shipped it, or to the returns "
        "store below; or Lightspeed's stock is left alone.",
    )
    returns_warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Returns Store",
        check_company=True,
        domain="[('lightspeed_account_id', '=', lightspeed_account_id)]",
        help="The store returned items go back to (its Default Register makes the refund sale).",
    )

    @api.constrains("restock_policy", "returns_warehouse_id")
    def _check_returns_store(self):
        for account in self:
            if account.restock_policy == "returns_store" and not account.returns_warehouse_id:
                raise ValidationError(_("Choose the returns store of %s.", account.name))

    dashboard_tracking_missing = dashboard_figure(
        "Shipped in Lightspeed, No Tracking",
        help="Orders the store ticked Shipped in Lightspeed without a tracking line: enter the "
        "number, then Mark shipped.",
    )
    dashboard_undo_waiting = dashboard_figure(
        "To Undo in Lightspeed",
        help="Voids and refund sales the connector owes Lightspeed (orders cancelled or "
        "refunded by Amazon after their sale): waiting for the scheduled action, or refused "
        "by Lightspeed.",
    )
    dashboard_undo_errors = dashboard_figure(
        "Undos Refused by Lightspeed",
        help="Undos (a void or a refund sale in Lightspeed) that Lightspeed refused: open each "
        "one, read its error and press Retry once the cause is fixed.",
    )

    dashboard_refunds_unbooked = fields.Integer(
        "Refunds Not Booked",
        compute="_compute_dashboard_refunds_unbooked",
        help="Amazon refunds of the settlement reports the connector could not book (no "
        "posted invoice yet, no invoice line for the SKU, no settlement journal...): each "
        "row says why; the next read of a report listing them tries again.",
    )

    def _unbooked_refund_domain(self):
        return [
            ("settlement_id.account_id", "in", self.ids),
            ("state", "=", "refund"),
            ("amazon_order_id", "!=", False),
        ]

    def _compute_dashboard_refunds_unbooked(self):
        """One per refund (order, SKU and Amazon's adjustment id, as they are booked), not
        per row: a refund has a row per amount (goods, tax, fees...)."""
        groups = self.env["amazon.settlement.line"]._read_group(
            self._unbooked_refund_domain(),
            ["settlement_id", "amazon_order_id", "sku", "adjustment_id"],
        )
        refunds = {}
        for settlement, order, sku, adjustment in groups:
            refunds.setdefault(settlement.account_id, set()).add((order, sku, adjustment))
        for account in self:
            account.dashboard_refunds_unbooked = len(refunds.get(account, ()))

    def _dashboard_figures(self):
        return {
            **super()._dashboard_figures(),
            "dashboard_tracking_missing": DashboardFigure(
                "amazon.routed.order",
                [("state", "=", "sent"), ("lightspeed_shipped", "=", True)],
                "amazon_routed_order_action",
            ),
            "dashboard_undo_waiting": DashboardFigure(
                "amazon.sale.reversal",
                [("state", "in", ("to_do", "error"))],
                "amazon_sale_reversal_action",
            ),
            "dashboard_undo_errors": DashboardFigure(
                "amazon.sale.reversal",
                [("state", "=", "error")],
                "amazon_sale_reversal_action",
            ),
        }

    @requires("read")
    def action_dashboard_refunds_unbooked(self):
        self.ensure_one()
        return self._dashboard_action(
            "amazon_settlement_refund_action",
            self._unbooked_refund_domain(),
            _("Refunds Not Booked"),
            context={"group_by": ["order_reference"]},
        )

    def _reads_lightspeed_shipments(self):
        self.ensure_one()
        return self.shipment_source in ("lightspeed", "both")
