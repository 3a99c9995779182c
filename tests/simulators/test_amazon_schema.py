"""Every answer the simulator gives validates against the official model of its operation.

A recording caller drives one scenario through every implemented operation, on success and
error paths, then each recorded body is checked against the response schema the model
documents for that status code.
"""

import json

import pytest

from amazon_lightspeed_connector.tests.simulators.amazon import (
    ROLE_PII,
    AmazonSimulator,
    line,
    schemas,
)
from amazon_lightspeed_connector.tests.simulators.amazon.testing import Caller, require_models
from amazon_lightspeed_connector.tests.simulators.core import ManualClock

require_models()

SINCE = "2025-12-01T00:00:00Z"
US = "ATVPDKIKX0DER"
IMPLEMENTED = {
    ("orders2026", "searchOrders"),
    ("orders2026", "getOrder"),
    ("ordersV0", "getOrders"),
    ("ordersV0", "getOrder"),
    ("ordersV0", "getOrderItems"),
    ("ordersV0", "getOrderAddress"),
    ("ordersV0", "getOrderBuyerInfo"),
    ("ordersV0", "confirmShipment"),
    ("tokens", "createRestrictedDataToken"),
    ("listings", "patchListingsItem"),
    ("feeds", "createFeedDocument"),
    ("feeds", "createFeed"),
    ("feeds", "getFeed"),
    ("feeds", "getFeedDocument"),
    ("reports", "getReports"),
    ("reports", "getReport"),
    ("reports", "getReportDocument"),
}
ALL_INCLUDED = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES"


class RecordingCaller(Caller):
    def __init__(self, sim):
        super().__init__(sim)
        self.records = []

    def call(self, method, path, params=None, body=None, token=None):
        answer = super().call(method, path, params, body, token)
        from urllib.parse import urlencode

        from amazon_lightspeed_connector.tests.simulators.core import SimRequest

        probe = SimRequest(method, "https://x" + path + "?" + urlencode(params or {}, doseq=True))
        operation = self.sim.operation_of(probe)
        if operation is not None:
            payload = json.loads(answer.body) if answer.body else None
            self.records.append((operation.key, answer.status, payload))
        return answer


def _rich_world():
    sim = AmazonSimulator(clock=ManualClock(), seed=3)
    sim.add_demo_offers()
    gift = line(
        "LTR-BELT",
        1,
        tax="2.00",
        gift_message="Hi",
        gift_wrap_level="Classic",
        gift_wrap_price="3.00",
        gift_wrap_tax="0.30",
    )
    promo = line(
        "CANVAS-TOTE",
        3,
        tax="3.60",
        promotion_discount="4.50",
        promotion_discount_tax="0.36",
        promotion_ids=("TOTE10",),
        shipping_price="4.99",
        shipping_tax="0.40",
        shipping_discount="4.99",
    )
    orders = [
        sim.add_order(
            [line("JBJ-S", 2, tax="9.44"), gift],
            prime=True,
            business=True,
            buyer_note="Back door",
            seller_order_id="SO-1",
            ship_service_level="NextDay",
        ),
        sim.add_order([promo], status="Pending"),
        sim.add_order([line("WOOL-SCARF")], channel="AFN", status="Shipped"),
        sim.add_order([line("JBJ-M", 2)]),
        sim.add_order([line("RAIN-JKT-M")], marketplace_id="A1VC38T7YXB528"),
    ]
    sim.cancel_order(sim.add_order([line("JBJ-L")]).order_id)
    return sim, orders


def _drive(sim, orders, caller):
    first, pending, afn, partial, _jp = orders
    for _ in range(2):  # second pass after shipments, so packages render too
        caller.get(
            "/orders/2026-01-01/orders",
            {"createdAfter": SINCE, "includedData": ALL_INCLUDED, "maxResultsPerPage": "2"},
        )
        for order in orders:
            caller.get(
                "/orders/2026-01-01/orders/" + order.order_id, {"includedData": ALL_INCLUDED}
            )
        caller.get(
            "/orders/v0/orders",
            {"CreatedAfter": SINCE, "MarketplaceIds": US, "MaxResultsPerPage": "2"},
        )
        rdt = caller.rdt(
            [
                ("GET", "/orders/v0/orders", ["buyerInfo", "shippingAddress"]),
                ("GET", "/orders/v0/orders/{orderId}", ["buyerInfo", "shippingAddress"]),
                ("GET", "/orders/v0/orders/{orderId}/orderItems", ["buyerInfo"]),
                ("GET", "/orders/v0/orders/{orderId}/address", None),
                ("GET", "/orders/v0/orders/{orderId}/buyerInfo", None),
            ]
        )
        for token in (None, rdt):
            caller.get(
                "/orders/v0/orders", {"CreatedAfter": SINCE, "MarketplaceIds": US}, token=token
            )
            for order in orders:
                for suffix in ("", "/orderItems", "/address", "/buyerInfo"):
                    caller.get("/orders/v0/orders/" + order.order_id + suffix, token=token)
        caller.post(
            "/orders/v0/orders/%s/shipmentConfirmation" % partial.order_id,
            _package(partial, "PKG-%d" % len(sim.confirmations), quantity=1),
        )
        caller.post(
            "/orders/v0/orders/%s/shipmentConfirmation" % first.order_id,
            _package(first, "PKG-A%d" % len(sim.confirmations), quantity=1),
        )


