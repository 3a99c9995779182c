"""Amazon's own order examples through the Odoo import: every official sandbox order example
imports with the right lines, amounts and partner.

The Amazon simulator in sandbox mode answers exactly as Amazon's sandbox endpoint does: only the
documented requests, with the documented responses of the Orders models (v2026-01-01 and v0).
``SandboxDriver`` stands where a developer testing against that sandbox stands: it rewrites
each request of the real import to the documented input (``createdAfter`` of the example,
``TEST_CASE_200`` as the order id), and leaves everything else alone (LWA, the Restricted Data
Token, paging tokens, rate limits, python-amazon-sp-api, our client, the import).
"""

import re
from urllib.parse import urlencode, urlsplit, urlunsplit

from odoo.tests import tagged

from ..lib.amazon.order_mapping import map_order_v2026
from .amazon_import_common import AmazonImportCase
from .simulators.amazon import AmazonSimulator, sandbox
from .simulators.core import SimRequest
from .simulators.transport import in_process

SEARCH_PATH = "/orders/2026-01-01/orders"
GET_ORDERS_PATH = "/orders/v0/orders"
ORDER_ITEMS = re.compile(r"^/orders/v0/orders/[^/]+/orderItems$")

# What each example must become in Odoo: (quantity, unit price) per SKU, the total in its
# currency, the customer (name, relay e-mail) and the delivery contact (street, city, zip,
# country), or None when the order has no address (FBA for reporting, v0 read without an RDT
# address).
SEARCH_EXAMPLES = {
    "250-1234567-8901234": {  # Amazon.co.jp, fulfilled by Amazon: imported for reporting
        "channel": "AFN",
        "status": "shipped",
        "currency": "JPY",
        "total": 19940,
        "lines": {"ECHO-DOT-4-JP-CHARCOAL": (1, 5980), "FIRE-TV-4K-MAX-JP": (2, 6980)},
        "partner": ("FBA Orders", False),
        "delivery": None,
        "routing": "none",
    },
    "202-7654321-1098765": {  # Amazon.co.uk, merchant-fulfilled, first seen shipped
        "channel": "MFN",
        "status": "shipped",
        "currency": "GBP",
        "total": 34.99,
        "lines": {"ECHO-DOT-4-UK-CHARCOAL-SINGLE": (1, 34.99)},
        "partner": ("Sarah Thompson", "buyer-email@marketplace.amazon.co.uk"),
        "delivery": ("45 Oak Avenue", "London", "SW1A 1AA", "GB"),
        "routing": "none",
        "shipped_elsewhere": True,
    },
    "171-2345678-9012345": {  # Amazon.com.br, Amazon Business, unshipped: to route
        "channel": "MFN",
        "status": "unshipped",
        "currency": "BRL",
        "total": 1599.90,
        "lines": {"DELL-I15-BR-001": (1, 1599.90)},
        "partner": ("Carlos Oliveira", "buyer-email@marketplace.amazon.com.br"),
        "delivery": ("Avenida Paulista, 1000", "São Paulo", "01310-100", "BR"),
        "routing": "to_route",
        "business": True,
    },
}
GET_ORDER_EXAMPLES = {
    "171-9876543-2109876": {
        "channel": "MFN",
        "status": "unshipped",
        "currency": "BRL",
        "total": 299.90,
        "lines": {"ECHO-DOT-4-BR-PRETO": (1, 299.90)},
        # the sandbox gives this buyer the same relay address as Carlos Oliveira's order: the
        # same address is the same buyer (matched by e-mail), with her own delivery contact
        "partner": ("Carlos Oliveira", "buyer-email@marketplace.amazon.com.br"),
        "delivery": ("Rua das Flores, 123", "São Paulo", "01234-567", "BR"),
        "delivery_name": "Maria Silva Santos",
        "routing": "to_route",
    },
    "028-1234567-8901234": {
        "channel": "MFN",
        "status": "shipped",
        "currency": "TRY",
        "total": 125.00,
        "lines": {"FIRE-HD10-TR-BLK": (2, 62.50)},
        "partner": ("Mehmet Yilmaz", "buyer-email@marketplace.amazon.com.tr"),
        "delivery": ("Istiklal Caddesi No:42", "Istanbul", "34430", "TR"),
        "routing": "none",
        "shipped_elsewhere": True,
    },
    "114-9876543-1234567": {  # no buyer block: the recipient names the customer
        "channel": "MFN",
        "status": "unshipped",
        "currency": "USD",
        "total": 49.99,
        "lines": {"ECHO-POP-US-BLK": (1, 39.99)},
        "tax": 10.00,
        "partner": ("Test Store #1234", False),
        "delivery": ("100 Main Street", "Seattle", "98101", "US"),
        "routing": "to_route",
    },
}
V0_UNSHIPPED = {  # getOrders TEST_CASE_200: two orders, items from getOrderItems TEST_CASE_200
    order_id: {
        "channel": "MFN",
        "status": "unshipped",
        "currency": "USD",
        "total": 11.01,
        "lines": {"NABetaASINB00551Q3CS": (1, 10.00)},
        "tax": 1.01,
        # read without buyer and address (the sandbox fills neither): a customer per order
        "partner": ("Amazon buyer %s" % order_id, False),
        "delivery": None,
        "routing": "to_route",
    }
    for order_id in ("902-1845936-5435065", "902-8745147-1934268")
}
V0_PENDING = "902-3159896-1390916"  # TEST_CASE_200_NEXT_TOKEN: on both pages, Pending


