"""Orders, auth and rate limits of the Amazon simulator, on a ManualClock."""

import pytest

from amazon_lightspeed_connector.tests.simulators.amazon import ROLE_PII, AmazonSimulator, line
from amazon_lightspeed_connector.tests.simulators.amazon.testing import Caller, require_models
from amazon_lightspeed_connector.tests.simulators.core import ManualClock

require_models()

SEARCH = "/orders/2026-01-01/orders"
GET_ORDERS = "/orders/v0/orders"
SINCE = "2025-12-01T00:00:00Z"
US = "ATVPDKIKX0DER"


@pytest.fixture
def sim():
    return AmazonSimulator(clock=ManualClock(), seed=7, rate_limits_enabled=False)


@pytest.fixture
def caller(sim):
    return Caller(sim)


# ---------------------------------------------------------------- LWA and tokens


def test_lwa_refresh_grant_issues_a_one_hour_bearer_token(caller):
    answer = caller.lwa()
    body = answer.payload()
    assert answer.status == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["access_token"].startswith("Atza|")


def test_lwa_wrong_secret_is_invalid_client_401(caller):
    answer = caller.lwa(client_secret="nope")
    assert answer.status == 401
    assert answer.payload()["error"] == "invalid_client"
    assert answer.payload()["error_description"]


def test_revoked_and_unknown_refresh_tokens_are_invalid_grant_400(sim, caller):
    assert caller.lwa(refresh_token="Atzr|never-issued").payload()["error"] == "invalid_grant"
    assert caller.lwa().status == 200
    sim.revoke_refresh_token()
    answer = caller.lwa()
    assert (answer.status, answer.payload()["error"]) == (400, "invalid_grant")


def test_authorization_code_grant_is_single_use_and_yields_a_working_refresh_token(sim, caller):
    code = sim.issue_authorization_code()
    first = caller.lwa(grant_type="authorization_code", code=code, refresh_token=None)
    assert first.status == 200
    new_refresh = first.payload()["refresh_token"]
    assert caller.lwa(refresh_token=new_refresh).status == 200
    again = caller.lwa(grant_type="authorization_code", code=code, refresh_token=None)
    assert (again.status, again.payload()["error"]) == (400, "invalid_grant")


def test_access_token_expires_after_3600_seconds_on_the_clock(sim, caller):
    sim.add_order([line("JBJ-M")])
    assert caller.get(SEARCH, {"createdAfter": SINCE}).status == 200
    sim.clock.advance(3599)
    assert caller.get(SEARCH, {"createdAfter": SINCE}).status == 200
    sim.clock.advance(1)
    answer = caller.get(SEARCH, {"createdAfter": SINCE})
    assert answer.status == 403
    assert answer.payload()["errors"][0]["code"] == "Unauthorized"
    assert "expired" in answer.payload()["errors"][0]["details"]


@pytest.mark.parametrize("token", ["", "Atza|forged"])
def test_missing_or_unknown_access_token_is_403_unauthorized(caller, token):
    answer = caller.get(SEARCH, {"createdAfter": SINCE}, token=token)
    assert answer.status == 403
    assert answer.payload()["errors"][0]["code"] == "Unauthorized"


# ---------------------------------------------------------------- rate limits


