"""After the sale, Lightspeed side: shipments read back, voids and refund sales (simulator)."""

from decimal import Decimal

import pytest
from lightspeed_support import calls
from sale_support import item_ids, line, order, request, whole

from amazon_lightspeed_connector.lib.errors import PayloadError, PermanentError, TransientError
from amazon_lightspeed_connector.lib.lightspeed import refunds
from amazon_lightspeed_connector.lib.lightspeed.sale_payload import sale_payload
from amazon_lightspeed_connector.lib.lightspeed.sale_reader import (
    Tracking,
    UnreadableSale,
    changed_sale_pages,
    changed_sales,
    next_cursor,
    parse_tracking,
    read_changed_sale,
    read_sale_detail,
    refund_reference,
    split_refund_reference,
)
from amazon_lightspeed_connector.lib.lightspeed.sale_sender import send_sale

SHOP = 3  # the demo shop stocking jeans


def write_sale(sim, client, order_id, *lines, complete=True):
    amazon = order(*lines, order_id=order_id)
    payload = sale_payload(request(amazon, whole(amazon, item_ids(sim)), complete_now=complete))
    return send_sale(client, payload).sale_id


def jeans_sale(sim, client, order_id="111-0000001-0000001", complete=True, units=2):
    return write_sale(
        sim,
        client,
        order_id,
        line("JBJ-L", units, "%d.00" % (59 * units), item_tax="9.44"),
        line("OXF-WHT-M", 1, "35.00", promotion_discount="5.00"),
        complete=complete,
    )


# --- the shipment note ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note, expected",
    [
        ("Tracking: 1Z999AA10123456784 UPS", Tracking("1Z999AA10123456784", "UPS")),
        ("tracking # 9400111899223 via USPS", Tracking("9400111899223", "USPS")),
        ("Tracking number: 1z999aa10123456784", Tracking("1Z999AA10123456784", "")),
        ("Tracking: UPS 1Z999AA10123456784", Tracking("1Z999AA10123456784", "UPS")),
        ("Tracking: JD0002 Royal Mail", Tracking("JD0002", "Royal Mail")),
        (
            "Amazon order 111-0000001-0000001\nShip service: Standard\nTracking: 111 X\n"
            "Tracking: 1Z999AA10123456784 UPS",
            Tracking("1Z999AA10123456784", "UPS"),
        ),
    ],
)
def test_the_documented_tracking_line_is_read_the_last_one_wins(note, expected):
    assert parse_tracking(note) == expected


@pytest.mark.parametrize(
    "note",
    ["", None, "Amazon order 111-0000001-0000001", "Tracking:", "Tracking: UPS", "Tracking: 12"],
)
def test_a_note_without_a_tracking_line_gives_none(note):
    assert parse_tracking(note) is None


def test_refund_references_add_a_numbered_suffix_and_read_back():
    reference = refund_reference("111-0000001-0000001-2", 3)
    assert reference == "111-0000001-0000001-2-R3"
    assert split_refund_reference(reference) == ("111-0000001-0000001-2", 3)
    assert split_refund_reference("111-0000001-0000001-2") == (None, None)
    with pytest.raises(ValueError):
        refund_reference("111-0000001-0000001", 0)


# --- reading shipments back -----------------------------------------------------------------


def test_changed_sales_reads_only_the_connectors_sales_after_the_cursor(sim, client):
    first = jeans_sale(sim, client, "111-0000001-0000001", complete=False)
    second = jeans_sale(sim, client, "111-0000002-0000002", complete=False)
    sim.add_customer("Walk", "In")  # a counter sale without our reference is never read
    client.post(
        "Sale",
        {
            "registerID": SHOP,
            "employeeID": 2,
            "SaleLines": {"SaleLine": [{"itemID": 1, "unitQuantity": 1, "unitPrice": "5"}]},
        },
    )
    started = sim.clock.now()
    reads_before = len(calls(sim, "GET", "/Sale.json"))
    sales = list(changed_sales(client))
    assert [s.sale_id for s in sales] == [first, second]
    assert all(s.shipped is False and s.tracking is None for s in sales)
    sim.clock.advance(60)
    cursor = next_cursor(None, sales, started + 30)

    sim.clock.advance(60)
    sim.ship_in_store(second, "Tracking: 1Z999AA10123456784 UPS")
    changed = list(changed_sales(client, cursor))
    assert [s.sale_id for s in changed] == [second]
    assert changed[0].shipped is True
    assert changed[0].tracking == Tracking("1Z999AA10123456784", "UPS")
    assert changed[0].reference_number == "111-0000002-0000002"
    # one read per run (per 100 sales), whatever it finds
    assert len(calls(sim, "GET", "/Sale.json")) - reads_before == 2


