from odoo import models


class ProductTemplate(models.Model):
    """A new sales price may change the Amazon price of the product's SKU bindings."""

    _inherit = "product.template"

    def write(self, vals):
        result = super().write(vals)
        if "list_price" in vals:
            self.env["amazon.offer"]._flag_products(
                self.with_context(active_test=False).product_variant_ids.ids
            )
        return result
