"""The Lightspeed Retail (R-Series) API V3 and its OAuth server, as one SimulatorApp.

Route both hosts to the same simulator::

    sim = LightspeedSimulator.demo()
    with in_process({API_BASE: sim, OAUTH_BASE: sim}):
        ...

Every API call is authenticated (Bearer), charged to the account's leaky bucket and answered
in Lightspeed's wire format with the bucket headers; the token endpoint is neither.
"""

from bisect import bisect_left, bisect_right

from ..core import SimulatorApp
from ..demo_catalogue import LIGHTSPEED_DEMO
from .auth import OAuthServer
from .bucket import DEFAULT_DRIP_RATE, DEFAULT_SIZE, LeakyBucket
from .query import (
    RESERVED,
    QueryError,
    decode_cursor,
    encode_cursor,
    field_values,
    page_url,
    parse_condition,
    parse_limit,
    parse_or,
    parse_relations,
    parse_sort,
    sort_key,
)
from .records import new_customer
from .sales import SaleError, archive_sale, create_sale, update_sale
from .scenario import LightspeedScenario
from .state import Store, customer_contact_payload, make_contact
from .wire import error_body, json_response, list_body, public, scalar, single_body

API_BASE = "https://api.lightspeedapp.com"
OAUTH_BASE = "https://cloud.lightspeedapp.com"
TOKEN_PATH = "/auth/oauth/token"
ACCOUNT = r"/API/V3/Account/(?P<account_id>[^/]+)"
_QUERY_CACHE_SIZE = 64


