"""AmazonClient: the connector's one way to talk to Amazon SP-API and Login with Amazon.

A thin layer over python-amazon-sp-api. Every request goes through ``AmazonClient._call``,
which paces the operation by its quota (``pacing``), sends it through the library, maps
whatever goes wrong to the connector's typed errors (``error_mapping``) and logs only
redacted text. What it adds to the library:

- Access tokens are cached per client on the injected clock, never in the library's
  module-level cache (keyed by refresh token, shared by every account in the process, and
  blind to a simulated clock). An optional ``token_store`` shares them beyond the client:
  a token another run or worker obtained is used until it expires (one LWA exchange per
  account and hour, not one per run).
- One Restricted Data Token for the generic v0 order paths serves every order until shortly
  before it expires, instead of one token per call.
- The library sends ``Host`` as its endpoint minus eight characters, which is only right for
  ``https://``; the transport here lets httpx derive it, so an ``http://`` simulator works.
- The library reads an error page or a truncated body as an empty success; the last raw
  answer is checked here, so those become errors too.
- Documents (feed uploads, report downloads) go over the same transport, with its timeout.

Orders come back as raw payloads (``OrderPage``): mapping is ``order_mapping``'s job, done by
the caller one order at a time so a malformed order cannot sink a page.
"""

import collections
import json
import logging
import re
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import httpx
from sp_api.api import Feeds, ListingsItems, Orders, OrdersV20260101, Reports, Tokens
from sp_api.auth import AccessTokenClient
from sp_api.auth._core import build_auth_code_request_body, build_refresh_token_data
from sp_api.auth.access_token_response import AccessTokenResponse
from sp_api.base import Marketplaces
from sp_api.base._transport_httpx import HttpxTransport
from sp_api.base.credential_provider import FromCodeCredentialProvider, MissingCredentials
from sp_api.base.exceptions import SellingApiException

from ..clock import SystemClock
from ..errors import AuthError, ConnectorError, PayloadError, PermanentError, ThrottledError
from ..inventory import ListingUpdate
from ..redaction import MASK, redact, redact_text
from . import error_mapping, results
from .listings import ProcessingReport, parse_processing_report, patch_body
from .pacing import Pacer
from .results import OrderPage
from .shipment import recorded_package, ship_date_ready

_logger = logging.getLogger(__name__)

REGION_ENDPOINTS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
# The library wants a marketplace per client; any one of the region will do, because every
# call here names its marketplaces and the endpoint is set explicitly.
_REGION_MARKETPLACE = {"NA": Marketplaces.US, "EU": Marketplaces.DE, "FE": Marketplaces.JP}
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
LWA_PATH = "/auth/o2/token"

DEFAULT_INCLUDED_DATA = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "PAYMENT",
)
# what the scheduled import asks for: everything but the packages, which only the ship
# confirmation reads (CANCELLATION: without it Amazon never says that one item of an open
# order was cancelled)
IMPORT_INCLUDED_DATA = tuple(data for data in DEFAULT_INCLUDED_DATA if data != "PACKAGES")
BEFORE_MARGIN = timedelta(minutes=2)  # Amazon refuses a "...Before" closer to now than this
MAX_PAGE_SIZE = 100
MAX_FEED_MESSAGES = 25_000
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
LISTINGS_FEED_TYPE = "JSON_LISTINGS_FEED"
SETTLEMENT_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
TOKEN_REFRESH_MARGIN = 60  # seconds before expiry an access token is renewed
RDT_REFRESH_MARGIN = 300  # seconds before expiry the Restricted Data Token is renewed

# One Restricted Data Token covers these generic paths for every order: getOrders returns
# buyer and address inline, getOrderItems the gift messages, getOrderAddress the delivery
# instructions.
_ORDERS_V0 = "/orders/v0/orders"
RESTRICTED_RESOURCES = (
    {"method": "GET", "path": _ORDERS_V0, "dataElements": ["buyerInfo", "shippingAddress"]},
    {"method": "GET", "path": _ORDERS_V0 + "/{orderId}/orderItems", "dataElements": ["buyerInfo"]},
    {"method": "GET", "path": _ORDERS_V0 + "/{orderId}/address"},
    {"method": "GET", "path": _ORDERS_V0 + "/{orderId}/buyerInfo"},
)


