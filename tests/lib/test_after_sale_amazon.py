"""After the sale, Amazon side: item cancellations, the returns report, refund events."""

from decimal import Decimal

import pytest

from amazon_lightspeed_connector.lib.amazon.cancellation import allocate, cancelled_units
from amazon_lightspeed_connector.lib.amazon.order_mapping import map_order_v2026
from amazon_lightspeed_connector.lib.amazon.returns import (
    parse_returns_report,
    refund_events,
)
from amazon_lightspeed_connector.lib.amazon.settlement import (
    match_settlement,
    parse_settlement_report,
)
from amazon_lightspeed_connector.lib.errors import PayloadError
from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, line, wire
from amazon_lightspeed_connector.tests.simulators.amazon.orders_api import INCLUDED_DATA
from amazon_lightspeed_connector.tests.simulators.core import ManualClock


@pytest.fixture
def sim():
    return AmazonSimulator(clock=ManualClock(), seed=17, rate_limits_enabled=False)


def read_2026(order):
    return map_order_v2026(wire.order_2026(order, INCLUDED_DATA))


# --- cancellations ----------------------------------------------------------------------------


def test_one_cancelled_item_is_read_and_only_its_units_are_cancelled(sim):
    order = sim.add_order([line("JBJ-M", 2, "59.00"), line("LTR-BELT", 1, "25.00")])
    sim.clock.advance(60)
    sim.cancel_item(order.order_id, "LTR-BELT")
    amazon = read_2026(order)
    assert amazon.status == "unshipped"
    assert [(x.seller_sku, x.cancelled) for x in amazon.lines] == [
        ("JBJ-M", False),
        ("LTR-BELT", True),
    ]
    assert amazon.last_update_date.timestamp() == sim.clock.now()
    assert cancelled_units(amazon, {"JBJ-M": 2, "LTR-BELT": 1}) == {"LTR-BELT": 1}
    # the belt already undone: nothing left to cancel
    assert cancelled_units(amazon, {"JBJ-M": 2}) == {}


def test_a_cancelled_order_cancels_every_unit_sent(sim):
    order = sim.add_order([line("JBJ-M", 2, "59.00"), line("LTR-BELT", 1, "25.00")])
    sim.cancel_order(order.order_id)
    amazon = read_2026(order)
    assert cancelled_units(amazon, {"JBJ-M": 2, "LTR-BELT": 1, "GONE": 0}) == {
        "JBJ-M": 2,
        "LTR-BELT": 1,
    }


def test_cancelling_every_item_cancels_the_order(sim):
    order = sim.add_order([line("JBJ-M", 1, "59.00")])
    sim.cancel_item(order.order_id, "JBJ-M")
    assert read_2026(order).status == "canceled"


def test_cancelled_units_are_taken_from_the_parts_listed_first():
    parts = [("open part", {"JBJ-M": 1}), ("completed part", {"JBJ-M": 2, "LTR-BELT": 1})]
    assert allocate({"JBJ-M": 2, "LTR-BELT": 1}, parts) == {
        "open part": {"JBJ-M": 1},
        "completed part": {"JBJ-M": 1, "LTR-BELT": 1},
    }
    with pytest.raises(ValueError, match="3 x JBJ-M"):
        allocate({"JBJ-M": 6}, parts)


# --- the returns report -----------------------------------------------------------------------


def returns_text(sim, returns):
    report = sim.generate_returns_report(returns)
    assert report.report_type == "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
    return sim.documents[report.document_id].content.decode("utf-8")


