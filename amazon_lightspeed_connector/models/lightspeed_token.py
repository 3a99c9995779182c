from odoo import fields, models


class LightspeedToken(models.Model):
    """The rotating OAuth tokens of one Lightspeed account, in a row of their own.

    They are not columns of ``lightspeed.account`` because ``OdooTokenStore`` commits a new
    token from its own cursor in the middle of a run. Had it updated the account row, every
    transaction already running (a stock refresh, a send) would fail with a serialization error
    at its next write of a row pointing at that account (PostgreSQL locks the referenced row for
    the foreign key, and a repeatable-read transaction may not lock a row updated after its
    snapshot). Nothing references this table, so rotating a token disturbs no other work.
    The client secret is kept here too: out of the account row, it is in no error PostgreSQL
    prints about that row. Only administrators (and the connector, as superuser) can read it.
    """

    _name = "lightspeed.token"
    _description = "Lightspeed OAuth Tokens"

    lightspeed_account_id = fields.Many2one(
        "lightspeed.account", "Lightspeed Account", required=True, ondelete="cascade", index=True
    )
    client_secret = fields.Char("OAuth Client Secret")
    refresh_token = fields.Char(help="Replaced by Lightspeed on every refresh.")
    access_token = fields.Char(help="The short-lived bearer token currently in use.")
    access_token_expires_at = fields.Datetime("Access Token Expiry")

    _sql_constraints = [
        (
            "account_unique",
            "UNIQUE(lightspeed_account_id)",
            "A Lightspeed account has one set of tokens.",
        ),
    ]
