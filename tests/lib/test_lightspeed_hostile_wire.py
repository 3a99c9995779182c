"""Hostile Lightspeed data at the wire and the client: numbers, texts, records and pages that
must be refused or bounded before anything above them sees them (the Odoo flows' corpus is
amazon_lightspeed_connector/tests/test_hostile_lightspeed.py)."""

import gzip

import pytest

from amazon_lightspeed_connector.lib.amazon.results import decode_document
from amazon_lightspeed_connector.lib.errors import PayloadError
from amazon_lightspeed_connector.lib.lightspeed import wire
from amazon_lightspeed_connector.tests.simulators.lightspeed import (
    API_BASE,
)


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "-Infinity", "1e400", "1e999999999", "2.5", "lots", "", None]
)
def test_what_is_not_a_whole_number_reads_as_none(value):
    assert wire.to_int(value) is None  # "1e999999999" would take int() minutes and gigabytes


@pytest.mark.parametrize("value", ["0", "-7", "abc", "9" * 40, None, {"id": 1}])
def test_a_record_id_is_a_positive_whole_number(value):
    assert wire.to_record_id(value) is None


def test_record_ids_and_quantities_as_lightspeed_writes_them():
    assert wire.to_record_id("120645") == 120645
    assert wire.to_int("-3") == -3 and wire.to_int("1e3") == 1000


def test_texts_are_bounded_and_printable():
    assert wire.to_text("North\x00 Store\x1b[2J") == "North Store[2J"
    assert wire.to_text({"first": "North"}) == "" and wire.to_text(["a"]) == ""
    assert wire.to_text(None) == "" and wire.to_text(42) == "42"
    long = wire.to_text("x" * 100_000)
    assert len(long) == wire.MAX_TEXT_CHARS and long.endswith("\u2026")


def item(**fields):
    record = {
        "itemID": "5",
        "customSku": "JBJ-M",
        "ItemShops": {"ItemShop": [{"shopID": "1", "qoh": "4"}, {"shopID": "2", "qoh": "2"}]},
    }
    record.update(fields)
    return record


def test_an_item_with_a_readable_stock_has_no_problem():
    stock = wire.item_stock_from_wire(item())
    assert (stock.item_id, stock.qoh_by_shop, stock.problem) == (5, {1: 4, 2: 2}, "")
    negative = wire.item_stock_from_wire(item(ItemShops={"ItemShop": {"shopID": "1", "qoh": "-3"}}))
    assert negative.qoh_by_shop == {1: -3} and not negative.problem


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"itemID": None}, "no itemID (nothing)"),
        ({"itemID": "x1"}, "no itemID ('x1')"),
        ({"ItemShops": {"ItemShop": {"shopID": "1", "qoh": "NaN"}}}, "'NaN', not a quantity"),
        ({"ItemShops": {"ItemShop": {"shopID": "1", "qoh": "99999999999"}}}, "not a quantity"),
        ({"ItemShops": {"ItemShop": {"shopID": "1"}}}, "is nothing, not a quantity"),
        ({"ItemShops": {"ItemShop": ["garbage"]}}, "not an object"),
    ],
)
def test_an_unreadable_item_says_why(fields, problem):
    assert problem in wire.item_stock_from_wire(item(**fields)).problem


def test_a_record_that_is_not_an_object_stops_the_read(sim, client):
    sim.faults.add("malformed", path=r"/Shop\.json$", payload={"Shop": [{"shopID": "1"}, "x"]})
    with pytest.raises(PayloadError, match="not an object"):
        client.shops()


def test_a_page_announcing_more_records_than_sent_is_an_incomplete_read(sim, client):
    sim.faults.add(
        "malformed",
        path=r"/Shop\.json$",
        payload=lambda body: dict(body, **{"@attributes": {"count": "234", "next": ""}}),
    )
    with pytest.raises(PayloadError, match="announced 234 Shop records but sent 3"):
        client.shops()


def test_a_count_announcing_fewer_or_nonsense_is_ignored(sim, client):
    for count in ("1", "NaN", "-5"):
        sim.faults.add(
            "malformed",
            path=r"/Shop\.json$",
            payload=lambda body, c=count: dict(body, **{"@attributes": {"count": c, "next": ""}}),
        )
        assert len(client.shops()) == 3


def test_next_links_that_loop_are_refused(sim, client):
    base = "%s/API/V3/Account/%s/Shop.json" % (API_BASE, client.account_id)
    links = iter([base + "?archived=true&limit=100", base])
    sim.faults.add(
        "malformed",
        path=r"/Shop\.json$",
        times=2,
        payload=lambda body: dict(body, **{"@attributes": {"next": next(links)}}),
    )
    with pytest.raises(PayloadError, match="leads back to a page already read"):
        client.shops()


def test_a_gzip_document_without_its_header_is_unzipped():
    assert decode_document(gzip.compress(b'{"a": 1}'), None, None) == '{"a": 1}'
    with pytest.raises(PayloadError, match="could not be unzipped"):
        decode_document(gzip.compress(b'{"a": 1}')[:20], None, None)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"completed": "false", "completeTime": "2026-01-01T00:00:05+00:00"}, None),
        ({"completed": "true", "completeTime": "2026-01-01T01:00:05+01:00"}, "00:00:05"),
        ({"completed": "true", "timeStamp": "2026-01-01T00:00:09+00:00"}, "00:00:09"),
        ({"completed": "true", "completeTime": "", "timeStamp": "soon"}, None),
    ],
    ids=["open", "completeTime", "no_completeTime_gives_timeStamp", "unreadable"],
)
def test_when_a_completed_sale_lowered_the_stock(record, expected):
    completed_at = wire.completion_time(record)
    assert (completed_at and completed_at.strftime("%H:%M:%S")) == expected