@dataclass(frozen=True)
class AmazonCredentials:
    lwa_client_id: str
    lwa_client_secret: str
    refresh_token: str

    def __repr__(self):  # a stray repr in a log or traceback must not carry the secrets
        return "AmazonCredentials(lwa_client_id=%r, lwa_client_secret=%r, refresh_token=%r)" % (
            self.lwa_client_id,
            MASK,
            MASK,
        )


@dataclass(frozen=True)
class Operation:
    """One SP-API operation: which library client sends it, how it is metered and treated."""

    api: str  # "orders2026", "ordersV0", ... or "documents" / "lwa" (not metered)
    name: str  # Amazon's operationId
    write: bool = False  # a lost answer leaves the outcome unknown
    restricted: bool = False  # sent with the Restricted Data Token

    @property
    def key(self):
        return "%s.%s" % (self.api, self.name)


SEARCH_ORDERS = Operation("orders2026", "searchOrders")
GET_ORDER_2026 = Operation("orders2026", "getOrder")
GET_ORDERS = Operation("ordersV0", "getOrders", restricted=True)
GET_ORDER_ITEMS = Operation("ordersV0", "getOrderItems", restricted=True)
GET_ORDER_ADDRESS = Operation("ordersV0", "getOrderAddress", restricted=True)
GET_ORDER_BUYER_INFO = Operation("ordersV0", "getOrderBuyerInfo", restricted=True)
CONFIRM_SHIPMENT = Operation("ordersV0", "confirmShipment", write=True)
CREATE_RDT = Operation("tokens", "createRestrictedDataToken")
PATCH_LISTINGS_ITEM = Operation("listings", "patchListingsItem", write=True)
CREATE_FEED_DOCUMENT = Operation("feeds", "createFeedDocument", write=True)
CREATE_FEED = Operation("feeds", "createFeed", write=True)
GET_FEED = Operation("feeds", "getFeed")
GET_FEED_DOCUMENT = Operation("feeds", "getFeedDocument")
GET_REPORTS = Operation("reports", "getReports")
GET_REPORT_DOCUMENT = Operation("reports", "getReportDocument")
UPLOAD_DOCUMENT = Operation("documents", "uploadDocument", write=True)
DOWNLOAD_DOCUMENT = Operation("documents", "downloadDocument")
REFRESH_ACCESS_TOKEN = Operation("lwa", "refreshAccessToken")
EXCHANGE_AUTHORIZATION_CODE = Operation("lwa", "exchangeAuthorizationCode", write=True)


@dataclass(frozen=True)
class OrderSearchNames:
    """The wire names of one Orders API version's order search."""

    after: str
    before: str  # a parameter, and the answer's field saying where the search stopped
    page_size: str
    orders: str  # the answer's list of orders


ORDER_SEARCH_NAMES = {
    SEARCH_ORDERS: OrderSearchNames(
        "lastUpdatedAfter", "lastUpdatedBefore", "maxResultsPerPage", "orders"
    ),
    GET_ORDERS: OrderSearchNames(
        "LastUpdatedAfter", "LastUpdatedBefore", "MaxResultsPerPage", "Orders"
    ),
}

_LIBRARY_CLIENTS = {
    "orders2026": (OrdersV20260101, {}),
    "ordersV0": (Orders, {"version": "v0"}),
    "tokens": (Tokens, {}),
    "listings": (ListingsItems, {"version": "2021-08-01"}),
    "feeds": (Feeds, {"version": "2021-06-30"}),
    "reports": (Reports, {}),
}


# ---------------------------------------------------------------- secrets out of every log


class _SecretMask(logging.Filter):
    """Masks the live clients' secrets in records of the loggers that might print them.

    The library logs request headers (access tokens) at DEBUG; httpx logs URLs at INFO.
    Whoever turns those loggers up still sees no credential.
    """

    def __init__(self):
        super().__init__()
        self.clients = weakref.WeakSet()

    def filter(self, record):
        if not self.clients:
            return True
        text = record.getMessage()
        masked = _mask_token_shapes(text)
        for secret in (s for client in list(self.clients) for s in client._secrets() if s):
            masked = masked.replace(secret, MASK)
        if masked != text:
            record.msg, record.args = masked, ()
        return True


