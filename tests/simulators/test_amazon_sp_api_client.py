"""python-amazon-sp-api itself, unmodified, against the simulator through ``in_process``.

The library caches LWA access tokens in a module-level TTLCache keyed by refresh token; a
fresh simulator does not know a token another test's simulator issued, so each test clears it.
"""

import pytest
from sp_api.api import Orders, OrdersV20260101
from sp_api.auth import access_token_client
from sp_api.base import SellingApiRequestThrottledException
from sp_api.base.exceptions import SellingApiBadRequestException

from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, line
from amazon_lightspeed_connector.tests.simulators.amazon.testing import require_models
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import AMAZON_DEMO
from amazon_lightspeed_connector.tests.simulators.transport import in_process

require_models()

CREDENTIALS = {
    "refresh_token": AMAZON_DEMO["refresh_token"],
    "lwa_app_id": AMAZON_DEMO["lwa_client_id"],
    "lwa_client_secret": AMAZON_DEMO["lwa_client_secret"],
}
SINCE = "2025-12-01T00:00:00Z"


@pytest.fixture(autouse=True)
def fresh_token_cache():
    access_token_client.cache.clear()
    yield
    access_token_client.cache.clear()


def test_search_orders_pages_through_pagination_token_with_the_real_library():
    sim = AmazonSimulator(clock=ManualClock(), seed=5)
    created = sim.generate_orders(7, spread=3600)
    with in_process(sim.routes()):
        client = OrdersV20260101(credentials=CREDENTIALS)
        seen, token = [], None
        while True:
            kwargs = {"paginationToken": token} if token else {"createdAfter": SINCE}
            answer = client.search_orders(
                maxResultsPerPage=3, includedData=["FULFILLMENT"], **kwargs
            )
            seen += [o["orderId"] for o in answer.payload["orders"]]
            token = answer.next_token  # the library lifts pagination.nextToken out of the body
            if not token:
                break
    assert seen == [o.order_id for o in created]
    assert answer.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    assert len(sim.authority.access_tokens) == 1  # one LWA exchange served every page


def test_v0_get_orders_and_items_with_rdt_then_confirm_shipment():
    sim = AmazonSimulator(clock=ManualClock(), seed=6)
    order = sim.add_order([line("JBJ-M", 2), line("LTR-BELT", 1)])
    with in_process(sim.routes()):
        client = Orders(credentials=CREDENTIALS)
        listed = client.get_orders(
            CreatedAfter=SINCE, RestrictedResources=["buyerInfo", "shippingAddress"]
        ).payload["Orders"]
        assert listed[0]["BuyerInfo"]["BuyerEmail"] == order.buyer.email
        assert listed[0]["ShippingAddress"]["AddressLine1"] == order.address.line1
        items = client.get_order_items(order.order_id, RestrictedResources=["buyerInfo"])
        assert [i["SellerSKU"] for i in items.payload["OrderItems"]] == ["JBJ-M", "LTR-BELT"]
        client.confirm_shipment(
            order.order_id,
            marketplaceId=order.marketplace_id,
            packageDetail={
                "packageReferenceId": "1",
                "carrierCode": "UPS",
                "trackingNumber": "1Z999AA10123456784",
                "shipDate": "2026-01-01T00:00:00Z",
                "orderItems": [
                    {"orderItemId": x.order_item_id, "quantity": x.quantity} for x in order.lines
                ],
            },
        )
    assert sim.rdts_issued == 2
    assert order.status == "Shipped"
    assert [s.tracking_number for s in sim.shipments(order.order_id)] == ["1Z999AA10123456784"]


def test_throttling_surfaces_as_the_librarys_throttled_exception():
    sim = AmazonSimulator(clock=ManualClock(), seed=8)
    sim.add_order([line("JBJ-M")])
    with in_process(sim.routes()):
        client = OrdersV20260101(credentials=CREDENTIALS)
        for _ in range(20):
            client.search_orders(createdAfter=SINCE)
        with pytest.raises(SellingApiRequestThrottledException) as raised:
            client.search_orders(createdAfter=SINCE)
    assert raised.value.amzn_code == "QuotaExceeded"


def test_date_rule_violation_surfaces_as_bad_request():
    sim = AmazonSimulator(clock=ManualClock(), seed=9)
    with in_process(sim.routes()):
        client = OrdersV20260101(credentials=CREDENTIALS)
        with pytest.raises(SellingApiBadRequestException):
            client.search_orders(createdAfter=SINCE, createdBefore="2026-01-01T00:00:00Z")
