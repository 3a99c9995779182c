from odoo import api, models


class AmazonRoutedOrderLineListings(models.Model):
    """Units routed to an order are committed: Amazon must be told the lower quantity."""

    _inherit = "amazon.routed.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self.env["amazon.offer"]._flag_products(lines.product_id.ids)
        return lines

    def write(self, vals):
        products = self.product_id
        result = super().write(vals)
        if {"quantity", "product_id"} & set(vals):
            self.env["amazon.offer"]._flag_products((products | self.product_id).ids)
        return result

    def unlink(self):
        products = self.product_id
        result = super().unlink()
        self.env["amazon.offer"]._flag_products(products.ids)
        return result
