from odoo import fields, models
from odoo.tools.sql import create_index


class AmazonRoutedOrderLine(models.Model):
    """What one store ships of one product for a routed order, and what it lacks.

    ``quantity`` counts against the store's Lightspeed stock while the store's qoh as we hold it
    does not count it (see ``lightspeed.stock._reservations``). ``missing_qty``: held orders, what
    no store (or the closest one) has; virtual inventory, what the default store lacks.
    """

    _name = "amazon.routed.order.line"
    _inherit = ["connector.flow.fields"]
    _description = "Routed Order Line"
    _order = "routed_order_id, id"

    routed_order_id = fields.Many2one(
        "amazon.routed.order", required=True, ondelete="cascade", index=True
    )
    warehouse_id = fields.Many2one(
        related="routed_order_id.warehouse_id", store=True, index=True, string="Store"
    )
    state = fields.Selection(related="routed_order_id.state")
    company_id = fields.Many2one(related="routed_order_id.company_id", store=True)
    sale_completed_at = fields.Datetime(
        related="routed_order_id.lightspeed_completed_at",
        store=True,
        string="Sale Completed At",
        help="The sale's completion time, copied from the routed order: the stock reads find "
        "by it the completed sales that a store's stock figure does not count yet.",
    )
    product_id = fields.Many2one("product.product", "Product", required=True, index=True)
    seller_sku = fields.Char("Seller SKU", help="The Amazon SKU(s) of the product in the order.")
    quantity = fields.Integer(required=True, help="Units this store ships.")
    missing_qty = fields.Integer(
        "Missing", help="Units the store lacks (virtual inventory) or no store has (held)."
    )

    def _auto_init(self):
        result = super()._auto_init()
        # a stock row's completed sales not read yet: a range of this index, never the history
        create_index(
            self.env.cr,
            "amazon_routed_order_line_unread_sale_index",
            self._table,
            ["product_id", "warehouse_id", "sale_completed_at"],
            where="sale_completed_at IS NOT NULL",
        )
        return result
