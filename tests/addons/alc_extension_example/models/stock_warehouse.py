from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    example_no_amazon = fields.Boolean(
        "Never Ships Amazon Orders", help="Routing leaves this store out (unless it is default)."
    )
