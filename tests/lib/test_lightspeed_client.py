"""The Lightspeed client against the simulator: reads, paging, stock deltas and error mapping."""

import logging
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from lightspeed_support import DEMO, amazon_sale, calls, make_client, make_store

from amazon_lightspeed_connector.lib.errors import (
    AuthError,
    PayloadError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from amazon_lightspeed_connector.lib.lightspeed import wire

START = datetime(2026, 1, 1, tzinfo=timezone.utc)  # the demo account's creation time


# --- wire -----------------------------------------------------------------------------------------


def test_wire_readers():
    assert wire.as_list({"a": "1"}) == [{"a": "1"}]
    assert wire.as_list("") == [] and wire.as_list(None) == [] and wire.as_list([1]) == [1]
    assert wire.to_bool("true") is True and wire.to_bool("false") is False
    assert wire.to_decimal("59.5") == Decimal("59.5") and wire.to_decimal("") is None
    assert wire.to_int("3") == 3 and wire.to_int("-2") == -2 and wire.to_int("x") is None
    moment = wire.to_datetime("2026-01-01T01:00:00-07:00")
    assert moment == datetime(2026, 1, 1, 8, tzinfo=timezone.utc)
    assert moment.tzinfo is timezone.utc
    assert wire.to_datetime("2026-01-01T00:00:00") == START
    assert wire.format_timestamp(moment) == "2026-01-01T08:00:00+00:00"


# --- reference data -------------------------------------------------------------------------------


def test_reference_data_includes_archived_records(sim, client):
    sim.add_shop("Store D - Closed", shop_id=4)
    sim.store.shops[4]["archived"] = "true"
    sim.add_register(4, "Old Register", register_id=4, is_open=False)
    sim.store.registers[4]["archived"] = "true"
    gone = sim.add_employee("Former", "Clerk")
    sim.store.employees[gone]["archived"] = "true"
    sim.store.payment_types[5]["archived"] = "true"
    sim.store.changed()

    shops = {s.shop_id: s for s in client.shops()}
    assert shops[1] == wire.Shop(1, "Store A - Downtown", False, "US/Pacific")
    assert shops[4].archived and not shops[3].archived
    registers = {r.register_id: r for r in client.registers()}
    assert registers[3] == wire.Register(3, 3, "Amazon Register", True, False)
    assert registers[4].archived and not registers[4].open
    employees = {e.employee_id: e for e in client.employees()}
    assert employees[2].name == "Amazon Orders" and employees[gone].archived
    payment_types = {p.payment_type_id: p for p in client.payment_types()}
    assert payment_types[7] == wire.PaymentType(7, "Amazon Payment", False)
    assert payment_types[5].archived


# --- paging and stock -----------------------------------------------------------------------------


def test_paging_follows_next_over_more_than_a_hundred_records(sim, client):
    sim.generate(shops=2, items=238, seed=1)  # 12 demo items + 238 = 250 items

    stocks = list(client.items_changed_since())

    assert len(stocks) == 250 and len({s.item_id for s in stocks}) == 250
    assert len(calls(sim, "GET", "/Item.json")) == 3  # 100 + 100 + 50
    belt = next(s for s in stocks if s.custom_sku == "LTR-BELT")
    assert belt.qoh_by_shop == {1: 10, 2: 5, 3: 5, 4: 0, 5: 0}  # no total row (shopID 0)


def test_a_walk_goes_on_from_the_next_link_an_earlier_walk_saved(sim, client):
    """A stock count stamps five items in one second; a walk that stopped after its first
    page goes on, in a later run, from that page's next link: every item read once."""
    sim.clock.advance(60)
    counted = ["JBJ-S", "JBJ-M", "JBJ-L", "LTR-BELT", "WOOL-SCARF"]
    for sku in counted:
        sim.set_qoh(sku, 2, 6)
    sim.clock.advance(60)

    first = next(client.stock_pages(START, page_size=2))
    assert len(first.records) == 2 and first.next_link
    rest = list(client.stock_pages(START, resume_from=first.next_link, page_size=2))

    assert [len(page.records) for page in rest] == [2, 1]
    assert rest[-1].next_link is None, "the last page links nowhere"
    read = [s.custom_sku for page in [first, *rest] for s in page.records]
    assert sorted(read) == sorted(counted)


@pytest.mark.parametrize(
    "link",
    [
        "https://elsewhere.example/API/V3/Account/%s/Item.json?after=x",
        "%s/Account/999/Item.json?after=x",  # another account of the same host
        "%s/Account/%s/Sale.json?after=x",  # another resource
        "",
    ],
)
def test_a_saved_link_of_another_host_account_or_resource_is_refused_before_any_call(
    sim, client, link
):
    link = link.replace("%s", client.api_url, 1) if link.startswith("%s") else link
    link = link.replace("%s", client.account_id)
    sim.calls.clear()
    with pytest.raises(PayloadError, match="not a page of this account's Item records"):
        list(client.stock_pages(START, resume_from=link or 5))
    assert sim.calls == [], "the bearer token went nowhere"


def test_a_link_lightspeed_no_longer_takes_is_a_permanent_error(client):
    stale = client._url("Item") + "?after=not-a-cursor"
    with pytest.raises(PermanentError):
        list(client.stock_pages(START, resume_from=stale))


def test_a_single_record_answer_is_a_list_of_one(client):
    records = list(client.iter_records("Item", {"customSku": "JBJ-S"}, limit=5))
    assert [r["customSku"] for r in records] == ["JBJ-S"]
    assert list(client.iter_records("Item", {"customSku": "NOPE"})) == []
    with pytest.raises(ValueError):
        list(client.iter_records("Item", limit=101))


def test_incremental_stock_returns_only_items_that_moved(sim, client):
    everything = list(client.items_changed_since())
    cursor = wire.stock_cursor(None, everything, read_started_at=sim.clock.now())
    assert cursor <= START

    sim.clock.advance(60)
    sim.set_qoh("LTR-BELT", 2, 4)  # a stock count at store B
    sim.sell_at_store("WOOL-SCARF", 1)  # a walk-in sale at store A
    sim.clock.advance(60)

    changed = list(client.items_changed_since(START))
    assert [s.custom_sku for s in changed] == ["LTR-BELT", "WOOL-SCARF"]
    assert changed[0].qoh_by_shop == {1: 10, 2: 4, 3: 5}
    assert changed[1].qoh_by_shop == {1: 7, 2: 0, 3: 0}
    assert changed[0].timestamp == datetime(2026, 1, 1, 0, 1, tzinfo=timezone.utc)

    cursor = wire.stock_cursor(START, changed, read_started_at=sim.clock.now())
    assert cursor == changed[0].timestamp
    assert list(client.items_changed_since(cursor)) == []


def test_a_walk_cut_in_the_middle_of_a_second_leaves_none_of_that_second_unread(sim, client):
    """Lightspeed stamps to the second: three items counted in one second, a walk that stops
    after two of them must not pass their stamp, or the third is never read."""
    sim.clock.advance(60)
    for sku in ("LTR-BELT", "WOOL-SCARF", "JBJ-S"):
        sim.set_qoh(sku, 2, 3)  # a stock count at store B, the same second
    sim.clock.advance(60)
    changed = list(client.items_changed_since(START))
    assert len(changed) == 3 and len({s.timestamp for s in changed}) == 1
    read, unread = changed[:2], changed[2]

    whole = wire.stock_cursor(START, changed, read_started_at=sim.clock.now())
    assert list(client.items_changed_since(whole)) == [], "a complete walk moves past its second"
    cut = wire.stock_cursor(START, read, read_started_at=sim.clock.now(), complete=False)
    again = [s.custom_sku for s in client.items_changed_since(cut)]
    assert unread.custom_sku in again, "the cut walk's next one reads the rest of the second"
    assert sorted(again) == sorted(s.custom_sku for s in changed), "and that second only"
    assert wire.stock_cursor(cut, [], read_started_at=sim.clock.now(), complete=False) == cut


# --- sales and customers --------------------------------------------------------------------------


def test_post_a_sale_and_find_it_by_reference(sim, client):
    record = client.post("Sale", amazon_sale("113-0000001-0000001"))
    assert record["referenceNumber"] == "113-0000001-0000001" and record["completed"] == "true"

    found = client.find_sales_by_reference("113-0000001-0000001")
    completed_at = wire.to_datetime(record["completeTime"])
    assert found == [
        wire.Sale(
            int(record["saleID"]),
            "113-0000001-0000001",
            True,
            Decimal("59"),
            3,
            completed_at=completed_at,
        )
    ]
    assert completed_at == wire.to_datetime(sim.item_record("JBJ-S")["timeStamp"])
    assert client.find_sales_by_reference("113-9999999-9999999") == []
    assert sim.qoh("JBJ-S", 3) == 2


def test_find_customer_by_email(sim, client):
    jo = sim.add_customer("Jo", "Buyer", email="jo@marketplace.amazon.test")
    found = client.find_customer_by_email("JO@marketplace.amazon.test")
    assert found == wire.Customer(jo, "Jo", "Buyer", "jo@marketplace.amazon.test")
    assert client.find_customer_by_email("nobody@marketplace.amazon.test") is None


# --- error mapping --------------------------------------------------------------------------------


def test_a_429_is_waited_out_and_sent_once_more(sim, client):
    client.test_connection()
    sim.faults.add("throttle", method="GET", path="/Shop.json")
    assert client.shops()
    assert [c.status for c in sim.calls if c.path.endswith("/Shop.json")] == [429, 200]


def test_a_second_429_is_a_throttled_error_with_retry_after(sim, client):
    sim.faults.add("throttle", method="GET", path="/Shop.json", times=2)
    with pytest.raises(ThrottledError) as raised:
        client.shops()
    assert raised.value.retry_after == 1 and raised.value.status == 429


@pytest.mark.parametrize("fault", ["server_error", "timeout"])
def test_a_failed_read_is_transient_and_known_not_applied(sim, client, fault):
    sim.faults.add(fault, method="GET", path="/Shop.json")
    with pytest.raises(TransientError) as raised:
        client.shops()
    assert not raised.value.outcome_unknown


def test_a_503_on_a_write_was_refused_at_the_door(sim, client):
    sim.faults.add("unavailable", method="POST", path="/Sale.json")
    with pytest.raises(TransientError) as raised:
        client.post("Sale", amazon_sale("113-0000001-0000002"))
    assert not raised.value.outcome_unknown and raised.value.status == 503


def test_a_lost_sale_answer_is_looked_up_by_reference(sim, client):
    reference = "113-0000001-0000003"
    sim.faults.add("lost_response", method="POST", path="/Sale.json")

    with pytest.raises(TransientError) as raised:
        client.post("Sale", amazon_sale(reference))
    assert raised.value.outcome_unknown
    assert "look it up" in str(raised.value)

    found = client.find_sales_by_reference(reference)
    assert len(found) == 1 and found[0].completed
    assert [s.sale_id for s in sim.sales(reference)] == [found[0].sale_id]


def test_a_400_carries_lightspeeds_message(client):
    with pytest.raises(PermanentError) as raised:
        client.get("Item", {"colour": "blue"})
    assert "Invalid search field 'colour' for Item." in str(raised.value)
    assert raised.value.status == 400 and raised.value.code == "InvalidQueryException"
    assert not isinstance(raised.value, PayloadError)


def test_a_rejected_sale_carries_lightspeeds_message(sim, client):
    sale = amazon_sale("113-0000001-0000004")
    sale["registerID"] = 99
    with pytest.raises(PermanentError) as raised:
        client.post("Sale", sale)
    assert "99" in str(raised.value) and raised.value.payload


def test_truncated_json_is_a_payload_error(sim, client):
    sim.faults.add("truncated_json", method="GET", path="/Shop.json")
    with pytest.raises(PayloadError):
        client.shops()


def test_a_next_link_to_another_host_is_not_followed(sim, client):
    sim.faults.add(
        "malformed",
        method="GET",
        path="/Item.json",
        payload={"@attributes": {"next": "https://elsewhere.example/x"}, "Item": {"itemID": "1"}},
    )
    with pytest.raises(PayloadError):
        list(client.items_changed_since())


def test_a_wrong_account_id_is_an_auth_error(sim):
    client = make_client(sim)
    client.account_id = "999"
    with pytest.raises(AuthError) as raised:
        client.test_connection()
    assert "999" in str(raised.value)


def test_no_secret_reaches_the_logs(sim, caplog):
    caplog.set_level(logging.DEBUG)
    store = make_store(sim)
    client = make_client(sim, store)
    errors = []
    client.test_connection()
    sim.oauth.expire_access_tokens()
    client.shops()  # 401, refresh, retry
    sim.clock.advance(4000)
    list(client.items_changed_since())  # expired: refresh
    for fault in ("throttle", "server_error", "truncated_json", "lost_response"):
        # twice: a single 429 is waited out and sent again
        sim.faults.add(fault, method="POST", path="/Sale.json", times=2)
        try:
            client.post("Sale", amazon_sale("113-0000002-%07d" % len(errors)))
        except Exception as exc:  # every failure is inspected below
            errors.append(exc)
    with pytest.raises(AuthError) as wrong_secret:
        make_client(sim, secret="wrong-" + DEMO["client_secret"]).shops()
    sim.oauth.revoke_refresh_tokens()
    sim.oauth.expire_access_tokens()
    with pytest.raises(AuthError) as revoked:
        client.shops()
    errors += [wrong_secret.value, revoked.value]

    assert len(errors) == 6
    secrets = {DEMO["client_secret"], DEMO["refresh_token"]}
    for grant in sim.token_grants:
        secrets |= {grant.access_token, grant.refresh_token}
    assert len(secrets) >= 8
    texts = [caplog.text] + ["%s %s %r" % (e, e.payload, e) for e in errors]
    texts.append(repr(client))
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert "Lightspeed GET" in caplog.text  # the log is there, just without secrets
