"""``amazon.order``: its fields, the import's create-or-update, Amazon's status changes.

Elsewhere, one file per concern: the mapping to and from ``AmazonOrder``
(``amazon_order_data.py``), the Odoo sale order (``amazon_order_sale.py``), routing
(``amazon_order_routing.py``), the after-sale (``amazon_order_after_sale.py``), personal data
(``amazon_order_privacy.py``).
"""

from datetime import timezone

from odoo import _, api, fields, models

from ..lib.amazon import order_data
from ..lib.errors import PermanentError

# Imported orders never speak to the buyer (Amazon forbids contacting buyers outside its
# messaging): no tracking, no creation message, no follower added on creation.
NO_MAIL = {
    "tracking_disable": True,
    "mail_notrack": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_auto_subscribe_no_notify": True,
}
STATUSES = [
    (order_data.PENDING, "Pending"),
    (order_data.UNSHIPPED, "Unshipped"),
    (order_data.PARTIALLY_SHIPPED, "Partially shipped"),
    (order_data.SHIPPED, "Shipped"),
    (order_data.CANCELED, "Cancelled"),
    (order_data.UNFULFILLABLE, "Unfulfillable"),
    (order_data.INVOICE_UNCONFIRMED, "Invoice unconfirmed"),
]
SHIPPED_STATUSES = (order_data.PARTIALLY_SHIPPED, order_data.SHIPPED)


def _naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else False


