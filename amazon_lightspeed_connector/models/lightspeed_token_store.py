"""Where a Lightspeed account's rotating OAuth tokens live: their own row (lightspeed.token).

Lightspeed answers every refresh with a new refresh token and revokes the old one, so a token
that is used but not saved locks the account out until a person reconnects it. The store
therefore works in a cursor of its own: it locks the token row (SELECT ... FOR UPDATE; when the
worker it waited for changed the row, in a new transaction), re-reads the tokens under the lock
(another worker may have refreshed them meanwhile), refreshes
only when it must, and commits at once, so a rollback of the caller's transaction can never
drop a token Lightspeed has already rotated.
"""

import time
from datetime import UTC, datetime

from psycopg2.errors import LockNotAvailable, SerializationFailure

from ..lib.errors import TransientError
from ..lib.lightspeed.auth import usable_grant
from .connector_run import lock_rows

# How long a worker waits for another one's refresh (one token call) before giving up for this
# run. Never wait forever: a caller whose own transaction already wrote the token row (a person
# pasting a new refresh token) would otherwise wait on itself.
LOCK_TIMEOUT = "20s"

_READ = """
    SELECT refresh_token, access_token, access_token_expires_at
      FROM lightspeed_token
     WHERE lightspeed_account_id = %s
"""
_WRITE = """
    UPDATE lightspeed_token
       SET refresh_token = %s, access_token = %s, access_token_expires_at = %s,
           write_date = (now() at time zone 'UTC')
     WHERE lightspeed_account_id = %s
"""
_NO_TOKEN = (None, None, None)


def _epoch(moment):
    """A naive UTC datetime (how Odoo stores them) as seconds since the epoch, or None."""
    return moment.replace(tzinfo=UTC).timestamp() if moment else None


def _moment(epoch):
    """Seconds since the epoch as a naive UTC datetime, or None."""
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None) if epoch else None


class OdooTokenStore:
    """The ``TokenStore`` of ``lib.lightspeed.auth`` for one ``lightspeed.account`` row."""

    def __init__(self, account, clock=time.time):
        self._registry = account.env.registry
        self._account = account
        self._clock = clock

    def current(self):
        """(refresh_token, access_token or None, expires_at epoch or None), as committed."""
        with self._registry.cursor() as cr:
            cr.execute(_READ, (self._account.id,))
            refresh_token, access_token, expires_at = cr.fetchone() or _NO_TOKEN
        return refresh_token, access_token or None, _epoch(expires_at)

    def rotate(self, refresh_fn, stale_access_token=None):
        """Refresh under the row lock and commit the new tokens before anything else runs."""
        try:
            return self._rotate(refresh_fn, stale_access_token)
        except SerializationFailure:
            # the worker whose lock we waited for changed the row: under Odoo's REPEATABLE
            # READ that fails the read; a new transaction sees its tokens (used if still good)
            return self._rotate(refresh_fn, stale_access_token)

    def _rotate(self, refresh_fn, stale_access_token):
        with self._registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = %s", (LOCK_TIMEOUT,))
            try:
                lock_rows(cr, _READ + " FOR UPDATE", (self._account.id,))
            except LockNotAvailable:
                raise TransientError(
                    "Another process is renewing the Lightspeed token; try again shortly."
                ) from None
            refresh_token, access_token, expires_at = cr.fetchone() or _NO_TOKEN
            grant = usable_grant(
                refresh_token, access_token, _epoch(expires_at), self._clock(), stale_access_token
            )
            if grant:  # another worker refreshed while we waited for the lock: use its token
                return grant
            # an exception here leaves the row untouched: the cursor rolls back and unlocks
            grant = refresh_fn(refresh_token)
            cr.execute(
                _WRITE,
                (
                    grant.refresh_token,
                    grant.access_token,
                    _moment(grant.expires_at),
                    self._account.id,
                ),
            )
            cr.commit()  # pylint: disable=invalid-commit
        # the caller's environment may hold the old values in its cache
        self._account.env["lightspeed.token"].invalidate_model()
        self._account.invalidate_recordset(
            ["refresh_token", "access_token", "access_token_expires_at"]
        )
        return grant
