"""The demo shop: three stores and a dozen products, for both simulators and the demo data.

Store A is the default store. Only store C holds "Jefferson Blue Jeans, Small": the routing
example of the product brief. The products are the rows of ``demo_products.csv`` beside this
file. The addon's demo data (``demo/``) mirrors these values, and a test
(test_addon_integrity) checks that the two agree.
"""

import csv
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoStore:
    code: str
    name: str
    shop_id: str  # Lightspeed shopID
    register_id: str  # Lightspeed registerID of the store's Amazon register
    priority: int  # routing priority: lower goes first


@dataclass(frozen=True)
class DemoProduct:
    sku: str  # Amazon SellerSKU and Lightspeed customSku
    name: str
    price: str  # money as Amazon and Lightspeed send it: a string
    upc: str
    qoh: tuple  # quantity on hand in stores A, B, C


STORES = (
    DemoStore("A", "Store A - Downtown", "1", "1", 10),
    DemoStore("B", "Store B - Harbour", "2", "2", 20),
    DemoStore("C", "Store C - Uptown", "3", "3", 30),
)
DEFAULT_STORE = STORES[0]


def _read_products():
    with open(Path(__file__).with_name("demo_products.csv"), newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            qoh = tuple(int(row["qoh_store_%s" % store.code.lower()]) for store in STORES)
            yield DemoProduct(row["sku"], row["name"], row["price"], row["upc"], qoh)


PRODUCTS = tuple(_read_products())  # from demo_products.csv, one row per product

# Credentials the demo accounts in Odoo use against the local simulators. Not secrets: they
# open nothing but the simulators. The test command (tools/run_tests.py) gives each a unique
# marker (ALC_SECRET_MARKER), then looks for it in the server logs and databases of the run
# (tools/secret_scan.py): it must be found nowhere but in the secret tables.
_MARK = os.environ.get("ALC_SECRET_MARKER", "")
_MARK = _MARK and "-" + _MARK
AMAZON_DEMO = {
    "seller_id": "A2DEMOSELLER01",
    "marketplace_id": "ATVPDKIKX0DER",
    "lwa_client_id": "amzn1.application-oa2-client.demo",
    "lwa_client_secret": "demo-lwa-secret" + _MARK,
    "refresh_token": "Atzr|demo-refresh-token" + _MARK,
}
LIGHTSPEED_DEMO = {
    "account_id": "120645",
    "client_id": "demo-lightspeed-client",
    "client_secret": "demo-lightspeed-secret" + _MARK,
    "refresh_token": "demo-lightspeed-refresh-0" + _MARK,
}

# Where the demo command serves the simulators; the demo accounts in Odoo point here.
AMAZON_DEMO_URL = "http://127.0.0.1:8701"
LIGHTSPEED_DEMO_URL = "http://127.0.0.1:8702"