# LWA access and refresh tokens (Atza|, Atzr|) and Restricted Data Tokens (Atz.sprdt|), which
# the library logs in response dumps before this client even holds them.
_TOKEN_SHAPE = re.compile(r"Atz[a-z.]{0,8}\|[A-Za-z0-9._~+/=|-]+")


def _mask_token_shapes(text):
    return _TOKEN_SHAPE.sub(MASK, text)


_SECRET_MASK = _SecretMask()
_MASKED_LOGGERS = ("sp_api.base.client", "sp_api.auth.access_token_client", "httpx", __name__)


def _mask_secrets_of(client):
    _SECRET_MASK.clients.add(client)
    for name in _MASKED_LOGGERS:
        logger = logging.getLogger(name)
        if _SECRET_MASK not in logger.filters:
            logger.addFilter(_SECRET_MASK)


# ---------------------------------------------------------------- transport and LWA


class _RecordingTransport(HttpxTransport):
    """The library's transport on our httpx client; remembers the last answer for checks."""

    def __init__(self, client):
        super().__init__(client=client)
        self.last_response = None

    def request(self, method, url, *, headers=None, **kwargs):
        # Let httpx derive Host from the URL: the library's endpoint[8:] breaks http://.
        headers = {k: v for k, v in (headers or {}).items() if k.lower() != "host"}
        self.last_response = self._client.request(method, url, headers=headers, **kwargs)
        return self.last_response


class _LoginWithAmazon(AccessTokenClient):
    """The library's LWA client with the token cache moved into the instance, on our clock.

    Every library client of one AmazonClient shares this instance, so one LWA exchange serves
    them all and no other account or simulator ever sees the token. With a ``token_store``
    (``current()`` -> (answer, expires_at) or None; ``save(answer, expires_at)``), a token
    saved by an earlier run or another worker is used first, and a new one is saved at once.
    """

    def __init__(self, credentials, token_url, clock, http_client, timeout, token_store=None):
        super().__init__(refresh_token=credentials.refresh_token, credentials=credentials)
        self._transport.close()  # the library opened its own client; ours has the timeout
        self._transport = HttpxTransport(client=http_client)
        self.url = token_url
        self.timeout = timeout
        self.clock = clock
        self.store = token_store
        self.token = None
        self.expires_at = 0.0
        self.exchanges = 0  # LWA refresh calls this client made (figures for the benchmarks)
        self._refused = None  # the access token Amazon called expired: never taken back

    def get_auth(self):
        expired = self.token is None or self.clock.now() >= self.expires_at
        if expired and not self._adopt_stored_token():
            data = build_refresh_token_data(self.cred, "refresh_token")
            answer = self._post(data, "refresh_token", REFRESH_ACCESS_TOKEN)
            self.exchanges += 1
            lifetime = float(answer.get("expires_in") or 3600)
            self.token = answer
            self.expires_at = self.clock.now() + lifetime - TOKEN_REFRESH_MARGIN
            if self.store is not None:
                self.store.save(dict(answer), self.expires_at)
        return AccessTokenResponse(**self.token)

    def _adopt_stored_token(self):
        stored = self.store.current() if self.store is not None else None
        if not stored:
            return False
        answer, expires_at = stored
        usable = (
            isinstance(answer, dict)
            and answer.get("access_token")
            and answer["access_token"] != self._refused
            and expires_at
            and self.clock.now() < expires_at
        )
        if usable:
            self.token, self.expires_at = dict(answer), float(expires_at)
        return bool(usable)

    def forget(self):
        if self.token:
            self._refused = self.token.get("access_token")
        self.token = None

    def exchange_code(self, code, redirect_uri):
        data = build_auth_code_request_body(self.cred, code)
        data["redirect_uri"] = redirect_uri
        return self._post(data, "authorization_code", EXCHANGE_AUTHORIZATION_CODE)

    def _post(self, data, grant_type, operation):
        try:
            response = self._transport.request("POST", self.url, data=data, headers=self.headers)
        except httpx.TransportError as exc:
            raise error_mapping.from_transport(exc, operation, self.url, self.timeout) from None
        if response.status_code != 200:
            raise error_mapping.from_lwa(response.status_code, response.content, grant_type)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise PayloadError("Login with Amazon answered without an access token.")
        return answer


