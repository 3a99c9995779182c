"""Writes to the Amazon simulator: shipment confirmations, listing patches, feeds, reports."""

import json

import pytest

from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, line, settlement
from amazon_lightspeed_connector.tests.simulators.amazon.testing import Caller, require_models
from amazon_lightspeed_connector.tests.simulators.core import ManualClock

require_models()

US = "ATVPDKIKX0DER"
QUANTITY = "/attributes/fulfillment_availability"
PRICE = "/attributes/purchasable_offer"


@pytest.fixture
def sim():
    sim = AmazonSimulator(clock=ManualClock(), seed=4, rate_limits_enabled=False)
    sim.add_demo_offers()
    return sim


@pytest.fixture
def caller(sim):
    return Caller(sim)


# ---------------------------------------------------------------- confirmShipment


def _confirm(caller, order, items, reference="PKG-1", **package):
    detail = {
        "packageReferenceId": reference,
        "carrierCode": "UPS",
        "trackingNumber": "1Z999",
        "shipDate": "2026-01-01T10:00:00Z",
        "orderItems": [{"orderItemId": i, "quantity": q} for i, q in items],
    }
    detail.update(package)
    body = {"marketplaceId": order.marketplace_id, "packageDetail": detail}
    return caller.post("/orders/v0/orders/%s/shipmentConfirmation" % order.order_id, body)


def test_partial_then_full_shipment_moves_status_and_last_update(sim, caller):
    order = sim.add_order([line("JBJ-M", 2), line("JBJ-L", 1)])
    first, second = order.lines
    sim.clock.advance(60)
    assert _confirm(caller, order, [(first.order_item_id, 1)]).status == 204
    assert order.status == "PartiallyShipped" and order.last_update == sim.clock.now()
    sim.clock.advance(60)
    answer = _confirm(
        caller, order, [(first.order_item_id, 1), (second.order_item_id, 1)], reference="PKG-2"
    )
    assert answer.status == 204 and answer.body == b""
    assert order.status == "Shipped"
    assert [s.package_reference_id for s in sim.shipments(order.order_id)] == ["PKG-1", "PKG-2"]


def test_shipping_more_than_ordered_or_already_shipped_is_400(sim, caller):
    order = sim.add_order([line("JBJ-M", 2)])
    item = order.lines[0].order_item_id
    too_many = _confirm(caller, order, [(item, 3)])
    assert too_many.status == 400 and "exceeds" in too_many.payload()["errors"][0]["message"]
    assert _confirm(caller, order, [(item, 2)]).status == 204
    retry = _confirm(caller, order, [(item, 2)], reference="PKG-RETRY")
    assert retry.status == 400
    assert order.lines[0].quantity_shipped == 2
    assert [c.status for c in sim.confirmations] == [400, 204, 400]


@pytest.mark.parametrize(
    "change,expected",
    [
        ({"carrierCode": "Other"}, "carrierName is required"),
        ({"shipDate": "02/21/2022"}, "ISO 8601"),
        ({"trackingNumber": ""}, "trackingNumber"),
        ({"orderItems": []}, "orderItems"),
        ({"orderItems": [{"orderItemId": "nope", "quantity": 1}]}, "Invalid orderItemId"),
        ({"orderItems": "ITEM0"}, "orderItems"),
    ],
)
def test_confirm_shipment_validates_the_package(sim, caller, change, expected):
    order = sim.add_order([line("JBJ-M")])
    answer = _confirm(caller, order, [(order.lines[0].order_item_id, 1)], **change)
    assert answer.status == 400
    messages = " ".join(e["message"] for e in answer.payload()["errors"])
    assert expected in messages
    assert order.status == "Unshipped" and not order.shipments


def test_other_carrier_with_a_name_is_accepted(sim, caller):
    order = sim.add_order([line("JBJ-M")])
    item = order.lines[0].order_item_id
    answer = _confirm(caller, order, [(item, 1)], carrierCode="Other", carrierName="Local Courier")
    assert answer.status == 204


def test_wrong_marketplace_afn_and_cancelled_orders_are_refused(sim, caller):
    order = sim.add_order([line("JBJ-M")])
    body = {"marketplaceId": "A1F83G8C2ARO7P", "packageDetail": {}}
    wrong = caller.post("/orders/v0/orders/%s/shipmentConfirmation" % order.order_id, body)
    assert wrong.status == 400
    afn = sim.add_order([line("JBJ-M")], channel="AFN")
    assert _confirm(caller, afn, [(afn.lines[0].order_item_id, 1)]).status == 400
    cancelled = sim.add_order([line("JBJ-M")])
    sim.cancel_order(cancelled.order_id)
    assert _confirm(caller, cancelled, [(cancelled.lines[0].order_item_id, 1)]).status == 400


def test_lost_confirmation_response_still_ships_and_a_retry_is_refused(sim, caller):
    from amazon_lightspeed_connector.tests.simulators.core import ResponseLost

    order = sim.add_order([line("JBJ-M")])
    sim.faults.add("lost_response", path="shipmentConfirmation")
    with pytest.raises(ResponseLost):
        _confirm(caller, order, [(order.lines[0].order_item_id, 1)])
    assert order.status == "Shipped"
    assert _confirm(caller, order, [(order.lines[0].order_item_id, 1)]).status == 400


