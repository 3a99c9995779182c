from odoo import fields, models


class AmazonOrderLine(models.Model):
    """One OrderItem of an Amazon order, as Amazon reported it (money for all units)."""

    _name = "amazon.order.line"
    _description = "Amazon Order Line"
    _order = "order_id, id"

    order_id = fields.Many2one("amazon.order", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="order_id.company_id", store=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
    order_item_id = fields.Char("Order Item ID", required=True, help="Amazon's OrderItemId.")
    seller_sku = fields.Char("Seller SKU", index=True, help="The SKU the seller listed.")
    asin = fields.Char("ASIN")
    title = fields.Char()
    product_id = fields.Many2one(
        "product.product",
        help="The Odoo product of the SKU binding, once the sale order is built.",
    )
    quantity = fields.Integer("Quantity Ordered")
    quantity_shipped = fields.Integer(help="As Amazon last reported it.")
    item_price = fields.Monetary(help="The price of all units of the line.")
    item_tax = fields.Monetary()
    promotion_discount = fields.Monetary(help="Taken off the item price (positive).")
    promotion_discount_tax = fields.Monetary()
    shipping_price = fields.Monetary()
    shipping_tax = fields.Monetary()
    shipping_discount = fields.Monetary()
    shipping_discount_tax = fields.Monetary()
    gift_wrap_price = fields.Monetary()
    gift_wrap_tax = fields.Monetary()
    gift_message = fields.Text()
    line_total = fields.Monetary(help="What the buyer pays for this line, taxes included.")
