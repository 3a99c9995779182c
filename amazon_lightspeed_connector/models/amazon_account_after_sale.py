from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .access_guard import requires

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

    dashboard_tracking_missing = fields.Integer(
        "Shipped in Lightspeed, No Tracking",
        compute="_compute_dashboard_after_sale",
        help="Orders the store ticked Shipped in Lightspeed without a tracking line: enter the "
        "number, then Mark shipped.",
    )
    dashboard_undo_waiting = fields.Integer(
        "To Undo in Lightspeed",
        compute="_compute_dashboard_after_sale",
        help="Orders whose Lightspeed sale waits for a void or a refund sale (cancelled or "
        "refunded by Amazon), or whose undo Lightspeed refused.",
    )
    dashboard_undo_errors = fields.Integer(
        "Undos Refused by Lightspeed",
        compute="_compute_dashboard_after_sale",
        help="Undos (a void or a refund sale in Lightspeed) that Lightspeed refused: open each "
        "one, read its error and press Retry once the cause is fixed.",
    )

    def _compute_dashboard_after_sale(self):
        Routed = self.env["amazon.routed.order"]
        missing = dict(
            Routed._read_group(
                [
                    ("account_id", "in", self.ids),
                    ("state", "=", "sent"),
                    ("lightspeed_shipped", "=", True),
                ],
                ["account_id"],
                ["__count"],
            )
        )
        undo = self.env["amazon.sale.reversal"]._read_group(
            [("account_id", "in", self.ids), ("state", "in", ("to_do", "error"))],
            ["account_id", "state"],
            ["__count"],
        )
        for account in self:
            account.dashboard_tracking_missing = missing.get(account, 0)
            account.dashboard_undo_waiting = sum(c for a, _s, c in undo if a == account)
            account.dashboard_undo_errors = sum(
                c for a, state, c in undo if a == account and state == "error"
            )

    @requires("read")
    def action_dashboard_tracking_missing(self):
        return self._dashboard_action(
            "amazon_routed_order_action",
            [
                ("account_id", "=", self.id),
                ("state", "=", "sent"),
                ("lightspeed_shipped", "=", True),
            ],
            _("Shipped in Lightspeed, No Tracking"),
        )

    @requires("read")
    def action_dashboard_undo_waiting(self):
        return self._dashboard_action(
            "amazon_routed_order_action",
            [
                ("account_id", "=", self.id),
                ("reversal_ids.state", "in", ("to_do", "error")),
            ],
            _("To Undo in Lightspeed"),
        )

    def _reads_lightspeed_shipments(self):
        self.ensure_one()
        return self.shipment_source in ("lightspeed", "both")