# ---------------------------------------------------------------- listings


def _patch(caller, sim, sku, patches, **params):
    return caller.call(
        "PATCH",
        "/listings/2021-08-01/items/%s/%s" % (sim.seller_id, sku),
        {"marketplaceIds": US, **params},
        {"productType": "PANTS", "patches": patches},
    )


def _quantity(value):
    return {
        "op": "replace",
        "path": QUANTITY,
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": value}],
    }


def _price(value):
    return {
        "op": "merge",
        "path": PRICE,
        "value": [
            {
                "marketplace_id": US,
                "currency": "USD",
                "our_price": [{"schedule": [{"value_with_tax": value}]}],
            }
        ],
    }


def test_patch_sets_quantity_and_price_and_records_the_patch(sim, caller):
    answer = _patch(caller, sim, "JBJ-S", [_quantity(7), _price(54.5)])
    body = answer.payload()
    assert (answer.status, body["status"], body["issues"], body["sku"]) == (
        200,
        "ACCEPTED",
        [],
        "JBJ-S",
    )
    offer = sim.offer("JBJ-S")
    assert (offer.quantity, offer.price) == (7, "54.5")
    assert [(p.sku, p.status, p.via) for p in sim.listing_patches] == [("JBJ-S", "ACCEPTED", "api")]


def test_invalid_values_and_marked_skus_come_back_invalid_without_changing_the_offer(sim, caller):
    before = sim.offer("JBJ-M").quantity
    bad = _patch(caller, sim, "JBJ-M", [_quantity(-1)]).payload()
    assert bad["status"] == "INVALID" and bad["issues"][0]["severity"] == "ERROR"
    sim.mark_sku_invalid("JBJ-M")
    marked = _patch(caller, sim, "JBJ-M", [_quantity(3)]).payload()
    assert marked["status"] == "INVALID"
    assert sim.offer("JBJ-M").quantity == before


def test_validation_preview_changes_nothing(sim, caller):
    before = sim.offer("JBJ-L").quantity
    answer = _patch(caller, sim, "JBJ-L", [_quantity(99)], mode="VALIDATION_PREVIEW")
    assert answer.payload()["status"] == "VALID"
    assert sim.offer("JBJ-L").quantity == before


def test_patch_without_product_type_is_400(sim, caller):
    answer = caller.call(
        "PATCH",
        "/listings/2021-08-01/items/%s/JBJ-S" % sim.seller_id,
        {"marketplaceIds": US},
        {"patches": [_quantity(1)]},
    )
    assert answer.status == 400


