"""Login with Amazon, access tokens, Restricted Data Tokens and the app's roles.

Tokens are opaque random strings from the simulator's seeded generator, remembered with the
seller they belong to and when they expire on the simulator's clock. Roles follow Amazon's
developer-profile roles; only the ones the connector needs are modelled.
"""

import re
from dataclasses import dataclass, field

from ..core import SimResponse
from . import errors

TOKEN_LIFETIME = 3600  # seconds, for access tokens and RDTs alike
AUTH_CODE_LIFETIME = 300  # Amazon's spapi_oauth_code is valid for five minutes

ROLE_ORDERS = "Inventory and Order Tracking"
ROLE_PII = "Direct-to-Consumer Shipping"  # the restricted role behind buyer names/addresses
ROLE_LISTINGS = "Product Listing"
ROLE_PRICING = "Pricing"
ROLE_FINANCE = "Finance and Accounting"
ALL_ROLES = frozenset({ROLE_ORDERS, ROLE_PII, ROLE_LISTINGS, ROLE_PRICING, ROLE_FINANCE})

# Restricted operations an RDT can be issued for, and whether they need dataElements.
_RESTRICTED_PATHS = (
    (re.compile(r"^/orders/v0/orders$"), True),
    (re.compile(r"^/orders/v0/orders/[^/]+$"), True),
    (re.compile(r"^/orders/v0/orders/[^/]+/orderItems$"), True),
    (re.compile(r"^/orders/v0/orders/[^/]+/address$"), False),
    (re.compile(r"^/orders/v0/orders/[^/]+/buyerInfo$"), False),
    (re.compile(r"^/orders/v0/orders/[^/]+/orderItems/buyerInfo$"), False),
)
DATA_ELEMENTS = frozenset({"buyerInfo", "shippingAddress", "buyerTaxInformation"})


@dataclass
class AccessToken:
    token: str
    seller_id: str
    expires_at: float


@dataclass
class RestrictedResource:
    method: str
    path_regex: object  # generic paths ({orderId}) match any order: one RDT, many orders
    data_elements: frozenset


@dataclass
class RestrictedDataToken(AccessToken):
    resources: list = field(default_factory=list)

    def grant_for(self, method, path):
        """The dataElements this token grants for a request, or None when it does not cover it."""
        for resource in self.resources:
            if resource.method == method and resource.path_regex.match(path):
                return resource.data_elements
        return None


@dataclass
class Seller:
    seller_id: str
    refresh_tokens: set = field(default_factory=set)
    roles: set = field(default_factory=lambda: set(ALL_ROLES))


