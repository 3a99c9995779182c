"""Shared set-up for the Lightspeed client tests: the demo simulator, a token store, a client."""

from amazon_lightspeed_connector.lib.lightspeed import LightspeedClient, MemoryTokenStore
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import LIGHTSPEED_DEMO
from amazon_lightspeed_connector.tests.simulators.lightspeed import (
    DEMO_EMPLOYEE_ID,
    DEMO_PAYMENT_TYPE_ID,
)

DEMO = LIGHTSPEED_DEMO


def make_store(sim, refresh_token=DEMO["refresh_token"]):
    return MemoryTokenStore(refresh_token, clock=sim.clock)


def make_client(sim, store=None, secret=DEMO["client_secret"], **options):
    return LightspeedClient(
        DEMO["account_id"],
        DEMO["client_id"],
        secret,
        store or make_store(sim),
        clock=sim.clock,
        **options,
    )


def amazon_sale(reference, shop_id=3, sku_item_id=1, price="59.00"):
    """One unit shipped from ``shop_id``, paid with the Amazon payment type, completed."""
    return {
        "employeeID": DEMO_EMPLOYEE_ID,
        "registerID": shop_id,
        "shopID": shop_id,
        "completed": True,
        "referenceNumber": reference,
        "referenceNumberSource": "Amazon",
        "SaleLines": {"SaleLine": [{"itemID": sku_item_id, "unitQuantity": 1, "unitPrice": price}]},
        "SalePayments": {"SalePayment": {"amount": price, "paymentTypeID": DEMO_PAYMENT_TYPE_ID}},
    }


def customer(number):
    return {
        "firstName": "Buyer",
        "lastName": "%04d" % number,
        "Contact": {"Emails": {"ContactEmail": {"address": "b%04d@marketplace.test" % number}}},
    }


def calls(sim, method=None, path_part=""):
    return [c for c in sim.calls if (method is None or c.method == method) and path_part in c.path]
