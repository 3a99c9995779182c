"""Listing patches, JSON listings feeds and processing reports (lib/amazon/listings.py)."""

import json
from decimal import Decimal

import pytest

from amazon_lightspeed_connector.lib.amazon import listings
from amazon_lightspeed_connector.lib.amazon.listings import (
    FEED,
    PATCH,
    build_listings_feeds,
    choose_channel,
    chunk_feed_messages,
    parse_processing_report,
    patch_body,
    plan_push,
)
from amazon_lightspeed_connector.lib.errors import PayloadError
from amazon_lightspeed_connector.lib.inventory import ListingUpdate
from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, schemas
from amazon_lightspeed_connector.tests.simulators.amazon.testing import Caller, require_models
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import AMAZON_DEMO
from amazon_lightspeed_connector.tests.simulators.transport import in_process

require_models()

US = AMAZON_DEMO["marketplace_id"]
CA = "A2EUQ1WTGCTBG2"
SELLER = AMAZON_DEMO["seller_id"]


def _updates(count, marketplace_id=US, prefix="GEN-"):
    return [
        ListingUpdate("%s%06d" % (prefix, n), marketplace_id, n % 40, Decimal("19.99"), "USD")
        for n in range(1, count + 1)
    ]


def _feed_errors(document):
    return [e.message for e in schemas.listings_feed_validator().iter_errors(document)]


def _big_feed_errors(document, sample=100):
    """Schema errors of a big feed: jsonschema needs ~1 ms a message, so 25,000 would take
    half a minute. Every message is built by the same function, so the header, the first and
    last ``sample`` messages are validated, and the one rule that depends on the whole list
    (at most 25,000 messages) is checked on its own."""
    messages = document["messages"]
    excerpt = {**document, "messages": messages[:sample] + messages[-sample:]}
    too_many = ["%d messages" % len(messages)] if len(messages) > 25_000 else []
    return _feed_errors(excerpt) + too_many


# ---------------------------------------------------------------- patches


def test_patch_body_merges_quantity_and_price():
    body = patch_body(ListingUpdate("JBJ-S", US, 3, Decimal("59.00"), "USD"), "PANTS")
    assert body == {
        "productType": "PANTS",
        "patches": [
            {
                "op": "merge",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}],
            },
            {
                "op": "merge",
                "path": "/attributes/purchasable_offer",
                "value": [
                    {
                        "marketplace_id": US,
                        "currency": "USD",
                        "our_price": [{"schedule": [{"value_with_tax": 59.0}]}],
                    }
                ],
            },
        ],
    }
    validator = schemas.definition_validator("listings", "ListingsItemPatchRequest")
    assert not list(validator.iter_errors(body))


def test_quantity_only_or_price_only_and_replace():
    only_quantity = patch_body(ListingUpdate("X", US, 0), op="replace")
    assert [p["path"] for p in only_quantity["patches"]] == [listings.QUANTITY_PATH]
    assert only_quantity["patches"][0]["op"] == "replace"
    only_price = patch_body(ListingUpdate("X", US, None, Decimal("5"), "USD"))
    assert [p["path"] for p in only_price["patches"]] == [listings.PRICE_PATH]


def test_nothing_to_send_and_unknown_op_are_refused():
    with pytest.raises(ValueError, match="nothing to send"):
        patch_body(ListingUpdate("X", US))
    with pytest.raises(ValueError, match="op must be"):
        patch_body(ListingUpdate("X", US, 1), op="add")


def test_patches_go_through_the_simulator():
    sim = AmazonSimulator(clock=ManualClock(), seed=3, rate_limits_enabled=False)
    sim.add_demo_offers()
    caller = Caller(sim)
    update = ListingUpdate("JBJ-S", US, 7, Decimal("54.50"), "USD")
    answer = caller.call(
        "PATCH",
        "/listings/2021-08-01/items/%s/JBJ-S" % SELLER,
        {"marketplaceIds": US},
        patch_body(update, "PANTS"),
    )
    assert answer.status == 200 and answer.payload()["status"] == "ACCEPTED"
    assert sim.offer("JBJ-S").quantity == 7 and sim.offer("JBJ-S").price == "54.5"


# ---------------------------------------------------------------- channel and chunking


@pytest.mark.parametrize(
    "count,threshold,channel",
    [(0, 100, PATCH), (20, 100, PATCH), (99, 100, PATCH), (100, 100, FEED), (30_000, 100, FEED)],
)
def test_choose_channel(count, threshold, channel):
    assert choose_channel(count, threshold) == channel