def test_search_orders_bursts_20_then_429_then_refills_at_documented_rate():
    sim = AmazonSimulator(clock=ManualClock())
    caller = Caller(sim)
    statuses = [caller.get(SEARCH, {"createdAfter": SINCE}).status for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    throttled = caller.get(SEARCH, {"createdAfter": SINCE})
    assert throttled.payload() == {
        "errors": [
            {
                "code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource.",
                "details": "",
            }
        ]
    }
    assert throttled.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    sim.clock.advance(1 / 0.0056 - 1)  # not quite one token yet
    assert caller.get(SEARCH, {"createdAfter": SINCE}).status == 429
    sim.clock.advance(2)
    assert caller.get(SEARCH, {"createdAfter": SINCE}).status == 200
    assert caller.get(SEARCH, {"createdAfter": SINCE}).status == 429


def test_buckets_are_per_operation_and_every_answer_carries_the_limit_header():
    sim = AmazonSimulator(clock=ManualClock())
    order = sim.add_order([line("JBJ-M")])
    caller = Caller(sim)
    for _ in range(20):
        caller.get(SEARCH, {"createdAfter": SINCE})
    assert caller.get(SEARCH, {"createdAfter": SINCE}).status == 429
    answer = caller.get("/orders/2026-01-01/orders/" + order.order_id)
    assert answer.status == 200
    assert answer.headers["x-amzn-RateLimit-Limit"] == "0.5"
    items = [caller.get("/orders/v0/orders/%s/orderItems" % order.order_id) for _ in range(31)]
    assert [a.status for a in items] == [200] * 30 + [429]


def test_rate_limits_can_be_switched_off(sim, caller):
    assert {caller.get(SEARCH, {"createdAfter": SINCE}).status for _ in range(60)} == {200}


def test_injected_throttle_uses_amazons_shape_and_header(sim, caller):
    sim.faults.add("throttle", path="/orders/2026-01-01/orders")
    answer = caller.get(SEARCH, {"createdAfter": SINCE})
    assert answer.status == 429
    assert answer.payload()["errors"][0]["code"] == "QuotaExceeded"
    assert answer.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    sim.faults.add("server_error")
    failed = caller.get(SEARCH, {"createdAfter": SINCE})
    assert failed.status == 500 and failed.payload()["errors"][0]["code"] == "InternalFailure"


# ---------------------------------------------------------------- date rules and paging


def _iso(sim, offset):
    from amazon_lightspeed_connector.tests.simulators.amazon.state import iso

    return iso(sim.clock.now() + offset)


@pytest.mark.parametrize(
    "path,after,before",
    [(SEARCH, "createdAfter", "createdBefore"), (GET_ORDERS, "CreatedAfter", "CreatedBefore")],
)
def test_before_bound_must_be_two_minutes_in_the_past(sim, caller, path, after, before):
    base = {after: SINCE, "MarketplaceIds": US}
    too_recent = caller.get(path, {**base, before: _iso(sim, -119)})
    assert too_recent.status == 400
    assert too_recent.payload()["errors"][0]["code"] == "InvalidInput"
    assert caller.get(path, {**base, before: _iso(sim, -120)}).status == 200


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"createdAfter": SINCE, "lastUpdatedAfter": SINCE},
        {"createdAfter": SINCE, "lastUpdatedBefore": "2025-12-02T00:00:00Z"},
        {"lastUpdatedAfter": SINCE, "createdBefore": "2025-12-02T00:00:00Z"},
        {"createdAfter": "yesterday"},
        {"createdAfter": "2025-12-05T00:00:00Z", "createdBefore": "2025-12-01T00:00:00Z"},
        {"createdAfter": SINCE, "maxResultsPerPage": "101"},
        {"createdAfter": SINCE, "fulfillmentStatuses": "SHIPPED,TELEPORTED"},
        {"createdAfter": SINCE, "includedData": "BUYER,SECRETS"},
    ],
)
def test_search_orders_rejects_invalid_parameter_combinations(caller, params):
    answer = caller.get(SEARCH, params)
    assert answer.status == 400
    assert answer.payload()["errors"][0]["code"] == "InvalidInput"


def test_get_orders_requires_marketplace_ids(caller):
    assert caller.get(GET_ORDERS, {"CreatedAfter": SINCE}).status == 400


def test_orders_younger_than_two_minutes_are_not_yet_searchable(sim, caller):
    order = sim.add_order([line("JBJ-M")], created=sim.clock.now() - 60)
    answer = caller.get(SEARCH, {"createdAfter": SINCE}).payload()
    assert answer["orders"] == []
    assert answer["createdBefore"] == _iso(sim, -120)
    sim.clock.advance(61)
    found = caller.get(SEARCH, {"createdAfter": SINCE}).payload()["orders"]
    assert [o["orderId"] for o in found] == [order.order_id]


