"""A returning buyer's Lightspeed customer id, kept per contact and Lightspeed account.

Without it every run looked each buyer up by e-mail (a Customer search, 1 unit of the bucket)
and created the ones it did not find (a Customer POST, 10 units), so a buyer who orders every
week cost a search every week. The id is kept once Lightspeed gave it and used without a
search. It is checked when used, at no cost: a Sale that names a customer Lightspeed no longer
has is refused whole (nothing written), and the send flow then forgets the id, finds or creates
the customer again, and sends the Sale once more (``amazon_routed_order_customer``).
"""

import logging

from odoo import api, fields, models

from .kept_apart import write_apart

_logger = logging.getLogger(__name__)

_UPSERT = """
    INSERT INTO lightspeed_customer (partner_id, lightspeed_account_id, lightspeed_customer_id,
                                     create_date, write_date)
    VALUES (%s, %s, %s, now() at time zone 'UTC', now() at time zone 'UTC')
    ON CONFLICT (partner_id, lightspeed_account_id)
    DO UPDATE SET lightspeed_customer_id = EXCLUDED.lightspeed_customer_id,
                  write_date = EXCLUDED.write_date
"""


class LightspeedCustomer(models.Model):
    _name = "lightspeed.customer"
    _description = "Lightspeed Customer of a Contact"
    _rec_name = "lightspeed_customer_id"

    partner_id = fields.Many2one(
        "res.partner", "Contact", required=True, ondelete="cascade", index=True
    )
    lightspeed_account_id = fields.Many2one(
        "lightspeed.account", "Lightspeed Account", required=True, ondelete="cascade"
    )
    lightspeed_customer_id = fields.Integer(
        "Lightspeed Customer ID",
        required=True,
        help="The customerID of this contact in that Lightspeed account; forgotten and found "
        "again when Lightspeed no longer has it.",
    )

    _sql_constraints = [
        (
            "partner_account_unique",
            "UNIQUE(partner_id, lightspeed_account_id)",
            "A contact has one customer per Lightspeed account.",
        ),
    ]

    @api.model
    def _kept_ids(self, lightspeed_account, partners):
        """{partner id: Lightspeed customer id} kept for these contacts in that account."""
        links = self.search(
            [
                ("lightspeed_account_id", "=", lightspeed_account.id),
                ("partner_id", "in", partners.ids),
            ]
        )
        return {link.partner_id.id: link.lightspeed_customer_id for link in links}

    @api.model
    def _remember(self, lightspeed_account, partner, customer_id):
        """Keep the id at once, in a transaction of its own: the customer exists in
        Lightspeed whatever becomes of the order being sent, so a rollback of the order must
        not make the next run search (or create) it again."""
        if not (partner and customer_id):
            return
        # another worker keeping the same buyer at the same moment (its id is as good), or a
        # contact not committed yet: the id is kept next time
        if not write_apart(
            self.env.registry, _UPSERT, (partner.id, lightspeed_account.id, int(customer_id))
        ):
            _logger.debug("Lightspeed customer of contact %s not kept this time", partner.id)

    @api.model
    def _forget(self, lightspeed_account, customer_id):
        """Lightspeed no longer has this customer: no contact may use its id again."""
        self.search(
            [
                ("lightspeed_account_id", "=", lightspeed_account.id),
                ("lightspeed_customer_id", "=", int(customer_id)),
            ]
        ).unlink()
