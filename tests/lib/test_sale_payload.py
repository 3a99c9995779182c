"""The Sale payload for a routed part: lines, money, split rule, ship-to, notes, customer."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lightspeed_support import make_client
from sale_support import (
    IDS,
    RECIPIENT,
    item_ids,
    line,
    order,
    request,
    split_orders,
    whole,
)

from amazon_lightspeed_connector.lib.lightspeed.sale_payload import (
    PartLine,
    amazon_part_total,
    customer_payload,
    part_lines,
    parts_of,
    payload_total,
    sale_payload,
    share,
    total_difference,
)
from amazon_lightspeed_connector.lib.lightspeed.sale_sender import send_sale
from amazon_lightspeed_connector.lib.routing import OrderLine, RoutedPart
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.lightspeed import (
    API_BASE,
    DEMO_EMPLOYEE_ID,
    DEMO_PAYMENT_TYPE_ID,
    OAUTH_BASE,
    LightspeedSimulator,
)
from amazon_lightspeed_connector.tests.simulators.transport import in_process

SHIPPING_ITEM = 0  # shipping as a miscellaneous charge line


def multi_line_order():
    """Two jeans with a 10.00 promotion and shipping, a gift-wrapped scarf, sales tax."""
    return order(
        line(
            "JBJ-M",
            2,
            "118.00",
            item_tax="10.62",
            promotion_discount="10.00",
            promotion_discount_tax="0.90",
            shipping_price="7.99",
            shipping_discount="2.00",
        ),
        line(
            "WOOL-SCARF",
            1,
            "19.90",
            item_tax="1.79",
            gift_wrap_price="3.99",
            gift_message="Happy birthday, Sam!",
            gift_wrap_level="Classic",
        ),
        buyer_note="Leave at the back door",
        ship_service_level="Expedited",
    )


# --- one line ---------------------------------------------------------------------------------


def test_one_line_order_payload():
    amazon = order(line("JBJ-S", 1, "59.00"))
    payload = sale_payload(request(amazon, whole(amazon, IDS)))

    assert payload == {
        "referenceNumber": "111-0000001-0000001",
        "referenceNumberSource": "Amazon",
        "shopID": 3,
        "registerID": 3,
        "employeeID": DEMO_EMPLOYEE_ID,
        "customerID": 0,
        "completed": True,
        "SaleLines": {
            "SaleLine": [{"itemID": 1, "unitQuantity": 1, "unitPrice": "59.00", "tax": False}]
        },
        "SalePayments": {
            "SalePayment": [{"paymentTypeID": DEMO_PAYMENT_TYPE_ID, "amount": "59.00"}]
        },
        "ShipTo": {
            "firstName": "Jane Q",
            "lastName": "Buyer",
            "company": "Acme Corp",
            "shipNote": payload["SaleNotes"]["InternalNote"]["note"],
            "Contact": {
                "Addresses": {
                    "ContactAddress": [
                        {
                            "address1": "1 Main Street",
                            "address2": "Suite 5, Building B",
                            "city": "Seattle",
                            "state": "WA",
                            "zip": "98101",
                            "countryCode": "US",
                            "country": "US",
                        }
                    ]
                },
                "Phones": {"ContactPhone": [{"number": "+1 206 555 0100", "useType": "Home"}]},
            },
        },
        "SaleNotes": {"InternalNote": {"note": payload["ShipTo"]["shipNote"]}},
    }
    assert payload["ShipTo"]["shipNote"].splitlines() == [
        "Amazon order 111-0000001-0000001",
        "Ship service: Standard",
        "Payment: Paid on Amazon, 59.00 USD",
    ]


# --- several lines ------------------------------------------------------------------------------


def test_multi_line_order_with_promotion_shipping_gift_and_tax():
    amazon = multi_line_order()
    req = request(
        amazon,
        whole(amazon, IDS),
        customer_id=5,
        complete_now=False,
        shipping_item_id=SHIPPING_ITEM,
        ship_service_label="UPS 2nd Day Air",
        tracking_number="1Z999AA10123456784",
    )
    payload = sale_payload(req)

    assert payload["customerID"] == 5 and payload["completed"] is False
    assert payload["SaleLines"]["SaleLine"] == [
        {
            "itemID": 2,
            "unitQuantity": 2,
            "unitPrice": "59.00",
            "tax": False,
            "discountAmount": "10.00",
        },
        {"itemID": 9, "unitQuantity": 1, "unitPrice": "19.90", "tax": False},
        {
            "itemID": 0,
            "unitQuantity": 1,
            "unitPrice": "7.99",
            "tax": False,
            "Note": {"note": "Shipping (Amazon)"},
            "discountAmount": "2.00",
        },
        {
            "itemID": 0,
            "unitQuantity": 1,
            "unitPrice": "3.99",
            "tax": False,
            "Note": {"note": "Gift wrap (Amazon)"},
        },
        # 10.62 + 1.79 - 0.90
        {
            "itemID": 0,
            "unitQuantity": 1,
            "unitPrice": "11.51",
            "tax": False,
            "Note": {"note": "Sales tax collected by Amazon"},
        },
    ]
    # 108.00 + 19.90 + 5.99 + 3.99 + 11.51
    assert amazon.lines_total() == Decimal("149.39")
    assert payload["SalePayments"]["SalePayment"][0]["amount"] == "149.39"
    assert payload_total(payload) == amazon_part_total(req) == Decimal("149.39")
    assert total_difference(req, payload) == 0
    assert payload["SaleNotes"]["PrintedNote"] == {"note": "Happy birthday, Sam!"}
    assert payload["ShipTo"]["shipNote"].splitlines() == [
        "Amazon order 111-0000001-0000001",
        "Ship service: UPS 2nd Day Air",
        "Payment: Paid on Amazon, 149.39 USD",
        "Gift message: Happy birthday, Sam!",
        "Buyer note: Leave at the back door",
        "Tracking: 1Z999AA10123456784",
    ]


def test_shipping_as_a_note_is_left_out_of_the_total_and_reported():
    amazon = multi_line_order()
    req = request(amazon, whole(amazon, IDS))
    payload = sale_payload(req)

    assert all("Shipping" not in str(x.get("Note")) for x in payload["SaleLines"]["SaleLine"])
    assert payload_total(payload) == Decimal("143.40")
    assert payload["SalePayments"]["SalePayment"][0]["amount"] == "143.40"  # the sale balances
    assert total_difference(req, payload) == Decimal("5.99")
    assert (
        "Shipping charged on Amazon: 5.99 USD (not on this sale)" in payload["ShipTo"]["shipNote"]
    )


def test_lightspeed_taxes_sends_taxed_lines_and_no_tax_line():
    amazon = multi_line_order()
    req = request(amazon, whole(amazon, IDS), shipping_item_id=SHIPPING_ITEM, lightspeed_taxes=True)
    lines = sale_payload(req)["SaleLines"]["SaleLine"]
    assert [x["tax"] for x in lines] == [True, True, False, False]
    assert total_difference(req, sale_payload(req)) == Decimal("11.51")


def test_a_price_that_does_not_divide_rounds_the_unit_up_and_gives_the_cents_back():
    amazon = order(line("CANVAS-TOTE", 3, "10.00"))
    payload = sale_payload(request(amazon, whole(amazon, IDS)))
    assert payload["SaleLines"]["SaleLine"][0] == {
        "itemID": 10,
        "unitQuantity": 3,
        "unitPrice": "3.34",
        "tax": False,
        "discountAmount": "0.02",
    }
    assert payload_total(payload) == Decimal("10.00")


def test_lines_of_the_same_sku_are_merged_and_cancelled_lines_skipped():
    amazon = order(
        line("LTR-BELT", 1, "25.00"), line("LTR-BELT", 2, "45.00"), line("JBJ-S", 0, "0")
    )
    req = request(amazon, ((PartLine("LTR-BELT", 3, 8),),))
    assert payload_total(sale_payload(req)) == amazon_part_total(req) == Decimal("70.00")


def test_parts_that_do_not_fit_the_order_are_refused():
    amazon = order(line("JBJ-S", 1, "59.00"))
    with pytest.raises(ValueError, match="no SKU LTR-BELT"):
        sale_payload(request(amazon, ((PartLine("LTR-BELT", 1, 8),),)))
    with pytest.raises(ValueError, match="ship 2 of SKU JBJ-S, 1 were ordered"):
        sale_payload(request(amazon, ((PartLine("JBJ-S", 1, 1),), (PartLine("JBJ-S", 1, 1),)), 1))
    with pytest.raises(ValueError, match="part_index"):
        request(amazon, ((PartLine("JBJ-S", 1, 1),),), part_index=1)
    with pytest.raises(ValueError, match="No Lightspeed item bound to SKU"):
        part_lines((OrderLine("JBJ-S", 1),), {})


# --- split -------------------------------------------------------------------------------------


def split_order():
    """Three belts, two from one store, one from the other, with odd amounts to share."""
    return order(
        line(
            "LTR-BELT",
            3,
            "75.00",
            item_tax="6.76",
            promotion_discount="10.00",
            shipping_price="5.00",
            shipping_discount="1.00",
        ),
        line("JBJ-S", 1, "59.00", item_tax="5.31", shipping_price="4.99"),
    )


def test_split_order_parts_add_up_to_the_amazon_total_to_the_cent():
    amazon = split_order()
    routed = (
        RoutedPart("A", (OrderLine("LTR-BELT", 2),)),
        RoutedPart("C", (OrderLine("LTR-BELT", 1), OrderLine("JBJ-S", 1))),
    )
    parts = parts_of(routed, IDS)
    first = request(amazon, parts, 0, shop_id=1, shipping_item_id=SHIPPING_ITEM)
    second = request(amazon, parts, 1, shop_id=3, shipping_item_id=SHIPPING_ITEM)
    one, two = sale_payload(first), sale_payload(second)

    assert (one["referenceNumber"], two["referenceNumber"]) == (
        "111-0000001-0000001-1",
        "111-0000001-0000001-2",
    )
    # belts: 75.00 -> 50.00 + 25.00; promotion 10.00 -> 6.67 + 3.33; tax 6.76 -> 4.51 + 2.25;
    # shipping 5.00 -> 3.33 + 1.67, its discount 1.00 -> 0.67 + 0.33
    assert one["SaleLines"]["SaleLine"][0] == {
        "itemID": 8,
        "unitQuantity": 2,
        "unitPrice": "25.00",
        "tax": False,
        "discountAmount": "6.67",
    }
    assert two["SaleLines"]["SaleLine"][0]["discountAmount"] == "3.33"
    assert (
        payload_total(one)
        == amazon_part_total(first)
        == Decimal("50.50")  # 50.00 - 6.67 + (3.33 - 0.67) + 4.51
    )
    assert payload_total(one) + payload_total(two) == amazon.lines_total() == Decimal("145.06")
    assert "(part 2 of 2)" in two["ShipTo"]["shipNote"]


amounts = st.decimals(min_value=0, max_value=999, places=2, allow_nan=False, allow_infinity=False)
# an order of 1-4 SKUs, every amount drawn at random, and a random split into 1-4 parts
orders_and_splits = split_orders(amounts, max_lines=4, max_quantity=7)


@settings(max_examples=150, deadline=None)
@given(orders_and_splits)
def test_property_parts_always_add_up_to_the_order_to_the_cent(case):
    amazon, parts = case
    requests = [
        request(amazon, parts, i, shipping_item_id=SHIPPING_ITEM) for i in range(len(parts))
    ]
    payloads = [sale_payload(r) for r in requests]
    assert sum(payload_total(p) for p in payloads) == amazon.lines_total()
    assert sum(amazon_part_total(r) for r in requests) == amazon.lines_total()
    for req, payload in zip(requests, payloads):
        assert total_difference(req, payload) == 0
        paid = sum(Decimal(p["amount"]) for p in payload["SalePayments"]["SalePayment"])
        assert paid == payload_total(payload)
        for sale_line in payload["SaleLines"]["SaleLine"]:
            assert Decimal(sale_line["unitPrice"]) == Decimal(sale_line["unitPrice"]).quantize(
                Decimal("0.01")
            )


@given(
    amount=amounts,
    cuts=st.lists(st.integers(1, 9), min_size=1, max_size=6),
)
def test_property_cumulative_shares_telescope(amount, cuts):
    total_units, before, shares = sum(cuts), 0, []
    for units in cuts:
        shares.append(share(amount, before, units, total_units))
        before += units
    assert sum(shares) == amount


# --- customer ----------------------------------------------------------------------------------


def test_customer_payload_has_name_email_phone_and_address():
    payload = customer_payload(order(line("JBJ-S", 1, "59.00")))
    assert payload["firstName"] == "Jane" and payload["lastName"] == "Buyer"
    contact = payload["Contact"]
    assert contact["Emails"] == {
        "ContactEmail": [{"address": "jane@marketplace.amazon.com", "useType": "Primary"}]
    }
    assert contact["Phones"]["ContactPhone"][0]["number"] == RECIPIENT.phone
    assert contact["Addresses"]["ContactAddress"][0]["zip"] == "98101"
    assert customer_payload(order(line("JBJ-S", 1, "59.00"), email=None)) is None


# --- the simulator takes every payload ------------------------------------------------------------


def test_the_simulator_accepts_the_payload_and_computes_the_same_total(sim):
    client = make_client(sim)
    ids = item_ids(sim)
    amazon = multi_line_order()
    customer_id = sim.add_customer("Jane", "Buyer", email="jane@marketplace.amazon.com")
    req = request(
        amazon, whole(amazon, ids), customer_id=customer_id, shipping_item_id=SHIPPING_ITEM
    )
    payload = sale_payload(req)
    before = sim.qoh("JBJ-M", 1), sim.qoh("JBJ-M", 3), sim.qoh("WOOL-SCARF", 3)
    sim.set_qoh("WOOL-SCARF", 3, 1)

    sale = sim.sale(send_sale(client, payload).sale_id)

    assert sale.total == payload_total(payload) == amazon.lines_total()
    assert sale.balance == 0 and sale.completed
    assert (sale.reference_number, sale.reference_number_source) == (
        amazon.amazon_order_id,
        "Amazon",
    )
    assert (sale.shop_id, sale.register_id, sale.employee_id) == (3, 3, DEMO_EMPLOYEE_ID)
    assert sale.customer_id == customer_id
    assert [
        (x["custom_sku"], x["quantity"], x["unit_price"], x["discount"]) for x in sale.lines
    ] == [
        ("JBJ-M", 2, Decimal("59"), Decimal("10")),
        ("WOOL-SCARF", 1, Decimal("19.9"), Decimal("0")),
        ("", 1, Decimal("7.99"), Decimal("2")),
        ("", 1, Decimal("3.99"), Decimal("0")),
        ("", 1, Decimal("11.51"), Decimal("0")),
    ]
    assert sale.payments == [{"payment_type_id": DEMO_PAYMENT_TYPE_ID, "amount": Decimal("149.39")}]
    assert sale.ship_to["firstName"] == "Jane Q" and sale.ship_to["company"] == "Acme Corp"
    address = sale.ship_to["Contact"]["Addresses"]["ContactAddress"]
    assert (address["address1"], address["city"], address["zip"]) == (
        "1 Main Street",
        "Seattle",
        "98101",
    )
    assert "Gift message: Happy birthday, Sam!" in sale.ship_to["shipNote"]
    assert sale.notes["InternalNote"] == sale.ship_to["shipNote"]
    assert sale.notes["PrintedNote"] == "Happy birthday, Sam!"
    # Stock dropped at the selling shop only.
    assert (sim.qoh("JBJ-M", 1), sim.qoh("JBJ-M", 3)) == (before[0], before[1] - 2)
    assert sim.qoh("WOOL-SCARF", 3) == 0


def test_an_open_sale_moves_no_stock(sim):
    client = make_client(sim)
    amazon = order(line("JBJ-L", 2, "118.00"))
    payload = sale_payload(request(amazon, whole(amazon, item_ids(sim)), complete_now=False))
    sale = sim.sale(send_sale(client, payload).sale_id)
    assert not sale.completed and sale.balance == 0 and sale.total == Decimal("118.00")
    assert sim.qoh("JBJ-L", 3) == 5


def test_a_split_order_becomes_one_sale_per_store(sim):
    client = make_client(sim)
    ids = item_ids(sim)
    amazon = split_order()
    routed = (
        RoutedPart("A", (OrderLine("LTR-BELT", 2),)),
        RoutedPart("C", (OrderLine("LTR-BELT", 1), OrderLine("JBJ-S", 1))),
    )
    parts = parts_of(routed, ids)
    belts = sim.qoh("LTR-BELT", 1), sim.qoh("LTR-BELT", 3)
    sales = []
    for index, shop_id in enumerate((1, 3)):
        payload = sale_payload(
            request(amazon, parts, index, shop_id=shop_id, shipping_item_id=SHIPPING_ITEM)
        )
        sales.append(sim.sale(send_sale(client, payload).sale_id))

    assert [s.reference_number for s in sales] == ["111-0000001-0000001-1", "111-0000001-0000001-2"]
    assert [s.shop_id for s in sales] == [1, 3]
    assert sum(s.total for s in sales) == amazon.lines_total()
    assert (sim.qoh("LTR-BELT", 1), sim.qoh("LTR-BELT", 3)) == (belts[0] - 2, belts[1] - 1)
    assert sim.qoh("JBJ-S", 3) == 2


@settings(max_examples=25, deadline=None)
@given(orders_and_splits)
def test_property_the_simulator_totals_every_part_as_the_payload_does(case):
    amazon, parts = case
    sim = LightspeedSimulator.demo(clock=ManualClock())
    sim.set_negative_inventory(True)  # random quantities; stock is not what this is about
    with in_process({API_BASE: sim, OAUTH_BASE: sim}):
        client = make_client(sim)
        ids = item_ids(sim)
        parts = tuple(
            tuple(PartLine(x.seller_sku, x.quantity, ids[x.seller_sku]) for x in p) for p in parts
        )
        totals = []
        for index in range(len(parts)):
            payload = sale_payload(request(amazon, parts, index, shipping_item_id=SHIPPING_ITEM))
            sale = sim.sale(send_sale(client, payload, look_up_first=False).sale_id)
            assert sale.total == payload_total(payload) and sale.balance == 0 and sale.completed
            totals.append(sale.total)
    assert sum(totals) == amazon.lines_total()
