"""The V2 flat-file settlement report: parsing, grouping, matching (lib/amazon/settlement.py)."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sale_support import order as amazon_order

from amazon_lightspeed_connector.lib.amazon.order_data import AmazonOrderLine
from amazon_lightspeed_connector.lib.amazon.settlement import (
    FEES,
    OTHER,
    PRINCIPAL,
    PROMOTIONS,
    SHIPPING,
    TAX,
    WITHHELD_TAX,
    Amounts,
    categorize,
    group_by_order_and_sku,
    match_settlement,
    parse_report_date,
    parse_settlement_report,
)
from amazon_lightspeed_connector.lib.errors import PayloadError
from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, line, settlement
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import AMAZON_DEMO
from amazon_lightspeed_connector.tests.simulators.transport import in_process

D = Decimal
UTC = timezone.utc


@pytest.fixture
def world():
    """Shipped orders, one refund and two orders nobody imported, in one settlement."""
    sim = AmazonSimulator(clock=ManualClock(), seed=11, rate_limits_enabled=False)
    jeans_and_belt = sim.add_order(
        [
            line("JBJ-M", 2, "59.00", tax="9.44"),
            line(
                "LTR-BELT",
                1,
                "25.00",
                promotion_discount="2.00",
                promotion_ids=("PROMO-1",),
                shipping_price="4.99",
            ),
        ],
        status="Shipped",
    )
    scarf = sim.add_order([line("WOOL-SCARF", 1, "19.90")], status="Shipped")
    fba = sim.add_order([line("CANVAS-TOTE", 2, "15.00")], status="Shipped", channel="AFN")
    stranger = sim.add_order([line("JBJ-L", 1, "59.00")], status="Shipped")
    sim.add_order([line("RAIN-JKT-M", 1)])  # not shipped: not in the settlement
    sim.clock.advance(3600)
    report = sim.generate_settlement_report(
        refunds=[(jeans_and_belt.order_id, "JBJ-M", 1)], unknown_orders=2
    )
    text = sim.documents[report.document_id].content.decode("utf-8")
    known = {o.order_id: {x.sku for x in o.lines} for o in (jeans_and_belt, scarf, fba)}
    return sim, report, text, known, (jeans_and_belt, scarf, fba, stranger)


# ---------------------------------------------------------------- parsing


def test_summary_and_rows_are_read(world):
    sim, report, text, _known, _orders = world
    parsed = parse_settlement_report(text)
    summary = parsed.summary
    assert summary.settlement_id == settlement.parse(text)[0]["settlement-id"]
    assert summary.currency == "USD"
    assert summary.end == datetime.fromtimestamp(report.data_end, UTC)
    assert summary.deposit_date > summary.end > summary.start
    assert len(parsed.rows) == len(settlement.parse(text)) - 1
    assert parsed.is_balanced and parsed.rows_total() == summary.total_amount
    first = parsed.rows[0]
    assert first.line == 3 and first.transaction_type == "Order"
    assert first.posted.tzinfo is not None and first.quantity >= 1


def test_grouping_per_order_and_sku(world):
    _sim, _report, text, _known, (jeans_and_belt, scarf, fba, _stranger) = world
    groups = group_by_order_and_sku(parse_settlement_report(text).rows)
    jeans = groups[(jeans_and_belt.order_id, "JBJ-M")]
    assert jeans == Amounts(
        principal=D("118.00"), tax=D("9.44"), withheld_tax=D("-9.44"), fees=D("-17.70")
    )
    belt = groups[(jeans_and_belt.order_id, "LTR-BELT")]
    assert (belt.principal, belt.shipping, belt.promotions, belt.fees) == (
        D("25.00"),
        D("4.99"),
        D("-2.00"),
        D("-3.75"),
    )
    assert belt.charged == D("27.99") and belt.total == D("24.24")
    tote = groups[(fba.order_id, "CANVAS-TOTE")]
    assert tote.fees == D("-4.50") - D("6.44")  # commission and FBA per-unit fee
    assert groups[(scarf.order_id, "WOOL-SCARF")].principal == D("19.90")


def test_matching_sorts_settled_refunds_and_unmatched(world):
    _sim, _report, text, known, (jeans_and_belt, scarf, fba, stranger) = world
    known[scarf.order_id] = {"WOOL-SCARF", "SOCKS"}  # one SKU still to be settled
    rows = parse_settlement_report(text).rows
    result = match_settlement(rows, known)
    assert set(result.settled) == {jeans_and_belt.order_id, scarf.order_id, fba.order_id}
    both = result.settled[jeans_and_belt.order_id]
    assert both.is_complete and set(both.lines) == {"JBJ-M", "LTR-BELT"}
    assert both.amounts.principal == D("143.00")
    assert both.amounts.total == D("118.00") - D("17.70") + D("24.24")
    assert result.settled[scarf.order_id].missing_skus == ("SOCKS",)
    assert not result.settled[scarf.order_id].is_complete

    (refund,) = result.refunds
    assert (refund.order_id, refund.sku, refund.quantity) == (jeans_and_belt.order_id, "JBJ-M", 1)
    assert refund.adjustment_id.startswith("amzn1.adj.")
    assert refund.amounts == Amounts(principal=D("-59.00"), tax=D("-4.72"), fees=D("7.08"))

    reasons = [u.reason for u in result.unmatched]
    assert reasons.count("order %s is not an imported Amazon order" % stranger.order_id) == 2
    assert sum("is not an imported Amazon order" in r for r in reasons) == 6  # + 2 unknown x 2
    assert result.account_rows == ()
    total = (
        sum((s.amounts.total for s in result.settled.values()), D(0))
        + sum((r.amounts.total for r in result.refunds), D(0))
        + sum((u.row.amount for u in result.unmatched), D(0))
    )
    assert total == parse_settlement_report(text).summary.total_amount  # nothing lost


def test_a_known_order_with_an_unknown_sku_is_unmatched(world):
    _sim, _report, text, known, (jeans_and_belt, *_rest) = world
    known[jeans_and_belt.order_id] = {"JBJ-M"}
    result = match_settlement(parse_settlement_report(text).rows, known)
    belt = [u for u in result.unmatched if u.row.sku == "LTR-BELT"]
    assert belt and all(
        u.reason == "SKU LTR-BELT is not on order %s" % jeans_and_belt.order_id for u in belt
    )
    assert "LTR-BELT" in str(belt[0]) and "line " in str(belt[0])


def test_known_orders_may_be_amazon_orders(world):
    _sim, _report, text, _known, (_jb, scarf, *_rest) = world
    order = amazon_order(
        AmazonOrderLine("1", "WOOL-SCARF", None, None, 1, 1, D("19.90")),
        order_id=scarf.order_id,
        status="shipped",
    )
    result = match_settlement(parse_settlement_report(text).rows, [order])
    assert list(result.settled) == [scarf.order_id]


def test_round_trip_through_the_reports_api(world):
    from amazon_lightspeed_connector.lib.amazon.client import AmazonClient, AmazonCredentials

    sim, report, text, known, _orders = world
    credentials = AmazonCredentials(
        AMAZON_DEMO["lwa_client_id"], AMAZON_DEMO["lwa_client_secret"], AMAZON_DEMO["refresh_token"]
    )
    since = datetime.fromtimestamp(sim.clock.now() - 86400, UTC)
    with (
        in_process(sim.routes()),
        AmazonClient(
            credentials, AMAZON_DEMO["seller_id"], [AMAZON_DEMO["marketplace_id"]], clock=sim.clock
        ) as client,
    ):
        (listed,) = client.list_settlement_reports(since)
        downloaded = client.download_report(listed.document_id)
    assert downloaded == text
    result = match_settlement(parse_settlement_report(downloaded).rows, known)
    assert len(result.settled) == 3 and len(result.refunds) == 1


# ---------------------------------------------------------------- categories


@pytest.mark.parametrize(
    "amount_type,description,category",
    [
        ("ItemPrice", "Principal", PRINCIPAL),
        ("ItemPrice", "Tax", TAX),
        ("ItemPrice", "ShippingTax", TAX),
        ("ItemPrice", "Shipping", SHIPPING),
        ("ItemPrice", "RestockingFee", OTHER),
        ("Promotion", "Shipping", PROMOTIONS),
        ("ItemFees", "Commission", FEES),
        ("ItemFees", "FBAPerUnitFulfillmentFee", FEES),
        ("Amazon Fees", "Subscription Fee", FEES),
        ("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", WITHHELD_TAX),
        ("FBA Inventory Reimbursement", "REVERSAL_REIMBURSEMENT", OTHER),
    ],
)
def test_categories(amount_type, description, category):
    assert categorize(amount_type, description) == category


# ---------------------------------------------------------------- what files do in the wild

HEADER = "\t".join(settlement.COLUMNS)


def _file(*rows, header=HEADER):
    """A tiny report: ``rows`` are dicts of the columns that are not blank."""
    lines = [header]
    for row in rows:
        lines.append("\t".join(row.get(name, "") for name in settlement.COLUMNS))
    return "\n".join(lines) + "\n"


SUMMARY = {
    "settlement-id": "123",
    "settlement-start-date": "2026-01-01 00:00:00 UTC",
    "settlement-end-date": "2026-01-15 00:00:00 UTC",
    "deposit-date": "2026-01-16 00:00:00 UTC",
    "total-amount": "10.00",
    "currency": "USD",
}
ROW = {
    "settlement-id": "123",
    "transaction-type": "Order",
    "order-id": "111-0000000-0000001",
    "amount-type": "ItemPrice",
    "amount-description": "Principal",
    "amount": "10.00",
    "sku": "JBJ-S",
    "posted-date": "2026-01-10",
}


def test_bom_crlf_blank_lines_and_trailing_tabs_are_tolerated(world):
    text = world[2]
    messy = "\ufeff" + "\r\n\r\n".join(x + "\t\t" for x in text.rstrip("\n").split("\n"))
    clean = parse_settlement_report(text)
    parsed = parse_settlement_report(messy.encode("utf-8"))
    assert parsed.summary == clean.summary
    assert [(r.order_id, r.sku, r.amount) for r in parsed.rows] == [
        (r.order_id, r.sku, r.amount) for r in clean.rows
    ]


def test_short_rows_and_summary_only_files_are_read():
    short = _file(SUMMARY).rstrip("\n").rstrip("\t") + "\n"
    assert parse_settlement_report(short).rows == ()


def test_rows_without_an_order_are_about_the_account():
    fee = {**ROW, "order-id": "", "sku": "", "transaction-type": "other-transaction"}
    fee.update({"amount-type": "Amazon Fees", "amount-description": "Subscription Fee"})
    rows = parse_settlement_report(_file(SUMMARY, {**fee, "amount": "-39.99"})).rows
    result = match_settlement(rows, {})
    assert [r.amount for r in result.account_rows] == [D("-39.99")]
    assert result.account_rows[0].category == FEES and result.unmatched == ()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("12,34", D("12.34")),
        ("-1.234,56", D("-1234.56")),
        ("1,234.56", D("1234.56")),
        ("-3.22", D("-3.22")),
    ],
)
def test_amount_styles(text, expected):
    (row,) = parse_settlement_report(_file(SUMMARY, {**ROW, "amount": text})).rows
    assert row.amount == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-10 08:13:05 UTC",
        "2026-01-10T08:13:05+00:00",
        "2026-01-10T09:13:05+01:00",
        "2026-01-10T08:13:05Z",
        "10.01.2026 08:13:05 UTC",
    ],
)
def test_date_styles(text):
    assert parse_report_date(text) == datetime(2026, 1, 10, 8, 13, 5, tzinfo=UTC)


def test_date_only_is_midnight_utc():
    assert parse_report_date("10.01.2026") == datetime(2026, 1, 10, tzinfo=UTC)
    assert parse_report_date("soon") is None


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "is empty"),
        ("\ufeff\r\n\r\n", "is empty"),
        (HEADER + "\n", "no summary row"),
        (
            _file(SUMMARY, header=HEADER.replace("\tamount\t", "\tamt\t")),
            "lacks the column(s) amount",
        ),
        ("order-id\tsku\n1\t2\n", "lacks the column(s) settlement-id"),
        (_file({**SUMMARY, "total-amount": ""}), "should be the summary row"),
        (_file({**SUMMARY, "settlement-start-date": ""}), "no settlement-start-date"),
        (_file({**SUMMARY, "deposit-date": "later"}), "deposit-date is not a date"),
        (_file(SUMMARY, {**ROW, "amount": "ten"}), "line 3: amount is not an amount"),
        (_file(SUMMARY, {**ROW, "amount": ""}), "amount is not an amount"),
        (_file(SUMMARY, {**ROW, "amount": "NaN"}), "amount is not an amount"),
        (_file(SUMMARY, {**ROW, "amount": "1e400"}), "amount is not an amount"),
        (_file(SUMMARY, {**ROW, "amount": "9" * 40}), "amount is not an amount"),
        (_file(SUMMARY, {**ROW, "quantity-purchased": "1.5"}), "not a whole number"),
        (_file(SUMMARY, {**ROW, "settlement-id": "999"}), "belongs to settlement 999"),
        (_file(SUMMARY, ROW).replace("JBJ-S\t", "JBJ-S\t\t\tshifted\t"), "fields for 24 columns"),
    ],
)
def test_malformed_reports_are_payload_errors(text, message):
    with pytest.raises(PayloadError) as caught:
        parse_settlement_report(text)
    assert message in str(caught.value)
