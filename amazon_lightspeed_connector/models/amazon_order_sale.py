"""The Odoo sale order of an Amazon order: built once the order is paid (``_ensure_sale_order``),
from the lines' SKU bindings, the buyer's partners and the one money rule; retried from the
order's error (``action_retry``).

``_prepare_sale_order_values(partner, shipping, products)`` is the hook an integrator extends
(README, "Extending the connector"); ``_sale_order_line_values`` and ``_charge_line_values``
build its lines.
"""

from odoo import _, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..lib import money
from ..lib.amazon import order_data
from ..lib.errors import PermanentError
from .access_guard import MANAGER, requires
from .amazon_order import NO_MAIL, SHIPPED_STATUSES

# Statuses in which an order is paid and has an address: it gets its sale order.
SELLABLE = (
    order_data.UNSHIPPED,
    order_data.PARTIALLY_SHIPPED,
    order_data.SHIPPED,
    order_data.INVOICE_UNCONFIRMED,
)
FBA_PARTNER_NAME = "FBA Orders"


class MissingSkuError(PermanentError):
    """A line's SKU has no binding: the order waits for one (retried once it exists)."""

    def __init__(self, message, skus):
        super().__init__(message, code="UnknownSku")
        self.skus = skus


class AmazonOrderSale(models.Model):
    _inherit = "amazon.order"

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
        sale_values = self._prepare_sale_order_values(partner, shipping, products)
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

    def _prepare_sale_order_values(self, partner, shipping, products):
        """The ``sale.order`` create values of this order: ``partner`` buys, ``shipping`` is the
        delivery address, ``products`` the product of each line (in ``line_ids`` order). The
        amounts follow the one money rule (``lib.money.sale_order_amounts``), as the Lightspeed
        Sale does. An override adds or changes values after ``super()``."""
        account = self.account_id
        currency = self.currency_id or account.company_id.currency_id
        amounts = money.sale_order_amounts(self.line_ids, currency.decimal_places)
        lines = [
            self._sale_order_line_values(line, product, unit, units)
            for line, product, (unit, units) in zip(
                self.line_ids, products, amounts.items, strict=True
            )
        ]
        lines += self._charge_line_values(amounts)
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

    def _sale_order_line_values(self, line, product, unit, units):
        """The sale order line of one Amazon line: ``units`` of ``product`` at ``unit`` (the
        money rule's unit price, its rounding given back with the promotion discount)."""
        return {
            "product_id": product.id,
            "name": "[%s] %s" % (line.seller_sku, line.title or product.display_name),
            "product_uom_qty": units,
            "price_unit": float(unit),
            "tax_id": [fields.Command.clear()],
        }

    def _charge_line_values(self, amounts):
        """One line per order-wide charge that is not zero: shipping, its discount, the
        promotions, gift wrap, the tax Amazon collected (each on the addon's charge product)."""
        ref = "amazon_lightspeed_connector.product_amazon_%s"
        charges = (
            ("shipping", amounts.shipping, _("Shipping (%s)", self.ship_service_level or "Amazon")),
            ("shipping", -amounts.shipping_discount, _("Shipping discount")),
            ("promotion", -amounts.promotion, _("Promotion discount")),
            ("gift_wrap", amounts.gift_wrap, _("Gift wrap")),
            ("tax", amounts.tax, _("Tax collected by Amazon")),
        )
        return [
            {
                "product_id": self.env.ref(ref % key).id,
                "name": label,
                "product_uom_qty": 1,
                "price_unit": float(amount),
                "tax_id": [fields.Command.clear()],
            }
            for key, amount, label in charges
            if amount
        ]

    def _check_totals(self):
        """Log any difference between the Odoo total and Amazon's OrderTotal."""
        sale = self.sale_order_id
        if not sale or self.status == order_data.CANCELED or not self.order_total:
            return
        currency = sale.currency_id
        difference = currency.round(sale.amount_total - self.order_total)
        if float_compare(difference, 0, precision_rounding=currency.rounding):
            self.amount_difference = difference
            self.env["amazon.sync.log"]._log_event(
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

    @requires("write", MANAGER)
    def action_retry(self):
        """Build the sale order again (after fixing a binding or a setting)."""
        # checked above: built as the import builds it, as superuser
        for order in self.sudo().filtered(lambda o: o.import_state != "imported"):
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
        if self.import_state == "imported":
            self.env["amazon.sync.log"]._resolve_errors("import", self)
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