def test_search_orders_pages_through_pagination_token_in_creation_order(sim, caller):
    orders = sim.generate_orders(25, spread=3600)
    seen, params = [], {"createdAfter": SINCE, "maxResultsPerPage": "10"}
    pages = 0
    while True:
        body = caller.get(SEARCH, params).payload()
        pages += 1
        seen += [o["orderId"] for o in body["orders"]]
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            break
        params = {"paginationToken": token}
    assert pages == 3
    assert seen == [o.order_id for o in orders]
    bad = caller.get(SEARCH, {"paginationToken": "not-a-token"})
    assert bad.status == 400


def test_get_orders_pages_with_next_token_and_filters_status_and_channel(sim, caller):
    sim.generate_orders(30, spread=3600, afn_share=0.5)
    afn = {o.order_id for o in sim.orders.values() if o.channel == "AFN"}
    params = {"CreatedAfter": SINCE, "MarketplaceIds": US, "FulfillmentChannels": "AFN"}
    params["MaxResultsPerPage"] = "4"
    seen = []
    while True:
        payload = caller.get(GET_ORDERS, params).payload()["payload"]
        seen += [o["AmazonOrderId"] for o in payload["Orders"]]
        if "NextToken" not in payload:
            break
        params = {"MarketplaceIds": US, "NextToken": payload["NextToken"]}
    assert set(seen) == afn and len(seen) == len(afn) > 4
    shipped = caller.get(
        GET_ORDERS, {"CreatedAfter": SINCE, "MarketplaceIds": US, "OrderStatuses": "Shipped"}
    ).payload()["payload"]["Orders"]
    assert shipped and {o["OrderStatus"] for o in shipped} == {"Shipped"}


