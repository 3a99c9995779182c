from datetime import timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..lib import money
from ..lib.amazon import order_data
from ..lib.errors import PermanentError
from .access_guard import MANAGER, requires

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
# Statuses in which an order is paid and has an address: it gets its sale order.
SELLABLE = (
    order_data.UNSHIPPED,
    order_data.PARTIALLY_SHIPPED,
    order_data.SHIPPED,
    order_data.INVOICE_UNCONFIRMED,
)
SHIPPED_STATUSES = (order_data.PARTIALLY_SHIPPED, order_data.SHIPPED)
FBA_PARTNER_NAME = "FBA Orders"


class MissingSkuError(PermanentError):
    """A line's SKU has no binding: the order waits for one (retried once it exists)."""

    def __init__(self, message, skus):
        super().__init__(message, code="UnknownSku")
        self.skus = skus


def _naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else False


class AmazonOrder(models.Model):
    """One Amazon order of one channel, exactly once: unique per (channel, AmazonOrderId).

    Written by the import (``amazon.account._import_orders``); a re-read updates it. It keeps
    what Amazon said (status, buyer, address, lines, money) and links to the Odoo sale order
    built from it. ``routing_state`` is where routing (the next flow) picks new orders up.
    """

    _name = "amazon.order"
    _description = "Amazon Order"
    _order = "purchase_date desc, id desc"
    _check_company_auto = True

    name = fields.Char("Amazon Order ID", required=True, index=True, readonly=True)
    account_id = fields.Many2one(
        "amazon.account", "Amazon Channel", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
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
    def _values_from_amazon(self, account, data):
        """amazon.order values from an ``AmazonOrder`` (lines apart)."""
        fba_report = not data.is_merchant_fulfilled
        buyer = data.buyer or order_data.AmazonBuyer()
        address = data.shipping_address or order_data.AmazonAddress()
        if fba_report:  # reporting only: no address, no buyer
            buyer, address = order_data.AmazonBuyer(), order_data.AmazonAddress()
        streets = list(address.street_lines) + ["", ""]
        currency = (
            self._currency(data.currency) if data.currency else account.company_id.currency_id
        )
        return {
            "name": data.amazon_order_id,
            "account_id": account.id,
            "marketplace_id": data.marketplace_id,
            "seller_order_id": data.seller_order_id,
            "status": data.status,
            "status_raw": data.status_raw,
            "fulfillment_channel": data.fulfillment_channel,
            "purchase_date": _naive_utc(data.purchase_date),
            "last_update_date": _naive_utc(data.last_update_date),
            "ship_service_level": data.ship_service_level,
            "is_prime": data.is_prime,
            "is_business": data.is_business,
            "buyer_note": data.buyer_note,
            "buyer_name": buyer.name,
            "buyer_email": buyer.email,
            "ship_name": address.name,
            "ship_company": address.company,
            "ship_street": streets[0] or False,
            "ship_street2": ", ".join(s for s in streets[1:] if s) or False,
            "ship_city": address.city,
            "ship_state": address.state,
            "ship_zip": address.postal_code,
            "ship_country_code": address.country_code,
            "ship_phone": address.phone,
            "currency_id": currency.id,
            "order_total": float(data.order_total) if data.order_total is not None else 0.0,
            "lines_total": float(data.lines_total()),
        }

    @staticmethod
    def _line_values(line):
        def money(value):
            return float(value or 0)

        return {
            "order_item_id": line.order_item_id,
            "seller_sku": line.seller_sku,
            "asin": line.asin,
            "title": line.title,
            "quantity": line.quantity_ordered,
            "quantity_shipped": line.quantity_shipped or 0,
            "item_price": money(line.item_price),
            "item_tax": money(line.item_tax),
            "promotion_discount": money(line.promotion_discount),
            "promotion_discount_tax": money(line.promotion_discount_tax),
            "shipping_price": money(line.shipping_price),
            "shipping_tax": money(line.shipping_tax),
            "shipping_discount": money(line.shipping_discount),
            "shipping_discount_tax": money(line.shipping_discount_tax),
            "gift_wrap_price": money(line.gift_wrap_price),
            "gift_wrap_tax": money(line.gift_wrap_tax),
            "gift_message": line.gift_message,
            "line_total": money(line.total()),
        }

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

    # ------------------------------------------------------------ the sale order

    def _needs_sale_order(self):
        return not self.sale_order_id and self.status in SELLABLE

    def _ensure_sale_order(self):
        """Build the Odoo sale order once the order is paid; an unknown SKU is an error that
        names it (retried once the binding exists)."""
        self.ensure_one()
        if not self._needs_sale_order():
            if self.import_state != "imported" and not self.sale_order_id:
                self.write(
                    {"import_state": "imported", "import_error": False, "missing_skus": False}
                )
            return self.sale_order_id
        account = self.account_id
        fba = self.fulfillment_channel == "AFN"
        products = self._bound_products()
        partner, shipping = self._customer()
        sale_values = self._sale_order_values(partner, shipping, products)
        sale = (
            self.env["sale.order"]
            .with_company(account.company_id)
            .with_context(**NO_MAIL)
            .create(sale_values)
        )
        state = account.fba_order_state if fba else account.fbm_order_state
        if state in ("sale", "cancel"):
            sale.with_context(skip_procurement=fba, **NO_MAIL).action_confirm()
        if state == "cancel":
            sale.with_context(disable_cancel_warning=True, **NO_MAIL)._action_cancel()
        values = {
            "sale_order_id": sale.id,
            "partner_id": partner.id,
            "import_state": "imported",
            "import_error": False,
            "missing_skus": False,
        }
        if not fba and self.status in (order_data.UNSHIPPED, order_data.INVOICE_UNCONFIRMED):
            values["routing_state"] = "to_route"
        elif not fba and self.status in SHIPPED_STATUSES:
            values["shipped_elsewhere"] = True
        for line, product in zip(self.line_ids, products, strict=True):
            line.product_id = product
        self.write(values)
        self._check_totals()
        if values.get("routing_state") == "to_route":
            self._queue_for_routing()
        return sale

    def _queue_for_routing(self):
        """Hook for the routing flow (next issue): a new order is ready to route now."""
        return True

    def _bound_products(self):
        """The product of each line by SKU binding; MissingSkuError naming every unbound SKU."""
        skus = self.line_ids.mapped("seller_sku")
        offers = (
            self.env["amazon.offer"]
            .sudo()
            .search(
                [
                    ("account_id", "=", self.account_id.id),
                    ("marketplace_id", "=", self.marketplace_id),
                    ("seller_sku", "in", skus),
                ]
            )
        )
        by_sku = {offer.seller_sku: offer.product_id for offer in offers}
        missing = [sku for sku in dict.fromkeys(skus) if sku not in by_sku]
        if missing:
            raise MissingSkuError(
                _(
                    "Amazon order %(order)s: no product is bound to SKU %(skus)s in marketplace "
                    "%(marketplace)s. Add the binding (Amazon / Lightspeed > Configuration > SKU "
                    "Bindings); the order is imported by the next run.",
                    order=self.name,
                    skus=", ".join(missing),
                    marketplace=self.marketplace_id,
                ),
                missing,
            )
        return [by_sku[line.seller_sku] for line in self.line_ids]

    def _customer(self):
        """(buyer, delivery address) partners; FBA orders share one "FBA Orders" partner."""
        Partner = self.env["res.partner"].sudo().with_context(**NO_MAIL)
        company = self.company_id
        if self.fulfillment_channel == "AFN":
            partner = Partner._amazon_fba_partner(company, FBA_PARTNER_NAME)
            return partner, partner
        return Partner._amazon_buyer_partners(self, company)

    def _sale_order_values(self, partner, shipping, products):
        account = self.account_id
        currency = self.currency_id or account.company_id.currency_id
        amounts = money.sale_order_amounts(self.line_ids, currency.decimal_places)
        lines = [
            {
                "product_id": product.id,
                "name": "[%s] %s" % (line.seller_sku, line.title or product.display_name),
                "product_uom_qty": units,
                "price_unit": float(unit),
                "tax_id": [fields.Command.clear()],
            }
            for line, product, (unit, units) in zip(
                self.line_ids, products, amounts.items, strict=True
            )
        ]
        ref = "amazon_lightspeed_connector.product_amazon_%s"
        extra = (
            ("shipping", amounts.shipping, _("Shipping (%s)", self.ship_service_level or "Amazon")),
            ("shipping", -amounts.shipping_discount, _("Shipping discount")),
            ("promotion", -amounts.promotion, _("Promotion discount")),
            ("gift_wrap", amounts.gift_wrap, _("Gift wrap")),
            ("tax", amounts.tax, _("Tax collected by Amazon")),
        )
        for key, amount, label in extra:
            if amount:
                lines.append(
                    {
                        "product_id": self.env.ref(ref % key).id,
                        "name": label,
                        "product_uom_qty": 1,
                        "price_unit": float(amount),
                        "tax_id": [fields.Command.clear()],
                    }
                )
        values = {
            "name": "%s%s" % (account.order_prefix or "", self.name),
            "partner_id": partner.id,
            "partner_invoice_id": partner.id,
            "partner_shipping_id": shipping.id,
            "company_id": account.company_id.id,
            "client_order_ref": self.name,
            "date_order": self.purchase_date or fields.Datetime.now(),
            "pricelist_id": self._pricelist(currency).id,
            "amazon_order_id": self.id,
            "amazon_exclude_from_reports": account.exclude_from_sales_reports,
            "order_line": [fields.Command.create(v) for v in lines],
        }
        shipping_mapping = self.shipping_mapping_id
        if shipping_mapping.carrier_id:
            values["carrier_id"] = shipping_mapping.carrier_id.id
        return values

    def _check_totals(self):
        """Log any difference between the Odoo total and Amazon's OrderTotal."""
        sale = self.sale_order_id
        if not sale or self.status == order_data.CANCELED or not self.order_total:
            return
        currency = sale.currency_id
        difference = currency.round(sale.amount_total - self.order_total)
        if float_compare(difference, 0, precision_rounding=currency.rounding):
            self.amount_difference = difference
            self.env["amazon.sync.log"].log_event(
                "import",
                _(
                    "Amazon order %(order)s: the Odoo total %(odoo)s differs from Amazon's "
                    "OrderTotal %(amazon)s by %(diff)s %(currency)s.",
                    order=self.name,
                    odoo=sale.amount_total,
                    amazon=self.order_total,
                    diff=difference,
                    currency=currency.name,
                ),
                level="warning",
                reference=self.name,
                record=self,
            )

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

    def _pricelist(self, currency):
        company = self.account_id.company_id
        Pricelist = self.env["product.pricelist"].sudo()
        pricelist = Pricelist.search(
            [("currency_id", "=", currency.id), ("company_id", "in", (company.id, False))],
            order="company_id, sequence, id",
            limit=1,
        )
        return pricelist or Pricelist.create(
            {
                "name": "Amazon (%s)" % currency.name,
                "currency_id": currency.id,
                "company_id": company.id,
            }
        )

    def _mappings(self, account, payment_method, ship_service_level):
        payment = account.payment_mapping_ids.filtered(
            lambda m: m.payment_method == payment_method
        )[:1]
        shipping = account.shipping_mapping_ids.filtered(
            lambda m: m.ship_service_level == ship_service_level
        )[:1]
        return {"payment_mapping_id": payment.id, "shipping_mapping_id": shipping.id}

    # ------------------------------------------------------------ buttons

    @requires("write", MANAGER)
    def action_retry(self):
        """Build the sale order again (after fixing a binding or a setting)."""
        for order in self.filtered(lambda o: o.import_state != "imported"):
            order._retry_import()
        return True

    def _retry_import(self):
        self.ensure_one()
        if not self.line_ids and not self.status:
            return False  # Amazon's payload could not be read: only a new read can fix it
        return self._try_sale_order()

    def _try_sale_order(self):
        """Build the sale order in its own savepoint; a failure becomes the order's error."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._ensure_sale_order()
        except (PermanentError, UserError, ValidationError) as error:
            self._set_error(error)
            return False
        return True

    @requires("read")
    def action_open_sale_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.sale_order_id.id,
            "view_mode": "form",
        }