def test_patch_bucket_is_five_per_second_burst_five():
    sim = AmazonSimulator(clock=ManualClock())
    caller = Caller(sim)
    statuses = [_patch(caller, sim, "JBJ-S", [_quantity(1)]).status for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    sim.clock.advance(0.2)
    assert _patch(caller, sim, "JBJ-S", [_quantity(1)]).status == 200


# ---------------------------------------------------------------- feeds


def _create_feed(caller, doc, feed_type="JSON_LISTINGS_FEED"):
    body = {
        "feedType": feed_type,
        "marketplaceIds": [US],
        "inputFeedDocumentId": doc["feedDocumentId"],
    }
    return caller.post("/feeds/2021-06-30/feeds", body)


def _submit_feed(caller, sim, document):
    created = caller.post("/feeds/2021-06-30/documents", {"contentType": "application/json"})
    assert created.status == 201
    doc = created.payload()
    assert doc["url"].startswith("https://sellingpartnerapi-na.amazon.com/_sim/uploads/")
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    assert caller.put(doc["url"], raw).status == 200
    feed = _create_feed(caller, doc)
    assert feed.status == 202
    return feed.payload()["feedId"]


def _feed(sim, messages):
    return {"header": {"sellerId": sim.seller_id, "version": "2.0"}, "messages": messages}


def _report_of(caller, feed_id):
    status = caller.get("/feeds/2021-06-30/feeds/" + feed_id).payload()
    doc = caller.get("/feeds/2021-06-30/documents/" + status["resultFeedDocumentId"]).payload()
    return json.loads(caller.fetch(doc["url"]).body)


def test_feed_progresses_by_clock_and_applies_messages_with_per_message_issues(sim, caller):
    sim.mark_sku_invalid("WBT-BLK-43")
    feed_id = _submit_feed(
        caller,
        sim,
        _feed(
            sim,
            [
                {
                    "messageId": 1,
                    "sku": "JBJ-S",
                    "operationType": "PATCH",
                    "productType": "PANTS",
                    "patches": [_quantity(11)],
                },
                {
                    "messageId": 2,
                    "sku": "WBT-BLK-43",
                    "operationType": "PATCH",
                    "productType": "BOOT",
                    "patches": [_quantity(1)],
                },
                {
                    "messageId": 3,
                    "sku": "LTR-BELT",
                    "operationType": "PARTIAL_UPDATE",
                    "productType": "BELT",
                    "attributes": {
                        "fulfillment_availability": [
                            {"fulfillment_channel_code": "DEFAULT", "quantity": 4}
                        ]
                    },
                },
                {"messageId": 4, "sku": "WOOL-SCARF", "operationType": "DELETE"},
                {
                    "messageId": 5,
                    "sku": "CASH-BEANIE",
                    "operationType": "PATCH",
                    "productType": "HAT",
                },
            ],
        ),
    )
    statuses = []
    for step in (0, 30, 59, 1):
        sim.clock.advance(step)
        statuses.append(
            caller.get("/feeds/2021-06-30/feeds/" + feed_id).payload()["processingStatus"]
        )
    assert statuses == ["IN_QUEUE", "IN_PROGRESS", "IN_PROGRESS", "DONE"]
    assert sim.offer("JBJ-S").quantity == 11 and sim.offer("LTR-BELT").quantity == 4
    assert sim.offer("WOOL-SCARF") is None
    report = _report_of(caller, feed_id)
    assert sorted({i["messageId"] for i in report["issues"]}) == [2, 5]
    assert report["summary"]["messagesProcessed"] == 5
    assert report["summary"]["messagesAccepted"] == 3
    assert report["summary"]["messagesInvalid"] == 2


def test_unparseable_or_oversized_feed_is_fatal(sim, caller):
    broken = _submit_feed(caller, sim, b"{not json")
    message = {"messageId": 1, "sku": "JBJ-S", "operationType": "DELETE"}
    huge = _submit_feed(caller, sim, _feed(sim, [message] * 25_001))
    sim.clock.advance(120)
    for feed_id in (broken, huge):
        assert (
            caller.get("/feeds/2021-06-30/feeds/" + feed_id).payload()["processingStatus"]
            == "FATAL"
        )
    assert "25000" in _report_of(caller, huge)["issues"][0]["message"]
    assert sim.offer("JBJ-S") is not None


def test_create_feed_needs_an_uploaded_document_and_a_known_type(sim, caller):
    doc = caller.post("/feeds/2021-06-30/documents", {"contentType": "application/json"}).payload()
    not_uploaded = _create_feed(caller, doc)
    assert not_uploaded.status == 400
    other_type = _create_feed(caller, doc, "POST_FLAT_FILE_LISTINGS_DATA")
    assert other_type.status == 400


# ---------------------------------------------------------------- settlement reports


def test_settlement_report_round_trip_from_shipped_orders(sim, caller):
    shipped = sim.add_order([line("JBJ-M", 2, tax="9.44", shipping_price="4.99")])
    _confirm(caller, shipped, [(shipped.lines[0].order_item_id, 2)])
    afn = sim.add_order([line("WOOL-SCARF", 1)], channel="AFN", status="Shipped")
    sim.add_order([line("JBJ-L")])  # unshipped: not settled
    report = sim.generate_settlement_report(
        refunds=[(shipped.order_id, "JBJ-M", 1)], unknown_orders=1
    )
    listed = caller.get(
        "/reports/2021-06-30/reports",
        {"reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", "processingStatuses": "DONE"},
    ).payload()["reports"]
    assert [r["reportId"] for r in listed] == [report.report_id]
    assert (
        caller.get("/reports/2021-06-30/reports/" + report.report_id).payload()["processingStatus"]
        == "DONE"
    )
    doc = caller.get("/reports/2021-06-30/documents/" + listed[0]["reportDocumentId"]).payload()
    text = caller.fetch(doc["url"]).body.decode()
    assert text.split("\n")[0].split("\t") == list(settlement.COLUMNS)
    summary, *rows = settlement.parse(text)
    orders = {r["order-id"] for r in rows}
    assert shipped.order_id in orders and afn.order_id in orders and len(orders) == 3
    principal = [
        r
        for r in rows
        if r["order-id"] == shipped.order_id
        and r["transaction-type"] == "Order"
        and r["amount-description"] == "Principal"
    ]
    assert principal[0]["amount"] == "118.00" and principal[0]["sku"] == "JBJ-M"
    refund = [r for r in rows if r["transaction-type"] == "Refund"]
    assert {r["amount-description"] for r in refund} >= {"Principal", "Commission"}
    fba = [r for r in rows if r["amount-description"] == "FBAPerUnitFulfillmentFee"]
    assert fba and fba[0]["order-id"] == afn.order_id
    total = sum(float(r["amount"]) for r in rows)
    assert float(summary["total-amount"]) == pytest.approx(total)
    assert summary["currency"] == "USD"


def test_get_reports_requires_report_types_and_pages(sim, caller):
    assert caller.get("/reports/2021-06-30/reports").status == 400
    for _ in range(3):
        sim.generate_settlement_report()
        sim.clock.advance(60)
    params = {"reportTypes": settlement.REPORT_TYPE, "pageSize": "2"}
    first = caller.get("/reports/2021-06-30/reports", params).payload()
    second = caller.get("/reports/2021-06-30/reports", {"nextToken": first["nextToken"]}).payload()
    assert len(first["reports"]) == 2 and len(second["reports"]) == 1
    assert "nextToken" not in second