def test_last_update_moves_with_scheduled_status_changes(sim, caller):
    created = sim.clock.now() - 600
    order = sim.add_order(
        [line("JBJ-M")], created=created, status="Pending", timeline=[(900, "Unshipped")]
    )
    sim.clock.advance(300)  # the change is due at created + 900 = now
    after = _iso(sim, -400)
    assert caller.get(SEARCH, {"lastUpdatedAfter": after}).payload()["orders"] == []
    sim.clock.advance(120)
    found = caller.get(
        SEARCH, {"lastUpdatedAfter": after, "includedData": "FULFILLMENT"}
    ).payload()["orders"]
    assert [o["orderId"] for o in found] == [order.order_id]
    assert found[0]["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    assert found[0]["lastUpdatedTime"] == _iso(sim, -120)


# ---------------------------------------------------------------- includedData and PII


def test_included_data_controls_which_parts_are_present(sim, caller):
    order = sim.add_order([line("JBJ-M", promotion_ids=("P1",), promotion_discount="1.00")])
    path = "/orders/2026-01-01/orders/" + order.order_id
    bare = caller.get(path).payload()["order"]
    assert set(bare) == {"orderId", "createdTime", "lastUpdatedTime", "salesChannel", "orderItems"}
    assert set(bare["orderItems"][0]) == {"orderItemId", "quantityOrdered", "product"}
    full = caller.get(path, {"includedData": "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,PROMOTION"})
    order_body = full.payload()["order"]
    assert {"buyer", "recipient", "proceeds", "fulfillment"} <= set(order_body)
    assert {"proceeds", "promotion", "fulfillment"} <= set(order_body["orderItems"][0])
    assert order_body["proceeds"]["grandTotal"] == {"amount": "58.00", "currencyCode": "USD"}


def test_without_the_pii_role_buyer_and_street_address_are_withheld(sim, caller):
    order = sim.add_order([line("JBJ-M")])
    sim.remove_role(ROLE_PII)
    body = caller.get(
        "/orders/2026-01-01/orders/" + order.order_id, {"includedData": "BUYER,RECIPIENT"}
    ).payload()["order"]
    assert "buyer" not in body
    assert set(body["recipient"]["deliveryAddress"]) == {
        "city",
        "stateOrRegion",
        "postalCode",
        "countryCode",
        "addressType",
    }


def test_v0_pii_needs_an_rdt_and_one_generic_rdt_serves_many_orders(sim, caller):
    orders = [sim.add_order([line("JBJ-M")], buyer_note="Ring twice") for _ in range(3)]
    plain = caller.get("/orders/v0/orders/%s/address" % orders[0].order_id).payload()["payload"]
    assert "Name" not in plain["ShippingAddress"] and "AddressLine1" not in plain["ShippingAddress"]
    rdt = caller.rdt([("GET", "/orders/v0/orders/{orderId}/address", None)])
    for order in orders:
        answer = caller.get("/orders/v0/orders/%s/address" % order.order_id, token=rdt)
        address = answer.payload()["payload"]["ShippingAddress"]
        assert address["Name"] == order.address.name
        assert address["AddressLine1"] == order.address.line1
    assert sim.rdts_issued == 1
    # An RDT opens only the resources it names.
    elsewhere = caller.get("/orders/v0/orders/%s/buyerInfo" % orders[0].order_id, token=rdt)
    assert elsewhere.status == 403


def test_get_orders_with_rdt_data_elements_shows_buyer_info_and_full_address(sim, caller):
    order = sim.add_order([line("JBJ-M")])
    params = {"CreatedAfter": SINCE, "MarketplaceIds": US}
    plain = caller.get(GET_ORDERS, params).payload()["payload"]["Orders"][0]
    assert "BuyerInfo" not in plain and "Name" not in plain["ShippingAddress"]
    rdt = caller.rdt([("GET", GET_ORDERS, ["buyerInfo", "shippingAddress"])])
    rich = caller.get(GET_ORDERS, params, token=rdt).payload()["payload"]["Orders"][0]
    assert rich["BuyerInfo"]["BuyerEmail"] == order.buyer.email
    assert rich["ShippingAddress"]["Name"] == order.address.name


def test_rdt_is_refused_without_the_pii_role_and_for_unrestricted_paths(sim, caller):
    bad = caller.post(
        "/tokens/2021-03-01/restrictedDataToken",
        {"restrictedResources": [{"method": "GET", "path": "/orders/v1/orders/1/address"}]},
    )
    assert bad.status == 400 and bad.payload()["errors"][0]["code"] == "InvalidRequest"
    sim.remove_role(ROLE_PII)
    refused = caller.post(
        "/tokens/2021-03-01/restrictedDataToken",
        {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}]},
    )
    assert refused.status == 403
    assert sim.rdts_issued == 0


def test_get_order_items_pages_and_gift_info_needs_an_rdt(sim, caller):
    sim.order_items_page_size = 2
    order = sim.add_order(
        [line("JBJ-M"), line("JBJ-L"), line("LTR-BELT", gift_message="Cheers", gift_wrap_level="X")]
    )
    path = "/orders/v0/orders/%s/orderItems" % order.order_id
    first = caller.get(path).payload()["payload"]
    second = caller.get(path, {"NextToken": first["NextToken"]}).payload()["payload"]
    assert [i["SellerSKU"] for i in first["OrderItems"] + second["OrderItems"]] == [
        "JBJ-M",
        "JBJ-L",
        "LTR-BELT",
    ]
    assert "NextToken" not in second
    assert "BuyerInfo" not in second["OrderItems"][0]
    rdt = caller.rdt([("GET", "/orders/v0/orders/{orderId}/orderItems", ["buyerInfo"])])
    gift = caller.get(path, {"NextToken": first["NextToken"]}, token=rdt).payload()["payload"]
    assert gift["OrderItems"][0]["BuyerInfo"]["GiftMessageText"] == "Cheers"


def test_unknown_order_is_404(caller):
    answer = caller.get("/orders/v0/orders/111-0000000-0000000")
    assert answer.status == 404 and answer.payload()["errors"][0]["code"] == "NotFound"


# ---------------------------------------------------------------- malformed orders