# ---------------------------------------------------------------- dates


def _utc(moment):
    """An aware UTC datetime; a naive one is taken as UTC (Odoo stores naive UTC)."""
    if not isinstance(moment, datetime):
        raise TypeError("expected a datetime, got %r" % (moment,))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _iso(moment):
    """ISO 8601 in UTC with Z, to the second (rounded down), as Amazon wants it."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _token_url(lwa_endpoint):
    if not lwa_endpoint:
        return LWA_TOKEN_URL
    parts = urlsplit(lwa_endpoint)
    if parts.path in ("", "/"):
        return lwa_endpoint.rstrip("/") + LWA_PATH
    return lwa_endpoint


def _looks_like_json(response):
    return "json" in (response.headers.get("content-type") or "").lower()


# ---------------------------------------------------------------- the client


class AmazonClient:
    """One seller account's SP-API client. Not thread-safe: one per account and run."""

    def __init__(
        self,
        credentials,
        seller_id,
        marketplace_ids,
        region="NA",
        endpoint=None,
        lwa_endpoint=None,
        clock=None,
        timeout=30,
        rate_limits=None,
        throttle_retries=1,
        token_store=None,
    ):
        if region not in REGION_ENDPOINTS:
            raise ValueError("region must be one of %s" % ", ".join(REGION_ENDPOINTS))
        if not marketplace_ids:
            raise ValueError("at least one marketplace id is needed")
        self.credentials = credentials
        self.seller_id = seller_id
        self.marketplace_ids = tuple(marketplace_ids)
        self.region = region
        self.endpoint = (endpoint or REGION_ENDPOINTS[region]).rstrip("/")
        self.lwa_url = _token_url(lwa_endpoint)
        self.clock = clock or SystemClock()
        self.timeout = timeout
        self.throttle_retries = throttle_retries
        self.pacer = Pacer(self.clock, rate_limits)
        self.calls = collections.Counter()  # requests sent per operation key
        self._http = httpx.Client(timeout=timeout)
        self._transport = _RecordingTransport(self._http)
        self._lwa = _LoginWithAmazon(
            self._library_credentials(), self.lwa_url, self.clock, self._http, timeout, token_store
        )
        self._apis = {}
        self._rdt = None
        self._rdt_expires_at = 0.0
        _mask_secrets_of(self)

    def close(self):
        self._http.close()

    @property
    def lwa_exchanges(self):
        """How many access tokens this client asked Login with Amazon for."""
        return self._lwa.exchanges

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ the choke point

    def _call(self, operation, invoke):
        """Send ``invoke(library_client)`` for ``operation``: the only way out to Amazon.

        Paces by the operation's bucket, retries a 429 ``throttle_retries`` times once the
        bucket has refilled, renews an expired access token once, and raises typed errors.
        """
        throttled = 0
        renewed = False
        while True:
            try:
                return self._send(operation, invoke)
            except ThrottledError as error:
                throttled += 1
                if throttled > self.throttle_retries or getattr(error, "quota_wait", False):
                    raise
            except error_mapping.ExpiredTokenError:
                if renewed:
                    raise
                renewed = True
                self._lwa.forget()
                self._rdt = None

    def _send(self, operation, invoke):
        self.pacer.before_call(operation.key)
        api = self._api(operation.api)
        if operation.restricted:
            api.restricted_data_token = self._restricted_data_token()
        self._transport.last_response = None
        self.calls[operation.key] += 1
        try:
            result = invoke(api)
        except ConnectorError as error:  # already typed (Login with Amazon)
            raise self._failed(operation, error) from None
        except SellingApiException as exc:
            seconds = self.pacer.seconds_per_call(operation.key)
            raise self._failed(
                operation, error_mapping.from_library(exc, operation, seconds)
            ) from None
        except httpx.TransportError as exc:
            error = error_mapping.from_transport(exc, operation, self.endpoint, self.timeout)
            raise self._failed(operation, error) from None
        except (AttributeError, TypeError, KeyError, ValueError):
            # The library choked on the answer (e.g. JSON that is not an object): when the
            # answer is to blame, a typed error naming the operation instead of a crash.
            response = self._transport.last_response
            if response is None:
                raise
            self._check_raw_answer(operation)
            error = error_mapping.unreadable(operation, response.status_code, response.content)
            raise self._failed(operation, error) from None
        finally:
            if operation.restricted:
                api.restricted_data_token = None
            self._adopt_rate_limit(operation)
        self._check_raw_answer(operation)
        self._log(logging.DEBUG, "Amazon %s answered." % operation.key)
        return result

    def _check_raw_answer(self, operation):
        """Catch what the library lets through: error pages and unreadable JSON."""
        response = self._transport.last_response
        if response is None:
            return
        status = response.status_code
        if status >= 400:
            text = redact_text(response.text[:200]) or "no details"
            error = error_mapping.from_status(
                status, operation, text, payload=redact(response.content)
            )
            raise self._failed(operation, error)
        # a document (report, feed result) is read by its own parser: it may be gzip whatever
        # its content type says, and is parsed once, not twice
        if operation.api != "documents" and _looks_like_json(response) and response.content.strip():
            try:
                json.loads(response.content)
            except ValueError:
                error = error_mapping.unreadable(operation, status, response.content)
                raise self._failed(operation, error) from None

    def _adopt_rate_limit(self, operation):
        response = self._transport.last_response
        if response is not None:
            self.pacer.after_answer(operation.key, response.headers.get("x-amzn-RateLimit-Limit"))

    def _failed(self, operation, error):
        if isinstance(error, ThrottledError):
            self.pacer.throttled(operation.key)
        self._log(logging.WARNING, "Amazon %s failed: %s" % (operation.key, error.message))
        return error

    def _log(self, level, text):
        _logger.log(level, "%s", _mask_token_shapes(redact_text(text)))

    def _secrets(self):
        token = (self._lwa.token or {}).get("access_token")
        return (
            self.credentials.lwa_client_secret,
            self.credentials.refresh_token,
            token,
            self._rdt,
        )

    def _library_credentials(self):
        return SimpleNamespace(
            lwa_app_id=self.credentials.lwa_client_id,
            lwa_client_secret=self.credentials.lwa_client_secret,
            refresh_token=self.credentials.refresh_token,
        )

    def _api(self, name):
        """The library client for ``name`` (None for documents and LWA), built on first use."""
        if name not in _LIBRARY_CLIENTS:
            return None
        if name not in self._apis:
            self._apis[name] = self._new_library_client(*_LIBRARY_CLIENTS[name])
        return self._apis[name]

    def _new_library_client(self, cls, kwargs):
        credentials = self._library_credentials()
        try:
            api = cls(
                marketplace=_REGION_MARKETPLACE[self.region],
                credentials=vars(credentials),
                # Only what we pass: never environment variables or config files, which
                # could hand one account's credentials to another.
                credential_providers=(FromCodeCredentialProvider,),
                timeout=self.timeout,
                auth_token_client_class=lambda **_ignored: self._lwa,
                **kwargs,
            )
        except MissingCredentials:
            raise AuthError(
                "The Amazon account has no LWA client id or client secret: fill them in."
            ) from None
        api.endpoint = self.endpoint
        api._transport.close()
        api._transport = self._transport
        return api

    def _restricted_data_token(self):
        """One RDT for the generic v0 order paths, reused until shortly before it expires."""
        if self._rdt is None or self.clock.now() >= self._rdt_expires_at:
            resources = [dict(r) for r in RESTRICTED_RESOURCES]
            answer = self._call(
                CREATE_RDT,
                lambda api: api.create_restricted_data_token(restrictedResources=resources),
            )
            token = answer.payload.get("restrictedDataToken")
            if not token:
                raise PayloadError("Amazon answered createRestrictedDataToken without a token.")
            lifetime = float(answer.payload.get("expiresIn") or 3600)
            self._rdt = token
            self._rdt_expires_at = self.clock.now() + lifetime - RDT_REFRESH_MARGIN
        return self._rdt

    def _now(self):
        return datetime.fromtimestamp(self.clock.now(), tz=timezone.utc)

    def _window(self, after, before):
        """``(after, before)`` in UTC, before clamped to two minutes ago; None when empty."""
        after = _utc(after)
        latest = self._now() - BEFORE_MARGIN
        before = latest if before is None else min(_utc(before), latest)
        if after >= before:
            return None
        return after, before

    # ------------------------------------------------------------ account

    def test_connection(self):
        """A one-line summary of what works, or the typed error of what does not."""
        self.search_orders(self._now() - timedelta(hours=1), max_per_page=1, included_data=())
        summary = "Connected to Amazon (%s) as seller %s; orders readable in %s" % (
            self.region,
            self.seller_id,
            ", ".join(self.marketplace_ids),
        )
        try:
            self._restricted_data_token()
        except AuthError as error:
            return "%s; but buyer names and addresses are not: %s" % (summary, error.message)
        return summary + "; buyer names and addresses available."

    def exchange_authorization_code(self, code, redirect_uri):
        """The refresh token for the ``spapi_oauth_code`` a seller's consent sent us."""
        answer = self._call(
            EXCHANGE_AUTHORIZATION_CODE, lambda _api: self._lwa.exchange_code(code, redirect_uri)
        )
        if not answer.get("refresh_token"):
            raise PayloadError("Login with Amazon answered without a refresh token.")
        return answer["refresh_token"]

    # ------------------------------------------------------------ orders v2026-01-01

    def search_orders(
        self,
        last_updated_after,
        last_updated_before=None,
        page_token=None,
        max_per_page=MAX_PAGE_SIZE,
        included_data=DEFAULT_INCLUDED_DATA,
    ):
        """One page of orders updated in the window (the before bound is clamped to 2 min ago).

        ``page_token`` continues a search (the window then comes from the token).
        """
        params = {"marketplaceIds": list(self.marketplace_ids)}
        if included_data:
            params["includedData"] = list(included_data)
        if page_token:
            params["paginationToken"] = page_token
        search = (SEARCH_ORDERS, lambda api: api.search_orders(**params))
        window = (last_updated_after, last_updated_before)
        return self._order_page(search, params, page_token, window, max_per_page)

    def iter_order_pages(
        self,
        last_updated_after,
        last_updated_before=None,
        max_per_page=MAX_PAGE_SIZE,
        included_data=DEFAULT_INCLUDED_DATA,
    ):
        """Every page of a search, in order (each page is paced like any call)."""
        page = self.search_orders(
            last_updated_after, last_updated_before, None, max_per_page, included_data
        )
        yield page
        while page.next_token:
            page = self.search_orders(
                last_updated_after,
                last_updated_before,
                page.next_token,
                max_per_page,
                included_data,
            )
            yield page

    def get_order(self, order_id, included_data=DEFAULT_INCLUDED_DATA):
        """One v2026 ``Order`` payload, e.g. to check a write whose answer was lost."""
        params = {"includedData": list(included_data)} if included_data else {}
        answer = self._call(GET_ORDER_2026, lambda api: api.get_order(order_id, **params))
        order = answer.payload.get("order")
        if not isinstance(order, dict):
            raise PayloadError("Amazon's getOrder answer for %s has no order." % order_id)
        return order

    def find_package(self, order_id, package_reference_id):
        """The package Amazon recorded for the order under this id, or None: asked before a
        confirmation whose outcome is unknown is sent again (only the packages are read)."""
        order = self.get_order(order_id, included_data=("PACKAGES",))
        return recorded_package(order, package_reference_id)

    # ------------------------------------------------------------ orders v0

    def get_orders(
        self, last_updated_after, last_updated_before=None, next_token=None, max_per_page=100
    ):
        """One page of v0 orders, read with the RDT so buyer and address come inline."""
        params = {"MarketplaceIds": list(self.marketplace_ids)}
        if next_token:
            params["NextToken"] = next_token
        search = (GET_ORDERS, lambda api: api.get_orders(**params))
        window = (last_updated_after, last_updated_before)
        return self._order_page(search, params, next_token, window, max_per_page)

    def _order_page(self, search, params, token, window, max_per_page):
        """One page of a search of either Orders API version (``search``: its operation and
        the call that sends ``params``; ``token`` continues a search): the versions' wire names
        differ (``ORDER_SEARCH_NAMES``), never their rules."""
        operation, send = search
        if not 1 <= max_per_page <= MAX_PAGE_SIZE:
            raise ValueError("max_per_page must be between 1 and %d" % MAX_PAGE_SIZE)
        names = ORDER_SEARCH_NAMES[operation]
        if not token:
            window = self._window(*window)
            if window is None:  # nothing can have settled in it yet
                return OrderPage([], None, None)
            params[names.after] = _iso(window[0])
            params[names.before] = _iso(window[1])
            params[names.page_size] = max_per_page
        answer = self._call(operation, send)
        orders = answer.payload.get(names.orders)
        if not isinstance(orders, list):
            raise PayloadError(
                "Amazon's %s answer has no list of orders." % operation.name,
                payload=redact(answer.payload, max_chars=300),
            )
        return OrderPage(orders, answer.next_token, answer.payload.get(names.before))

    def iter_v0_order_pages(self, last_updated_after, last_updated_before=None, max_per_page=100):
        page = self.get_orders(last_updated_after, last_updated_before, None, max_per_page)
        yield page
        while page.next_token:
            page = self.get_orders(last_updated_after, last_updated_before, page.next_token)
            yield page

    def get_order_items(self, order_id):
        """Every ``OrderItem`` of a v0 order (all pages), gift messages included."""
        items, token = [], None
        while True:
            params = {"NextToken": token} if token else {}
            answer = self._call(
                GET_ORDER_ITEMS, lambda api, p=params: api.get_order_items(order_id, **p)
            )
            page = answer.payload.get("OrderItems")
            if not isinstance(page, list):
                raise PayloadError("Amazon's getOrderItems answer for %s has no items." % order_id)
            items.extend(page)
            token = answer.next_token
            if not token:
                return items

    def get_order_address(self, order_id):
        """The getOrderAddress payload: full address and the buyer's delivery instructions."""
        answer = self._call(GET_ORDER_ADDRESS, lambda api: api.get_order_address(order_id))
        return answer.payload

    def get_order_buyer_info(self, order_id):
        answer = self._call(GET_ORDER_BUYER_INFO, lambda api: api.get_order_buyer_info(order_id))
        return answer.payload

    def confirm_shipment(self, order_id, body):
        """Tell Amazon a package left: send ``body`` as ``shipment.build_confirmation`` built it.

        The body is built in one place only (lib/amazon/shipment.py); this only sends it. A
        ship date still in the future on this client's clock is refused before any call
        (Amazon would refuse it too): the caller keeps the confirmation until the date has come.
        """
        package = body["packageDetail"]
        ship_date = datetime.fromisoformat(package["shipDate"].replace("Z", "+00:00"))
        readiness = ship_date_ready(ship_date, self._now())
        if not readiness:
            raise PermanentError(
                "Order %s: the ship date %s is in the future; Amazon is told once it has come."
                % (order_id, package["shipDate"]),
                code="FutureShipDate",
            )
        self._call(
            CONFIRM_SHIPMENT,
            lambda api: api.confirm_shipment(
                order_id, marketplaceId=body["marketplaceId"], packageDetail=package
            ),
        )

    # ------------------------------------------------------------ listings and feeds

    def patch_listing(
        self, sku, marketplace_id, product_type, quantity=None, price=None, currency=None
    ):
        """Set a SKU's available quantity and/or price; PermanentError when Amazon refuses."""
        update = ListingUpdate(
            sku, marketplace_id, quantity=quantity, price=price, currency=currency
        )
        body = patch_body(update, product_type)
        answer = self._call(
            PATCH_LISTINGS_ITEM,
            lambda api: api.patch_listings_item(
                self.seller_id, sku, marketplaceIds=[marketplace_id], body=body
            ),
        )
        payload = answer.payload
        issues = tuple(payload.get("issues") or ())
        if payload.get("status") not in ("ACCEPTED", "VALID"):
            raise PermanentError(
                "Amazon refused the listing update of SKU %s: %s"
                % (sku, redact_text("; ".join(i.get("message", "") for i in issues) or "?")),
                code=(issues[0].get("code") if issues else payload.get("status")),
                payload=redact(payload),
            )
        return results.ListingSubmission(
            sku, payload["status"], payload.get("submissionId"), issues
        )

    def submit_listings_feed(self, messages, marketplace_ids=None):
        """Upload a JSON_LISTINGS_FEED of at most 25,000 messages; its feed id.

        Messages without a ``messageId`` are numbered from 1. Splitting a bigger batch into
        several feeds is the caller's decision (each createFeed costs two minutes of quota).
        """
        if not messages:
            raise ValueError("a feed needs at least one message")
        if len(messages) > MAX_FEED_MESSAGES:
            raise ValueError(
                "a JSON_LISTINGS_FEED takes at most %d messages, not %d: split them"
                % (MAX_FEED_MESSAGES, len(messages))
            )
        content = json.dumps(self._feed_document(messages)).encode("utf-8")
        document = self._call(
            CREATE_FEED_DOCUMENT, lambda api: api.create_feed_document(None, FEED_CONTENT_TYPE)
        ).payload
        if not document.get("url") or not document.get("feedDocumentId"):
            raise PayloadError("Amazon's createFeedDocument answer has no upload URL.")
        self._call(
            UPLOAD_DOCUMENT,
            lambda _api: self._transport.request(
                "PUT", document["url"], content=content, headers={"Content-Type": FEED_CONTENT_TYPE}
            ),
        )
        marketplaces = list(marketplace_ids or self.marketplace_ids)
        feed = self._call(
            CREATE_FEED,
            lambda api: api.create_feed(
                LISTINGS_FEED_TYPE, document["feedDocumentId"], marketplaceIds=marketplaces
            ),
        ).payload
        if not feed.get("feedId"):
            raise PayloadError("Amazon's createFeed answer has no feedId.")
        return feed["feedId"]

    def _feed_document(self, messages):
        numbered = [
            message if "messageId" in message else {"messageId": index, **message}
            for index, message in enumerate(messages, start=1)
        ]
        header = {"sellerId": self.seller_id, "version": "2.0", "issueLocale": "en_US"}
        return {"header": header, "messages": numbered}

    def get_feed(self, feed_id):
        answer = self._call(GET_FEED, lambda api: api.get_feed(feed_id))
        return results.feed_status(answer.payload)

    def get_feed_result(self, feed_id):
        """The ProcessingReport of a finished feed; None while Amazon is still at it.

        A feed Amazon cancelled (or gave up on) without a report is a fatal ProcessingReport
        with its status; a DONE feed without one is a PayloadError.
        """
        status = self.get_feed(feed_id)
        if not status.is_finished:
            return None
        if not status.result_document_id:
            if status.status == "DONE":
                raise PayloadError(
                    "Amazon finished feed %s without a processing report." % status.feed_id,
                    code="BadFeedReport",
                )
            return ProcessingReport(feed_id=status.feed_id, status=status.status)
        # The library's own getFeedDocument also downloads, with its own client and no checks;
        # only the metadata call is wanted from it.
        path = "/feeds/2021-06-30/documents/%s" % quote(status.result_document_id, safe="")
        document = self._call(
            GET_FEED_DOCUMENT,
            lambda api: api._request(path, params={}, add_marketplace=False),
        ).payload
        return parse_processing_report(
            self._download(document), status=status.status, feed_id=status.feed_id
        )

    # ------------------------------------------------------------ reports

    def list_settlement_reports(self, created_since, created_until=None):
        """Every settlement report Amazon created since then (all pages), newest first."""
        params = {
            "reportTypes": [SETTLEMENT_REPORT_TYPE],
            "processingStatuses": ["DONE"],
            "marketplaceIds": list(self.marketplace_ids),
            "createdSince": _iso(created_since),
            "pageSize": 100,
        }
        if created_until is not None:
            params["createdUntil"] = _iso(created_until)
        reports = []
        while True:
            answer = self._call(GET_REPORTS, lambda api, p=params: api.get_reports(**p))
            reports.extend(results.report_info(r) for r in answer.payload.get("reports") or ())
            if not answer.next_token:
                return reports
            params = {"nextToken": answer.next_token}  # Amazon wants it alone

    def download_report(self, report_document_id):
        """A report document's text (unzipped when Amazon compressed it)."""
        document = self._call(
            GET_REPORT_DOCUMENT, lambda api: api.get_report_document(report_document_id)
        ).payload
        return self._download(document)

    def _download(self, document):
        if not isinstance(document, dict) or not document.get("url"):
            raise PayloadError("Amazon's document answer has no download URL.")
        response = self._call(
            DOWNLOAD_DOCUMENT, lambda _api: self._transport.request("GET", document["url"])
        )
        return results.decode_document(
            response.content, document.get("compressionAlgorithm"), response.charset_encoding
        )