class Authority:
    """Everything about who may call what, on the simulator's clock and random generator."""

    def __init__(self, clock, random, client_id, client_secret):
        self.clock = clock
        self.random = random
        self.client_id = client_id
        self.client_secret = client_secret
        self.sellers = {}
        self.revoked = set()
        self.access_tokens = {}
        self.auth_codes = {}  # code -> (seller_id, expires_at)
        self.rdts_issued = 0
        self.rdt_requests = []  # the restrictedResources of every RDT issued, for assertions

    def _token(self, prefix, length=40):
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        return prefix + "".join(self.random.choice(alphabet) for _ in range(length))

    def add_seller(self, seller_id, refresh_token=None):
        seller = self.sellers.setdefault(seller_id, Seller(seller_id))
        if refresh_token:
            seller.refresh_tokens.add(refresh_token)
        return seller

    def seller_of_refresh_token(self, refresh_token):
        for seller in self.sellers.values():
            if refresh_token in seller.refresh_tokens and refresh_token not in self.revoked:
                return seller
        return None

    def issue_authorization_code(self, seller_id):
        """What Amazon hands the app's redirect URI after the seller consents."""
        self.add_seller(seller_id)
        code = self._token("ANDmnCode", 20)
        self.auth_codes[code] = (seller_id, self.clock.now() + AUTH_CODE_LIFETIME)
        return code

    # ------------------------------------------------------------ LWA

    def token_endpoint(self, form):
        """POST /auth/o2/token: a SimResponse in Login with Amazon's own shape."""
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return errors.lwa_error(
                401, "invalid_client", "Client authentication failed: unknown client or secret"
            )
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            return self._refresh_grant(form.get("refresh_token"))
        if grant_type == "authorization_code":
            return self._code_grant(form.get("code"))
        if not grant_type:
            return errors.lwa_error(400, "invalid_request", "The request is missing grant_type")
        return errors.lwa_error(400, "unsupported_grant_type", "Unsupported grant_type")

    def _refresh_grant(self, refresh_token):
        if not refresh_token:
            return errors.lwa_error(400, "invalid_request", "The request is missing refresh_token")
        seller = self.seller_of_refresh_token(refresh_token)
        if seller is None:
            return errors.lwa_error(
                400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
            )
        return self._token_response(seller, refresh_token)

    def _code_grant(self, code):
        seller_id, expires_at = self.auth_codes.pop(code, (None, 0))
        if seller_id is None or expires_at < self.clock.now():
            return errors.lwa_error(
                400, "invalid_grant", "The request has an invalid grant parameter : code"
            )
        refresh_token = self._token("Atzr|", 60)
        seller = self.add_seller(seller_id, refresh_token)
        return self._token_response(seller, refresh_token)

    def _token_response(self, seller, refresh_token):
        token = AccessToken(
            self._token("Atza|"), seller.seller_id, self.clock.now() + TOKEN_LIFETIME
        )
        self.access_tokens[token.token] = token
        return SimResponse.json(
            200,
            {
                "access_token": token.token,
                "refresh_token": refresh_token,
                "token_type": "bearer",
                "expires_in": TOKEN_LIFETIME,
            },
        )

    # ------------------------------------------------------------ SP-API calls

    def authenticate(self, header_value):
        """``(token, None)`` or ``(None, 403 response)`` for an ``x-amz-access-token``."""
        if not header_value:
            return None, errors.unauthorized("The request has no x-amz-access-token.")
        token = self.access_tokens.get(header_value)
        if token is None:
            return None, errors.unauthorized(
                "The access token you provided is revoked, malformed or invalid."
            )
        if token.expires_at <= self.clock.now():
            return None, errors.unauthorized("The access token you provided has expired.")
        return token, None

    def has_role(self, seller_id, role):
        seller = self.sellers.get(seller_id)
        return bool(seller and role in seller.roles)

    def create_rdt(self, seller_id, body):
        """createRestrictedDataToken: ``(payload, None)`` or ``(None, error response)``."""
        resources = body.get("restrictedResources") if isinstance(body, dict) else None
        if not resources or not isinstance(resources, list):
            return None, errors.sp_error(
                400,
                "InvalidRequest",
                "Request is missing or has invalid parameters",
                "Resource not provided.",
            )
        parsed = []
        for resource in resources:
            result, problem = self._restricted_resource(resource)
            if problem:
                return None, errors.sp_error(
                    400, "InvalidRequest", "Request is missing or has invalid parameters", problem
                )
            parsed.append(result)
        if not self.has_role(seller_id, ROLE_PII):
            return None, errors.unauthorized(
                "Application does not have access to one or more requested data elements"
            )
        token = RestrictedDataToken(
            self._token("Atz.sprdt|"), seller_id, self.clock.now() + TOKEN_LIFETIME, parsed
        )
        self.access_tokens[token.token] = token
        self.rdts_issued += 1
        self.rdt_requests.append(resources)
        return {"restrictedDataToken": token.token, "expiresIn": TOKEN_LIFETIME}, None

    def _restricted_resource(self, resource):
        if not isinstance(resource, dict):
            return None, "Resource not provided."
        method, path = resource.get("method"), resource.get("path")
        if method not in ("GET", "PUT", "POST", "DELETE") or not isinstance(path, str):
            return None, "Resource not provided."
        needs_elements = next((need for rx, need in _RESTRICTED_PATHS if rx.match(path)), None)
        if needs_elements is None:
            return None, "Resource %s %s is not a restricted resource." % (method, path)
        elements = resource.get("dataElements") or []
        if needs_elements and not elements:
            return None, "dataElements are required for %s." % path
        unknown = set(elements) - DATA_ELEMENTS
        if unknown:
            return None, "Unknown dataElements: %s" % ", ".join(sorted(unknown))
        # Specific order ids stay literal; {placeholders} stand for any one path segment.
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path))
        granted = frozenset(elements) if needs_elements else frozenset(DATA_ELEMENTS)
        return RestrictedResource(method, re.compile("^" + pattern + "$"), granted), None
