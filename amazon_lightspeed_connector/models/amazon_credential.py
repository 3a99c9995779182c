"""The secrets of an Amazon channel, in a table only administrators read.

The LWA client secret and the seller's refresh token are not columns of ``amazon.account``:
PostgreSQL prints the whole row into a constraint error (a bad number typed in the form) and
Odoo logs that error, and every worker reads and locks the channel row all day. Here they sit
in a row of their own (``amazon.credential``, Administration / Settings only); the channel
shows them through computed fields, to administrators only, and the connector reads them as
superuser when it builds a client.
"""

from odoo import fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

SECRET_FIELDS = ("lwa_client_secret", "refresh_token")


class AmazonCredential(models.Model):
    _name = "amazon.credential"
    _description = "Amazon Channel Secrets"

    amazon_account_id = fields.Many2one(
        "amazon.account", "Amazon Channel", required=True, ondelete="cascade", index=True
    )
    lwa_client_secret = fields.Char("LWA Client Secret")
    refresh_token = fields.Char(help="The seller's Login with Amazon refresh token (Atzr|...).")

    _sql_constraints = [
        (
            "account_unique",
            "UNIQUE(amazon_account_id)",
            "An Amazon channel has one set of secrets.",
        ),
    ]


class AmazonAccount(models.Model):
    _name = "amazon.account"
    _inherit = ["amazon.account", "connector.secrets.mixin"]

    _secrets_rows = "credential_ids"
    _secret_fields = SECRET_FIELDS
    _secrets_search_refused = _lt("Only administrators can search the Amazon channel secrets.")

    credential_ids = fields.One2many(
        "amazon.credential",
        "amazon_account_id",
        groups="base.group_system",
        help="Where the LWA client secret and the refresh token are stored (one row).",
    )

    def _search_lwa_client_secret(self, operator, value):
        return self._search_secret("lwa_client_secret", operator, value)

    def _search_refresh_token(self, operator, value):
        return self._search_secret("refresh_token", operator, value)
