"""OAuth 2 at cloud.lightspeedapp.com: rotating refresh tokens and short-lived bearer tokens.

Every refresh issues a NEW refresh token and revokes the one just used, at once: a client that
loses the answer of a refresh, or stores the new token too late, is locked out (invalid_grant)
and needs the merchant to authorize again. That is the failure the connector must never cause.
"""

import random
from dataclasses import dataclass, field

ACCESS_TOKEN_TTL = 3600  # seconds; Lightspeed says "generally 60 minutes"
AUTH_CODE_TTL = 60  # "The code expires after 60 seconds"

# Error bodies in the shape of Lightspeed's OAuth server (league/oauth2-server style).
_OAUTH_ERRORS = {
    "invalid_client": (401, "Client authentication failed"),
    "invalid_grant": (
        400,
        "The provided authorization grant (e.g., authorization code, resource owner "
        "credentials) or refresh token is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client.",
    ),
    "invalid_request": (
        400,
        "The request is missing a required parameter, includes an invalid parameter value, "
        "includes a parameter more than once, or is otherwise malformed.",
    ),
    "unsupported_grant_type": (
        400,
        "The authorization grant type is not supported by the authorization server.",
    ),
}


@dataclass
class TokenGrant:
    """One successful answer of the token endpoint, for tests to inspect."""

    grant_type: str
    access_token: str
    refresh_token: str
    issued_at: float
    expires_at: float
    used_refresh_token: str = None


@dataclass
class OAuthServer:
    clock: object
    client_id: str
    client_secret: str
    refresh_token: str
    account_id: str
    seed: int = 0
    access_ttl: int = ACCESS_TOKEN_TTL
    scope: str = "employee:all"
    grants: list = field(default_factory=list)
    revoked_refresh_tokens: list = field(default_factory=list)

    def __post_init__(self):
        self._random = random.Random("lightspeed-oauth-%s" % self.seed)
        self._valid_refresh = {self.refresh_token}
        self._access = {}  # token -> expires_at
        self._codes = {}  # authorization code -> expires_at

    # --- the token endpoint -------------------------------------------------------------------

    def token(self, params):
        """Answer POST /auth/oauth/token: (status, JSON body)."""
        grant_type = params.get("grant_type")
        if grant_type not in ("refresh_token", "authorization_code"):
            if not grant_type:
                return self._error("invalid_request", 'Check the "grant_type" parameter')
            return self._error("unsupported_grant_type")
        if params.get("client_id") != self.client_id or (
            params.get("client_secret") != self.client_secret
        ):
            return self._error("invalid_client")
        if grant_type == "refresh_token":
            return self._refresh(params.get("refresh_token"))
        return self._exchange_code(params.get("code"))

    def _refresh(self, token):
        if not token:
            return self._error("invalid_request", 'Check the "refresh_token" parameter')
        if token not in self._valid_refresh:
            return self._error("invalid_grant", "Token has been revoked")
        self._valid_refresh.discard(token)
        self.revoked_refresh_tokens.append(token)
        return 200, self._issue("refresh_token", used=token)

    def _exchange_code(self, code):
        if not code:
            return self._error("invalid_request", 'Check the "code" parameter')
        expires_at = self._codes.pop(code, None)
        if expires_at is None or self.clock.now() > expires_at:
            return self._error("invalid_grant", "Authorization code has expired or was used")
        return 200, self._issue("authorization_code")

    def _issue(self, grant_type, used=None):
        now = self.clock.now()
        grant = TokenGrant(
            grant_type=grant_type,
            access_token="ls-at-%032x" % self._random.getrandbits(128),
            refresh_token="ls-rt-%032x" % self._random.getrandbits(128),
            issued_at=now,
            expires_at=now + self.access_ttl,
            used_refresh_token=used,
        )
        self._access[grant.access_token] = grant.expires_at
        self._valid_refresh.add(grant.refresh_token)
        self.grants.append(grant)
        # OAuth answers are plain JSON (expires_in is a number), unlike the API's strings.
        return {
            "access_token": grant.access_token,
            "expires_in": self.access_ttl,
            "token_type": "Bearer",
            "scope": self.scope,
            "refresh_token": grant.refresh_token,
        }

    def _error(self, code, hint=None):
        status, description = _OAUTH_ERRORS[code]
        body = {"error": code, "error_description": description, "message": description}
        if hint:
            body["hint"] = hint
        return status, body

    # --- bearer tokens on API calls -------------------------------------------------------------

    def check_bearer(self, authorization):
        """None when the header carries a live token, else why not: "missing" or "expired"."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() not in self._access:
            return "missing"
        if self.clock.now() >= self._access[token.strip()]:
            return "expired"
        return None

    # --- scenario knobs ---------------------------------------------------------------------------

    def issue_authorization_code(self):
        """What the merchant's consent screen would hand the redirect URI."""
        code = "ls-code-%016x" % self._random.getrandbits(64)
        self._codes[code] = self.clock.now() + AUTH_CODE_TTL
        return code

    def grant_access_token(self):
        """A live bearer token without going through the endpoint (for tests of other things)."""
        token = "ls-at-%032x" % self._random.getrandbits(128)
        self._access[token] = self.clock.now() + self.access_ttl
        return token

    def expire_access_tokens(self):
        for token in self._access:
            self._access[token] = self.clock.now()

    def revoke_refresh_tokens(self):
        """The merchant disconnected the app: every refresh token stops working."""
        self.revoked_refresh_tokens.extend(sorted(self._valid_refresh))
        self._valid_refresh.clear()

    @property
    def valid_refresh_tokens(self):
        return set(self._valid_refresh)