def documented_searches():
    """The documented searchOrders requests answered 200, in document order."""
    return [
        e.parameters
        for e in sandbox.examples("orders2026")
        if e.operation_id == "searchOrders" and e.status == 200
    ]


class SandboxDriver:
    """Sends the import's requests to the sandbox as their documented inputs.

    ``searches``: the parameters of the documented searchOrders requests, one per search
    request, in order (a page token the import sends is replaced by the next example's, as
    the sandbox documents no chain). ``v0_case``: the ``CreatedAfter`` test case of getOrders;
    the import's ``NextToken`` is kept, so the documented second page is reached by paging.
    """

    def __init__(self, sim, searches=(), v0_case=None):
        self.sim = sim
        self.searches = list(searches)
        self.v0_case = v0_case
        self.rewritten = []

    def handle(self, request):
        path, query = request.path, None
        if request.method == "GET" and path == SEARCH_PATH:
            query = self.searches.pop(0)
        elif request.method == "GET" and path == GET_ORDERS_PATH:
            query = {"CreatedAfter": self.v0_case, "MarketplaceIds": ["ATVPDKIKX0DER"]}
            if request.arg("NextToken"):
                query["NextToken"] = request.arg("NextToken")
        elif request.method == "GET" and ORDER_ITEMS.match(path):
            path = "/orders/v0/orders/TEST_CASE_200/orderItems"
            query = {}
        if query is None:
            return self.sim.handle(request)
        self.rewritten.append((path, query))
        parts = urlsplit(request.url)
        url = urlunsplit(parts._replace(path=path, query=urlencode(query, doseq=True)))
        return self.sim.handle(SimRequest(request.method, url, request.headers, request.body))


