"""18.0.1.2.0: the channels' secrets move to tables only administrators read.

The LWA client secret and refresh token of each Amazon channel go to ``amazon.credential``,
the client secret of each Lightspeed account to its ``lightspeed.token`` row; the old columns
are dropped (Odoo keeps the column of a field that stops being stored: the secrets would stay
in the account rows, and in every error PostgreSQL prints about one).
"""

import logging

_logger = logging.getLogger(__name__)


def _columns(cr, table, names):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name IN %s",
        (table, tuple(names)),
    )
    return {row[0] for row in cr.fetchall()}


def move_amazon_secrets(cr):
    old = _columns(cr, "amazon_account", ("lwa_client_secret", "refresh_token"))
    if old != {"lwa_client_secret", "refresh_token"}:
        return 0
    cr.execute(
        """
        INSERT INTO amazon_credential
               (amazon_account_id, lwa_client_secret, refresh_token, create_date, write_date)
        SELECT id, lwa_client_secret, refresh_token,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM amazon_account
         WHERE lwa_client_secret IS NOT NULL OR refresh_token IS NOT NULL
        ON CONFLICT (amazon_account_id) DO UPDATE
           SET lwa_client_secret = EXCLUDED.lwa_client_secret,
               refresh_token = EXCLUDED.refresh_token
        """
    )
    moved = cr.rowcount
    cr.execute(
        "ALTER TABLE amazon_account DROP COLUMN lwa_client_secret, DROP COLUMN refresh_token"
    )
    return moved


def move_lightspeed_secrets(cr):
    if not _columns(cr, "lightspeed_account", ("client_secret",)):
        return 0
    cr.execute(
        """
        INSERT INTO lightspeed_token
               (lightspeed_account_id, client_secret, create_date, write_date)
        SELECT id, client_secret, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM lightspeed_account
         WHERE client_secret IS NOT NULL
        ON CONFLICT (lightspeed_account_id) DO UPDATE
           SET client_secret = EXCLUDED.client_secret
        """
    )
    moved = cr.rowcount
    cr.execute("ALTER TABLE lightspeed_account DROP COLUMN client_secret")
    return moved


def migrate(cr, version):
    if not version:
        return
    amazon, lightspeed = move_amazon_secrets(cr), move_lightspeed_secrets(cr)
    _logger.info(
        "Secrets moved to their own tables: %d Amazon channel(s), %d Lightspeed account(s)",
        amazon,
        lightspeed,
    )
