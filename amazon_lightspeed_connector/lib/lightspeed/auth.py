"""OAuth 2 for Lightspeed Retail: rotating refresh tokens kept safe through a TokenStore.

Lightspeed issues a NEW refresh token on every refresh and revokes the one just used at once.
Two workers that refresh with the same token therefore lock each other out, and a worker that
refreshes but saves the new token late (or inside a transaction that rolls back) loses the
account until the merchant authorizes the app again. So the client never refreshes on its
own: it asks the ``TokenStore``, which serialises refreshes and saves each grant atomically.

This module holds the store protocol, an in-memory store, and the token endpoint's forms and
answers; the HTTP call itself goes through the client's one request choke point.
"""

import threading
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from ..errors import AuthError, PermanentError, ThrottledError, TransientError
from ..redaction import redact

AUTHORIZE_URL = "https://cloud.lightspeedapp.com/auth/oauth/authorize"
DEFAULT_SCOPE = "employee:all"
# Refresh a little before the stated expiry, so a token does not die between the check and the
# call (or while a long page walk is under way).
EXPIRY_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds, on the clock that asked for it

    def __repr__(self):  # never print a credential, even in a test failure or a debugger
        return "TokenGrant(expires_at=%r)" % (self.expires_at,)


class TokenStore(Protocol):
    """Where an account's tokens live; the Odoo layer implements it on the account record.

    ``rotate`` must, in this order: take a lock that every worker of every process respects
    (Odoo: ``SELECT ... FOR UPDATE`` on the account row, in a cursor of its own that it commits
    at once); re-read the tokens under the lock; if ``usable_grant`` finds the access token
    now stored still good (another worker refreshed meanwhile), return that without refreshing;
    otherwise call ``refresh_fn(refresh_token)``, save the whole returned grant, commit, and
    return it. An exception from ``refresh_fn`` must leave the stored tokens as they were.
    """

    def current(self):
        """(refresh_token, access_token or None, expires_at or None), without locking."""

    def rotate(self, refresh_fn, stale_access_token=None):
        """A usable TokenGrant, refreshing through ``refresh_fn`` only if needed (see above).

        ``stale_access_token`` is the token the caller saw fail or expire: an equal stored
        token is not reused even if its expiry says it is still valid (Lightspeed answered 401).
        """


def usable_grant(refresh_token, access_token, expires_at, now, stale_access_token=None):
    """A TokenGrant from stored tokens if the access token can still be used, else None."""
    if not access_token or expires_at is None or access_token == stale_access_token:
        return None
    if now >= float(expires_at) - EXPIRY_MARGIN_SECONDS:
        return None
    return TokenGrant(access_token, refresh_token, float(expires_at))


class MemoryTokenStore:
    """A thread-safe TokenStore in memory, for tests, simulators and scripts."""

    def __init__(self, refresh_token, access_token=None, expires_at=None, clock=None):
        self._refresh_token = refresh_token
        self._access_token = access_token
        self._expires_at = expires_at
        self._clock = clock
        self._lock = threading.Lock()
        self.refresh_count = 0  # how many times refresh_fn was called: tests assert on it

    def _now(self):
        return self._clock.now() if self._clock else time.time()

    def current(self):
        with self._lock:
            return self._refresh_token, self._access_token, self._expires_at

    def rotate(self, refresh_fn, stale_access_token=None):
        with self._lock:
            grant = usable_grant(
                self._refresh_token,
                self._access_token,
                self._expires_at,
                self._now(),
                stale_access_token,
            )
            if grant:
                return grant
            self.refresh_count += 1
            grant = refresh_fn(self._refresh_token)
            self.save(grant)
            return grant

    def save(self, grant):
        """Store a grant obtained outside a rotation (the authorization-code exchange)."""
        self._refresh_token = grant.refresh_token
        self._access_token = grant.access_token
        self._expires_at = grant.expires_at


# --- the token endpoint -----------------------------------------------------------------------


def authorization_url(client_id, state, scope=DEFAULT_SCOPE, authorize_url=AUTHORIZE_URL):
    """Where to send the merchant to approve the app; Lightspeed comes back with ?code=&state=."""
    query = {"response_type": "code", "client_id": client_id, "scope": scope, "state": state}
    return "%s?%s" % (authorize_url, urlencode(query))


def refresh_form(client_id, client_secret, refresh_token):
    return {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }


def code_form(client_id, client_secret, code, redirect_uri):
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
    }
    if redirect_uri:
        form["redirect_uri"] = redirect_uri
    return form


INVALID_GRANT_MESSAGE = "The Lightspeed refresh token is no longer valid: reconnect the account"
INVALID_CODE_MESSAGE = (
    "Lightspeed did not accept the authorization code (expired or already used): "
    "connect the account again"
)
INVALID_CLIENT_MESSAGE = (
    "Lightspeed rejected the app's client id or client secret: check them in the "
    "Lightspeed account settings"
)


def raise_token_error(status, body, grant_type="refresh_token"):
    """Raise what a failed answer of the token endpoint means for the account."""
    body = body if isinstance(body, dict) else {}
    error = body.get("error", "")
    if error == "invalid_grant":
        message = INVALID_GRANT_MESSAGE if grant_type == "refresh_token" else INVALID_CODE_MESSAGE
        raise AuthError(message, status=status, code=error, payload=redact(body))
    if error == "invalid_client" or status == 401:
        raise AuthError(INVALID_CLIENT_MESSAGE, status=status, code=error, payload=redact(body))
    if status == 429:
        raise ThrottledError("Lightspeed's login server asks us to slow down", status=status)
    if status >= 500:
        raise TransientError(
            "Lightspeed's login server failed (HTTP %d); try again later" % status,
            status=status,
            payload=redact(body),
        )
    detail = body.get("hint") or body.get("error_description") or body.get("message") or ""
    raise PermanentError(
        "Lightspeed refused the token request (%s): %s" % (error or status, detail),
        status=status,
        code=error or None,
        payload=redact(body),
    )


def grant_from_body(body, now, used_refresh_token=None):
    """The TokenGrant in a successful answer of the token endpoint."""
    return _grant(body if isinstance(body, dict) else {}, now, used_refresh_token)


def _grant(body, now, used_refresh_token):
    access_token = body.get("access_token")
    # Lightspeed rotates on every refresh; should an answer ever omit the new token, the one
    # just used is the only candidate left, so keep it rather than store nothing.
    refresh_token = body.get("refresh_token") or used_refresh_token
    if not access_token or not refresh_token:
        raise AuthError(
            "Lightspeed's token answer carried no token: reconnect the account",
            payload=redact(body),
        )
    try:
        expires_in = float(body.get("expires_in") or 0)
    except (TypeError, ValueError):
        expires_in = 0.0
    return TokenGrant(access_token, refresh_token, now + (expires_in or 3600))