def _package(order, reference, quantity):
    return {
        "marketplaceId": order.marketplace_id,
        "packageDetail": {
            "packageReferenceId": reference,
            "carrierCode": "UPS",
            "trackingNumber": "1Z999",
            "shipDate": "2026-01-01T00:00:00Z",
            "orderItems": [{"orderItemId": order.lines[0].order_item_id, "quantity": quantity}],
        },
    }


def _drive_errors(sim, orders, caller):
    first = orders[0]
    caller.get("/orders/2026-01-01/orders", {"createdAfter": "nope"})
    caller.get("/orders/2026-01-01/orders", {"createdAfter": SINCE}, token="Atza|forged")
    caller.get("/orders/2026-01-01/orders/000-0000000-0000000")
    caller.get("/orders/v0/orders", {"CreatedAfter": SINCE})
    caller.get("/orders/v0/orders/000-0000000-0000000")
    caller.get("/orders/v0/orders/000-0000000-0000000/orderItems")
    caller.post("/orders/v0/orders/%s/shipmentConfirmation" % first.order_id, {"marketplaceId": US})
    caller.post("/orders/v0/orders/000-0000000-0000000/shipmentConfirmation", {})
    caller.post("/tokens/2021-03-01/restrictedDataToken", {"restrictedResources": []})
    caller.call("PATCH", "/listings/2021-08-01/items/%s/JBJ-S" % sim.seller_id, {}, {"patches": []})
    caller.post("/feeds/2021-06-30/feeds", {"feedType": "POST_PRODUCT_DATA"})
    caller.get("/feeds/2021-06-30/feeds/999")
    caller.get("/reports/2021-06-30/reports", {})
    caller.get("/reports/2021-06-30/reports/999")
    sim.remove_role(ROLE_PII)
    caller.post(
        "/tokens/2021-03-01/restrictedDataToken",
        {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}]},
    )
    sim.grant_role(ROLE_PII)
    sim.rate_limiter.enabled = True
    for _ in range(31):
        caller.get("/orders/v0/orders/%s/orderItems" % first.order_id)


def _drive_listings_feeds_reports(sim, caller):
    patch = {
        "productType": "PANTS",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}],
            }
        ],
    }
    caller.call(
        "PATCH",
        "/listings/2021-08-01/items/%s/JBJ-S" % sim.seller_id,
        {"marketplaceIds": US},
        patch,
    )
    sim.mark_sku_invalid("JBJ-L")
    caller.call(
        "PATCH",
        "/listings/2021-08-01/items/%s/JBJ-L" % sim.seller_id,
        {"marketplaceIds": US},
        patch,
    )
    doc = caller.post("/feeds/2021-06-30/documents", {"contentType": "application/json"}).payload()
    feed_body = {
        "header": {"sellerId": sim.seller_id, "version": "2.0"},
        "messages": [
            {
                "messageId": 1,
                "sku": "JBJ-M",
                "operationType": "PATCH",
                "productType": "PANTS",
                "patches": patch["patches"],
            }
        ],
    }
    caller.put(doc["url"], json.dumps(feed_body).encode())
    feed = caller.post(
        "/feeds/2021-06-30/feeds",
        {
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [US],
            "inputFeedDocumentId": doc["feedDocumentId"],
        },
    )
    feed_id = feed.payload()["feedId"]
    for step in (0, 40, 60):
        sim.clock.advance(step)
        status = caller.get("/feeds/2021-06-30/feeds/" + feed_id).payload()
    caller.get("/feeds/2021-06-30/documents/" + status["resultFeedDocumentId"])
    report = sim.generate_settlement_report()
    caller.get(
        "/reports/2021-06-30/reports", {"reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"}
    )
    caller.get("/reports/2021-06-30/reports/" + report.report_id)
    caller.get("/reports/2021-06-30/documents/" + report.document_id)


@pytest.fixture(scope="module")
def records():
    sim, orders = _rich_world()
    sim.rate_limiter.enabled = False
    caller = RecordingCaller(sim)
    _drive(sim, orders, caller)
    _drive_listings_feeds_reports(sim, caller)
    _drive_errors(sim, orders, caller)
    return caller.records


def test_every_implemented_operation_was_exercised(records):
    assert {key for key, _status, _payload in records} == IMPLEMENTED


def test_error_answers_were_exercised_too(records):
    statuses = {status for _key, status, _payload in records}
    assert {200, 201, 202, 204, 400, 403, 404, 429} <= statuses


def test_every_answer_validates_against_its_documented_response_schema(records):
    failures = []
    for (model, operation_id), status, payload in records:
        problems = schemas.response_errors(model, operation_id, status, payload)
        if problems:
            failures.append((model, operation_id, status, problems[:3]))
    assert failures == []
    assert len(records) > 100


def test_the_validator_really_rejects_a_wrong_shape():
    # Guards the guard: a response missing a required field must not validate.
    problems = schemas.response_errors("orders2026", "getOrder", 200, {"order": {"orderId": "1"}})
    assert problems
    assert schemas.response_errors("ordersV0", "getOrders", 400, {"errors": "nope"})