class LightspeedSimulator(LightspeedScenario, SimulatorApp):
    def __init__(
        self,
        clock=None,
        seed=0,
        account_id=LIGHTSPEED_DEMO["account_id"],
        client_id=LIGHTSPEED_DEMO["client_id"],
        client_secret=LIGHTSPEED_DEMO["client_secret"],
        refresh_token=LIGHTSPEED_DEMO["refresh_token"],
        account_name="Demo Retail Account",
        bucket_size=DEFAULT_SIZE,
        drip_rate=DEFAULT_DRIP_RATE,
        read_cost=1,
        write_cost=10,
    ):
        super().__init__(clock=clock, seed=seed)
        self.seed = seed
        self.store = Store(self.clock, account_id, account_name)
        self.oauth = OAuthServer(
            self.clock, client_id, client_secret, refresh_token, str(account_id), seed=seed
        )
        self.bucket = LeakyBucket(self.clock, size=bucket_size, drip_rate=drip_rate)
        self.read_cost, self.write_cost = read_cost, write_cost
        self._query_cache = {}
        self._add_routes()

    def _add_routes(self):
        self.route("POST", TOKEN_PATH, self._token)
        self.route("GET", r"/API/V3/Account\.json", self._api(self._accounts))
        self.route("GET", ACCOUNT + r"\.json", self._api(self._account))
        collection_path = ACCOUNT + r"/(?P<resource>[A-Za-z]+)\.json"
        record_path = ACCOUNT + r"/(?P<resource>[A-Za-z]+)/(?P<record_id>[^/]+)\.json"
        self.route("GET", collection_path, self._api(self._list))
        self.route("POST", collection_path, self._api(self._create))
        self.route("GET", record_path, self._api(self._show))
        self.route("PUT", record_path, self._api(self._update))
        self.route("DELETE", record_path, self._api(self._delete))

    # --- OAuth ----------------------------------------------------------------------------------

    def _token(self, request):
        content_type = request.headers.get("content-type", "")
        try:
            params = request.json() if "json" in content_type else request.form()
        except ValueError:
            params = {}
        status, body = self.oauth.token(params if isinstance(params, dict) else {})
        return json_response(status, body, {"Cache-Control": "no-store"})

    # --- the API choke point: auth, account, bucket, errors ---------------------------------------

    def _api(self, handler):
        def guarded(request, account_id=None, **params):
            problem = self.oauth.check_bearer(request.headers.get("authorization"))
            if problem:
                return self._unauthorized(problem)
            if account_id is not None and account_id != self.store.account["accountID"]:
                return self._error(403, "Access token is not valid for account %s." % account_id)
            cost = self._cost(request)
            taken, retry_after = self.bucket.try_take(cost)
            if not taken:
                return self._rate_limited(retry_after, cost)
            try:
                response = handler(request, **params)
            except QueryError as exc:
                response = self._error(400, str(exc))
            except SaleError as exc:
                response = self._error(exc.status, exc.message)
            response.headers.update(self._account_headers(cost))
            return response

        return guarded

    def _cost(self, request):
        if request.method != "GET":
            return self.write_cost
        # Lightspeed charges a count=1 query like a write.
        return self.write_cost if request.arg("count") == "1" else self.read_cost

    def _account_headers(self, cost=None):
        headers = self.bucket.headers(cost)
        headers["X-LS-Acct-Id"] = self.store.account["accountID"]
        headers["X-LS-OAuth-Client-Id"] = self.oauth.client_id
        return headers

    def _unauthorized(self, problem):
        if problem == "expired":
            # The current docs' body for an expired token (OAuth server style).
            body = {
                "error": "access_denied",
                "error_description": "The resource owner or authorization server denied the "
                "request.",
                "hint": "Access token could not be verified",
                "message": "The resource owner or authorization server denied the request.",
            }
        else:
            # The recorded body for a missing or unknown token.
            body = error_body(401, "Invalid username/password or API key.")
        return json_response(401, body, {"WWW-Authenticate": 'Bearer realm="Lightspeed API"'})

    def _rate_limited(self, retry_after, cost):
        body = error_body(429, "Rate limit exceeded: the account's API bucket is full.")
        headers = self._account_headers(cost)
        headers.update(
            {"Retry-After": str(retry_after), "X-LS-API-RateLimit-Type": "api-leaky-bucket"}
        )
        return json_response(429, body, headers)

    def _error(self, status, message):
        return json_response(status, error_body(status, message))

    def error_response(self, status, message):
        """Routing misses and injected faults, in Lightspeed's shape with the bucket headers."""
        return json_response(status, error_body(status, message), self._account_headers())

    def throttled_response(self, request):
        return self._rate_limited(1, self._cost(request))

    # --- reads ----------------------------------------------------------------------------------

    def _accounts(self, request):
        return json_response(200, {"@attributes": {"count": "1"}, "Account": self._account_view()})

    def _account(self, request):
        return json_response(200, single_body("Account", self._account_view()))

    def _account_view(self):
        account = dict(self.store.account)
        account["link"] = {"@attributes": {"href": "/API/V3/Account/%s" % account["accountID"]}}
        return account

    def _resource(self, name):
        resource = self.store.resource(name)
        if resource is None or name == "Account":
            raise _NotFound("Unknown resource '%s'." % name)
        return resource

    def _show(self, request, resource, record_id):
        try:
            spec = self._resource(resource)
        except _NotFound as exc:
            return self._error(404, str(exc))
        relations = self._relations(spec, request)
        record = spec.get(int(record_id)) if record_id.isdigit() else None
        if record is None:
            return self._not_found(resource, record_id)
        return json_response(200, single_body(resource, spec.render(record, relations)))

    def _not_found(self, resource, record_id):
        message = "Object of type '%s' not found with primary ID '%s'." % (resource, record_id)
        return self._error(404, message)

    def _relations(self, spec, request):
        relations = parse_relations(request.arg("load_relations"))
        unknown = spec.unknown_relations(relations)
        if unknown:
            raise QueryError("Invalid relation(s) for %s: %s" % (spec.name, ", ".join(unknown)))
        return relations

    def _list(self, request, resource):
        try:
            spec = self._resource(resource)
        except _NotFound as exc:
            return self._error(404, str(exc))
        for removed in ("offset", "orderby", "orderby_desc"):
            if request.arg(removed) is not None:
                raise QueryError(
                    "'%s' was removed in V3: page with the next/previous URLs." % removed
                )
        relations = self._relations(spec, request)
        if request.arg("count") == "1":
            count = len(self._matching(spec, request, spec.id_field))
            return json_response(200, {"@attributes": {"count": str(count)}})
        limit = parse_limit(request.arg("limit"))
        field, descending = parse_sort(request.arg("sort"), spec.sort_fields(), spec.id_field)
        rows = self._matching(spec, request, field)
        page, has_previous, has_next = _paginate(rows, descending, request, limit)
        records = [spec.render(spec.get(row[1]), relations) for row in page]
        params = _query_pairs(request, limit, ("-" if descending else "") + field)
        next_url = previous_url = ""
        if page and has_next:
            next_url = page_url(request, params, after=encode_cursor(page[-1][2], page[-1][1]))
        if page and has_previous:
            previous_url = page_url(request, params, before=encode_cursor(page[0][2], page[0][1]))
        return json_response(200, list_body(resource, records, next_url, previous_url))

    def _matching(self, spec, request, sort_field):
        """(sort key, id, raw sort value) of every matching record, ascending; cached per state."""
        conditions, alternatives, archived = self._conditions(spec, request)
        key = (spec.name, conditions, alternatives, archived, sort_field)
        cached = self._query_cache.get(key)
        if cached and cached[0] == self.store.version:
            return cached[1]
        needed = {c.field.partition(".")[0] for c in conditions + alternatives if "." in c.field}
        rows = []
        for record in spec.candidates(conditions):
            if not _archived_ok(record, archived):
                continue
            view = spec.render(record, needed) if needed else record
            if all(c.matches(_values(spec, view, c.field)) for c in conditions) and (
                not alternatives
                or any(c.matches(_values(spec, view, c.field)) for c in alternatives)
            ):
                raw = record.get(sort_field, "")
                rows.append((sort_key(raw), int(record[spec.id_field]), raw))
        rows.sort(key=lambda row: (row[0], row[1]))
        if len(self._query_cache) >= _QUERY_CACHE_SIZE:
            self._query_cache.clear()
        self._query_cache[key] = (self.store.version, rows)
        return rows

    def _conditions(self, spec, request):
        known = _known_fields(spec)
        conditions = []
        for name, values in request.query.items():
            if name in RESERVED:
                continue
            _check_field(spec, known, name)
            conditions.extend(parse_condition(name, value) for value in values)
        alternatives = []
        for raw in request.query.get("or", []):
            for condition in parse_or(raw):
                _check_field(spec, known, condition.field)
                alternatives.append(condition)
        archived = (request.arg("archived") or "false").lower()
        return tuple(conditions), tuple(alternatives), archived

    # --- writes ---------------------------------------------------------------------------------

    def _payload(self, request):
        try:
            return request.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise SaleError("Invalid JSON in request body: %s" % exc) from exc

    def _create(self, request, resource):
        if resource == "Sale":
            sale = create_sale(self.store, self._payload(request))
            return self._sale_answer(request, sale)
        if resource == "Customer":
            return self._create_customer(request)
        return self._write_not_allowed(resource)

    def _update(self, request, resource, record_id):
        if resource not in ("Sale", "Customer"):
            return self._write_not_allowed(resource)
        spec = self._resource(resource)
        record = spec.get(int(record_id)) if record_id.isdigit() else None
        if record is None:
            return self._not_found(resource, record_id)
        if resource == "Sale":
            return self._sale_answer(
                request, update_sale(self.store, record, self._payload(request))
            )
        return self._update_customer(request, record)

    def _delete(self, request, resource, record_id):
        if resource != "Sale":
            return self._write_not_allowed(resource)
        sale = self.store.sales.get(int(record_id)) if record_id.isdigit() else None
        if sale is None:
            return self._not_found(resource, record_id)
        return self._sale_answer(request, archive_sale(self.store, sale))

    def _write_not_allowed(self, resource):
        if self.store.resource(resource) is None:
            return self._error(404, "Unknown resource '%s'." % resource)
        return self._error(405, "This simulator does not accept writes to %s." % resource)

    def _sale_answer(self, request, sale):
        spec = self.store.resource("Sale")
        relations = self._relations(spec, request)
        if relations != "all":
            relations = set(relations) | spec.write_relations
        return json_response(200, single_body("Sale", spec.render(sale, relations)))

    def _create_customer(self, request):
        payload = self._payload(request)
        if not isinstance(payload, dict):
            raise SaleError("The request body must be a JSON object describing a Customer.")
        if not (payload.get("firstName") or payload.get("lastName") or payload.get("company")):
            raise SaleError("A Customer needs a firstName, lastName or company.")
        customer = new_customer(
            self.store,
            payload.get("firstName", ""),
            payload.get("lastName", ""),
            payload.get("company", ""),
            contact=customer_contact_payload(payload),
        )
        return self._customer_answer(customer)

    def _update_customer(self, request, customer):
        payload = self._payload(request)
        if not isinstance(payload, dict):
            raise SaleError("The request body must be a JSON object describing a Customer.")
        for field in ("firstName", "lastName", "company", "title"):
            if field in payload:
                customer[field] = scalar(payload[field])
        if isinstance(payload.get("Contact"), dict):
            contact = customer_contact_payload(payload)
            old = customer["_contact"]
            customer["_contact"] = make_contact(
                old["contactID"],
                self.store.now(),
                addresses=contact["addresses"] or old["_addresses"],
                phones=contact["phones"] or old["_phones"],
                emails=contact["emails"] or old["_emails"],
                custom=contact["custom"],
            )
        customer["timeStamp"] = self.store.now()
        self.store.changed()
        return self._customer_answer(customer)

    def _customer_answer(self, customer):
        view = self.store.resource("Customer").render(customer, {"Contact"})
        return json_response(200, single_body("Customer", view))


