"""An ``amazon.order`` and the ``AmazonOrder`` it was read from, both ways: the values the
import writes (``_values_from_amazon``, ``_line_values``) and the ``AmazonOrder`` the Lightspeed
Sale is built from (``_amazon_order_data``)."""

from datetime import timezone

from odoo import api, models

from ..lib import money
from ..lib.amazon import order_data
from ..lib.amazon.order_data import AmazonAddress, AmazonBuyer, AmazonOrder, AmazonOrderLine
from .amazon_order import _naive_utc


def _money(value):
    return money.to_currency(value or 0)  # the one money rule's rounding (half up)


def _aware(moment):
    return moment.replace(tzinfo=timezone.utc) if moment else None


class AmazonOrderData(models.Model):
    _inherit = "amazon.order"

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

    @api.model
    def _line_values(self, line):
        """amazon.order.line values from an ``AmazonOrderLine``."""

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

    def _amazon_order_data(self):
        """The ``AmazonOrder`` of this order as stored, and {product id: the SKU key}.

        Lines of one product share one SKU key (its first SKU), as routing merged them by
        product: the payload then shares their amounts out over the parts the same way.
        """
        self.ensure_one()
        order = self
        sku_of = {}
        lines = []
        for line in order.line_ids.sorted("id"):
            sku = line.seller_sku or line.order_item_id
            if line.product_id:
                sku = sku_of.setdefault(line.product_id.id, sku)
            lines.append(
                AmazonOrderLine(
                    order_item_id=line.order_item_id,
                    seller_sku=sku,
                    asin=line.asin or None,
                    title=line.title or None,
                    quantity_ordered=line.quantity,
                    quantity_shipped=line.quantity_shipped,
                    item_price=_money(line.item_price),
                    item_tax=_money(line.item_tax),
                    promotion_discount=_money(line.promotion_discount),
                    promotion_discount_tax=_money(line.promotion_discount_tax),
                    shipping_price=_money(line.shipping_price),
                    shipping_tax=_money(line.shipping_tax),
                    shipping_discount=_money(line.shipping_discount),
                    shipping_discount_tax=_money(line.shipping_discount_tax),
                    gift_wrap_price=_money(line.gift_wrap_price),
                    gift_wrap_tax=_money(line.gift_wrap_tax),
                    gift_message=line.gift_message or None,
                )
            )
        streets = tuple(s for s in (order.ship_street, order.ship_street2) if s)
        address = None
        if order.ship_name or streets or order.ship_city:
            address = AmazonAddress(
                name=order.ship_name or None,
                company=order.ship_company or None,
                street_lines=streets,
                city=order.ship_city or None,
                state=order.ship_state or None,
                postal_code=order.ship_zip or None,
                country_code=order.ship_country_code or None,
                phone=order.ship_phone or None,
            )
        data = AmazonOrder(
            amazon_order_id=order.name,
            marketplace_id=order.marketplace_id or "",
            status=order.status or "",
            status_raw=order.status_raw or "",
            fulfillment_channel=order.fulfillment_channel or "MFN",
            purchase_date=_aware(order.purchase_date),
            last_update_date=_aware(order.last_update_date),
            currency=order.currency_id.name or None,
            order_total=_money(order.order_total),
            ship_service_level=order.ship_service_level or None,
            is_prime=order.is_prime,
            is_business=order.is_business,
            buyer=AmazonBuyer(order.buyer_name or None, order.buyer_email or None),
            shipping_address=address,
            buyer_note=order.buyer_note or None,
            lines=tuple(lines),
            seller_order_id=order.seller_order_id or None,
        )
        return data, sku_of