@pytest.mark.parametrize("threshold", [0, -3, True, 2.5])
def test_a_threshold_below_one_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold"):
        choose_channel(5, threshold)


def test_chunking_keeps_order_and_limits():
    assert chunk_feed_messages(range(7), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert chunk_feed_messages([], 3) == []
    assert [len(c) for c in chunk_feed_messages(range(50_001))] == [25_000, 25_000, 1]
    with pytest.raises(ValueError):
        chunk_feed_messages(range(3), 25_001)
    with pytest.raises(ValueError):
        chunk_feed_messages(range(3), 0)


def test_20_changes_go_as_20_patches():
    plan = plan_push(SELLER, _updates(20), threshold=100)
    assert plan.channel == PATCH and len(plan.patches) == 20 and plan.feeds == ()
    assert plan.calls() == 20


def test_30000_changes_go_as_2_valid_feeds():
    plan = plan_push(SELLER, _updates(30_000), threshold=100)
    assert plan.channel == FEED and plan.patches == ()
    assert [len(feed) for feed in plan.feeds] == [25_000, 5_000]
    for feed in plan.feeds:
        assert not _big_feed_errors(feed.document)
        ids = [m["messageId"] for m in feed.messages]
        assert ids == list(range(1, len(feed) + 1))
        assert feed.document["header"] == {
            "sellerId": SELLER,
            "version": "2.0",
            "issueLocale": "en_US",
        }
    skus = [sku for feed in plan.feeds for sku in feed.skus_by_message_id.values()]
    assert skus == [u.sku for u in _updates(30_000)]
    assert plan.calls() == 12


def test_feeds_are_per_marketplace_and_carry_product_types():
    updates = _updates(3) + _updates(2, CA)
    feeds = build_listings_feeds(SELLER, updates, {"GEN-000002": "SHIRT"}, max_messages=2)
    assert [(f.marketplace_id, len(f)) for f in feeds] == [(US, 2), (US, 1), (CA, 2)]
    assert [m["productType"] for m in feeds[0].messages] == ["PRODUCT", "SHIRT"]
    for feed in feeds:
        assert not _feed_errors(feed.document)


def test_a_sku_twice_in_one_marketplace_is_refused():
    with pytest.raises(ValueError, match="twice"):
        build_listings_feeds(SELLER, _updates(2) + _updates(1))


def test_the_schema_catches_a_broken_feed():
    document = build_listings_feeds(SELLER, _updates(1))[0].document
    document["messages"][0]["operationType"] = "UPSERT"
    assert _feed_errors(document)


# ---------------------------------------------------------------- processing reports
# The one parser of a JSON_LISTINGS_FEED processing report (the client's get_feed_result and
# the listings push both read it through parse_processing_report).


SKUS = {1: "A", 2: "B", 3: "C"}
SUMMARY = {"messagesProcessed": 3, "messagesAccepted": 2, "messagesInvalid": 1}


def test_report_issues_land_on_their_message_and_sku():
    report = {
        "header": {"sellerId": SELLER, "version": "2.0", "feedId": "50001"},
        "issues": [
            {"messageId": 2, "code": "4000002", "severity": "ERROR", "message": "bad qty"},
            {"messageId": 2, "code": "99", "severity": "WARNING", "message": "slow"},
            {"messageId": 3, "code": "98", "severity": "WARNING", "message": "note"},
            {"messageId": 1, "code": "97", "severity": "INFO", "message": "fyi"},
        ],
        "summary": {"errors": 1, "warnings": 2, **SUMMARY},
    }
    parsed = parse_processing_report(json.dumps(report))
    assert parsed.feed_id == "50001" and (parsed.processed, parsed.accepted) == (3, 2)
    assert parsed.invalid == 1 and parsed.status == "DONE" and not parsed.is_fatal
    assert [str(i) for i in parsed.errors_by_message()[2]] == ["ERROR 4000002: bad qty"]
    assert list(parsed.errors_by_message()) == [2]
    assert parsed.skus_with_errors(SKUS) == ["B"]
    by_sku = parsed.by_sku(SKUS)
    assert [i.message for i in by_sku["C"].warnings] == ["note"]
    assert by_sku["C"].accepted and "A" not in by_sku
    assert parsed.accepted_skus(SKUS) == ["A", "C"]


def test_a_feed_error_or_an_unfinished_feed_fails_every_sku():
    report = {
        "issues": [{"code": "100001", "severity": "ERROR", "message": "not JSON"}],
        "summary": {"messagesProcessed": 0, "messagesAccepted": 0, "messagesInvalid": 0},
    }
    parsed = parse_processing_report(report, feed_id="50002")
    assert parsed.is_fatal and parsed.accepted_skus(SKUS) == []
    assert parsed.feed_id == "50002" and [i.code for i in parsed.feed_errors] == ["100001"]
    cancelled = parse_processing_report({"summary": SUMMARY}, status="CANCELLED")
    assert cancelled.is_fatal and cancelled.feed_errors == ()


def test_issues_that_name_no_readable_message_are_about_the_feed():
    report = {
        "issues": [
            {"messageId": "2", "severity": "ERROR", "message": "a numeric string is placed"},
            {"messageId": "two", "severity": "ERROR", "message": "unplaceable"},
            {"messageId": True, "severity": "ERROR", "message": "not a number"},
            "garbage",
            {"severity": "WARNING", "message": "about the feed, harmless"},
        ],
        "summary": SUMMARY,
    }
    parsed = parse_processing_report(report)
    assert list(parsed.errors_by_message()) == [2]
    assert [i.message for i in parsed.feed_errors][:2] == ["unplaceable", "not a number"]
    assert parsed.feed_errors[2].message.startswith("Unreadable issue")
    assert len(parsed.feed_errors) == 3 and parsed.is_fatal


def test_an_issue_about_a_message_the_feed_never_had_has_nobody_to_tell():
    report = {"issues": [{"messageId": 9, "severity": "ERROR", "message": "?"}], "summary": {}}
    parsed = parse_processing_report(report)
    assert parsed.by_sku(SKUS) == {} and parsed.accepted_skus(SKUS) == ["A", "B", "C"]
    assert list(parsed.errors_by_message()) == [9]


def test_a_huge_issue_message_is_cut():
    report = {"issues": [{"messageId": 1, "message": "x" * 100_000}], "summary": {}}
    issue = parse_processing_report(report).errors_by_message()[1][0]
    assert issue.severity == "ERROR" and len(issue.message) == listings.MAX_ISSUE_MESSAGE


@pytest.mark.parametrize(
    "broken",
    [
        b"{nope",
        "[]",
        "null",
        {"issues": []},
        {"summary": "all good"},
        {"summary": {"messagesProcessed": "many"}},
        {"summary": {"messagesAccepted": -1}},
        {"summary": {"messagesInvalid": 2.5}},
        {"summary": {"messagesProcessed": True}},
        {"summary": {"messagesProcessed": "1e400"}},
        {"summary": {}, "issues": {"messageId": 1}},
    ],
)
def test_unreadable_reports_are_payload_errors(broken):
    with pytest.raises(PayloadError) as raised:
        parse_processing_report(broken)
    assert raised.value.code == "BadFeedReport"


# ---------------------------------------------------------------- round trip


def _client(sim):
    from amazon_lightspeed_connector.lib.amazon.client import AmazonClient, AmazonCredentials

    credentials = AmazonCredentials(
        AMAZON_DEMO["lwa_client_id"], AMAZON_DEMO["lwa_client_secret"], AMAZON_DEMO["refresh_token"]
    )
    return AmazonClient(credentials, SELLER, [US], clock=sim.clock)


def test_feed_round_trip_reads_per_sku_errors_back():
    sim = AmazonSimulator(clock=ManualClock(), seed=5, rate_limits_enabled=False)
    sim.add_demo_offers()
    sim.mark_sku_invalid("WBT-BLK-43")
    updates = [
        ListingUpdate("JBJ-S", US, 2, Decimal("57.00"), "USD"),
        ListingUpdate("WBT-BLK-43", US, 1),
        ListingUpdate("LTR-BELT", US, 9),
    ]
    plan = plan_push(SELLER, updates, threshold=3, product_types={"JBJ-S": "PANTS"})
    assert plan.channel == FEED and len(plan.feeds) == 1
    feed = plan.feeds[0]
    with in_process(sim.routes()), _client(sim) as client:
        feed_id = client.submit_listings_feed(feed.messages, [feed.marketplace_id])
        assert client.get_feed_result(feed_id) is None  # still queued
        sim.clock.advance(120)
        report = client.get_feed_result(feed_id)
        raw = sim.documents[sim.feeds[feed_id].result_document_id].content
    assert (report.feed_id, report.status, report.processed, report.accepted) == (
        feed_id,
        "DONE",
        3,
        2,
    )
    assert report == parse_processing_report(raw, feed_id=feed_id)  # one parser, both ways
    assert report.skus_with_errors(feed.skus_by_message_id) == ["WBT-BLK-43"]
    refused = report.by_sku(feed.skus_by_message_id)["WBT-BLK-43"]
    assert "not eligible" in refused.errors[0].message
    assert report.accepted_skus(feed.skus_by_message_id) == ["JBJ-S", "LTR-BELT"]
    assert sim.offer("JBJ-S").quantity == 2 and sim.offer("JBJ-S").price == "57.0"
    assert sim.offer("LTR-BELT").quantity == 9


@pytest.mark.parametrize("status", ["CANCELLED", "FATAL"])
def test_a_feed_amazon_gave_up_on_without_a_report_is_fatal(status):
    sim = AmazonSimulator(clock=ManualClock(), seed=5, rate_limits_enabled=False)
    feed = plan_push(SELLER, _updates(3), threshold=1).feeds[0]
    with in_process(sim.routes()), _client(sim) as client:
        feed_id = client.submit_listings_feed(feed.messages, [feed.marketplace_id])
        sim.feeds[feed_id].status = status
        report = client.get_feed_result(feed_id)
    assert (report.feed_id, report.status, report.is_fatal) == (feed_id, status, True)
    assert report.accepted_skus(feed.skus_by_message_id) == []


def test_a_done_feed_without_a_report_is_a_payload_error():
    sim = AmazonSimulator(clock=ManualClock(), seed=5, rate_limits_enabled=False)
    feed = plan_push(SELLER, _updates(3), threshold=1).feeds[0]
    with in_process(sim.routes()), _client(sim) as client:
        feed_id = client.submit_listings_feed(feed.messages, [feed.marketplace_id])
        sim.feeds[feed_id].status = "DONE"
        with pytest.raises(PayloadError, match="without a processing report"):
            client.get_feed_result(feed_id)


# ---------------------------------------------------------------- delta pushes


def test_a_delta_push_sends_only_the_changed_skus():
    from amazon_lightspeed_connector.lib.inventory import available_to_sell, changed_since_last_push

    sim = AmazonSimulator(clock=ManualClock(), seed=6, rate_limits_enabled=False)
    skus = sim.generate_offers(50)
    last_pushed = {
        sku: ListingUpdate(sku, US, sim.offer(sku).quantity, Decimal(sim.offer(sku).price), "USD")
        for sku in skus
    }
    on_hand = {sku: [last_pushed[sku].quantity, 0] for sku in skus}
    for sku in skus[:5]:
        on_hand[sku][1] = 3  # stock arrived in a second store for five SKUs
    current = [
        ListingUpdate(sku, US, available_to_sell(on_hand[sku]), last_pushed[sku].price, "USD")
        for sku in skus
    ]
    deltas = [d for u in current if (d := changed_since_last_push(u, last_pushed[u.sku]))]
    plan = plan_push(SELLER, deltas, threshold=100)
    assert [u.sku for u in plan.patches] == skus[:5]
    caller = Caller(sim)
    for update in plan.patches:
        path = "/listings/2021-08-01/items/%s/%s" % (SELLER, update.sku)
        answer = caller.call("PATCH", path, {"marketplaceIds": US}, patch_body(update))
        assert answer.payload()["status"] == "ACCEPTED"
    assert sorted({p.sku for p in sim.listing_patches}) == skus[:5]
    assert all(p.patches[0]["path"] == listings.QUANTITY_PATH for p in sim.listing_patches)
    assert all(len(p.patches) == 1 for p in sim.listing_patches)  # price unchanged: not sent
    for sku in skus[:5]:
        assert sim.offer(sku).quantity == last_pushed[sku].quantity + 3


def test_calls_for_50000_skus_with_10_percent_changed():
    changed = _updates(5_000)
    as_feed = plan_push(SELLER, changed, threshold=100)
    as_patches = plan_push(SELLER, changed, threshold=10_000)
    assert (as_feed.channel, len(as_feed.feeds), as_feed.calls()) == (FEED, 1, 6)
    assert (as_patches.channel, as_patches.calls()) == (PATCH, 5_000)
