"""The LWA access token of an Amazon channel, kept until it expires, for every run and worker.

Login with Amazon hands out access tokens that live an hour; python-amazon-sp-api caches them
in its process only, so each scheduled run (a new client, often another worker process) asked
for a new one. The client's token store (``AmazonClient(token_store=...)``) now reads the token
saved here first and saves a new one at once, in its own short transaction: one exchange per
channel and hour. Only administrators (and the connector, as superuser) can read this table;
its rows reference nothing that a run writes, so saving a token disturbs no other work.
"""

from datetime import UTC, datetime

from odoo import fields, models

from .kept_apart import write_apart

_READ = """
    SELECT access_token, expires_at FROM amazon_access_token WHERE amazon_account_id = %s
"""
_UPSERT = """
    INSERT INTO amazon_access_token
           (amazon_account_id, access_token, expires_at, create_date, write_date)
    VALUES (%s, %s, %s, now() at time zone 'UTC', now() at time zone 'UTC')
    ON CONFLICT (amazon_account_id)
    DO UPDATE SET access_token = EXCLUDED.access_token, expires_at = EXCLUDED.expires_at,
                  write_date = EXCLUDED.write_date
"""
# A token belongs to these settings: when one changes, the token is forgotten.
CREDENTIAL_FIELDS = frozenset(
    {"lwa_client_id", "lwa_client_secret", "refresh_token", "lwa_endpoint_url", "region"}
)


class AmazonAccessToken(models.Model):
    _name = "amazon.access.token"
    _description = "Amazon LWA Access Token"

    amazon_account_id = fields.Many2one(
        "amazon.account", "Amazon Channel", required=True, ondelete="cascade", index=True
    )
    access_token = fields.Char(help="The bearer token Login with Amazon issued last.")
    expires_at = fields.Datetime("Expires", help="When the connector stops using it.")

    _sql_constraints = [
        (
            "account_unique",
            "UNIQUE(amazon_account_id)",
            "An Amazon channel keeps one access token.",
        ),
    ]


class AmazonAccount(models.Model):
    _inherit = "amazon.account"

    def write(self, vals):
        result = super().write(vals)
        if CREDENTIAL_FIELDS & set(vals):
            self.env["amazon.access.token"].sudo().search(
                [("amazon_account_id", "in", self.ids)]
            ).unlink()
        return result

    def _access_token_store(self):
        """Where this channel's LWA access token is kept between runs and workers."""
        self.ensure_one()
        return AccessTokenStore(self.env.registry, self.id)


class AccessTokenStore:
    """The ``token_store`` of ``lib.amazon.client`` for one amazon.account row."""

    def __init__(self, registry, account_id):
        self._registry = registry
        self._account_id = account_id

    def current(self):
        """(LWA answer, expires_at epoch) as committed by any worker, or None."""
        with self._registry.cursor() as cr:
            cr.execute(_READ, (self._account_id,))
            row = cr.fetchone()
        if not row or not row[0] or not row[1]:
            return None
        answer = {"access_token": row[0], "token_type": "bearer"}
        return answer, row[1].replace(tzinfo=UTC).timestamp()

    def save(self, answer, expires_at):
        moment = datetime.fromtimestamp(expires_at, UTC).replace(tzinfo=None)
        # another worker saving a token at the same moment: its token is as good, ours stays
        # in this process's memory only
        write_apart(self._registry, _UPSERT, (self._account_id, answer["access_token"], moment))