class AmazonOrder(models.Model):
    """One Amazon order of one channel, exactly once: unique per (channel, AmazonOrderId).

    Written by the import (``amazon.account._import_orders``); a re-read updates it. It keeps
    what Amazon said (status, buyer, address, lines, money) and links to the Odoo sale order
    built from it. ``routing_state`` is where routing (the next flow) picks new orders up.
    """

    _name = "amazon.order"
    _inherit = ["amazon.channel.record.mixin", "connector.flow.fields"]
    _description = "Amazon Order"
    _order = "purchase_date desc, id desc"

    name = fields.Char("Amazon Order ID", required=True, index=True, readonly=True)
    marketplace_id = fields.Char("Marketplace ID")
    seller_order_id = fields.Char("Seller Order ID")
    status = fields.Selection(STATUSES, index=True, help="Amazon's order status, as last read.")
    status_raw = fields.Char("Amazon Status", help="The status exactly as the API spelled it.")
    fulfillment_channel = fields.Selection(
        [("MFN", "Merchant (MFN)"), ("AFN", "Amazon (FBA)")],
        help="MFN: you ship it from a store. AFN: Amazon ships it (imported for reporting).",
    )
    purchase_date = fields.Datetime()
    last_update_date = fields.Datetime(
        help="Amazon's LastUpdateDate: a re-read with the same date changes nothing."
    )
    ship_service_level = fields.Char(help="Standard, Expedited, NextDay, SecondDay...")
    is_prime = fields.Boolean("Prime")
    is_business = fields.Boolean("Business Order")
    payment_method = fields.Char(help="Amazon's payment method, for the payment mapping.")
    payment_mapping_id = fields.Many2one("amazon.payment.mapping", ondelete="set null")
    shipping_mapping_id = fields.Many2one("amazon.shipping.mapping", ondelete="set null")
    buyer_note = fields.Text(help="Delivery instructions the buyer typed at checkout.")

    # buyer and recipient: personal data, erased after the retention period
    buyer_name = fields.Char()
    buyer_email = fields.Char(help="Amazon's anonymised relay address: stable per buyer.")
    ship_name = fields.Char("Recipient")
    ship_company = fields.Char("Recipient Company")
    ship_street = fields.Char("Street")
    ship_street2 = fields.Char("Street 2")
    ship_city = fields.Char("City")
    ship_state = fields.Char("State or Region")
    ship_zip = fields.Char("Postal Code")
    ship_country_code = fields.Char("Country Code")
    ship_phone = fields.Char("Phone")

    currency_id = fields.Many2one("res.currency")
    order_total = fields.Monetary(help="Amazon's OrderTotal.")
    lines_total = fields.Monetary(help="The sum of the lines as Amazon itemised them.")
    amount_difference = fields.Monetary(
        help="The Odoo order's total minus Amazon's OrderTotal; anything but zero is logged."
    )
    line_ids = fields.One2many("amazon.order.line", "order_id", "Lines")

    partner_id = fields.Many2one("res.partner", "Customer", ondelete="set null")
    sale_order_id = fields.Many2one("sale.order", "Sale Order", ondelete="set null", index=True)

    import_state = fields.Selection(
        [("imported", "Imported"), ("to_retry", "To retry"), ("error", "Error")],
        default="imported",
        required=True,
        index=True,
        help="Error: see the message; the order is retried when its cause is fixed (a SKU "
        "binding created) or when Amazon changes it.",
    )
    import_error = fields.Text("Import Error", readonly=True)
    missing_skus = fields.Char(
        "Missing SKU Bindings", readonly=True, help="SKUs without a binding, one per line."
    )
    routing_state = fields.Selection(
        [
            ("none", "Not to route"),
            ("to_route", "To route"),
            ("routed", "Routed"),
            ("void_requested", "Cancelled: to void"),
        ],
        default="none",
        required=True,
        index=True,
        help="To route: a new merchant-fulfilled order the routing flow has to place in a "
        "store. Cancelled: to void: Amazon cancelled an order already routed.",
    )
    cancelled_date = fields.Datetime(readonly=True, help="When the import saw it cancelled.")
    shipped_elsewhere = fields.Boolean(
        readonly=True,
        help="Amazon reports it shipped while the connector did not ship it (e.g. confirmed "
        "in Seller Central).",
    )

    _sql_constraints = [
        (
            "amazon_order_unique",
            "UNIQUE(account_id, name)",
            "An Amazon order is imported once per channel.",
        ),
    ]

    # ------------------------------------------------------------ import

    @api.model
    def _unchanged_since(self, amazon_update):
        """Whether this stored order needs nothing from an Amazon copy last updated at
        ``amazon_update`` (naive UTC): imported without error, and Amazon has not changed it
        since."""
        return bool(
            self
            and self.import_state == "imported"
            and self.last_update_date
            and self.last_update_date >= amazon_update
        )

    def _import_from_amazon(self, account, data, existing=None, payment_method=None):
        """Create or update the order from ``data`` (an ``AmazonOrder``); build its sale order.

        Returns ``(order, outcome)``, outcome one of created, updated, unchanged, error (the
        order is stored, its sale order could not be built: see ``import_error``).
        """
        if existing is None:
            existing = self.search(
                [("account_id", "=", account.id), ("name", "=", data.amazon_order_id)]
            )
        if existing._unchanged_since(_naive_utc(data.last_update_date)):
            return existing, "unchanged"
        values = self._values_from_amazon(account, data)
        values["payment_method"] = payment_method
        values.update(self._mappings(account, payment_method, data.ship_service_level))
        lines = [fields.Command.create(self._line_values(line)) for line in data.lines]
        if not existing:
            values["line_ids"] = lines
            order = self.with_context(**NO_MAIL).create(values)
            order._after_status_change(False)
            return order, "created" if order._try_sale_order() else "error"
        previous_status = existing.status
        if existing.sale_order_id:
            # the sale order is built: keep the lines, follow what Amazon ships
            shipped = {line.order_item_id: line.quantity_shipped or 0 for line in data.lines}
            for line in existing.line_ids:
                if (
                    line.order_item_id in shipped
                    and line.quantity_shipped != shipped[line.order_item_id]
                ):
                    line.quantity_shipped = shipped[line.order_item_id]
        else:
            values["line_ids"] = [fields.Command.clear()] + lines
        if existing.fulfillment_channel == "AFN" or not data.is_merchant_fulfilled:
            values.pop("buyer_name"), values.pop("buyer_email")
        existing.with_context(**NO_MAIL).write(values)
        existing._after_status_change(previous_status)
        return existing, "updated" if existing._try_sale_order() else "error"

    @api.model
    def _record_payload_error(self, account, order_id, error, existing=None):
        """An order Amazon sent that cannot be read: an error on the order (created if new)."""
        message = str(error)
        values = {"import_state": "error", "import_error": message, "missing_skus": False}
        if existing is None and order_id:
            existing = self.search([("account_id", "=", account.id), ("name", "=", order_id)])
        if existing:
            existing.write(values)
            return existing
        if not order_id:
            return self.browse()
        return self.with_context(**NO_MAIL).create(
            dict(values, name=order_id, account_id=account.id)
        )

    def _set_error(self, error):
        missing = getattr(error, "skus", None)
        self.write(
            {
                "import_state": "error",
                "import_error": str(error),
                "missing_skus": "\n".join(missing) if missing else False,
            }
        )

    def _missing_sku_list(self):
        return [sku for sku in (self.missing_skus or "").split("\n") if sku]

    # ------------------------------------------------------------ status changes

    def _after_status_change(self, previous_status):
        """Follow Amazon's status: cancellations, shipments made outside the connector."""
        self.ensure_one()
        if self.status == previous_status:
            return
        if self.status == order_data.CANCELED:
            self._on_cancelled(previous_status)
        elif self.status in SHIPPED_STATUSES and self.routing_state in ("none", "to_route"):
            if previous_status:  # first seen shipped: Amazon's word, nothing of ours to undo
                self.shipped_elsewhere = True
            if self.routing_state == "to_route":
                self.routing_state = "none"

    def _on_cancelled(self, previous_status):
        self.cancelled_date = fields.Datetime.now()
        if previous_status in SHIPPED_STATUSES:
            return  # Amazon cancels the rest of a partly shipped order: nothing left to route
        if self.routing_state == "routed":
            self.routing_state = "void_requested"
            self._void_routed_orders()
        else:
            self.routing_state = "none"
        sale = self.sale_order_id
        if sale and sale.state != "cancel":
            sale.with_context(disable_cancel_warning=True, **NO_MAIL)._action_cancel()

    def _void_routed_orders(self):
        """Hook for the routing flow: void this order's routed orders (and record what must be
        undone in Lightspeed for those already sent). Nothing is routed before that flow."""
        return True

    def _queue_for_routing(self):
        """Hook for the routing flow (``amazon_order_routing.py``): a new order is ready to route
        now."""
        return True

    # ------------------------------------------------------------ lookups

    @api.model
    def _currency(self, code):
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", code)], limit=1)
        )
        if not currency:
            raise PermanentError(_("Amazon uses currency %s, which Odoo does not know.", code))
        if not currency.active:
            currency.sudo().active = True
        return currency

    def _mappings(self, account, payment_method, ship_service_level):
        payment = account.payment_mapping_ids.filtered(
            lambda m: m.payment_method == payment_method
        )[:1]
        shipping = account.shipping_mapping_ids.filtered(
            lambda m: m.ship_service_level == ship_service_level
        )[:1]
        return {"payment_mapping_id": payment.id, "shipping_mapping_id": shipping.id}
