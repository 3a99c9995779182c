"""What one routed order's Lightspeed Sale holds: the ``SaleRequest`` built from the Amazon
order and the routed lines, and the body of its ``POST Sale.json``.

Two hooks an integrator extends (README, "Extending the connector"):

- ``_prepare_lightspeed_sale_request(run=None, **options)`` -> ``SaleRequest``: the Lightspeed
  item per product (the store's stock row, else any stock row of the account, else a search by
  the account's item key), the customer by e-mail, the register (``_sale_register``), the
  channel's employee and payment type (the payment mapping first), shipping as a line or a
  note, the shipment notes. ``options`` overrides any ``SaleRequest`` field.
- ``_prepare_lightspeed_sale_payload(request)`` -> dict: the body the send flow POSTs (and
  whose total it records), ``lib.lightspeed.sale_payload.sale_payload`` unless extended.
"""

from odoo import _, models

from ..lib.amazon.payment import payment_label
from ..lib.lightspeed.sale_payload import MISC_CHARGE_ITEM_ID, PartLine, SaleRequest, sale_payload
from ..lib.lightspeed.sale_sender import customer_id_for
from .amazon_routed_order_lightspeed import SaleNotPossible


class AmazonRoutedOrderSaleRequest(models.Model):
    _inherit = "amazon.routed.order"

    def _prepare_lightspeed_sale_request(self, run=None, **options):
        """The ``SaleRequest`` of this part; ``run`` (a SendRun) resolves the Lightspeed ids
        (items, customer, shop, register, employee, payment type), without it they are 0 (for
        the shipment note only). ``options``: ``SaleRequest`` fields to set, e.g.
        ``payment_label``; an override passes its own to ``super()``. SaleNotPossible when the
        order cannot become a sale as things are set up."""
        self.ensure_one()
        order = self.amazon_order_id
        account = order.account_id
        data, sku_of = order._amazon_order_data()
        parts = self._sibling_parts()
        item_ids = self._lightspeed_item_ids(run) if run else {}
        values = {
            "order": data,
            "parts": tuple(self._part_lines(part, sku_of, item_ids) for part in parts),
            "part_index": list(parts).index(self),
            "shop_id": 0,
            "register_id": 0,
            "employee_id": 0,
            "payment_type_id": 0,
            "complete_now": account.inventory_deduction != "when_shipped",
            "shipping_item_id": MISC_CHARGE_ITEM_ID if account.lightspeed_shipping_line else None,
            "ship_service_label": order.shipping_mapping_id.lightspeed_label or None,
            "payment_label": payment_label(order.payment_method) or _("Paid on Amazon"),
            "tracking_number": self.tracking_number or None,
        }
        if run:
            values.update(self._lightspeed_targets())
            values["customer_id"] = customer_id_for(run.client, data, run.customers)
        values.update(options)
        try:
            request = SaleRequest(**values)
        except ValueError as error:
            raise SaleNotPossible(str(error)) from None
        if request.reference_number != self.name:
            raise SaleNotPossible(
                _(
                    "%(name)s: its parts changed (the sale would be %(reference)s); void and "
                    "route the order again.",
                    name=self.name,
                    reference=request.reference_number,
                )
            )
        return request

    def _prepare_lightspeed_sale_payload(self, request):
        """The body of ``POST Sale.json`` for ``request`` (this part's ``SaleRequest``): a dict
        an override may add fields to (``super()`` first). The send flow records the total of
        what is returned and checks it against Amazon's part total."""
        self.ensure_one()
        return sale_payload(request)

    def _part_lines(self, part, sku_of, item_ids):
        """``part``'s PartLines: its lines by SKU key; the item ids of this part only."""
        lines = []
        for line in part.line_ids:
            sku = sku_of.get(line.product_id.id)
            if not sku:
                raise SaleNotPossible(
                    _(
                        "%(name)s: %(product)s is not on Amazon order %(order)s any more.",
                        name=self.name,
                        product=line.product_id.display_name,
                        order=self.amazon_order_id.name,
                    )
                )
            item_id = item_ids.get(line.product_id.id, 0) if part == self else 0
            lines.append(PartLine(sku, line.quantity, item_id))
        return tuple(lines)

    def _sibling_parts(self):
        """Every part of the Amazon order in part order (this one included), as routed."""
        parts = self.amazon_order_id.routed_order_ids.filtered(
            lambda r: r.state not in ("voided", "held") and r.part_count == self.part_count
        ).sorted("part_number")
        if self not in parts or len(parts) != self.part_count:
            raise SaleNotPossible(
                _(
                    "%(name)s is part %(number)s of %(count)s, but the order has %(found)s "
                    "parts: void it and route the order again.",
                    name=self.name,
                    number=self.part_number,
                    count=self.part_count,
                    found=len(parts),
                )
            )
        return parts

    def _lightspeed_targets(self):
        """shop, register, employee and payment type ids, or SaleNotPossible naming the gap."""
        order = self.amazon_order_id
        account = order.account_id
        store = self.warehouse_id
        if not store.lightspeed_shop_id or not store.lightspeed_shop_id.isdigit():
            raise SaleNotPossible(
                _("%s: the store is not bound to a Lightspeed shop.", store.name or self.name)
            )
        register = self._sale_register()
        if not register:
            raise SaleNotPossible(
                _("%s has no default register: set one on the store, then Retry.", store.name)
            )
        if not account.default_employee_id:
            raise SaleNotPossible(
                _("The channel %s has no default employee: set one, then Retry.", account.name)
            )
        payment_type = (
            order.payment_mapping_id.lightspeed_payment_type_id or account.default_payment_type_id
        )
        if not payment_type:
            raise SaleNotPossible(
                _(
                    "The channel %(channel)s has no default payment type (and no mapping for "
                    "%(method)s): set one, then Retry.",
                    channel=account.name,
                    method=order.payment_method or "-",
                )
            )
        return {
            "shop_id": int(store.lightspeed_shop_id),
            "register_id": int(register.lightspeed_id),
            "employee_id": int(account.default_employee_id.lightspeed_id),
            "payment_type_id": int(payment_type.lightspeed_id),
        }

    def _sale_register(self):
        """The register the sale is rung up on: the channel's Default Register in its own
        store (the administrator picked it for Amazon sales there, while Sync gives every store
        a register of its own), the store's Default Register in any other store."""
        channel_register = self.amazon_order_id.account_id.default_register_id
        if channel_register and channel_register.warehouse_id == self.warehouse_id:
            return channel_register
        return self.warehouse_id.lightspeed_register_id

    def _lightspeed_item_ids(self, run):
        """{product id: Lightspeed item id} of this part's lines.

        The store's stock row first (the refresh matched it with the account's item key), else
        any stock row of the account (item ids are account-wide; a store holding none has no
        row), else one search in Lightspeed by the account's item key, cached for the run.
        """
        account = run.lightspeed_account
        products = self.line_ids.product_id
        rows = (
            self.env["lightspeed.stock"]
            .sudo()
            .search(
                [("lightspeed_account_id", "=", account.id), ("product_id", "in", products.ids)],
                order="id",
            )
        )
        found = {}
        for row in rows.sorted(lambda r: r.warehouse_id != self.warehouse_id):
            if row.lightspeed_item_id and row.lightspeed_item_id.isdigit():
                found.setdefault(row.product_id.id, int(row.lightspeed_item_id))
        missing = []
        for product in products - self.env["product.product"].browse(list(found)):
            item_id = None
            for field, value in account._item_keys(product):
                if (field, value) not in run.item_ids:
                    run.item_ids[(field, value)] = run.client.find_item_id(field, value)
                item_id = run.item_ids[(field, value)]
                if item_id:
                    break
            if item_id:
                found[product.id] = item_id
            else:
                missing.append(product)
        if missing:
            raise SaleNotPossible(
                _(
                    "%(name)s: no Lightspeed item for %(products)s (matched by %(key)s): create "
                    "it in Lightspeed or fix the product's reference, then Retry.",
                    name=self.name,
                    products=", ".join(p.display_name for p in missing),
                    key=account._item_match_label(),
                )
            )
        return found
