from odoo import models


class LightspeedAccountListings(models.Model):
    """Store stock read from Lightspeed flags the SKU bindings it concerns for a push."""

    _inherit = "lightspeed.account"

    def _stock_batch_stored(self):
        """Flag, in the transaction that wrote them, the bindings of every product whose store
        quantity the refresh wrote: the upsert stamps ``write_date`` with the transaction's
        ``now()``, so the rows of this transaction are found without keeping a list."""
        self.env["amazon.offer"]._flag_where(
            """
            active
            AND account_id IN (SELECT id FROM amazon_account WHERE lightspeed_account_id = %s)
            AND product_id IN (SELECT product_id FROM lightspeed_stock
                                WHERE lightspeed_account_id = %s
                                  AND write_date = now() at time zone 'UTC')
            """,
            [self.id, self.id],
        )
        return super()._stock_batch_stored()
