from odoo import models
from odoo.tools.sql import create_index


class LightspeedStockListings(models.Model):
    _inherit = "lightspeed.stock"

    def init(self):  # pylint: disable=missing-return
        # The stock refresh flags SKU bindings from the rows it wrote in the current transaction
        # (lightspeed.account._stock_batch_stored); this keeps that lookup off a full table scan.
        super().init()
        create_index(
            self.env.cr,
            "lightspeed_stock_account_write_date_index",
            self._table,
            ["lightspeed_account_id", "write_date"],
        )
