from odoo import fields, models


class LightspeedAccount(models.Model):
    _inherit = "lightspeed.account"

    example_out_of_stock = fields.Integer(
        "Out of Stock at Last Refresh",
        readonly=True,
        help="Store quantities the last stock refresh brought to 0 or below.",
    )

    def _after_stock_refresh(self, updated_stock):
        self.example_out_of_stock = len(updated_stock.filtered(lambda row: row.qoh <= 0))
        return super()._after_stock_refresh(updated_stock)
