"""AmazonSimulator: routes, authentication, rate limits and the clock-driven state.

Every SP-API route goes through the same gate, in Amazon's order: catch the state up with the
clock, check the access token (403), check the operation's role, take a token from the
operation's bucket (429), then run the handler. Every SP-API answer carries
``x-amzn-RateLimit-Limit`` and ``x-amzn-RequestId``.
"""

import random
import re
import uuid

from ..core import SimulatorApp
from ..demo_catalogue import AMAZON_DEMO
from . import (
    errors,
    feeds_api,
    listings_api,
    orders_api,
    rate_limits,
    reports_api,
    sandbox,
    shipments,
)
from .auth import ROLE_FINANCE, ROLE_LISTINGS, ROLE_ORDERS, Authority, RestrictedDataToken
from .scenario import ScenarioMixin
from .state import Document, Timeline

LWA_PATH = "/auth/o2/token"


class SpOperation:
    """One SP-API route: which documented operation it is and what it needs."""

    def __init__(self, model, operation_id, role):
        self.key = (model, operation_id)
        self.role = role


class AmazonSimulator(ScenarioMixin, SimulatorApp):
    """A stateful SP-API (Orders v0 and v2026-01-01, Tokens, Listings, Feeds, Reports) and LWA.

    Serve it for ``https://api.amazon.com`` (LWA) and ``https://sellingpartnerapi-na.amazon.com``
    with ``transport.in_process``, or on loopback with ``http_server.SimulatorServer``.
    ``sandbox=True`` answers the Orders APIs with Amazon's static sandbox examples instead.
    """

    def __init__(
        self,
        clock=None,
        seed=0,
        seller_id=AMAZON_DEMO["seller_id"],
        marketplace_id=AMAZON_DEMO["marketplace_id"],
        lwa_client_id=AMAZON_DEMO["lwa_client_id"],
        lwa_client_secret=AMAZON_DEMO["lwa_client_secret"],
        refresh_token=AMAZON_DEMO["refresh_token"],
        rate_limits_enabled=True,
        sandbox_mode=False,
    ):
        super().__init__(clock=clock, seed=seed)
        self.random = random.Random(seed)
        self.seller_id = seller_id
        self.marketplace_id = marketplace_id
        self.sandbox_mode = sandbox_mode
        self.authority = Authority(self.clock, self.random, lwa_client_id, lwa_client_secret)
        self.authority.add_seller(seller_id, refresh_token)
        self.rate_limiter = rate_limits.RateLimiter(self.clock, enabled=rate_limits_enabled)
        self.orders = {}
        self.timeline = Timeline()
        self.offers = {}  # (sku, marketplace_id) -> Offer
        self.invalid_skus = set()
        self.strict_skus = False  # True: patching a SKU with no offer is INVALID
        self.listing_patches = []
        self.confirmations = []
        self.documents = {}
        self.feeds = {}
        self.reports = {}
        self.order_items_page_size = 100
        # Amazon promises no order of a search's results: True lists the newest first
        self.search_newest_first = False
        self.public_base_url = None  # document URLs' base; None: the host the request reached
        self.order_sources = []  # callables(sim, now) adding orders as time passes (demo)
        self._page_tokens = {}
        self._sp_routes = []
        self._install_routes()

    # ------------------------------------------------------------ routing

    def _install_routes(self):
        self.route("POST", LWA_PATH, self._lwa_token)
        self.route(
            "PUT", r"/_sim/uploads/(?P<documentId>[^/]+)", self._unauthenticated(feeds_api.upload)
        )
        self.route(
            "GET",
            r"/_sim/documents/(?P<documentId>[^/]+)",
            self._unauthenticated(feeds_api.download),
        )
        if self.sandbox_mode:
            self._install_sandbox_routes()
        else:
            self._install_orders_routes()
        self._sp(
            "POST",
            "/tokens/2021-03-01/restrictedDataToken",
            "tokens",
            "createRestrictedDataToken",
            orders_api.create_restricted_data_token,
            None,
        )
        self._sp(
            "PATCH",
            "/listings/2021-08-01/items/{sellerId}/{sku}",
            "listings",
            "patchListingsItem",
            listings_api.patch_listings_item,
            ROLE_LISTINGS,
        )
        self._sp(
            "POST",
            "/feeds/2021-06-30/documents",
            "feeds",
            "createFeedDocument",
            feeds_api.create_feed_document,
            ROLE_LISTINGS,
        )
        self._sp(
            "POST",
            "/feeds/2021-06-30/feeds",
            "feeds",
            "createFeed",
            feeds_api.create_feed,
            ROLE_LISTINGS,
        )
        self._sp(
            "GET",
            "/feeds/2021-06-30/feeds/{feedId}",
            "feeds",
            "getFeed",
            feeds_api.get_feed,
            ROLE_LISTINGS,
        )
        self._sp(
            "GET",
            "/feeds/2021-06-30/documents/{feedDocumentId}",
            "feeds",
            "getFeedDocument",
            feeds_api.get_feed_document,
            ROLE_LISTINGS,
        )
        self._sp(
            "GET",
            "/reports/2021-06-30/reports",
            "reports",
            "getReports",
            reports_api.get_reports,
            ROLE_FINANCE,
        )
        self._sp(
            "GET",
            "/reports/2021-06-30/reports/{reportId}",
            "reports",
            "getReport",
            reports_api.get_report,
            ROLE_FINANCE,
        )
        self._sp(
            "GET",
            "/reports/2021-06-30/documents/{reportDocumentId}",
            "reports",
            "getReportDocument",
            reports_api.get_report_document,
            ROLE_FINANCE,
        )

    def _install_orders_routes(self):
        routes = (
            (
                "GET",
                "/orders/2026-01-01/orders",
                "orders2026",
                "searchOrders",
                orders_api.search_orders,
            ),
            (
                "GET",
                "/orders/2026-01-01/orders/{orderId}",
                "orders2026",
                "getOrder",
                orders_api.get_order_2026,
            ),
            ("GET", "/orders/v0/orders", "ordersV0", "getOrders", orders_api.get_orders),
            ("GET", "/orders/v0/orders/{orderId}", "ordersV0", "getOrder", orders_api.get_order_v0),
            (
                "GET",
                "/orders/v0/orders/{orderId}/orderItems",
                "ordersV0",
                "getOrderItems",
                orders_api.get_order_items,
            ),
            (
                "GET",
                "/orders/v0/orders/{orderId}/address",
                "ordersV0",
                "getOrderAddress",
                orders_api.get_order_address,
            ),
            (
                "GET",
                "/orders/v0/orders/{orderId}/buyerInfo",
                "ordersV0",
                "getOrderBuyerInfo",
                orders_api.get_order_buyer_info,
            ),
            (
                "POST",
                "/orders/v0/orders/{orderId}/shipmentConfirmation",
                "ordersV0",
                "confirmShipment",
                shipments.confirm_shipment,
            ),
        )
        for method, path, model, operation_id, handler in routes:
            self._sp(method, path, model, operation_id, handler, ROLE_ORDERS)

    def _install_sandbox_routes(self):
        for operation in sandbox.catalogue():

            def handler(sim, request, token, _operation=operation, **params):
                return sandbox.answer(_operation, request, params)

            self._sp(
                operation.method,
                operation.path_template,
                operation.model,
                operation.operation_id,
                handler,
                None,
            )

    def _sp(self, method, template, model, operation_id, handler, role):
        operation = SpOperation(model, operation_id, role)
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._sp_routes.append((method, re.compile("^" + pattern + "$"), operation))

        def gated(request, **params):
            return self._gate(request, operation, handler, params)

        self.route(method, pattern, gated)

    def _unauthenticated(self, handler):
        def plain(request, **params):
            self.catch_up()
            return handler(self, request, **params)

        return plain

    def _lwa_token(self, request):
        self.catch_up()
        return self.authority.token_endpoint(request.form())

    def _gate(self, request, operation, handler, params):
        self.catch_up()
        token, refusal = self.authority.authenticate(request.headers.get("x-amz-access-token"))
        if refusal is None:
            refusal = self._forbidden(request, operation, token)
        if refusal is not None:
            return self._with_headers(refusal, operation)
        if not self.rate_limiter.allow(operation.key, token.seller_id):
            return self._with_headers(errors.quota_exceeded(), operation)
        return self._with_headers(handler(self, request, token, **params), operation)

    def _forbidden(self, request, operation, token):
        """A 403 when a valid token still may not call this: RDT scope, or a missing role."""
        rdt = isinstance(token, RestrictedDataToken)
        if rdt and token.grant_for(request.method, request.path) is None:
            return errors.unauthorized("The Restricted Data Token does not cover this resource.")
        if operation.role and not self.authority.has_role(token.seller_id, operation.role):
            return errors.unauthorized("The application lacks the %s role." % operation.role)
        return None

    def _with_headers(self, response, operation):
        rate = self.rate_limiter.limit(operation.key)[0]
        response.headers["x-amzn-RateLimit-Limit"] = rate_limits.header_value(rate)
        response.headers["x-amzn-RequestId"] = str(uuid.UUID(int=self.random.getrandbits(128)))
        return response

    def operation_of(self, request):
        """The SpOperation (``.key`` is ``(model, operationId)``) a request addresses, or None."""
        for method, regex, operation in self._sp_routes:
            if method == request.method and regex.match(request.path):
                return operation
        return None

    # ------------------------------------------------------------ Amazon-shaped faults

    def error_response(self, status, message):
        return errors.for_status(status, message)

    def throttled_response(self, request):
        operation = self.operation_of(request)
        response = errors.quota_exceeded()
        return self._with_headers(response, operation) if operation else response

    # ------------------------------------------------------------ clock-driven state

    def catch_up(self):
        """Apply everything the clock has passed: status changes, new orders, feeds."""
        now = self.clock.now()
        for source in list(self.order_sources):
            source(self, now)
        for at, order_id, status in self.timeline.due(now):
            order = self.orders.get(order_id)
            if order is not None and order.status not in ("Shipped", "Canceled"):
                self.change_status(order, status, at)
        for feed in self.feeds.values():
            feeds_api.advance(self, feed, now)

    def change_status(self, order, status, at):
        order.status = status
        order.last_update = max(order.last_update, at)

    def visible_orders(self):
        """Orders whose purchase time has come (scenarios may schedule future ones)."""
        now = self.clock.now()
        return (o for o in self.orders.values() if o.purchase_date <= now)

    def visible_order(self, order_id):
        order = self.orders.get(order_id)
        return order if order is not None and order.purchase_date <= self.clock.now() else None

    # ------------------------------------------------------------ identifiers

    def new_id(self, prefix="", digits=11):
        return prefix + "%0*d" % (digits, self.random.randrange(10**digits))

    def new_document(self, prefix, content_type):
        document = Document(prefix + uuid.UUID(int=self.random.getrandbits(128)).hex, content_type)
        self.documents[document.document_id] = document
        return document

    def new_page_token(self, cursor):
        token = uuid.UUID(int=self.random.getrandbits(128)).hex
        self._page_tokens[token] = cursor
        return token

    def page_token(self, token):
        return self._page_tokens.get(token)

    def expire_page_tokens(self):
        """Every page token given so far is refused from now on (400), as expired ones are."""
        self._page_tokens.clear()

    # ------------------------------------------------------------ base URLs

    SP_API_URL = "https://sellingpartnerapi-na.amazon.com"
    LWA_URL = "https://api.amazon.com"

    def routes(self):
        """``{base_url: self}`` for ``transport.in_process``: LWA and the NA SP-API host."""
        return {self.LWA_URL: self, self.SP_API_URL: self}
