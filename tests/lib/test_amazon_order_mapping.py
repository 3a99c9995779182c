"""Both Orders API versions map into the same AmazonOrder, and bad payloads say what is wrong."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from amazon_support import (
    INCLUDED,
    SINCE,
    comparable,
    make_client,
    make_sim,
    sandbox_payloads,
)

from amazon_lightspeed_connector.lib.amazon import order_data
from amazon_lightspeed_connector.lib.amazon.order_mapping import map_order_v0, map_order_v2026
from amazon_lightspeed_connector.lib.errors import PayloadError
from amazon_lightspeed_connector.tests.simulators.amazon import line
from amazon_lightspeed_connector.tests.simulators.amazon.testing import require_models
from amazon_lightspeed_connector.tests.simulators.transport import in_process

require_models()


# ---------------------------------------------------------------- Amazon's sandbox examples


def test_every_v2026_sandbox_order_maps():
    orders = sandbox_payloads("orders2026", "searchOrders", lambda r: r["orders"])
    orders += sandbox_payloads("orders2026", "getOrder", lambda r: [r["order"]])
    mapped = {o.amazon_order_id: o for o in map(map_order_v2026, orders)}
    assert len(mapped) == len(orders) == 6

    japan = mapped["250-1234567-8901234"]
    assert (japan.currency, japan.order_total, japan.fulfillment_channel) == (
        "JPY",
        Decimal("19940"),
        "AFN",
    )
    assert japan.status == order_data.SHIPPED and japan.is_prime
    assert [x.item_price for x in japan.lines] == [Decimal("5980"), Decimal("13960")]
    assert japan.lines[0].promotion_ids == ("JP-WINTER-SALE-2024",)

    uk = mapped["202-7654321-1098765"].shipping_address
    assert uk.street_lines == ("45 Oak Avenue", "Flat 2A")  # the empty third line is dropped
    assert (uk.city, uk.postal_code, uk.country_code) == ("London", "SW1A 1AA", "GB")

    business = mapped["171-2345678-9012345"]
    assert business.is_business and business.status == order_data.UNSHIPPED
    assert business.buyer.email == "buyer-email@marketplace.amazon.com.br"

    gift = mapped["171-9876543-2109876"].lines[0]
    assert gift.gift_message.startswith("Feliz Natal") and gift.gift_wrap_level == "STANDARD"

    pickup = mapped["114-9876543-1234567"].lines[0]
    assert (pickup.item_price, pickup.item_tax) == (Decimal("39.99"), Decimal("10.00"))
    assert all(o.purchase_date.tzinfo == timezone.utc for o in mapped.values())


def test_every_v0_sandbox_order_maps_with_the_sandbox_items_address_and_buyer():
    orders = sandbox_payloads("ordersV0", "getOrders", lambda r: r["payload"]["Orders"])
    orders += sandbox_payloads("ordersV0", "getOrder", lambda r: [r["payload"]])
    (items,) = sandbox_payloads("ordersV0", "getOrderItems", lambda r: [r["payload"]])
    (address,) = sandbox_payloads("ordersV0", "getOrderAddress", lambda r: [r["payload"]])
    (buyer,) = sandbox_payloads("ordersV0", "getOrderBuyerInfo", lambda r: [r["payload"]])
    mapped = []
    for order in orders:
        if order["AmazonOrderId"] == items["AmazonOrderId"]:
            mapped.append(map_order_v0(order, [items], address, buyer))
        else:
            mapped.append(map_order_v0(order, []))
    assert len(mapped) == 6

    full = mapped[0]
    assert (full.amazon_order_id, full.status, full.order_total) == (
        "902-1845936-5435065",
        order_data.UNSHIPPED,
        Decimal("11.01"),
    )
    assert full.purchase_date == datetime(1970, 1, 19, 3, 58, 30, tzinfo=timezone.utc)
    assert full.buyer.email == "fzyrv6gwkhbb15c@example.com"
    assert full.shipping_address.street_lines == ("2201 WESTLAKE AVE",)
    (only,) = full.lines
    assert (only.seller_sku, only.item_price, only.item_tax) == (
        "NABetaASINB00551Q3CS",
        Decimal("10.00"),
        Decimal("1.01"),
    )
    assert only.total() == full.order_total

    pending = mapped[2]
    assert pending.status == order_data.PENDING and pending.order_total is None
    fractional = mapped[-1]  # "2019-05-07T15:42:57.058Z"
    assert fractional.purchase_date.microsecond == 58000 and fractional.is_business


# ---------------------------------------------------------------- the same order, two APIs


def _scenario(sim):
    sim.generate_orders(40, spread=3 * 86400)
    sim.add_order(
        [
            line(
                "OXF-WHT-M", 2, tax="6.32", promotion_discount="4.00", promotion_discount_tax="0.32"
            ),
            line(
                "LTR-BELT",
                1,
                tax="2.00",
                shipping_price="4.99",
                shipping_tax="0.40",
                shipping_discount="4.99",
                shipping_discount_tax="0.40",
                gift_message="Happy birthday!",
                gift_wrap_level="Classic",
                gift_wrap_price="3.99",
                gift_wrap_tax="0.32",
            ),
        ],
        prime=True,
        ship_service_level="NextDay",
        buyer_note="Leave at the back door",
        seller_order_id="SO-1",
    )
    sim.add_order([line("JBJ-M", 1)], business=True, ship_service_level="SecondDay")
    sim.add_order([line("CANVAS-TOTE", 3)], status="Pending")
    sim.cancel_order(sim.add_order([line("WOOL-SCARF", 2)]).order_id)
    shipped = sim.add_order([line("RAIN-JKT-M", 1), line("JBJ-L", 2)])
    shipped.lines[1].quantity_shipped = 1
    sim.set_status(shipped.order_id, "PartiallyShipped")
    sim.clock.advance(180)  # let the last status changes settle past Amazon's 2-minute margin


def _read_both(sim):
    with in_process(sim.routes()):
        client = make_client(sim)
        v2026 = [
            map_order_v2026(o)
            for page in client.iter_order_pages(SINCE, included_data=INCLUDED)
            for o in page.orders
        ]
        v0 = []
        for page in client.iter_v0_order_pages(SINCE):
            for order in page.orders:
                order_id = order["AmazonOrderId"]
                items = client.get_order_items(order_id)
                v0.append(map_order_v0(order, items, client.get_order_address(order_id)))
    return v2026, v0, client


def test_the_same_scenario_orders_map_equal_through_v2026_and_v0():
    sim = make_sim(seed=11)
    _scenario(sim)
    v2026, v0, client = _read_both(sim)
    assert len(v2026) == len(v0) == len(sim.orders) == 45
    by_id = {o.amazon_order_id: o for o in v0}
    for order in v2026:
        assert comparable(order) == comparable(by_id[order.amazon_order_id])
        # Line totals agree even where the discount tax is folded in.
        assert order.lines_total() == by_id[order.amazon_order_id].lines_total()
    special = next(o for o in v2026 if o.seller_order_id == "SO-1")
    assert (
        special.buyer_note == "Leave at the back door" and special.ship_service_level == "NextDay"
    )
    assert special.lines[1].gift_message == "Happy birthday!"
    assert special.lines[0].promotion_discount == Decimal("4.32")  # v2026: tax included
    assert by_id[special.amazon_order_id].lines[0].promotion_discount == Decimal("4.00")
    assert {o.status for o in v2026} >= {
        order_data.PENDING,
        order_data.CANCELED,
        order_data.PARTIALLY_SHIPPED,
        order_data.SHIPPED,
        order_data.UNSHIPPED,
    }
    # the latest ship date: v0's LatestShipDate, v2026's fulfillment.shipByWindow.latestDateTime
    assert all(o.latest_ship_date == o.purchase_date + timedelta(days=2) for o in v2026)
    assert all(o.latest_ship_date == by_id[o.amazon_order_id].latest_ship_date for o in v2026)
    assert sim.rdts_issued == 1
    print("\nrequests per order: v2026 %.3f, v0 %.3f" % _per_order(client, len(v2026)))


def _per_order(client, count):
    v2026 = client.calls["orders2026.searchOrders"]
    v0 = sum(n for key, n in client.calls.items() if key.startswith(("ordersV0.", "tokens.")))
    return v2026 / count, v0 / count


# ---------------------------------------------------------------- malformed payloads

MALFORMED = {
    "missing_sku": "has no seller SKU",
    "bad_money": "'12,34 EUR'",
    "zero_quantity": "is 0; it must be at least 1",
    "missing_dates": "has no",
    "unexpected_status": "unexpected status",
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_a_malformed_order_raises_a_payload_error_that_names_the_problem(kind):
    sim = make_sim(seed=12)
    bad = sim.inject_malformed_order(kind)
    with in_process(sim.routes()):
        client = make_client(sim)
        (v2026,) = client.search_orders(SINCE, included_data=INCLUDED).orders
        (v0,) = client.get_orders(SINCE).orders
        items = client.get_order_items(bad.order_id)
    for attempt in (lambda: map_order_v2026(v2026), lambda: map_order_v0(v0, items)):
        with pytest.raises(PayloadError) as raised:
            attempt()
        assert bad.order_id in raised.value.message
        assert MALFORMED[kind] in raised.value.message


def test_bad_money_names_the_field():
    sim = make_sim(seed=13)
    sim.inject_malformed_order("bad_money")
    with in_process(sim.routes()):
        client = make_client(sim)
        (v0,) = client.get_orders(SINCE).orders
    with pytest.raises(PayloadError, match="OrderTotal"):
        map_order_v0(v0, [])


@pytest.mark.parametrize("text", ["12,34", "12.34 EUR", "NaN", "", "1e400x", None, 1.5, True])
def test_money_parsing_is_strict(text):
    with pytest.raises(PayloadError, match="ItemPrice"):
        order_data.parse_money(text, "ItemPrice", "111-1111111-1111111")


def test_money_parsing_keeps_amazons_precision():
    assert order_data.parse_money("5980", "x", "o") == Decimal("5980")
    assert order_data.parse_money(" 12.30 ", "x", "o") == Decimal("12.30")
    assert order_data.parse_money("-4.32", "x", "o") == Decimal("-4.32")


def test_a_cancelled_order_may_have_zero_quantities():
    sim = make_sim(seed=14)
    order = sim.add_order([line("JBJ-M", 1)])
    sim.cancel_order(order.order_id)
    sim.clock.advance(180)
    with in_process(sim.routes()):
        client = make_client(sim)
        (v0,) = client.get_orders(SINCE).orders
        items = client.get_order_items(order.order_id)
    items[0]["QuantityOrdered"] = 0  # what Amazon does to a cancelled order's items
    assert map_order_v0(v0, items).lines[0].quantity_ordered == 0


# ---------------------------------------------------------------- hostile payloads


@pytest.fixture
def order_2026():
    import copy

    orders = sandbox_payloads("orders2026", "searchOrders", lambda r: r["orders"])
    (order,) = [o for o in orders if o["orderId"] == "171-2345678-9012345"]
    return copy.deepcopy(order)


@pytest.mark.parametrize(
    "order_id", ["1" * 65, "111-\x00-222", "111 222", "line\nbreak", "\u202eevil"]
)
def test_an_order_id_that_cannot_be_stored_is_refused(order_2026, order_id):
    order_2026["orderId"] = order_id
    with pytest.raises(PayloadError, match="invalid order id") as raised:
        map_order_v2026(order_2026)
    assert len(raised.value.message) < 200  # the message never carries a huge id


def test_nul_characters_are_removed_and_texts_capped(order_2026):
    order_2026["buyer"]["buyerName"] = "Car\x00los"
    order_2026["orderItems"][0]["product"]["title"] = "T" * 100_000
    order_2026["recipient"]["deliveryAddress"]["city"] = "S\x00ão Paulo"
    order_2026["orderItems"][0]["product"]["sellerSku"] = "DELL-I15\x00-BR-001"
    data = map_order_v2026(order_2026)
    assert data.buyer.name == "Carlos"
    assert data.shipping_address.city == "São Paulo"
    assert data.lines[0].seller_sku == "DELL-I15-BR-001"
    assert data.lines[0].title == "T" * 1999 + "\u2026"
    assert len(map_order_v2026(dict(order_2026, buyer={"buyerName": "B" * 999})).buyer.name) == 255


@pytest.mark.parametrize(
    "where, value, message",
    [
        (("proceeds", "grandTotal", "amount"), "-1599.90", "negative"),
        (("orderItems", 0, "product", "price", "unitPrice", "amount"), "-1.00", "negative"),
        (("orderItems", 0, "proceeds", "breakdowns", 0, "subtotal", "amount"), "-1.00", "negative"),
        (("orderItems", 0, "quantityOrdered"), 10**9, "not a real order"),
        (("proceeds", "grandTotal", "amount"), "1" + "0" * 12, "not an amount of money"),
    ],
)
def test_impossible_amounts_and_quantities_are_refused(order_2026, where, value, message):
    node = order_2026
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    with pytest.raises(PayloadError, match=message):
        map_order_v2026(order_2026)


def test_negative_v0_prices_are_refused():
    order = {
        "AmazonOrderId": "902-1845936-5435065",
        "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN",
        "PurchaseDate": "2026-01-01T00:00:00Z",
        "LastUpdateDate": "2026-01-01T00:00:00Z",
        "OrderTotal": {"CurrencyCode": "USD", "Amount": "11.01"},
    }
    item = {
        "OrderItemId": "1",
        "SellerSKU": "SKU",
        "QuantityOrdered": 1,
        "ItemPrice": {"CurrencyCode": "USD", "Amount": "-10.00"},
    }
    with pytest.raises(PayloadError, match="ItemPrice is negative"):
        map_order_v0(order, [item])
    item["ItemPrice"]["Amount"] = "10.00"
    assert map_order_v0(order, [item]).lines[0].item_price == Decimal("10.00")


def test_the_latest_ship_date_is_read_when_given_and_none_when_left_out(order_2026):
    window = order_2026["fulfillment"].setdefault("shipByWindow", {})
    window["latestDateTime"] = "2026-01-03T07:59:59Z"
    expected = datetime(2026, 1, 3, 7, 59, 59, tzinfo=timezone.utc)
    assert map_order_v2026(order_2026).latest_ship_date == expected
    window.pop("latestDateTime")
    assert map_order_v2026(order_2026).latest_ship_date is None
    window["latestDateTime"] = "next Tuesday"
    with pytest.raises(PayloadError, match="shipByWindow.latestDateTime is not an ISO 8601"):
        map_order_v2026(order_2026)
