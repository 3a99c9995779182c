from odoo import models


class AmazonRoutedOrderListings(models.Model):
    """A routed order that starts or stops holding units changes what Amazon may sell."""

    _inherit = "amazon.routed.order"

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals:
            self.env["amazon.offer"]._flag_products(self.line_ids.product_id.ids)
        return result