def test_a_walk_of_changed_sales_goes_on_from_a_saved_page_link(sim, client):
    """A walk stopped after its first page goes on later from that page's link, even where
    every sale shares one second, and a sale changed meanwhile comes again at the end."""
    sale_ids = [
        jeans_sale(sim, client, "111-0000001-000000%d" % n, complete=False) for n in (1, 2, 3)
    ]
    assert len({sale.timestamp for sale in changed_sales(client)}) == 1, "one second"
    first = next(changed_sale_pages(client, page_size=1))
    assert [s.sale_id for s in first.records] == sale_ids[:1]
    sim.clock.advance(60)
    sim.ship_in_store(sale_ids[1], "Tracking: 1Z999AA10123456784 UPS")
    rest = changed_sale_pages(client, resume_from=first.next_link, page_size=1)
    assert [s.sale_id for page in rest for s in page.records] == [sale_ids[2], sale_ids[1]]


def test_a_saved_page_link_of_another_host_is_refused_before_any_call(sim, client):
    reads_before = len(calls(sim, "GET", "/Sale.json"))
    foreign = "https://attacker.example/API/V3/Account/1/Sale.json?after=x"
    with pytest.raises(PayloadError):
        next(changed_sale_pages(client, resume_from=foreign))
    assert len(calls(sim, "GET", "/Sale.json")) == reads_before


@pytest.mark.parametrize(
    "record,sale_id,stamped",
    [
        ({"timeStamp": "2026-01-01T00:01:00+00:00"}, None, True),
        ({"saleID": "0", "timeStamp": "yesterday"}, None, False),
        ({"saleID": "7", "SaleLines": {"SaleLine": "a line"}}, 7, False),
        (["not", "an", "object"], None, False),
    ],
)
def test_a_sale_record_that_cannot_be_read_is_named_not_raised(record, sale_id, stamped):
    """The walk goes on past it: an UnreadableSale says why, with what can be read of it."""
    sale = read_changed_sale(record)
    assert isinstance(sale, UnreadableSale)
    assert (sale.sale_id, sale.timestamp is not None) == (sale_id, stamped)
    assert sale.problem.startswith("Lightspeed sale") or sale.problem.startswith("Lightspeed sent")


def test_a_sale_voided_at_the_register_is_read_as_voided(sim, client):
    sale_id = jeans_sale(sim, client, complete=False)
    sim.void_in_store(sale_id)
    (read,) = changed_sales(client)
    assert read.voided and refunds.after_sale_action(read) == refunds.NOTHING


# --- voiding an open sale ---------------------------------------------------------------------


def test_an_open_sale_is_voided_once(sim, client):
    sale_id = jeans_sale(sim, client, complete=False)
    before = sim.qoh("JBJ-L", SHOP)
    assert refunds.after_sale_action(read_sale_detail(client, sale_id)) == refunds.VOID
    assert refunds.void_sale(client, sale_id) is True
    assert sim.sale(sale_id).voided
    assert refunds.void_sale(client, sale_id) is False  # read first: voided already, no second PUT
    assert len(calls(sim, "PUT", "/Sale/")) == 1
    assert sim.qoh("JBJ-L", SHOP) == before  # an open sale never moved stock


def test_a_void_whose_answer_was_lost_is_read_back_not_sent_again(sim, client):
    sale_id = jeans_sale(sim, client, complete=False)
    sim.faults.add("lost_response", method="PUT", path="/Sale/")
    assert refunds.void_sale(client, sale_id) is True
    assert sim.sale(sale_id).voided
    assert len(calls(sim, "PUT", "/Sale/")) == 1


def test_a_completed_sale_is_never_voided(sim, client):
    sale_id = jeans_sale(sim, client)
    assert refunds.after_sale_action(read_sale_detail(client, sale_id)) == refunds.REFUND
    with pytest.raises(PermanentError, match="refund sale"):
        refunds.void_sale(client, sale_id)
    assert not sim.sale(sale_id).voided


# --- refund sales -----------------------------------------------------------------------------


def refund_of(client, sale_id, number=1, **options):
    original = read_sale_detail(client, sale_id)
    reference = refund_reference(original.reference_number, number)
    return refunds.refund_payload(refunds.RefundRequest(original, reference, **options))


