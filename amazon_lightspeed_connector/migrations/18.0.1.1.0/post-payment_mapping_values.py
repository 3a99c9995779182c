"""The payment mapping's Amazon payment method became a choice among the values Amazon sends
(it was free text): existing rows are brought to Amazon's spelling, the unusable ones are
deleted and named in the sync log (``amazon.payment.mapping._upgrade_free_text_methods``)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["amazon.payment.mapping"]._upgrade_free_text_methods()
