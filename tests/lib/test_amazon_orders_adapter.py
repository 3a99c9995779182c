"""The order import asks one adapter whichever Orders API version the channel reads: the same
orders searched through v0 and v2026-01-01 give the same answers and the same AmazonOrder,
payment method included; only v0 pays a call per order to read one."""

from datetime import datetime, timezone

import pytest
from amazon_support import SINCE, comparable, make_client, make_sim, sandbox_payloads, sp_calls

from amazon_lightspeed_connector.lib.amazon.orders_adapter import (
    Orders2026,
    OrdersV0,
    orders_adapter,
)
from amazon_lightspeed_connector.lib.amazon.results import OrderPage
from amazon_lightspeed_connector.lib.errors import PayloadError
from amazon_lightspeed_connector.tests.simulators.amazon import line
from amazon_lightspeed_connector.tests.simulators.amazon.testing import require_models
from amazon_lightspeed_connector.tests.simulators.transport import in_process

require_models()

VERSIONS = ("v0", "2026-01-01")


def _import_view(orders, page_size=7):
    """What the import learns of every order of a search, by order id, read page by page."""
    seen, token = {}, None
    while True:
        page = orders.search_page(SINCE, page_token=token, page_size=page_size)
        for raw in page.orders:
            seen[orders.order_id(raw)] = (
                orders.is_amazon_fulfilled(raw),
                orders.last_updated(raw),
                orders.read_order(raw),
            )
        token = page.next_token
        if not token:
            return seen, orders.search_end(page)


def _shop(seed):
    sim = make_sim(seed=seed)
    sim.generate_orders(25, spread=2 * 86400, afn_share=0.3)
    cod = sim.add_order([line("LTR-BELT", 1)], payment_methods=("CashOnDelivery",))
    split = sim.add_order(
        [line("JBJ-M", 2, promotion_discount="4.00", promotion_discount_tax="0.32")],
        channel="AFN",
        payment_methods=("CreditCard", "GiftCertificate"),
    )
    sim.cancel_order(sim.add_order([line("WOOL-SCARF", 2)]).order_id)
    sim.clock.advance(180)  # past Amazon's two-minute settling margin
    return sim, cod.order_id, split.order_id


def test_the_same_orders_read_through_either_version_give_the_same_answers():
    sim, cod, split = _shop(seed=21)
    with in_process(sim.routes()):
        client = make_client(sim)
        (v0, v0_end), (v2026, v2026_end) = (
            _import_view(orders_adapter(version, client)) for version in VERSIONS
        )
    assert set(v0) == set(v2026) == set(sim.orders)
    assert v0_end == v2026_end and v0_end.tzinfo == timezone.utc
    for order_id, (fba, updated, data) in v2026.items():
        v0_fba, v0_updated, v0_data = v0[order_id]
        assert (fba, updated) == (v0_fba, v0_updated)
        assert comparable(data) == comparable(v0_data)
        assert data.amazon_order_id == order_id and data.last_update_date == updated
        assert fba == (data.fulfillment_channel == "AFN")
    assert sum(fba for fba, _updated, _data in v0.values()) > 1
    assert (v0[cod][2].payment_method, v2026[cod][2].payment_method) == ("CashOnDelivery",) * 2
    assert (v0[split][2].payment_method, v2026[split][2].payment_method) == ("CreditCard",) * 2
    assert {data.payment_method for _fba, _updated, data in v0.values()} == {
        "Standard",
        "CashOnDelivery",
        "CreditCard",
    }


def test_only_v0_costs_a_call_per_order_read():
    sim, _cod, _split = _shop(seed=22)
    with in_process(sim.routes()):
        client = make_client(sim)
        v2026, _end = _import_view(orders_adapter("2026-01-01", client))
        assert sp_calls(sim, "/orderItems") == 0
        v0, _end = _import_view(orders_adapter("v0", client))
        assert sp_calls(sim, "/orderItems") == len(v0) == len(v2026)
    assert OrdersV0.reading_costs_calls and not Orders2026.reading_costs_calls


def test_the_v2026_search_sees_one_item_cancelled_of_an_open_order():
    """The search asks for CANCELLATION: without it the order reads as if every item ships."""
    sim = make_sim(seed=23)
    order = sim.add_order([line("JBJ-M", 2), line("LTR-BELT", 1)])
    sim.cancel_item(order.order_id, "LTR-BELT")
    sim.clock.advance(180)
    with in_process(sim.routes()):
        seen, _end = _import_view(orders_adapter("2026-01-01", make_client(sim)))
    amazon = seen[order.order_id][2]
    assert amazon.status == "unshipped"
    assert [(x.seller_sku, x.cancelled) for x in amazon.lines] == [
        ("JBJ-M", False),
        ("LTR-BELT", True),
    ]


# ---------------------------------------------------------------- Amazon's own examples


class _ItemsOf:
    """A v0 client that has the items of the one order Amazon's getOrderItems example shows."""

    def __init__(self):
        (self.items,) = sandbox_payloads("ordersV0", "getOrderItems", lambda r: [r["payload"]])
        self.asked = []

    def get_order_items(self, order_id):
        self.asked.append(order_id)
        return self.items["OrderItems"] if order_id == self.items["AmazonOrderId"] else []