def test_a_whole_refund_returns_every_line_and_the_stock(sim, client):
    sale_id = jeans_sale(sim, client)
    jeans, shirts = sim.qoh("JBJ-L", SHOP), sim.qoh("OXF-WHT-M", SHOP)
    payload = refund_of(client, sale_id, note="Cancelled by Amazon")
    result = refunds.send_refund(client, payload)

    refund, original = sim.sale(result.sale_id), sim.sale(sale_id)
    assert refund.reference_number == "111-0000001-0000001-R1"
    assert refund.completed and refund.shop_id == original.shop_id
    assert refund.total == -original.total  # the tax charge line comes back too
    assert refund.payments == [{"payment_type_id": 7, "amount": -original.total}]
    parents = {line["parent_sale_line_id"] for line in refund.lines}
    assert parents == {line["sale_line_id"] for line in original.lines}
    assert all(line["quantity"] < 0 for line in refund.lines)
    assert (sim.qoh("JBJ-L", SHOP), sim.qoh("OXF-WHT-M", SHOP)) == (jeans + 2, shirts + 1)


def test_one_item_refunds_that_item_only_with_its_share_of_the_discount(sim, client):
    sale_id = jeans_sale(sim, client)
    shirt = item_ids(sim)["OXF-WHT-M"]
    jeans = sim.qoh("JBJ-L", SHOP)
    result = refunds.send_refund(client, refund_of(client, sale_id, units={shirt: 1}))
    refund = sim.sale(result.sale_id)
    assert [(x["item_id"], x["quantity"]) for x in refund.lines] == [(shirt, -1)]
    assert refund.total == Decimal("-30.00")  # 35.00 less the 5.00 promotion the buyer had
    assert sim.qoh("JBJ-L", SHOP) == jeans  # the jeans stay sold


def test_a_second_partial_refund_knows_what_went_before(sim, client):
    sale_id = jeans_sale(sim, client, units=2)
    jeans_item = item_ids(sim)["JBJ-L"]
    first = refunds.send_refund(client, refund_of(client, sale_id, 1, units={jeans_item: 1}))
    jeans_line = next(x for x in read_sale_detail(client, sale_id).lines if x.item_id == jeans_item)
    returned = {jeans_line.sale_line_id: 1}
    with pytest.raises(ValueError, match="no 1 unit"):
        refund_of(client, sale_id, 2, units={jeans_item: 2}, returned=returned)
    second = refunds.send_refund(
        client, refund_of(client, sale_id, 2, units={jeans_item: 1}, returned=returned)
    )
    assert first.sale_id != second.sale_id
    assert sim.sale(second.sale_id).reference_number == "111-0000001-0000001-R2"


def test_refunding_more_than_was_sold_is_refused_before_any_call(sim, client):
    sale_id = jeans_sale(sim, client, units=1)
    jeans_item = item_ids(sim)["JBJ-L"]
    with pytest.raises(ValueError, match="no 1 unit"):
        refund_of(client, sale_id, units={jeans_item: 2})


def test_an_open_sale_cannot_be_refunded(sim, client):
    sale_id = jeans_sale(sim, client, complete=False)
    with pytest.raises(ValueError, match="not a completed sale"):
        refund_of(client, sale_id)


def test_a_refund_is_made_once_even_when_its_answer_is_lost(sim, client):
    sale_id = jeans_sale(sim, client)
    jeans = sim.qoh("JBJ-L", SHOP)
    payload = refund_of(client, sale_id)
    sim.faults.add("lost_response", method="POST", path="/Sale.json")
    first = refunds.send_refund(client, payload)
    again = refunds.send_refund(client, payload)  # a retry after a crash: looked up, adopted
    assert first.sale_id == again.sale_id and not again.created
    assert len(sim.sales("111-0000001-0000001-R1")) == 1
    assert sim.qoh("JBJ-L", SHOP) == jeans + 2


def test_a_refund_at_a_returns_store_brings_the_stock_back_there(sim, client):
    sale_id = jeans_sale(sim, client)
    before = {shop: sim.qoh("JBJ-L", shop) for shop in (1, SHOP)}
    result = refunds.send_refund(client, refund_of(client, sale_id, shop_id=1, register_id=1))
    assert sim.sale(result.sale_id).shop_id == 1
    assert {shop: sim.qoh("JBJ-L", shop) for shop in (1, SHOP)} == {
        1: before[1] + 2,
        SHOP: before[SHOP],
    }


def test_the_simulator_refuses_a_refund_beyond_what_the_line_sold(sim, client):
    sale_id = jeans_sale(sim, client, units=1)
    payload = refund_of(client, sale_id)
    refunds.send_refund(client, payload)
    payload["referenceNumber"] += "x"
    with pytest.raises(PermanentError, match="left to refund"):
        refunds.send_refund(client, payload)


def test_a_lightspeed_outage_during_a_void_propagates_after_the_attempts(sim, client):
    sale_id = jeans_sale(sim, client, complete=False)
    sim.faults.add("server_error", method="PUT", path="/Sale/", times=None)
    with pytest.raises(TransientError):
        refunds.void_sale(client, sale_id)
