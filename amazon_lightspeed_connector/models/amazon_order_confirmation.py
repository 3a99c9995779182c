"""The Amazon order as the ship confirmation reads it (``lib/amazon/shipment``)."""

from odoo import models

from ..lib.amazon import order_data


class AmazonOrder(models.Model):
    _inherit = "amazon.order"

    def _confirmation_data(self):
        """The order as lib/amazon/shipment sees it: status, channel and items with counts."""
        self.ensure_one()
        account = self.account_id
        marketplace = self.marketplace_id or (account._marketplace_list() or [""])[0]
        return order_data.AmazonOrder(
            amazon_order_id=self.name,
            marketplace_id=marketplace,
            status=self.status,
            status_raw=self.status_raw or "",
            fulfillment_channel=self.fulfillment_channel or order_data.MERCHANT_FULFILLED,
            purchase_date=self.purchase_date,
            last_update_date=self.last_update_date,
            currency=None,
            order_total=None,
            ship_service_level=self.ship_service_level,
            is_prime=self.is_prime,
            is_business=self.is_business,
            buyer=None,
            shipping_address=None,
            buyer_note=None,
            lines=tuple(
                order_data.AmazonOrderLine(
                    line.order_item_id,
                    line.seller_sku or "",
                    None,
                    None,
                    line.quantity,
                    line.quantity_shipped,
                )
                for line in self.line_ids
            ),
        )