@pytest.mark.parametrize(
    "kind,check_v0,check_2026",
    [
        ("missing_sku", None, lambda o: "sellerSku" not in o["orderItems"][0]["product"]),
        (
            "bad_money",
            lambda o: o["OrderTotal"]["Amount"] == "12,34 EUR",
            lambda o: o["proceeds"]["grandTotal"]["amount"] == "12,34 EUR",
        ),
        ("zero_quantity", None, lambda o: o["orderItems"][0]["quantityOrdered"] == 0),
        ("missing_dates", lambda o: "PurchaseDate" not in o, lambda o: "createdTime" not in o),
        (
            "unexpected_status",
            lambda o: o["OrderStatus"] == "Frobnicated",
            lambda o: o["fulfillment"]["fulfillmentStatus"] == "ON_HOLD_FOR_REVIEW",
        ),
    ],
)
def test_malformed_order_injection_reaches_both_apis(sim, caller, kind, check_v0, check_2026):
    sim.add_order([line("JBJ-M")])
    bad = sim.inject_malformed_order(kind)
    found = caller.get(SEARCH, {"createdAfter": SINCE, "includedData": "PROCEEDS,FULFILLMENT"})
    by_id = {o["orderId"]: o for o in found.payload()["orders"]}
    assert len(by_id) == 2
    assert check_2026(by_id[bad.order_id])
    v0 = caller.get(GET_ORDERS, {"CreatedAfter": SINCE, "MarketplaceIds": US})
    v0_by_id = {o["AmazonOrderId"]: o for o in v0.payload()["payload"]["Orders"]}
    if check_v0:
        assert check_v0(v0_by_id[bad.order_id])
    items = caller.get("/orders/v0/orders/%s/orderItems" % bad.order_id).payload()["payload"]
    item = items["OrderItems"][0]
    if kind == "missing_sku":
        assert "SellerSKU" not in item
    if kind == "zero_quantity":
        assert item["QuantityOrdered"] == 0


# ---------------------------------------------------------------- generators and demo


def test_generator_is_deterministic_for_a_seed_with_ten_thousand_orders():
    # No time limit here: speed belongs to the benchmarks (shared machines are noisy).
    def world(seed):
        sim = AmazonSimulator(clock=ManualClock(), seed=seed, rate_limits_enabled=False)
        sim.generate_orders(10_000)
        return sim

    first, second, other = world(11), world(11), world(12)
    assert len(first.orders) == 10_000
    fingerprint = [
        (o.order_id, [(x.sku, x.quantity) for x in o.lines]) for o in first.orders.values()
    ]
    assert fingerprint == [
        (o.order_id, [(x.sku, x.quantity) for x in o.lines]) for o in second.orders.values()
    ]
    assert list(first.orders) != list(other.orders)
    assert {o.channel for o in first.orders.values()} == {"AFN", "MFN"}
    assert max(len(o.lines) for o in first.orders.values()) > 1


def test_generate_offers_makes_tens_of_thousands_of_skus(sim):
    skus = sim.generate_offers(20_000)
    assert len(skus) == len(set(skus)) == 20_000
    assert sim.offer("GEN-020000").quantity is not None


def test_demo_has_store_c_jeans_a_multi_line_and_an_afn_order_and_grows_with_time():
    clock = ManualClock()
    sim = AmazonSimulator.demo(clock=clock, new_order_every=300)
    orders = list(sim.orders.values())
    assert any(x.sku == "JBJ-S" for o in orders for x in o.lines)
    assert any(len(o.lines) > 1 for o in orders)
    assert any(o.channel == "AFN" for o in orders)
    # no single store holds two WBT-BRN-42 (one each in A and B): the held-queue example
    assert any(x.sku == "WBT-BRN-42" and x.quantity == 2 for o in orders for x in o.lines)
    before = len(sim.orders)
    clock.advance(900)
    Caller(sim).lwa()  # any request lets the simulator catch up with the clock
    assert len(sim.orders) == before + 3
