"""Sale rules on the simulator: validation, totals, stock, negative inventory, faults."""

import pytest
import requests

from amazon_lightspeed_connector.tests.simulators.lightspeed import (
    DEMO_EMPLOYEE_ID,
    DEMO_PAYMENT_TYPE_ID,
)
from amazon_lightspeed_connector.tests.simulators.lightspeed.testing import as_list


def sale(lines, shop=1, paid=None, completed=True, **extra):
    """A sale at ``shop``'s Amazon register; ``lines`` are (itemID, quantity, unitPrice)."""
    body = {
        "employeeID": DEMO_EMPLOYEE_ID,
        "registerID": shop,
        "shopID": shop,
        "completed": completed,
        "SaleLines": {
            "SaleLine": [
                {"itemID": item, "unitQuantity": qty, "unitPrice": price}
                for item, qty, price in lines
            ]
        },
    }
    if paid is not None:
        body["SalePayments"] = {
            "SalePayment": [{"amount": paid, "paymentTypeID": DEMO_PAYMENT_TYPE_ID}]
        }
    body.update(extra)
    return body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SaleLines": {"SaleLine": {"itemID": 999, "unitQuantity": 1}}}, "'Item'"),
        ({"SaleLines": {"SaleLine": {"itemCode": "000", "unitQuantity": 1}}}, "itemCode"),
        ({"SaleLines": {"SaleLine": {"itemID": 1, "unitQuantity": 0}}}, "unitQuantity"),
        ({"registerID": 42}, "'Register'"),
        ({"registerID": None}, "registerID is required"),
        ({"employeeID": 77}, "'Employee'"),
        ({"customerID": 5}, "'Customer'"),
        ({"shopID": 2}, "belongs to shop"),
        ({"SalePayments": {"SalePayment": {"amount": "59"}}}, "paymentTypeID"),
        ({"SalePayments": {"SalePayment": {"amount": "59", "paymentTypeID": 99}}}, "PaymentType"),
        ({"SalePayments": {"SalePayment": {"amount": "lots", "paymentTypeID": 7}}}, "amount"),
        ({"SalePayments": {"SalePayment": {"amount": "58.99", "paymentTypeID": 7}}}, "paid"),
    ],
)
def test_invalid_sales_are_refused_and_change_nothing(sim, api, change, message):
    body = sale([(2, 1, "59.00")], paid="59.00")
    body.update(change)
    answer = api.post("Sale", body)
    assert answer.status_code == 400
    error = answer.json()
    assert error["httpCode"] == "400" and error["httpMessage"] == "Bad Request"
    assert message in error["message"]
    assert sim.sales() == [] and sim.store.sale_lines == {} and sim.store.sale_payments == {}
    assert sim.qoh("JBJ-M", 1) == 4


def test_closed_register_refuses_sales(sim, api):
    sim.set_register_open(1, False)
    answer = api.post("Sale", sale([(2, 1, "59.00")], paid="59.00"))
    assert answer.status_code == 400 and "closed" in answer.json()["message"]


def test_broken_json_is_a_400_in_lightspeed_shape(api):
    answer = requests.post(
        api.url("Sale"), data="{not json", headers={"Authorization": "Bearer " + api.token}
    )
    assert answer.status_code == 400 and answer.json()["errorClass"]


def test_totals_with_tax_discount_and_item_codes(sim, api):
    sim.add_tax_category("State tax", "0.0825", tax_category_id=9)
    body = sale([], paid="150.00", taxCategoryID=9)
    body["SaleLines"] = [
        {"SaleLine": {"itemCode": "400000000017", "unitQuantity": 1, "discountAmount": "4"}},
        {"SaleLine": {"itemID": 8, "unitQuantity": 3, "unitPrice": "25", "tax": False}},
    ]
    created = api.post("Sale", body).json()["Sale"]
    # 59 - 4 taxed at 8.25% (4.5375) + 75 untaxed: 130 + 4.54 = 134.54
    assert created["calcSubtotal"] == "134" and created["calcDiscount"] == "4"
    assert created["calcTax1"] == "4.54" and created["total"] == "134.54"
    assert created["calcTaxable"] == "59" and created["calcNonTaxable"] == "75"
    assert created["change"] == "15.46" and created["balance"] == "0"
    first, second = created["SaleLines"]["SaleLine"]
    assert first["itemID"] == "1" and first["calcTax1"] == "4.5375"
    assert second["tax"] == "false" and second["calcTotal"] == "75"