def test_amazons_v0_examples_read_with_their_payment_method():
    orders = sandbox_payloads("ordersV0", "getOrders", lambda r: r["payload"]["Orders"])
    client = _ItemsOf()
    adapter = orders_adapter("v0", client)
    read = [adapter.read_order(raw) for raw in orders]
    assert client.asked == [adapter.order_id(raw) for raw in orders], "one call per order read"
    assert {data.amazon_order_id: data.payment_method for data in read} == {
        "902-1845936-5435065": "Standard",
        "902-8745147-1934268": "Standard",
        "902-3159896-1390916": "CreditCard",  # ["CreditCard", "GiftCertificate"]
    }
    (with_items,) = {data for data in read if data.lines}
    assert with_items.amazon_order_id == client.items["AmazonOrderId"]
    (only,) = with_items.lines
    assert only.seller_sku == "NABetaASINB00551Q3CS"


def test_amazons_v2026_examples_read_inline_with_their_payment_method():
    orders = sandbox_payloads("orders2026", "searchOrders", lambda r: r["orders"])
    adapter = orders_adapter("2026-01-01", client=None)  # nothing to call: all is inline
    read = {adapter.order_id(raw): adapter.read_order(raw) for raw in orders}
    # the one example that asked for PAYMENT says how it was paid; the others cannot
    assert read.pop("171-2345678-9012345").payment_method == "CreditCard"
    assert {data.payment_method for data in read.values()} == {None}
    fba = {adapter.order_id(raw) for raw in orders if adapter.is_amazon_fulfilled(raw)}
    assert fba == {o for o, data in read.items() if data.fulfillment_channel == "AFN"}
    assert fba, "Amazon's examples include an FBA order"


# ---------------------------------------------------------------- what the import never sees


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "raw", [None, [], "111-1111111-1111111", {}, {"orderId": 7, "AmazonOrderId": ["x"]}]
)
def test_a_payload_that_is_no_order_has_no_id_no_date_and_is_not_fba(version, raw):
    adapter = orders_adapter(version, client=None)
    assert adapter.order_id(raw) is None
    assert adapter.last_updated(raw) is None
    assert adapter.is_amazon_fulfilled(raw) is False


@pytest.mark.parametrize(
    "adapter, raw, order_id",
    [
        (OrdersV0(None), {"AmazonOrderId": "1 1", "LastUpdateDate": "yesterday"}, None),
        (OrdersV0(None), {"AmazonOrderId": "x" * 65, "FulfillmentChannel": ["AFN"]}, None),
        (Orders2026(None), {"orderId": "line\nbreak", "lastUpdatedTime": 1767225600}, None),
        (Orders2026(None), {"orderId": "\x00", "fulfillment": ["AMAZON"]}, None),
        (Orders2026(None), {"orderId": "111", "fulfillment": "AMAZON"}, "111"),
    ],
)
def test_an_unstorable_id_or_an_unreadable_date_is_none_not_an_error(adapter, raw, order_id):
    assert adapter.order_id(raw) == order_id
    assert adapter.last_updated(raw) is None
    assert adapter.is_amazon_fulfilled(raw) is False
    with pytest.raises(PayloadError):  # the order's own error, which the import records
        adapter.read_order(raw)


def test_each_version_reads_its_own_spelling_of_the_same_order():
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    v0 = {
        "AmazonOrderId": "111-2222222-3333333",
        "LastUpdateDate": "2026-01-02T03:04:05Z",
        "FulfillmentChannel": "AFN",
    }
    v2026 = {
        "orderId": "111-2222222-3333333",
        "lastUpdatedTime": "2026-01-02T04:04:05+01:00",
        "fulfillment": {"fulfilledBy": "AMAZON"},
    }
    for adapter, raw, other in ((OrdersV0(None), v0, v2026), (Orders2026(None), v2026, v0)):
        assert (adapter.order_id(raw), adapter.last_updated(raw)) == ("111-2222222-3333333", moment)
        assert adapter.is_amazon_fulfilled(raw)
        assert (adapter.order_id(other), adapter.last_updated(other)) == (None, None)
        assert not adapter.is_amazon_fulfilled(other)
    assert not OrdersV0(None).is_amazon_fulfilled(dict(v0, FulfillmentChannel="MFN"))
    assert not Orders2026(None).is_amazon_fulfilled(
        v2026 | {"fulfillment": {"fulfilledBy": "MERCHANT"}}
    )


@pytest.mark.parametrize(
    "window_end, expected",
    [
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        (None, None),
        ("", None),
        ("soon", None),
    ],
)
def test_the_search_end_caps_the_cursor_only_when_readable(window_end, expected):
    assert OrdersV0.search_end(OrderPage([], None, window_end)) == expected


def test_a_version_without_an_adapter_is_refused():
    assert isinstance(orders_adapter("v0", None), OrdersV0)
    assert isinstance(orders_adapter("2026-01-01", None), Orders2026)
    with pytest.raises(KeyError):
        orders_adapter("2024-01-01", None)
