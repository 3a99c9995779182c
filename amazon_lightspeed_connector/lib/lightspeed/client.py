"""The Lightspeed Retail (R-Series) API V3 client: requests, with one choke point.

Every call, the token endpoint's included, goes through ``LightspeedClient._request``, which
sets the timeouts, paces by the shared bucket, adds the bearer token (refreshing through the
TokenStore when it has expired, or once on a 401), maps every failure to the connector's error
hierarchy and logs only redacted text. The public methods above it speak in resources and
plain data classes (``wire``), never in HTTP.
"""

import json
import logging
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ..clock import SystemClock
from ..errors import (
    AuthError,
    PayloadError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from ..redaction import redact, redact_text
from . import auth, wire
from .pacing import BucketPacer, request_cost

_logger = logging.getLogger(__name__)

API_URL = "https://api.lightspeedapp.com/API/V3"
TOKEN_URL = "https://cloud.lightspeedapp.com/auth/oauth/token"
MAX_LIMIT = 100  # Lightspeed answers 400 above this
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EMAIL_PATH = "Contact.Emails.ContactEmail.address"  # a Customer's e-mails, as a query field


class LightspeedClient:
    def __init__(
        self,
        account_id,
        client_id,
        client_secret,
        token_store,
        api_url=API_URL,
        token_url=TOKEN_URL,
        session=None,
        clock=None,
        bucket_share=1.0,
        timeout=(5, 30),
    ):
        self.account_id = str(account_id)
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_store = token_store
        self.api_url = api_url.rstrip("/")
        self.token_url = token_url
        self.session = session or requests.Session()
        self.clock = clock or SystemClock()
        self.timeout = timeout
        self.pacer = BucketPacer(self.clock, share=bucket_share)
        self._access_token = None
        self._expires_at = None
        self._token_lock = threading.Lock()

    def __repr__(self):  # keeps the client secret out of tracebacks and debuggers
        return "LightspeedClient(account_id=%r)" % self.account_id

    # --- generic calls ----------------------------------------------------------------------

    def get(self, resource, params=None):
        """The answer body of ``GET Account/{id}/{resource}.json`` (e.g. "Sale/12")."""
        return self._request("GET", self._url(resource), params=params)

    def iter_records(self, resource, params=None, relations=None, limit=MAX_LIMIT):
        """Every record of a query, page after page by ``@attributes.next``."""
        for page in self.iter_pages(resource, params, relations, limit):
            yield from page.records

    def iter_pages(self, resource, params=None, relations=None, limit=MAX_LIMIT, resume_from=None):
        """Every page of a query, as ``RecordPage`` (its records and the link to the next one).

        ``resume_from``: the ``next_link`` of a page an earlier walk of the same query read;
        the walk goes on after that page. A link that is not a page of this account's
        ``resource`` on the API host is refused (``PayloadError``) before any call.
        """
        if not 0 < limit <= MAX_LIMIT:
            raise ValueError("Lightspeed pages hold 1 to %d records" % MAX_LIMIT)
        key = resource.partition("/")[0]
        if resume_from:
            url, params = self._resumable_link(resource, resume_from), None
        else:
            url = self._url(resource)
            params = dict(params or {}, limit=limit)
            if relations:
                params["load_relations"] = json.dumps(list(relations))
        read, announced, visited = 0, None, set()
        while url:
            visited.add(url)
            body = self._request("GET", url, params=params)
            if announced is None:
                announced = _announced_count(body)
            records = wire.as_list(body.get(key))
            for record in records:
                if not isinstance(record, dict):
                    raise PayloadError(
                        "Lightspeed sent a %s record that is not an object: %s"
                        % (key, redact(record, 100)),
                        payload=redact(body, 500),
                    )
            read += len(records)
            url = self._next_page(body, url)
            if url in visited:
                raise PayloadError(
                    "Lightspeed's next page of %s leads back to a page already read" % key
                )
            params = None  # the next URL carries the whole query, cursor included
            yield RecordPage(records, url)
        if announced is not None and read < announced and not resume_from:
            # a partial list must not archive or zero what it left out
            raise PayloadError(
                "Lightspeed announced %d %s records but sent %d: the read is incomplete"
                % (announced, key, read)
            )

    def post(self, resource, payload):
        """Create a record; returns it as Lightspeed answers (relations it sends included)."""
        body = self._request("POST", self._url(resource), json_body=payload)
        return self._single(body, resource)

    def put(self, resource, record_id, payload):
        body = self._request("PUT", self._url("%s/%s" % (resource, record_id)), json_body=payload)
        return self._single(body, resource)

    # --- account and reference data -------------------------------------------------------------

    def account(self):
        """The Account record (accountID, name)."""
        body = self._request("GET", "%s/Account/%s.json" % (self.api_url, self.account_id))
        return self._single(body, "Account")

    def test_connection(self):
        """The account's name: proves the credentials, the token store and the account id."""
        return self.account().get("name", "")

    def shops(self):
        return self._reference("Shop", wire.shop_from_wire)

    def registers(self):
        return self._reference("Register", wire.register_from_wire)

    def employees(self):
        return self._reference("Employee", wire.employee_from_wire)

    def payment_types(self):
        return self._reference("PaymentType", wire.payment_type_from_wire)

    def _reference(self, resource, reader):
        # Archived records come too, so the caller can archive what it mirrored.
        return [reader(r) for r in self.iter_records(resource, {"archived": "true"})]

    # --- stock, sales, customers ------------------------------------------------------------------

    def items_changed_since(self, timestamp=None):
        """ItemStock (qoh per shop) of every item whose timeStamp is after ``timestamp``
        (see ``stock_pages``)."""
        for page in self.stock_pages(timestamp):
            yield from page.records

    def stock_pages(self, timestamp=None, resume_from=None, page_size=MAX_LIMIT):
        """Pages (``RecordPage`` of ItemStock: qoh per shop) of every item whose timeStamp is
        after ``timestamp``.

        Every stock move bumps the Item's timeStamp, so this is the incremental stock read;
        None reads everything. Sorted by timeStamp, so an item that changes during the walk
        moves to the end and is read again rather than skipped. Archived items come too
        (``ItemStock.archived``). See ``wire.stock_cursor`` for the next ``timestamp``;
        ``resume_from``: a page's ``next_link`` from an earlier walk, which goes on from there
        (a second holding more items than one run reads is then read over several runs).
        """
        params = {"sort": "timeStamp", "archived": "true"}
        if timestamp is not None:
            params["timeStamp"] = ">,%s" % wire.format_timestamp(timestamp)
        pages = self.iter_pages(
            "Item", params, relations=["ItemShops"], limit=page_size, resume_from=resume_from
        )
        for page in pages:
            stocks = [wire.item_stock_from_wire(record) for record in page.records]
            yield RecordPage(stocks, page.next_link)

    def find_sales_by_reference(self, reference_number):
        """Sales (archived and voided included) whose referenceNumber is exactly this one.

        The exactly-once check before retrying a Sale POST whose answer was lost.
        """
        params = {"referenceNumber": reference_number, "archived": "true"}
        return [wire.sale_from_wire(r) for r in self.iter_records("Sale", params)]

    def find_sales_by_references(self, reference_numbers):
        """Sales (archived and voided included) holding any of these referenceNumbers.

        One GET per 100 references (``IN``): the exactly-once check of a whole run, before its
        first POST, at the price of one read per hundred sales instead of one per sale.
        """
        references = list(dict.fromkeys(r for r in reference_numbers if r))
        sales = []
        for start in range(0, len(references), MAX_LIMIT):
            chunk = references[start : start + MAX_LIMIT]
            params = {"referenceNumber": "IN,%s" % json.dumps(chunk), "archived": "true"}
            sales.extend(wire.sale_from_wire(r) for r in self.iter_records("Sale", params))
        return sales

    def find_item_id(self, field, value):
        """The itemID of the first item whose ``field`` (customSku, systemSku, upc) is
        ``value``, archived items aside; None when there is none."""
        if not value:
            return None
        text = str(value)
        # a comma would make Lightspeed read the text before it as an operator
        params = {field: "=,%s" % text if "," in text else text}
        for record in self.iter_records("Item", params, limit=1):
            return wire.to_record_id(record.get("itemID"))
        return None

    def find_customer_by_email(self, email):
        """The first Customer with this e-mail address, or None."""
        params = {"Contact.email": email}
        for record in self.iter_records("Customer", params, relations=["Contact"], limit=1):
            return wire.customer_from_wire(record)
        return None

    def find_customers_by_emails(self, emails):
        """{e-mail (case-folded): Customer} of the customers holding any of ``emails``, one
        GET per 100 addresses (the ``IN`` operator on ``Contact.Emails.ContactEmail.address``);
        an address no customer holds is absent. None when Lightspeed refused the query or
        answered with a customer holding none of the addresses asked (it did not apply the
        filter): the caller then searches address by address, as before.
        """
        wanted = list(dict.fromkeys(e.strip().casefold() for e in emails if e and e.strip()))
        found = {}
        for start in range(0, len(wanted), MAX_LIMIT):
            chunk = wanted[start : start + MAX_LIMIT]
            params = {EMAIL_PATH: "IN,%s" % json.dumps(chunk)}
            try:
                records = list(self.iter_records("Customer", params, relations=["Contact"]))
            except PermanentError:
                _logger.info("Lightspeed refused a search of customers by several e-mails")
                return None
            for record in records:
                held = {address.casefold() for address in wire.customer_emails(record)}
                if not held & set(chunk):
                    _logger.warning("Lightspeed ignored the e-mail filter of a Customer search")
                    return None
                customer = wire.customer_from_wire(record)
                for address in sorted(held & set(chunk)):
                    previous = found.get(address)  # several customers: the oldest, as one by one
                    if previous is None or customer.customer_id < previous.customer_id:
                        found[address] = customer
        return found

    # --- OAuth ------------------------------------------------------------------------------------

    def exchange_code(self, code, redirect_uri=None):
        """The TokenGrant for an authorization code; the caller saves it on the account."""
        form = auth.code_form(self.client_id, self._client_secret, code, redirect_uri)
        body = self._request("POST", self.token_url, form=form, authenticated=False)
        return auth.grant_from_body(body, self.clock.now())

    def _refresh(self, refresh_token):
        """``refresh_fn`` for the TokenStore: one call to the token endpoint."""
        form = auth.refresh_form(self.client_id, self._client_secret, refresh_token)
        body = self._request("POST", self.token_url, form=form, authenticated=False)
        _logger.info("Lightspeed account %s: access token refreshed", self.account_id)
        return auth.grant_from_body(body, self.clock.now(), used_refresh_token=refresh_token)

    def _bearer_token(self, stale=None):
        """A live access token: cached, else the store's, else a refresh through the store."""
        with self._token_lock:
            now = self.clock.now()
            cached = auth.usable_grant(None, self._access_token, self._expires_at, now, stale)
            if cached is None and stale is None and self._access_token is None:
                cached = auth.usable_grant(*self.token_store.current(), now)
            if cached is None:
                stale = stale or self._access_token
                cached = self.token_store.rotate(self._refresh, stale_access_token=stale)
            self._access_token, self._expires_at = cached.access_token, cached.expires_at
            return cached.access_token

    # --- the choke point ----------------------------------------------------------------------

    def _request(self, method, url, params=None, json_body=None, form=None, authenticated=True):
        """Send one call to Lightspeed and return its JSON body, or raise a ConnectorError."""
        stale = None
        refreshed = waited = False
        while True:
            headers = {"Accept": "application/json"}
            if authenticated:
                self.pacer.reserve(request_cost(method, params))
                token = self._bearer_token(stale)
                headers["Authorization"] = "Bearer %s" % token
            response = self._send(method, url, params, json_body, form, headers)
            if authenticated:
                self.pacer.observe(response.headers, charged=response.status_code != 429)
                if response.status_code == 401 and not refreshed:
                    # Revoked or expired early: refresh once through the store, then retry.
                    _logger.info("Lightspeed answered 401 to %s; refreshing", _path(url))
                    stale, refreshed = token, True
                    continue
                if response.status_code == 429 and not waited and self._wait_after_429(response):
                    waited = True
                    continue
            return self._read(method, url, response, authenticated, form)

    def _wait_after_429(self, response):
        """Whether a call Lightspeed throttled may go once more, after waiting for room.

        A new client (each scheduled run builds one) does not know how full the bucket is, so
        its first call may find it full. The 429's bucket headers have just told the pacer,
        whose next ``reserve`` waits for room; without them, Retry-After says how long. A
        throttled call was not applied, so sending it again never duplicates anything. Only
        once: a second 429 means others keep the bucket full, and the run stops.
        """
        if "X-LS-API-Bucket-Level" in response.headers:
            return True
        retry_after = _float_or_none(response.headers.get("Retry-After"))
        if retry_after is None or not 0 <= retry_after <= self.pacer.max_wait:
            return False
        self.clock.sleep(retry_after)
        return True

    def _send(self, method, url, params, json_body, form, headers):
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json_body,
                data=form,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.exceptions.RequestException as exc:
            raise self._network_error(method, url, exc, form) from None
        _logger.debug(
            "Lightspeed %s %s -> %s (bucket %s)",
            method,
            _path(url),
            response.status_code,
            response.headers.get("X-LS-API-Bucket-Level", "?"),
        )
        return response

    def _network_error(self, method, url, exc, form):
        never_sent = _never_sent(exc)
        outcome_unknown = method in WRITE_METHODS and not never_sent
        what = "did not answer in time" if isinstance(exc, requests.Timeout) else "was unreachable"
        message = "Lightspeed %s (%s %s)" % (what, method, _path(url))
        if outcome_unknown and form is not None:
            message += "; the refresh may have happened: reconnect if the next call fails"
        elif outcome_unknown:
            message += "; the write may have happened: look it up before retrying"
        _logger.warning("%s: %s", message, redact_text(type(exc).__name__))
        return TransientError(message, outcome_unknown=outcome_unknown)

    def _read(self, method, url, response, authenticated, form):
        status = response.status_code
        body = _json_or_none(response)
        if 200 <= status < 300:
            if not isinstance(body, dict):
                raise self._payload_error(method, url, response)
            return body
        _logger.warning(
            "Lightspeed %s %s -> HTTP %s: %s",
            method,
            _path(url),
            status,
            redact(body if body is not None else response.text, 500),
        )
        if not authenticated:
            auth.raise_token_error(status, body, (form or {}).get("grant_type", "refresh_token"))
        raise self._api_error(method, url, status, body, response)

    def _payload_error(self, method, url, response):
        message = "Lightspeed sent an unreadable answer to %s %s" % (method, _path(url))
        if method in WRITE_METHODS:
            message += "; the write happened: look it up before retrying"
        _logger.warning("%s: %s", message, redact(response.text, 500))
        return PayloadError(message, status=response.status_code, payload=redact(response.text))

    def _api_error(self, method, url, status, body, response):
        body = body if isinstance(body, dict) else {}
        said = redact_text(str(body.get("message") or body.get("error_description") or ""))
        what = "%s %s" % (method, _path(url))
        details = {"status": status, "code": body.get("errorClass"), "payload": redact(body)}
        if status == 429:
            retry_after = _float_or_none(response.headers.get("Retry-After"))
            return ThrottledError(
                "Lightspeed asks us to slow down (%s)" % what, retry_after=retry_after, **details
            )
        if status == 401:
            return AuthError(
                "Lightspeed refused the access token even after a refresh: reconnect the "
                "account (%s)" % said,
                **details,
            )
        if status == 403:
            return AuthError(
                "Lightspeed refused access to account %s: check the account id and the app's "
                "permissions (%s)" % (self.account_id, said),
                **details,
            )
        if status >= 500:
            # 503 is refused at the door; any other 5xx may come after a write was applied.
            unknown = method in WRITE_METHODS and status != 503
            return TransientError(
                "Lightspeed failed on %s (HTTP %d)%s"
                % (what, status, ": look the write up before retrying" if unknown else ""),
                outcome_unknown=unknown,
                **details,
            )
        return PermanentError("Lightspeed refused %s: %s" % (what, said or status), **details)

    # --- URLs -------------------------------------------------------------------------------------

    def _url(self, resource):
        return "%s/Account/%s/%s.json" % (self.api_url, self.account_id, resource.strip("/"))

    def _single(self, body, resource):
        key = resource.partition("/")[0]
        record = body.get(key)
        if not isinstance(record, dict):
            raise PayloadError(
                "Lightspeed's answer has no %s record" % key, payload=redact(body, 500)
            )
        return record

    def _resumable_link(self, resource, link):
        """``link`` when it is a page of this account's ``resource`` on the API host (where
        our bearer token may go); else ``PayloadError``: an account whose number or API
        address changed must not read on in another's walk."""
        if not (isinstance(link, str) and link.startswith(self._url(resource) + "?")):
            raise PayloadError(
                "The saved page link is not a page of this account's %s records" % resource
            )
        return link

    def _next_page(self, body, url):
        attributes = body.get("@attributes")
        next_url = attributes.get("next") if isinstance(attributes, dict) else None
        if not next_url or next_url == url:
            return None
        # Our bearer token goes only where the API lives, whatever a next link says.
        if _origin(next_url) != _origin(self.api_url):
            raise PayloadError("Lightspeed's next page points to another host: %s" % next_url)
        return next_url


@dataclass(frozen=True)
class RecordPage:
    """One page of a list: its records, and the link to the next page (None: the last)."""

    records: list
    next_link: str = None


def _announced_count(body):
    """The record count a list answer announces (``@attributes.count``), when it is a plain
    whole number; V3 answers usually announce none (they page by next/previous)."""
    attributes = body.get("@attributes")
    count = wire.to_int(attributes.get("count")) if isinstance(attributes, dict) else None
    return count if count is not None and count >= 0 else None


def _path(url):
    """A URL without its query: enough to tell calls apart, nothing personal (e-mails)."""
    return urlsplit(url).path


def _origin(url):
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def _json_or_none(response):
    try:
        return response.json()
    except ValueError:
        return None


def _float_or_none(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _never_sent(exc):
    """True when the request certainly never reached Lightspeed (refused, DNS, connect timeout)."""
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)