def test_negative_inventory_follows_the_account_then_the_shop_flag(sim, api):
    # JBJ-L: 2 at store A. Allowed by default, like Lightspeed: qoh goes below zero.
    assert api.post("Sale", sale([(3, 3, "59.00")], paid="177")).status_code == 200
    assert sim.qoh("JBJ-L", 1) == -1

    sim.set_negative_inventory(False)
    refused = api.post("Sale", sale([(3, 1, "59.00")], paid="59"))
    assert refused.status_code == 400 and "Not enough inventory" in refused.json()["message"]
    assert sim.qoh("JBJ-L", 1) == -1 and len(sim.sales()) == 1

    sim.set_negative_inventory(True, shop_id=1)  # the shop overrides the account
    assert api.post("Sale", sale([(3, 1, "59.00")], paid="59")).status_code == 200
    assert sim.qoh("JBJ-L", 1) == -2
    # An open sale reserves nothing and needs no stock until it is completed.
    open_sale = api.post("Sale", sale([(7, 1, "129")], shop=2, completed=False)).json()["Sale"]
    sim.set_negative_inventory(False, shop_id=2)
    refused = api.put("Sale", open_sale["saleID"], {"completed": True, "SalePayments": []})
    assert refused.status_code == 400


def test_completing_by_put_adds_the_payment_and_moves_stock_once(sim, api):
    open_sale = api.post("Sale", sale([(2, 2, "59.00")], completed=False)).json()["Sale"]
    assert open_sale["balance"] == "118"
    unpaid = api.put("Sale", open_sale["saleID"], {"completed": True})
    assert unpaid.status_code == 400 and sim.qoh("JBJ-M", 1) == 4
    payment = {"SalePayment": {"amount": "118", "paymentTypeID": DEMO_PAYMENT_TYPE_ID}}
    sim.clock.advance(30)
    done = api.put("Sale", open_sale["saleID"], {"completed": True, "SalePayments": payment})
    assert done.status_code == 200 and done.json()["Sale"]["completed"] == "true"
    assert sim.qoh("JBJ-M", 1) == 2
    # Completion is a stock change: the item shows up in an incremental refresh.
    moved = api.get("Item", timeStamp=">,2026-01-01T00:00:00Z").json()["Item"]
    assert moved["customSku"] == "JBJ-M"
    assert moved["timeStamp"] == done.json()["Sale"]["completeTime"] == "2026-01-01T00:00:30+00:00"
    assert (
        api.get("Sale", completeTime=">,2026-01-01T00:00:10").json()["Sale"]["saleID"]
        == (open_sale["saleID"])
    )
    again = api.put("Sale", open_sale["saleID"], {"SaleLines": {"SaleLine": {"itemID": 2}}})
    assert again.status_code == 400 and sim.qoh("JBJ-M", 1) == 2
    snapshot = sim.sale(open_sale["saleID"])
    assert snapshot.payments == [{"payment_type_id": 7, "amount": 118}]
    assert [line["custom_sku"] for line in snapshot.lines] == ["JBJ-M"]


def test_voiding_a_completed_sale_restocks_and_archiving_needs_an_open_one(sim, api):
    done = api.post("Sale", sale([(8, 4, "25")], paid="100")).json()["Sale"]
    assert sim.qoh("LTR-BELT", 1) == 6
    assert api.delete("Sale", done["saleID"]).status_code == 400
    assert api.put("Sale", done["saleID"], {"voided": True}).json()["Sale"]["voided"] == "true"
    assert sim.qoh("LTR-BELT", 1) == 10
    open_sale = api.post("Sale", sale([(8, 1, "25")], completed=False)).json()["Sale"]
    assert api.delete("Sale", open_sale["saleID"]).json()["Sale"]["archived"] == "true"
    assert "Sale" not in api.get("Sale", saleID=open_sale["saleID"]).json()


def test_notes_ship_to_and_customer_are_kept(sim, api):
    created = api.post(
        "Customer",
        {
            "firstName": "Jo",
            "lastName": "Buyer",
            "Contact": {"Emails": {"ContactEmail": {"address": "jo@example.test"}}},
        },
    ).json()["Customer"]
    body = sale(
        [(4, 1, "39.50")],
        paid="39.50",
        customerID=created["customerID"],
        referenceNumber="114-1",
        SaleNotes={"InternalNote": {"note": "Amazon order 114-1; Expedited"}},
        ShipTo={"firstName": "Jo", "shipNote": "Leave at door"},
    )
    sale_id = api.post("Sale", body).json()["Sale"]["saleID"]
    snapshot = sim.sale(sale_id)
    assert snapshot.customer_id == int(created["customerID"])
    assert snapshot.notes == {"InternalNote": "Amazon order 114-1; Expedited"}
    assert snapshot.ship_to["shipNote"] == "Leave at door"
    assert sim.customers(email="JO@example.test") == [int(created["customerID"])]
    shown = api.get("Sale", sale_id, load_relations='["ShipTo","SaleNotes","Customer.Contact"]')
    shown = shown.json()["Sale"]
    assert shown["SaleNotes"]["InternalNote"]["note"] == "Amazon order 114-1; Expedited"
    assert shown["Customer"]["Contact"]["Emails"]["ContactEmail"]["address"] == "jo@example.test"
    lines = api.get("SaleLine", saleID=sale_id, load_relations='["Item"]').json()["SaleLine"]
    assert lines["Item"]["customSku"] == "OXF-WHT-M"