@tagged("post_install", "-at_install")
class TestAmazonImportSandbox(AmazonImportCase):
    def setUp(self):
        super().setUp()
        self.sandbox = AmazonSimulator(clock=self.sim.clock, sandbox_mode=True)
        self.account.fba_policy = "report"  # the Japanese example is fulfilled by Amazon

    def run_sandbox_import(self, driver):
        self.sim.clock.advance(60)
        routes = {AmazonSimulator.LWA_URL: driver, AmazonSimulator.SP_API_URL: driver}
        with in_process(routes):
            run = self.account._import_orders()
        return run, self.clients[-1]

    def bind_examples(self, examples, marketplace):
        skus = [sku for spec in examples.values() for sku in spec["lines"]]
        self.sells_in(*(marketplace(sku) for sku in skus))
        for sku in skus:
            self.bind(sku, self.products["JBJ-M"], marketplace(sku))

    def sells_in(self, *marketplaces):
        """The channel sells in the examples' marketplaces (a binding must be in one of its)."""
        known = self.account._marketplace_list()
        self.account.marketplace_ids = ",".join(dict.fromkeys([*known, *marketplaces]))

    def assert_imported(self, order_id, spec):
        """The Amazon order, its sale order's lines, amounts and customer match ``spec``."""
        amazon = self.orders(name=order_id)
        self.assertEqual(len(amazon), 1, order_id)
        self.assertEqual(amazon.import_state, "imported", amazon.import_error)
        self.assertEqual(
            (amazon.fulfillment_channel, amazon.status, amazon.routing_state),
            (spec["channel"], spec["status"], spec["routing"]),
            order_id,
        )
        self.assertEqual(amazon.shipped_elsewhere, spec.get("shipped_elsewhere", False))
        self.assertEqual(amazon.is_business, spec.get("business", False))
        sale = amazon.sale_order_id
        self.assertTrue(sale, order_id)
        self.assertEqual(sale.currency_id.name, spec["currency"], order_id)
        self.assertAlmostEqual(amazon.order_total, spec["total"], places=2, msg=order_id)
        self.assertAlmostEqual(sale.amount_total, spec["total"], places=2, msg=order_id)
        self.assertFalse(amazon.amount_difference, order_id)
        self.assertEqual(
            {line.seller_sku: line.quantity for line in amazon.line_ids},
            {sku: qty for sku, (qty, _price) in spec["lines"].items()},
        )
        products = sale.order_line.filtered(lambda x: x.product_id == self.products["JBJ-M"])
        self.assertEqual(
            sorted((x.name.split("]")[0][1:], x.product_uom_qty, x.price_unit) for x in products),
            sorted((sku, qty, price) for sku, (qty, price) in spec["lines"].items()),
            order_id,
        )
        tax = sale.order_line.filtered(
            lambda x: x.product_id == self.env.ref("amazon_lightspeed_connector.product_amazon_tax")
        )
        self.assertAlmostEqual(sum(tax.mapped("price_unit")), spec.get("tax", 0.0), places=2)
        name, email = spec["partner"]
        self.assertEqual((sale.partner_id.name, sale.partner_id.email), (name, email), order_id)
        self.assertEqual(amazon.partner_id, sale.partner_id)
        delivery = sale.partner_shipping_id
        if spec["delivery"] is None:
            self.assertEqual(delivery, sale.partner_id, order_id)
            self.assertFalse(delivery.street, order_id)
        else:
            self.assertEqual(delivery.type, "delivery")
            self.assertEqual(delivery.parent_id, sale.partner_id)
            self.assertEqual(
                (delivery.street, delivery.city, delivery.zip, delivery.country_id.code),
                spec["delivery"],
                order_id,
            )
            self.assertEqual(delivery.name, spec.get("delivery_name", name))
        return amazon

    # ------------------------------------------------------------ v2026-01-01

    def test_the_v2026_search_examples_import_with_lines_amounts_and_partner(self):
        searches = documented_searches()
        self.assertEqual(len(searches), 3)
        marketplaces = {
            sku: o["salesChannel"]["marketplaceId"]
            for e in sandbox.examples("orders2026")
            if e.operation_id == "searchOrders" and e.status == 200
            for o in e.response["orders"]
            for sku in [i["product"]["sellerSku"] for i in o["orderItems"]]
        }
        self.bind_examples(SEARCH_EXAMPLES, marketplaces.get)
        # run 1: the Japanese page carries a nextToken; the import follows it and the sandbox
        # answers with the British page (documented with a page token); run 2: the Brazilian one
        driver = SandboxDriver(self.sandbox, searches)
        run, client = self.run_sandbox_import(driver)
        self.assertTrue(run.complete, run.summary())
        self.assertEqual((run.counts["pages"], run.counts["created"]), (2, 2), run.summary())
        self.assertIn("paginationToken", driver.rewritten[1][1])
        run, client = self.run_sandbox_import(driver)
        self.assertEqual(run.counts["created"], 1, run.summary())
        self.assertEqual(client.calls["orders2026.searchOrders"], 1)
        self.assertFalse(driver.searches)
        for order_id, spec in SEARCH_EXAMPLES.items():
            with self.subTest(order=order_id):
                self.assert_imported(order_id, spec)
        self.assertEqual(len(self.orders()), 3)
        fba = self.orders(name="250-1234567-8901234")
        self.assertFalse(fba.buyer_email or fba.ship_street)  # reporting only: no personal data
        self.assertFalse(self.logs("error"))
        self.assertFalse(self.logs("warning"))
        # the same examples again: nothing new, nothing duplicated
        run, _client = self.run_sandbox_import(SandboxDriver(self.sandbox, searches))
        self.assertEqual((run.counts["created"], run.counts["unchanged"]), (0, 2))
        self.assertEqual(len(self.orders()), 3)
        self.assertEqual(len(self.sales()), 3)

    def test_the_v2026_get_order_examples_store_with_lines_amounts_and_partner(self):
        """getOrder is not part of the import's reads; its documented orders go through the
        import's storage (``_import_from_amazon``), after the search examples they share a
        buyer with."""
        payloads = [
            e.response["order"]
            for e in sandbox.examples("orders2026")
            if e.operation_id == "getOrder" and e.status == 200
        ] + [
            o
            for e in sandbox.examples("orders2026")
            if e.operation_id == "searchOrders" and e.status == 200
            for o in e.response["orders"]
        ]
        mapped = [map_order_v2026(raw) for raw in payloads]
        self.sells_in(*(data.marketplace_id for data in mapped))
        for data in mapped:
            for order_line in data.lines:
                self.bind(order_line.seller_sku, self.products["JBJ-M"], data.marketplace_id)
        Order = self.env["amazon.order"]
        for data in reversed(mapped):  # the search examples first (Carlos before Maria)
            _order, outcome = Order._import_from_amazon(self.account, data)
            self.assertEqual(outcome, "created", data.amazon_order_id)
        for order_id, spec in {**GET_ORDER_EXAMPLES, **SEARCH_EXAMPLES}.items():
            with self.subTest(order=order_id):
                self.assert_imported(order_id, spec)
        carlos = self.orders(name="171-2345678-9012345").sale_order_id
        maria = self.orders(name="171-9876543-2109876").sale_order_id
        self.assertEqual(carlos.partner_id, maria.partner_id)
        self.assertNotEqual(carlos.partner_shipping_id, maria.partner_shipping_id)

    # ------------------------------------------------------------ v0

    def test_the_v0_examples_import_with_one_restricted_data_token_per_run(self):
        self.account.orders_api_version = "v0"
        self.bind("NABetaASINB00551Q3CS", self.products["JBJ-M"])
        run, client = self.run_sandbox_import(SandboxDriver(self.sandbox, v0_case="TEST_CASE_200"))
        self.assertTrue(run.complete, run.summary())
        self.assertEqual(run.counts["created"], 2, run.summary())
        # getOrders + getOrderItems per order, both with the same Restricted Data Token
        self.assertEqual(client.calls["ordersV0.getOrders"], 1)
        self.assertEqual(client.calls["ordersV0.getOrderItems"], 2)
        self.assertEqual(client.calls["tokens.createRestrictedDataToken"], 1)
        self.assertEqual(self.sandbox.rdts_issued, 1)
        for order_id, spec in V0_UNSHIPPED.items():
            with self.subTest(order=order_id):
                amazon = self.assert_imported(order_id, spec)
                self.assertEqual(amazon.payment_method, "Standard")
                self.assertEqual(amazon.ship_service_level, "Standard")
        # the documented second page is reached through NextToken and repeats the order
        run, client = self.run_sandbox_import(
            SandboxDriver(self.sandbox, v0_case="TEST_CASE_200_NEXT_TOKEN")
        )
        self.assertTrue(run.complete, run.summary())
        self.assertEqual(client.calls["ordersV0.getOrders"], 2)
        self.assertEqual(client.calls["tokens.createRestrictedDataToken"], 1)
        self.assertEqual((run.counts["created"], run.counts["unchanged"]), (1, 1), run.summary())
        pending = self.orders(name=V0_PENDING)
        self.assertEqual((pending.status, pending.import_state), ("pending", "imported"))
        self.assertFalse(pending.sale_order_id)  # not paid yet: no sale order, not routed
        self.assertEqual(pending.routing_state, "none")
        self.assertEqual(pending.line_ids.seller_sku, "NABetaASINB00551Q3CS")
        self.assertEqual(pending.payment_method, "CreditCard")
        self.assertEqual(len(self.orders()), 3)
        self.assertEqual(len(self.sales()), 2)
        self.assertFalse(self.logs("error"))