def test_the_returns_report_gives_reason_quantity_and_whether_it_came_back(sim):
    order = sim.add_order([line("JBJ-M", 2, "59.00"), line("LTR-BELT", 1, "25.00")])
    text = returns_text(
        sim,
        [
            (order.order_id, "JBJ-M", 1, "APPAREL_TOO_SMALL", True),
            (order.order_id, "LTR-BELT", 1, "NOT_AS_DESCRIBED", False),
        ],
    )
    jeans, belt = parse_returns_report(text)
    assert (jeans.order_id, jeans.sku, jeans.quantity) == (order.order_id, "JBJ-M", 1)
    assert jeans.reason == "APPAREL_TOO_SMALL" and jeans.came_back
    assert belt.reason == "NOT_AS_DESCRIBED" and not belt.came_back
    assert jeans.rma_id.startswith("D")


def test_column_names_in_any_spelling_a_bom_and_crlf_are_read():
    text = (
        "\ufefforder_id\tMERCHANT-SKU\treturn quantity\tReturn Reason\r\n"
        "111-0000001-0000001\tJBJ-M\t2\tDEFECTIVE\r\n\r\n"
    )
    (row,) = parse_returns_report(text.encode("utf-8"))
    assert (row.sku, row.quantity, row.reason, row.came_back) == ("JBJ-M", 2, "DEFECTIVE", False)


@pytest.mark.parametrize(
    "text, message",
    [
        ("Order ID\tReturn quantity\n1\t1\n", "merchant-sku"),
        ("Order ID\tMerchant SKU\tReturn quantity\n1\tA\tmany\n", "not a number"),
        ("Order ID\tMerchant SKU\tReturn quantity\n1\tA\t0\n", "not a number"),
        ("Order ID\tMerchant SKU\tReturn quantity\n\tA\t1\n", "no order id"),
        ("Order ID\tMerchant SKU\tReturn quantity\n1\tA\t1\textra\n", "more fields"),
    ],
)
def test_a_returns_report_that_cannot_be_read_safely_is_refused(text, message):
    with pytest.raises(PayloadError, match=message):
        parse_returns_report(text)


def test_an_empty_returns_report_has_no_rows():
    assert parse_returns_report(b"") == ()


# --- refunds from the settlement, with the return's reason ------------------------------------


def test_each_settlement_refund_is_one_event_with_a_stable_key(sim):
    order = sim.add_order([line("JBJ-M", 2, "59.00", tax="9.44")], status="Shipped")
    sim.clock.advance(3600)
    settlement = sim.generate_settlement_report(refunds=[(order.order_id, "JBJ-M", 1)])
    text = sim.documents[settlement.document_id].content.decode("utf-8")
    known = {order.order_id: {"JBJ-M"}}
    refunds = match_settlement(parse_settlement_report(text).rows, known).refunds
    returns = parse_returns_report(
        returns_text(sim, [(order.order_id, "JBJ-M", 1, "APPAREL_TOO_SMALL", True)])
    )

    (event,) = refund_events(refunds, returns)
    assert (event.order_id, event.sku, event.quantity) == (order.order_id, "JBJ-M", 1)
    assert event.amount == Decimal("63.72")  # 59.00 and its 4.72 tax back to the buyer
    assert event.fees == Decimal("7.08")  # commission back (8.85) less the refund fee (1.77)
    assert event.reason == "APPAREL_TOO_SMALL" and event.came_back
    # read again (the same file, or the next one listing it): the same key, booked once
    (again,) = refund_events(
        match_settlement(parse_settlement_report(text).rows, known).refunds, ()
    )
    assert again.key == event.key and not again.came_back


def test_a_refund_without_a_return_is_money_only(sim):
    order = sim.add_order([line("LTR-BELT", 1, "25.00")], status="Shipped")
    sim.clock.advance(3600)
    settlement = sim.generate_settlement_report(refunds=[(order.order_id, "LTR-BELT", 1)])
    text = sim.documents[settlement.document_id].content.decode("utf-8")
    refunds = match_settlement(
        parse_settlement_report(text).rows, {order.order_id: {"LTR-BELT"}}
    ).refunds
    (event,) = refund_events(refunds)
    assert (event.reason, event.came_back, event.amount) == ("", False, Decimal("25.00"))