def test_lost_response_after_the_write_leaves_one_sale_that_search_finds(sim, api):
    sim.faults.add("lost_response", method="POST", path=r"/Sale\.json$")
    body = sale([(2, 1, "59.00")], paid="59.00", referenceNumber="112-LOST")
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.post("Sale", body)
    # What an exactly-once client does next: look before retrying.
    found = as_list(api.get("Sale", referenceNumber="112-LOST").json().get("Sale"))
    assert [s["completed"] for s in found] == ["true"]
    assert len(sim.sales("112-LOST")) == 1 and sim.qoh("JBJ-M", 1) == 3


@pytest.mark.parametrize(
    ("fault", "status"), [("throttle", 429), ("server_error", 500), ("unavailable", 503)]
)
def test_injected_status_faults_use_lightspeed_shapes_and_headers(sim, api, fault, status):
    sim.faults.add(fault, method="POST", path="/Sale")
    answer = api.post("Sale", sale([(2, 1, "59")], paid="59"))
    assert answer.status_code == status
    assert answer.json()["httpCode"] == str(status)
    assert "X-LS-API-Bucket-Level" in answer.headers
    if status == 429:
        assert answer.headers["Retry-After"] == "1"
    assert sim.sales() == []
    assert api.post("Sale", sale([(2, 1, "59")], paid="59")).status_code == 200


def test_truncated_and_malformed_answers_still_apply_the_write(sim, api):
    sim.faults.add("truncated_json", method="POST")
    with pytest.raises(ValueError):
        api.post("Sale", sale([(2, 1, "59")], paid="59")).json()
    sim.faults.add("malformed", method="GET", payload={"Sale": [{"saleID": 1}]})
    assert api.get("Sale").json() == {"Sale": [{"saleID": 1}]}
    assert len(sim.sales()) == 1


# --- refund sales (parentSaleLineID) ------------------------------------------------------------


def _line_ids(api, sale_id):
    body = api.get("Sale", sale_id, load_relations='["SaleLines"]').json()
    return [line["saleLineID"] for line in as_list(body["Sale"]["SaleLines"]["SaleLine"])]


def refund(parent_line, item=1, qty=-1, price="10.00", shop=1):
    body = sale([(item, qty, price)], shop=shop, paid=str(qty * 10))
    body["SaleLines"]["SaleLine"][0]["parentSaleLineID"] = parent_line
    return body


def test_a_refund_line_returns_stock_and_reads_its_parent(sim, api):
    sold = api.post("Sale", sale([(1, 2, "10.00")], paid="20.00")).json()["Sale"]
    (parent,) = _line_ids(api, sold["saleID"])
    qoh = sim.qoh(1, 1)
    answer = api.post("Sale", refund(parent, qty=-2, price="10.00"))
    assert answer.status_code == 200, answer.text
    line = as_list(answer.json()["Sale"]["SaleLines"]["SaleLine"])[0]
    assert (line["parentSaleLineID"], line["unitQuantity"]) == (parent, "-2")
    assert answer.json()["Sale"]["completed"] == "true"
    assert sim.qoh(1, 1) == qoh + 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"item": 2}, "not item"),
        ({"qty": 1, "price": "10.00"}, "negative unitQuantity"),
        ({"qty": -3}, "left to refund"),
    ],
)
def test_a_refund_line_must_match_its_parent(sim, api, change, message):
    sold = api.post("Sale", sale([(1, 2, "10.00")], paid="20.00")).json()["Sale"]
    (parent,) = _line_ids(api, sold["saleID"])
    answer = api.post("Sale", refund(parent, **change))
    assert answer.status_code == 400 and message in answer.text


def test_an_open_or_voided_sale_cannot_be_refunded(sim, api):
    open_sale = api.post("Sale", sale([(1, 1, "10.00")], completed=False)).json()["Sale"]
    (parent,) = _line_ids(api, open_sale["saleID"])
    answer = api.post("Sale", refund(parent))
    assert answer.status_code == 400 and "not completed" in answer.text
    missing = api.post("Sale", refund("99999"))
    assert missing.status_code == 400 and "'SaleLine'" in missing.text


def test_store_staff_ship_a_sale_and_its_timestamp_moves(sim, api):
    body = sale([(1, 1, "10.00")], completed=False)
    body["ShipTo"] = {"firstName": "Ada", "lastName": "Lovelace", "shipNote": "Amazon order"}
    created = api.post("Sale", body).json()["Sale"]
    sim.clock.advance(120)
    sim.ship_in_store(created["saleID"], "Tracking: 1Z999AA10123456784 UPS")
    read = api.get("Sale", created["saleID"], load_relations='["ShipTo"]').json()["Sale"]
    assert read["ShipTo"]["shipped"] == "true"
    assert read["ShipTo"]["shipNote"] == "Tracking: 1Z999AA10123456784 UPS"
    assert read["timeStamp"] > created["timeStamp"]
    assert read["completed"] == "false"  # ticking Shipped does not complete the sale
