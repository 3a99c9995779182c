from odoo import fields, models


class SaleOrder(models.Model):
    """Sale orders built from Amazon orders: linked back, and silent towards the buyer."""

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

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        """Never make an Amazon buyer a follower: followers get e-mails."""
        if partner_ids and self.filtered("amazon_order_id"):
            buyers = self.env["res.partner"].sudo().browse(partner_ids).filtered("amazon_buyer")
            partner_ids = [pid for pid in partner_ids if pid not in buyers.ids]
            if not partner_ids and not subtype_ids:
                return True
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)