class _NotFound(Exception):
    pass


def _archived_ok(record, archived):
    if "archived" not in record or archived == "true":
        return True
    is_archived = record["archived"] == "true"
    return is_archived if archived == "only" else not is_archived


def _known_fields(spec):
    """Searchable fields: a sample record's, plus sortable ones a sample may lack (completeTime)."""
    sample = next(iter(spec.records()), None)
    if sample is None:
        return None
    return set(public(sample)) | set(spec.sort_fields())


def _check_field(spec, known, name):
    head = name.partition(".")[0]
    if known is None or name in known or name in spec.aliases:
        return
    if "." in name and (head in spec.relations or head in spec.always):
        return
    raise QueryError("Invalid search field '%s' for %s." % (name, spec.name))


def _values(spec, view, field):
    path = spec.aliases.get(field, field)
    value = view.get(path)
    if isinstance(value, str):
        return [value]
    return field_values(view, path)


def _query_pairs(request, limit, sort):
    """The request's own parameters, with limit and sort made explicit as Lightspeed does."""
    pairs = [
        (k, v) for k, values in request.query.items() for v in values if k not in ("limit", "sort")
    ]
    return [*pairs, ("limit", str(limit)), ("sort", sort)]


def _paginate(rows, descending, request, limit):
    """One page of ``rows`` (ascending) in the asked direction: (page, has_previous, has_next)."""
    after, before = request.arg("after"), request.arg("before")
    after = decode_cursor(after) if after else None
    before = decode_cursor(before) if before else None
    size = len(rows)

    def key(row):
        return (row[0], row[1])

    if not descending:
        if after:
            start = bisect_right(rows, after, key=key)
            end = min(size, start + limit)
        elif before:
            end = bisect_left(rows, before, key=key)
            start = max(0, end - limit)
        else:
            start, end = 0, min(size, limit)
        return rows[start:end], start > 0, end < size
    if after:
        high = bisect_left(rows, after, key=key)
        low = max(0, high - limit)
    elif before:
        low = bisect_right(rows, before, key=key)
        high = min(size, low + limit)
    else:
        high = size
        low = max(0, size - limit)
    return rows[low:high][::-1], high < size, low > 0


__all__ = ["API_BASE", "OAUTH_BASE", "LightspeedSimulator"]
