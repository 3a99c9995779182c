"""Exactly-once Sale writes, completion on shipment and the run's customer cache (simulator)."""

import pytest
from lightspeed_support import calls
from sale_support import item_ids, line, order, request, whole

from amazon_lightspeed_connector.lib.errors import (
    PayloadError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from amazon_lightspeed_connector.lib.lightspeed.sale_payload import sale_payload, shipment_note
from amazon_lightspeed_connector.lib.lightspeed.sale_sender import (
    CustomerCache,
    SalesByReference,
    SendResult,
    complete_sale,
    customer_id_for,
    is_lost_customer,
    send_sale,
    ship_note_payload,
)
from amazon_lightspeed_connector.lib.lightspeed.wire import to_datetime

REFERENCE = "111-0000001-0000001"


def jeans_order(**fields):
    return order(line("JBJ-L", 2, "118.00"), **fields)


def jeans_request(sim, **options):
    amazon = jeans_order()
    return request(amazon, whole(amazon, item_ids(sim)), **options)


def payload_for(sim, **options):
    return sale_payload(jeans_request(sim, **options))


def sale_posts(sim):
    return calls(sim, "POST", "/Sale.json")


# --- exactly once -------------------------------------------------------------------------------


def test_a_clean_send_looks_up_once_and_posts_once(sim, client):
    result = send_sale(client, payload_for(sim))
    assert result == SendResult(sim.sales(REFERENCE)[0].sale_id, created=True, looked_up=False)
    assert len(calls(sim, "GET", "/Sale.json")) == 1 and len(sale_posts(sim)) == 1


def test_a_lost_answer_after_the_post_ends_with_exactly_one_sale(sim, client):
    sim.faults.add("lost_response", method="POST", path="/Sale.json")
    result = send_sale(client, payload_for(sim))
    [sale] = sim.sales(REFERENCE)
    assert result == SendResult(sale.sale_id, created=False, looked_up=True)
    assert len(sale_posts(sim)) == 1  # found, so never posted again
    assert sale.completed and sim.qoh("JBJ-L", 3) == 3


@pytest.mark.parametrize("fault", ["truncated_json", "malformed"])
def test_an_unreadable_answer_to_the_post_is_adopted_not_repeated(sim, client, fault):
    sim.faults.add(fault, method="POST", path="/Sale.json")
    result = send_sale(client, payload_for(sim))
    assert [s.sale_id for s in sim.sales(REFERENCE)] == [result.sale_id]
    assert not result.created and len(sale_posts(sim)) == 1


@pytest.mark.parametrize("fault", ["timeout", "server_error", "unavailable"])
def test_a_post_that_did_not_happen_is_retried_once_more(sim, client, fault):
    sim.faults.add(fault, method="POST", path="/Sale.json")
    result = send_sale(client, payload_for(sim))
    assert result.created and [s.sale_id for s in sim.sales(REFERENCE)] == [result.sale_id]
    assert len(sale_posts(sim)) == 2


def test_a_post_that_never_gets_through_raises_and_writes_nothing(sim, client):
    sim.faults.add("timeout", method="POST", path="/Sale.json", times=None)
    with pytest.raises(TransientError):
        send_sale(client, payload_for(sim), attempts=3)
    assert sim.sales(REFERENCE) == [] and len(sale_posts(sim)) == 3
    sim.faults.clear()
    assert send_sale(client, payload_for(sim)).created  # the next run's call succeeds


def test_a_crash_between_post_and_storing_the_id_adopts_on_the_next_call(sim, client):
    payload = payload_for(sim)
    first = send_sale(client, payload)  # ... and Odoo crashes before storing first.sale_id
    again = send_sale(client, payload)
    assert again == SendResult(first.sale_id, created=False, looked_up=True)
    assert len(sim.sales(REFERENCE)) == 1 and len(sale_posts(sim)) == 1
    assert sim.qoh("JBJ-L", 3) == 3  # stock dropped once


def test_a_429_storm_throttles_then_ends_with_exactly_one_sale(sim, client):
    storm = sim.faults.add("throttle", path="/Sale.json", times=None, probability=0.8)
    payload = payload_for(sim)
    throttled, result = 0, None
    for _run in range(60):  # each call is a later run of the cron
        try:
            result = send_sale(client, payload)
            break
        except ThrottledError:
            throttled += 1
    assert throttled and storm.hits >= throttled and result is not None
    assert [s.sale_id for s in sim.sales(REFERENCE)] == [result.sale_id]
    storm.times = 0  # the storm is over; further calls only adopt
    assert send_sale(client, payload).sale_id == result.sale_id
    assert len(sim.sales(REFERENCE)) == 1


def test_a_429_on_the_lookup_after_a_lost_answer_still_ends_with_one_sale(sim, client):
    sim.faults.add("lost_response", method="POST", path="/Sale.json")
    # the look-up before the POST goes through; the one after the lost answer is throttled
    # twice (a single 429 is waited out and sent again)
    sim.faults.add("throttle", method="GET", path="/Sale.json", times=2, after=1)
    payload = payload_for(sim)
    with pytest.raises(ThrottledError):
        send_sale(client, payload)  # POST written, answer lost, its look-up throttled
    result = send_sale(client, payload)
    assert not result.created and [s.sale_id for s in sim.sales(REFERENCE)] == [result.sale_id]


def test_an_unknown_item_is_a_permanent_error_with_lightspeeds_message(sim, client):
    amazon = jeans_order()
    payload = sale_payload(request(amazon, whole(amazon, {"JBJ-L": 999})))
    with pytest.raises(PermanentError) as raised:
        send_sale(client, payload)
    assert "Object of type 'Item' not found with primary ID '999'." in str(raised.value)
    assert raised.value.status == 400 and not isinstance(raised.value, PayloadError)
    assert sim.sales(REFERENCE) == [] and len(sale_posts(sim)) == 1  # never retried


def test_a_closed_register_is_a_permanent_error_with_lightspeeds_message(sim, client):
    sim.set_register_open(3, False)
    with pytest.raises(PermanentError) as raised:
        send_sale(client, payload_for(sim))
    assert "Register '3' is closed. Open the register first." in str(raised.value)
    assert sim.sales(REFERENCE) == []


def test_a_voided_sale_with_the_reference_is_not_sent_again(sim, client):
    result = send_sale(client, payload_for(sim))
    client.put("Sale", result.sale_id, {"voided": True})
    with pytest.raises(PermanentError, match="voided or deleted"):
        send_sale(client, payload_for(sim))
    assert len(sim.sales(REFERENCE)) == 1


def test_a_live_sale_with_the_reference_at_another_shop_is_not_duplicated(sim, client):
    send_sale(client, payload_for(sim, shop_id=2))
    with pytest.raises(PermanentError, match="at shop 2 already holds reference"):
        send_sale(client, payload_for(sim, shop_id=3))
    assert [s.shop_id for s in sim.sales(REFERENCE)] == [2]


# --- completing on shipment ---------------------------------------------------------------------


def test_completing_an_open_sale_lowers_qoh_once_even_if_called_twice(sim, client):
    sale_id = send_sale(client, payload_for(sim, complete_now=False)).sale_id
    assert sim.qoh("JBJ-L", 3) == 5
    note = shipment_note(jeans_request(sim, tracking_number="1Z999AA10123456784"))

    assert complete_sale(client, sale_id, ship_note=note).by_this_call is True
    assert complete_sale(client, sale_id, ship_note=note).by_this_call is False

    sale = sim.sale(sale_id)
    assert sale.completed and sim.qoh("JBJ-L", 3) == 3
    assert sale.ship_to["shipped"] == "true"
    assert sale.ship_to["shipNote"].endswith("Tracking: 1Z999AA10123456784")
    assert len(calls(sim, "PUT", "/Sale/")) == 1


def test_completing_survives_a_lost_answer(sim, client):
    sale_id = send_sale(client, payload_for(sim, complete_now=False)).sale_id
    sim.faults.add("lost_response", method="PUT", path="/Sale/")
    assert complete_sale(client, sale_id).by_this_call is True
    assert sim.sale(sale_id).completed and sim.qoh("JBJ-L", 3) == 3
    assert len(calls(sim, "PUT", "/Sale/")) == 1


def item_stamp(sim, ref):
    return to_datetime(sim.item_record(ref)["timeStamp"])


def test_a_completion_says_when_the_items_stock_dropped(sim, client):
    sale_id = send_sale(client, payload_for(sim, complete_now=False)).sale_id
    sim.clock.advance(90)
    completion = complete_sale(client, sale_id)
    assert completion.completed_at == item_stamp(sim, "JBJ-L")
    sim.clock.advance(60)
    again = complete_sale(client, sale_id)  # completed before: the time it happened, not now
    assert (again.by_this_call, again.completed_at) == (False, completion.completed_at)


def test_a_sale_sent_completed_says_when_the_stock_dropped_and_an_open_one_does_not(sim, client):
    sim.clock.advance(30)
    assert send_sale(client, payload_for(sim)).completed_at == item_stamp(sim, "JBJ-L")
    open_sale = send_sale(client, {**payload_for(sim, complete_now=False), "referenceNumber": "X"})
    assert open_sale.completed_at is None


def test_an_adopted_sale_says_when_it_was_completed(sim, client):
    sim.faults.add("lost_response", method="POST", path="/Sale.json")
    sim.clock.advance(45)
    result = send_sale(client, payload_for(sim))
    assert result.looked_up and result.completed_at == item_stamp(sim, "JBJ-L")


def test_a_note_given_after_the_completion_marks_the_sale_shipped_with_it(sim, client):
    sale_id = send_sale(client, payload_for(sim, complete_now=False)).sale_id
    complete_sale(client, sale_id)
    note = shipment_note(jeans_request(sim, tracking_number="1Z999AA10123456784"))
    client.put("Sale", sale_id, ship_note_payload(note))
    sale = sim.sale(sale_id)
    assert sale.completed and sim.qoh("JBJ-L", 3) == 3
    assert sale.ship_to["shipped"] == "true"
    assert sale.ship_to["shipNote"] == note


def test_a_voided_sale_cannot_be_completed(sim, client):
    sale_id = send_sale(client, payload_for(sim, complete_now=False)).sale_id
    client.put("Sale", sale_id, {"voided": True})
    with pytest.raises(PermanentError, match="voided"):
        complete_sale(client, sale_id)


# --- customers ----------------------------------------------------------------------------------


def test_a_buyer_is_searched_once_per_run_and_created_once(sim, client):
    cache = CustomerCache()
    first = customer_id_for(client, jeans_order(), cache)
    again = customer_id_for(client, jeans_order(email="JANE@marketplace.amazon.com"), cache)
    assert first == again and sim.customers("jane@marketplace.amazon.com") == [first]
    assert len(calls(sim, "GET", "/Customer.json")) == 1
    assert len(calls(sim, "POST", "/Customer.json")) == 1
    assert len(cache) == 1

    payload = sale_payload(jeans_request(sim, customer_id=first))
    assert sim.sale(send_sale(client, payload).sale_id).customer_id == first


def test_an_existing_customer_is_found_not_created(sim, client):
    known = sim.add_customer("Jane", "Buyer", email="jane@marketplace.amazon.com")
    assert customer_id_for(client, jeans_order(), CustomerCache()) == known
    assert calls(sim, "POST", "/Customer.json") == []


def test_a_lost_customer_answer_is_found_by_email(sim, client):
    sim.faults.add("lost_response", method="POST", path="/Customer.json")
    customer_id = customer_id_for(client, jeans_order(), CustomerCache())
    assert sim.customers("jane@marketplace.amazon.com") == [customer_id]


def test_an_order_without_buyer_email_has_no_customer(sim, client):
    assert customer_id_for(client, jeans_order(email=None), CustomerCache()) == 0
    assert sim.calls == []


# --- batch look-up of a run ------------------------------------------------------------------


def test_a_batch_look_up_reads_a_hundred_references_per_get(sim, client):
    first = client.post("Sale", payload_for(sim))
    references = [REFERENCE] + ["111-0000002-%07d" % n for n in range(150)]
    gets_before = len(calls(sim, "GET", "/Sale.json"))
    known = SalesByReference(client, references)
    assert len(calls(sim, "GET", "/Sale.json")) - gets_before == 2
    assert [s.sale_id for s in known.get(REFERENCE)] == [int(first["saleID"])]
    assert known.get("111-0000002-0000007") == []


def test_a_sale_found_by_the_batch_look_up_is_adopted_without_a_post(sim, client):
    payload = payload_for(sim)
    client.post("Sale", payload)  # an earlier run crashed before storing the id
    known = SalesByReference(client, [REFERENCE])
    result = send_sale(client, payload, look_up_first=known.get(REFERENCE))
    assert (result.created, result.looked_up) == (False, True)
    assert len(sim.sales(REFERENCE)) == 1


def test_a_reference_the_batch_did_not_find_is_posted_without_another_look_up(sim, client):
    known = SalesByReference(client, [REFERENCE])
    gets_before = len(calls(sim, "GET", "/Sale.json"))
    result = send_sale(client, payload_for(sim), look_up_first=known.get(REFERENCE))
    assert result.created
    assert len(calls(sim, "GET", "/Sale.json")) == gets_before
    assert len(sale_posts(sim)) == 1


def test_an_item_is_found_by_its_custom_sku_or_not_at_all(sim, client):
    assert client.find_item_id("customSku", "JBJ-L") == int(sim.item_record("JBJ-L")["itemID"])
    assert client.find_item_id("customSku", "NO-SUCH-SKU") is None


# --- the buyers of a run: kept ids, one batch search ---------------------------------------------


def test_new_buyers_of_a_run_are_searched_together(sim, client):
    known = sim.add_customer("Ann", "Known", email="ann@marketplace.amazon.com")
    emails = ["ann@marketplace.amazon.com"] + [
        "new%02d@marketplace.amazon.com" % n for n in range(3)
    ]
    cache = CustomerCache()
    assert cache.prefill(client, emails) == 4
    assert len(calls(sim, "GET", "/Customer.json")) == 1  # one query for four buyers
    assert customer_id_for(client, jeans_order(email="ANN@marketplace.amazon.com"), cache) == known
    created = customer_id_for(client, jeans_order(email=emails[1]), cache)
    assert sim.customers(emails[1]) == [created]
    # the new buyer was known to be absent: created without a second search
    assert len(calls(sim, "GET", "/Customer.json")) == 1
    assert len(calls(sim, "POST", "/Customer.json")) == 1


def test_a_batch_of_more_than_a_hundred_buyers_takes_one_query_per_hundred(sim, client):
    emails = ["b%03d@marketplace.amazon.com" % n for n in range(150)]
    CustomerCache().prefill(client, emails)
    assert len(calls(sim, "GET", "/Customer.json")) == 2


def test_a_kept_id_is_used_without_a_search(sim, client):
    known = sim.add_customer("Jane", "Buyer", email="jane@marketplace.amazon.com")
    kept = []
    cache = CustomerCache(listener=lambda email, customer_id: kept.append(customer_id))
    cache.keep("jane@marketplace.amazon.com", known)
    cache.prefill(client, ["jane@marketplace.amazon.com"])
    assert customer_id_for(client, jeans_order(), cache) == known
    assert sim.calls == [] and kept == []  # nothing searched, nothing new to keep
    assert cache.is_kept("jane@marketplace.amazon.com")


def test_a_sale_naming_a_customer_lightspeed_lost_is_refused_and_recognised(sim, client):
    lost = sim.add_customer("Jane", "Buyer", email="jane@marketplace.amazon.com")
    del sim.store.customers[lost]  # merged or deleted in the store since we kept it
    with pytest.raises(PermanentError) as refused:
        send_sale(client, payload_for(sim, customer_id=lost), look_up_first=False)
    assert is_lost_customer(refused.value, lost)
    assert not is_lost_customer(refused.value, lost + 1)
    assert not is_lost_customer(PermanentError("Object of type 'Item' not found"), lost)
    assert sim.sales(REFERENCE) == []  # the refused sale wrote nothing


def test_a_lightspeed_that_ignores_the_batch_filter_falls_back_to_one_search_each(sim, client):
    sim.add_customer("Other", "Person", email="other@example.test")
    cache = CustomerCache()
    real = client.iter_records
    client.iter_records = lambda resource, params=None, **kw: real(resource, None, **kw)
    assert cache.prefill(client, ["jane@marketplace.amazon.com"]) == 0
    client.iter_records = real
    assert not cache.known_absent("jane@marketplace.amazon.com")
    customer_id_for(client, jeans_order(), cache)  # searched on its own, then created
    assert len(calls(sim, "GET", "/Customer.json")) == 2
