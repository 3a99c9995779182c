from odoo import fields, models


class AmazonRoutedOrderLine(models.Model):
    """What one store ships of one product for a routed order, and what it lacks.

    ``quantity`` counts against the store's Lightspeed stock while the routed order is not yet
    in Lightspeed (see ``lightspeed.stock._reservations``). ``missing_qty``: held orders, what
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
    product_id = fields.Many2one("product.product", "Product", required=True, index=True)
    seller_sku = fields.Char("Seller SKU", help="The Amazon SKU(s) of the product in the order.")
    quantity = fields.Integer(required=True, help="Units this store ships.")
    missing_qty = fields.Integer(
        "Missing", help="Units the store lacks (virtual inventory) or no store has (held)."
    )
