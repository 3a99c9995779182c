"""The payment method of an Amazon order, read from either Orders API version: Amazon's own
examples, a cash-on-delivery order as each version spells it, and payloads Amazon should never
send."""

import pytest
from amazon_support import SINCE, make_client, make_sim, sandbox_payloads

from amazon_lightspeed_connector.lib.amazon.payment import (
    PAYMENT_METHODS,
    normalize_payment_method,
    payment_label,
    payment_method,
)
from amazon_lightspeed_connector.tests.simulators.amazon import line
from amazon_lightspeed_connector.tests.simulators.amazon.testing import require_models
from amazon_lightspeed_connector.tests.simulators.transport import in_process

require_models()

KNOWN = {key for key, _label in PAYMENT_METHODS}


def test_amazons_v2026_example_reads_the_payment_executions():
    orders = sandbox_payloads("orders2026", "searchOrders", lambda r: r["orders"])
    orders += sandbox_payloads("orders2026", "getOrder", lambda r: [r["order"]])
    read = {o["orderId"]: payment_method(o) for o in orders}
    # the one example asked for PAYMENT: Order.payment.paymentExecutions[].paymentMethod
    assert read.pop("171-2345678-9012345") == "CreditCard"
    assert set(read.values()) == {None}, "no PAYMENT in includedData: nothing to say"


def test_amazons_v0_examples_read_payment_method_details():
    orders = sandbox_payloads("ordersV0", "getOrders", lambda r: r["payload"]["Orders"])
    orders += sandbox_payloads("ordersV0", "getOrder", lambda r: [r["payload"]])
    read = {(o["AmazonOrderId"], payment_method(o)) for o in orders}
    # PaymentMethod "Other" (neither COD nor CVS): the details name the method, the first one
    # listed when there are several; a Pix sub-payment does not outrank the details
    assert read == {
        ("902-1845936-5435065", "Standard"),
        ("902-8745147-1934268", "Standard"),
        ("902-3159896-1390916", "CreditCard"),  # ["CreditCard", "GiftCertificate"]
        ("921-3175655-0452641", "Invoice"),  # ["Invoice"], PaymentExecutionDetail Pix
    }


COD_V0 = {  # a real COD order's v0 payment fields (Amazon.in, .jp, .ae...)
    "AmazonOrderId": "402-1234567-1234567",
    "PaymentMethod": "COD",
    "PaymentMethodDetails": ["CashOnDelivery"],
    "PaymentExecutionDetail": [
        {"Payment": {"CurrencyCode": "INR", "Amount": "250.00"}, "PaymentMethod": "COD"},
        {"Payment": {"CurrencyCode": "INR", "Amount": "50.00"}, "PaymentMethod": "GC"},
    ],
}
COD_V2026 = {
    "orderId": "402-1234567-1234567",
    "payment": {
        "paymentExecutions": [
            {"paymentMethod": "GiftCertificate", "paymentAmount": {"amount": "50.00"}},
            {"paymentMethod": "CashOnDelivery", "paymentAmount": {"amount": "250.00"}},
        ]
    },
}


def test_a_cash_on_delivery_order_is_the_same_method_with_either_version():
    assert payment_method(COD_V0) == payment_method(COD_V2026) == "CashOnDelivery"
    # v0's PaymentMethod alone says COD or CVS in its own short codes
    assert payment_method({"AmazonOrderId": "x", "PaymentMethod": "CVS"}) == "ConvenienceStore"
    assert payment_method({"AmazonOrderId": "x", "PaymentMethod": "Other"}) == "Other"


def test_the_simulator_renders_one_order_the_same_way_in_both_versions():
    sim = make_sim()
    sim.add_order([line("LTR-BELT", 1)], payment_methods=("CashOnDelivery",))
    sim.add_order([line("LTR-BELT", 1)], payment_methods=("CreditCard", "GiftCertificate"))
    client = make_client(sim)
    with in_process(sim.routes()):
        v2026 = client.search_orders(SINCE).orders
        v0 = client.get_orders(SINCE).orders
    assert [payment_method(o) for o in v2026] == [payment_method(o) for o in v0]
    assert sorted(map(payment_method, v0)) == ["CashOnDelivery", "CreditCard"]
    assert {o["PaymentMethod"] for o in v0} == {"COD", "Other"}


@pytest.mark.parametrize(
    "order",
    [
        None,
        [],
        "CashOnDelivery",
        {},
        {"payment": None},
        {"payment": {"paymentExecutions": "CashOnDelivery"}},
        {"payment": {"paymentExecutions": [None, 7, {"paymentMethod": ["COD"]}]}},
        {"payment": {"paymentExecutions": [{"paymentMethod": " \t"}]}},
        {"AmazonOrderId": "x", "PaymentMethodDetails": "Standard", "PaymentMethod": 3},
        {"AmazonOrderId": "x", "PaymentMethodDetails": [None, {"a": 1}, "bad\x00value"]},
    ],
)
def test_a_payload_with_no_readable_method_says_none(order):
    assert payment_method(order) is None


def test_spellings_and_unknown_values():
    assert normalize_payment_method(" cod ") == "CashOnDelivery"
    assert normalize_payment_method("creditcard") == "CreditCard"
    assert normalize_payment_method("GC") == "GiftCertificate"
    assert normalize_payment_method("Boleto") == "Boleto", "kept as Amazon wrote it"
    assert len(normalize_payment_method("X" * 500)) == 64
    assert payment_label("CashOnDelivery") == "Cash on delivery (COD)"
    assert payment_label("Boleto") == "Boleto"
    assert payment_label(None) is None
