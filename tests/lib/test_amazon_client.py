"""AmazonClient against the Amazon simulator, in process: python-amazon-sp-api really runs."""

import logging
import socket
from datetime import datetime, timedelta, timezone

import pytest
from amazon_support import (
    DEMO,
    SINCE,
    credentials,
    make_client,
    make_sim,
    served_sim_fixture,
    sim_now,
    sp_calls,
)

from amazon_lightspeed_connector.lib.amazon.client import AmazonClient
from amazon_lightspeed_connector.lib.errors import (
    AuthError,
    PayloadError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from amazon_lightspeed_connector.tests.simulators.amazon import ROLE_ORDERS, ROLE_PII, line
from amazon_lightspeed_connector.tests.simulators.amazon.testing import require_models
from amazon_lightspeed_connector.tests.simulators.http_server import SimulatorServer
from amazon_lightspeed_connector.tests.simulators.transport import in_process

require_models()

SEARCH = r"^/orders/2026-01-01/orders$"


sim = served_sim_fixture(seed=21)


# ---------------------------------------------------------------- orders


def test_search_pages_share_one_access_token(sim):
    sim.generate_orders(250, spread=3600)
    client = make_client(sim)
    pages = list(client.iter_order_pages(SINCE))
    assert [len(p.orders) for p in pages] == [100, 100, 50]
    assert pages[-1].next_token is None
    assert len(sim.authority.access_tokens) == 1
    assert sp_calls(sim, "/orders/2026-01-01/") == 3


def test_the_before_bound_is_clamped_to_two_minutes_ago(sim):
    sim.add_order([line("JBJ-M")])
    client = make_client(sim)
    page = client.search_orders(SINCE, last_updated_before=sim_now(sim) + timedelta(hours=1))
    assert page.window_end == (sim_now(sim) - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(page.orders) == 1
    # A window that lies entirely inside the settling margin asks Amazon nothing.
    assert client.search_orders(sim_now(sim) - timedelta(seconds=30)).orders == []
    assert sp_calls(sim) == 1


def test_v0_uses_one_restricted_data_token_for_many_orders(sim):
    orders = sim.generate_orders(40, spread=3600)
    client = make_client(sim)
    seen = 0
    for page in client.iter_v0_order_pages(SINCE, max_per_page=15):
        for order in page.orders:
            assert order["BuyerInfo"]["BuyerEmail"].endswith("@marketplace.amazon.com")
            assert client.get_order_items(order["AmazonOrderId"])
            assert client.get_order_address(order["AmazonOrderId"])["ShippingAddress"]["Name"]
            seen += 1
    assert client.get_order_buyer_info(orders[0].order_id)["BuyerName"] == orders[0].buyer.name
    assert seen == 40
    assert sim.rdts_issued == 1
    sim.clock.advance(3600)  # the token is renewed before it expires, not after a 403
    client.get_order_address(orders[0].order_id)
    assert sim.rdts_issued == 2
    assert not [c for c in sim.calls if c.status == 403]


def test_order_items_follow_next_token(sim):
    order = sim.add_order([line("JBJ-M"), line("JBJ-L"), line("LTR-BELT")])
    sim.order_items_page_size = 2
    items = make_client(sim).get_order_items(order.order_id)
    assert [i["SellerSKU"] for i in items] == ["JBJ-M", "JBJ-L", "LTR-BELT"]


def test_get_order_v2026(sim):
    order = sim.add_order([line("JBJ-M")])
    payload = make_client(sim).get_order(order.order_id)
    assert payload["orderId"] == order.order_id


# ---------------------------------------------------------------- faults


def test_a_single_429_is_absorbed_but_a_storm_raises_throttled(sim):
    sim.add_order([line("JBJ-M")])
    client = make_client(sim)
    sim.faults.add("throttle", path=SEARCH, times=1)
    assert len(client.search_orders(SINCE).orders) == 1
    sim.faults.add("throttle", path=SEARCH, times=None)
    with pytest.raises(ThrottledError) as raised:
        client.search_orders(SINCE)
    assert raised.value.retry_after == pytest.approx(1 / 0.0056)
    assert "quota" in raised.value.message


@pytest.mark.parametrize("fault", ["server_error", "timeout", "unavailable"])
def test_server_errors_and_timeouts_on_a_read_are_transient(sim, fault):
    sim.faults.add(fault, path=SEARCH)
    with pytest.raises(TransientError) as raised:
        make_client(sim).search_orders(SINCE)
    assert raised.value.outcome_unknown is False


def _confirm(client, order, **overrides):
    """Send a confirmShipment body written here directly: the client sends what it is given
    (the flow builds it with lib/amazon/shipment.build_confirmation)."""
    package = {
        "packageReferenceId": "1",
        "carrierCode": "UPS",
        "shippingMethod": "Ground",
        "trackingNumber": "1Z999AA10123456784",
        "shipDate": datetime.fromtimestamp(client.clock.now(), tz=timezone.utc),
        "orderItems": [(x.order_item_id, x.quantity) for x in order.lines],
    }
    package.update(overrides)
    package["shipDate"] = package["shipDate"].strftime("%Y-%m-%dT%H:%M:%SZ")
    package["orderItems"] = [{"orderItemId": i, "quantity": q} for i, q in package["orderItems"]]
    body = {"marketplaceId": order.marketplace_id, "packageDetail": package}
    client.confirm_shipment(order.order_id, body)


def test_a_lost_answer_to_a_write_leaves_the_outcome_unknown(sim):
    order = sim.add_order([line("JBJ-M", 2)])
    sim.faults.add("lost_response", path="shipmentConfirmation")
    with pytest.raises(TransientError) as raised:
        _confirm(make_client(sim), order)
    assert raised.value.outcome_unknown is True
    assert "may or may not have been applied" in raised.value.message
    assert sim.shipments(order.order_id)  # it did happen: the caller must look before retrying


@pytest.mark.parametrize(("fault", "unknown"), [("server_error", True), ("unavailable", False)])
def test_a_5xx_on_a_write(sim, fault, unknown):
    order = sim.add_order([line("JBJ-M")])
    sim.faults.add(fault, path="shipmentConfirmation")
    with pytest.raises(TransientError) as raised:
        _confirm(make_client(sim), order)
    assert raised.value.outcome_unknown is unknown


def test_truncated_json_is_a_payload_error(sim):
    sim.add_order([line("JBJ-M")])
    sim.faults.add("truncated_json", path=SEARCH)
    with pytest.raises(PayloadError, match="not valid JSON"):
        make_client(sim).search_orders(SINCE)


def test_a_wrong_shape_is_a_payload_error(sim):
    sim.faults.add("malformed", path=SEARCH)
    with pytest.raises(PayloadError, match="no list of orders"):
        make_client(sim).search_orders(SINCE)


def test_truncated_answer_to_a_write_is_outcome_unknown(sim):
    sim.add_offer("JBJ-M", 1, "59.00")
    sim.faults.add("truncated_json", path="/listings/")
    with pytest.raises(TransientError) as raised:
        make_client(sim).patch_listing("JBJ-M", DEMO["marketplace_id"], "PANTS", quantity=3)
    assert raised.value.outcome_unknown is True


# ---------------------------------------------------------------- authentication


def test_a_wrong_client_secret(sim):
    client = make_client(sim, creds=credentials(secret="not-the-secret"))
    with pytest.raises(AuthError, match="Amazon rejected the LWA client secret"):
        client.search_orders(SINCE)


def test_a_revoked_refresh_token(sim):
    sim.revoke_refresh_token()
    with pytest.raises(AuthError, match="The refresh token was revoked: reconnect the seller"):
        make_client(sim).test_connection()


def test_a_missing_pii_role(sim):
    sim.add_order([line("JBJ-M")])
    sim.remove_role(ROLE_PII)
    client = make_client(sim)
    with pytest.raises(AuthError, match="The app lacks the PII role for buyer data"):
        client.get_orders(SINCE)
    summary = client.test_connection()
    assert "orders readable" in summary and "buyer names and addresses are not" in summary


def test_a_missing_orders_role(sim):
    sim.remove_role(ROLE_ORDERS)
    with pytest.raises(AuthError, match="lacks the 'Inventory and Order Tracking' role"):
        make_client(sim).search_orders(SINCE)


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_amazon_unreachable():
    url = "http://127.0.0.1:%d" % _closed_port()
    client = AmazonClient(
        credentials(), DEMO["seller_id"], [DEMO["marketplace_id"]], endpoint=url, lwa_endpoint=url
    )
    with pytest.raises(TransientError, match="Could not reach Amazon at http://127.0.0.1:"):
        client.search_orders(SINCE)


def test_exchange_authorization_code_gives_a_working_refresh_token(sim):
    code = sim.issue_authorization_code()
    client = make_client(sim)
    refresh_token = client.exchange_authorization_code(code, "https://odoo.example.com/amazon")
    assert refresh_token.startswith("Atzr|") and refresh_token != DEMO["refresh_token"]
    assert make_client(sim, creds=credentials(refresh_token=refresh_token)).test_connection()
    with pytest.raises(AuthError, match="authorization code is invalid or has expired"):
        client.exchange_authorization_code(code, "https://odoo.example.com/amazon")


def test_test_connection_summary(sim):
    summary = make_client(sim).test_connection()
    assert summary.startswith("Connected to Amazon (NA) as seller A2DEMOSELLER01")
    assert "buyer names and addresses available" in summary


# ---------------------------------------------------------------- shipments


def test_confirm_shipment(sim):
    order = sim.add_order([line("JBJ-M", 2), line("LTR-BELT", 1)])
    _confirm(make_client(sim), order, carrierCode="Other", carrierName="Local Courier")
    (shipment,) = sim.shipments(order.order_id)
    assert (shipment.carrier_name, shipment.tracking_number) == (
        "Local Courier",
        "1Z999AA10123456784",
    )
    assert order.status == "Shipped"


def test_confirm_shipment_refused_by_amazon(sim):
    order = sim.add_order([line("JBJ-M", 2)])
    client = make_client(sim)
    with pytest.raises(PermanentError) as raised:
        _confirm(client, order, orderItems=[(order.lines[0].order_item_id, 5)])
    assert "exceeds the 2 left to ship" in raised.value.message
    assert raised.value.status == 400 and raised.value.code == "InvalidInput"


def test_a_future_ship_date_is_refused_before_asking_amazon(sim):
    order = sim.add_order([line("JBJ-M")])
    tomorrow = sim_now(sim) + timedelta(days=1)
    with pytest.raises(PermanentError, match="in the future") as raised:
        _confirm(make_client(sim), order, shipDate=tomorrow)
    assert raised.value.code == "FutureShipDate"
    assert sim.confirmations == []


# ---------------------------------------------------------------- listings and feeds


def test_patch_listing_quantity_and_price(sim):
    sim.add_offer("JBJ-M", 1, "59.00")
    submission = make_client(sim).patch_listing(
        "JBJ-M", DEMO["marketplace_id"], "PANTS", quantity=7, price="54.50", currency="USD"
    )
    assert submission.status == "ACCEPTED"
    offer = sim.offer("JBJ-M")
    assert (offer.quantity, float(offer.price), offer.currency) == (7, 54.5, "USD")


def test_patch_listing_refused(sim):
    sim.mark_sku_invalid("BAD-SKU")
    with pytest.raises(PermanentError, match="not eligible") as raised:
        make_client(sim).patch_listing("BAD-SKU", DEMO["marketplace_id"], "PANTS", quantity=1)
    assert raised.value.code == "90000900"


def _quantity_message(sku, quantity):
    availability = [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]
    return {
        "sku": sku,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": [
            {"op": "replace", "path": "/attributes/fulfillment_availability", "value": availability}
        ],
    }


def test_listings_feed_round_trip(sim):
    sim.add_demo_offers()
    sim.mark_sku_invalid("BAD-SKU")
    client = make_client(sim)
    feed_id = client.submit_listings_feed(
        [
            _quantity_message("JBJ-M", 11),
            _quantity_message("BAD-SKU", 1),
            _quantity_message("JBJ-L", 0),
        ]
    )
    assert client.get_feed(feed_id).status == "IN_QUEUE"
    assert client.get_feed_result(feed_id) is None
    sim.clock.advance(120)
    report = client.get_feed_result(feed_id)
    assert (report.status, report.processed, report.accepted, report.invalid) == ("DONE", 3, 2, 1)
    assert list(report.errors_by_message()) == [2]
    assert report.by_sku({1: "JBJ-M", 2: "BAD-SKU", 3: "JBJ-L"})["BAD-SKU"].errors
    assert (sim.offer("JBJ-M").quantity, sim.offer("JBJ-L").quantity) == (11, 0)


def test_a_feed_over_25000_messages_is_the_callers_to_split(sim):
    with pytest.raises(ValueError, match="at most 25000"):
        make_client(sim).submit_listings_feed([_quantity_message("X", 1)] * 25_001)
    assert sp_calls(sim) == 0


# ---------------------------------------------------------------- settlement reports


def test_settlement_reports_list_and_download(sim):
    order = sim.add_order([line("JBJ-M", 2)])
    client = make_client(sim)
    _confirm(client, order)
    report = sim.generate_settlement_report()
    (listed,) = client.list_settlement_reports(sim_now(sim) - timedelta(days=30))
    assert (listed.report_id, listed.status) == (report.report_id, "DONE")
    text = client.download_report(listed.document_id)
    assert text.startswith("settlement-id\t")
    assert order.order_id in text


# ---------------------------------------------------------------- secrets


def test_no_secret_reaches_the_logs_of_a_full_run(sim, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("sp_api", "sp_api.base.client", "sp_api.auth.access_token_client", "httpx"):
        caplog.set_level(logging.DEBUG, logger=name)  # as loud as anyone could make them
    order = sim.add_order([line("JBJ-M", 1)])
    sim.add_demo_offers()
    client = make_client(sim)
    client.test_connection()
    list(client.iter_order_pages(SINCE))
    for page in client.iter_v0_order_pages(SINCE):
        for raw in page.orders:
            client.get_order_items(raw["AmazonOrderId"])
            client.get_order_address(raw["AmazonOrderId"])
    _confirm(client, order)
    client.patch_listing("JBJ-M", DEMO["marketplace_id"], "PANTS", quantity=2)
    client.submit_listings_feed([_quantity_message("JBJ-L", 4)])
    errors = []
    for bad in (credentials(secret="wrong-secret-value"), credentials(refresh_token="Atzr|nope")):
        with pytest.raises(AuthError) as raised:
            make_client(sim, creds=bad).search_orders(SINCE)
        errors.append(raised.value)
    secrets = [DEMO["lwa_client_secret"], DEMO["refresh_token"], "wrong-secret-value", "Atzr|nope"]
    secrets += list(sim.authority.access_tokens)  # every access token and RDT issued
    assert sim.rdts_issued == 1 and len(secrets) == 6  # 4 given, 1 access token, 1 RDT
    logged = caplog.text + "".join(str(e) + str(e.payload) for e in errors)
    assert "Amazon ordersV0.getOrders answered" in logged  # the client did log
    leaked = [s for s in secrets if s in logged]
    assert leaked == []


def test_credentials_repr_hides_secrets():
    text = repr(credentials())
    assert DEMO["lwa_client_secret"] not in text and DEMO["refresh_token"] not in text


# ---------------------------------------------------------------- loopback HTTP


def test_the_endpoint_override_works_over_plain_http():
    sim = make_sim(seed=22)
    order = sim.add_order([line("JBJ-M", 1)])
    with SimulatorServer(sim) as server:
        client = make_client(sim, endpoint=server.url, lwa_endpoint=server.url)
        assert [o["orderId"] for o in client.search_orders(SINCE).orders] == [order.order_id]
        # The upload URL the simulator hands out is built from our Host header: it must be
        # the server's, not the library's "endpoint minus eight characters".
        feed_id = client.submit_listings_feed([_quantity_message("JBJ-M", 3)])
        assert sim.feeds[feed_id].input_document_id in sim.documents
        sim.faults.add("lost_response", path="shipmentConfirmation")
        with pytest.raises(TransientError) as raised:
            _confirm(client, order)
        assert raised.value.outcome_unknown is True
        client.close()


def test_an_access_token_amazon_calls_expired_is_renewed_once(sim):
    client = make_client(sim)
    client.search_orders(SINCE)
    for token in sim.authority.access_tokens.values():
        token.expires_at = 0  # Amazon disagrees with our clock about the token's age
    client.search_orders(SINCE)
    assert len(sim.authority.access_tokens) == 2
    assert [c.status for c in sim.calls if c.path.startswith("/orders/")] == [200, 403, 200]


@pytest.mark.parametrize("body", ["<html>Gateway</html>", [1, 2], 5])
def test_a_json_answer_that_is_not_an_object_is_a_payload_error(body):
    """The library cannot read it either: a typed error naming the operation, never a crash."""
    sim = make_sim(seed=31)
    sim.add_order([line("JBJ-M")])
    sim.faults.add("malformed", path=r"^/orders/2026-01-01/orders$", times=1, payload=body)
    with in_process(sim.routes()):
        client = make_client(sim)
        with pytest.raises(PayloadError, match="searchOrders"):
            client.search_orders(SINCE)
        assert client.search_orders(SINCE).orders  # the next call reads the page
