from odoo import fields, models


class SaleOrder(models.Model):
    """Sale orders built from Amazon orders, linked back (their buyer never follows them nor is
    e-mailed: see mail_buyer_guard.py)."""

    _inherit = "sale.order"

    amazon_order_id = fields.Many2one(
        "amazon.order",
        "Amazon Order",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The Amazon order this sale order was imported from.",
    )
    amazon_order_ref = fields.Char(
        "Amazon Order ID", related="amazon_order_id.name", store=True, index="btree_not_null"
    )
    amazon_exclude_from_reports = fields.Boolean(
        "Excluded from Sales Reports",
        copy=False,
        help="Set from the Amazon channel's setting when imported: the order is left out of "
        "the sales analysis.",
    )
