"""The secrets of an Amazon channel, in a table only administrators read.

The LWA client secret and the seller's refresh token are not columns of ``amazon.account``:
PostgreSQL prints the whole row into a constraint error (a bad number typed in the form) and
Odoo logs that error, and every worker reads and locks the channel row all day. Here they sit
in a row of their own (``amazon.credential``, Administration / Settings only); the channel
shows them through computed fields, to administrators only, and the connector reads them as
superuser when it builds a client.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

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
    _inherit = "amazon.account"

    credential_ids = fields.One2many(
        "amazon.credential",
        "amazon_account_id",
        groups="base.group_system",
        help="Where the LWA client secret and the refresh token are stored (one row).",
    )

    @api.depends("credential_ids.lwa_client_secret", "credential_ids.refresh_token")
    def _compute_secrets(self):
        for account in self:
            row = account.credential_ids[:1]
            account.lwa_client_secret = row.lwa_client_secret
            account.refresh_token = row.refresh_token

    def _search_secret(self, field_name, operator, value):
        # only administrators may even ask whether a secret matches
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators can search the Amazon channel secrets."))
        return [("credential_ids", "any", [(field_name, operator, value)])]

    def _search_lwa_client_secret(self, operator, value):
        return self._search_secret("lwa_client_secret", operator, value)

    def _search_refresh_token(self, operator, value):
        return self._search_secret("refresh_token", operator, value)

    def _inverse_secrets(self):
        # the field's groups already refused anyone but an administrator (or the connector)
        for account in self.sudo():
            values = {name: account[name] or False for name in SECRET_FIELDS}
            if account.credential_ids:
                account.credential_ids[:1].write(values)
            else:
                self.env["amazon.credential"].sudo().create(
                    dict(values, amazon_account_id=account.id)
                )
