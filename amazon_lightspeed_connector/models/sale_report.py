from odoo import models


class SaleReport(models.Model):
    """The sales analysis leaves out Amazon orders of channels set to be excluded."""

    _inherit = "sale.report"

    def _where_sale(self):
        return super()._where_sale() + " AND NOT COALESCE(s.amazon_exclude_from_reports, FALSE)"
