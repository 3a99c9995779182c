"""The demo shop: three stores and a dozen products, for both simulators and the demo data.

Store A is the default store. Only store C holds "Jefferson Blue Jeans, Small": the routing
example of the product brief. ``data/demo.xml`` in the addon mirrors these values, and a test
checks that the two agree.
"""

import os
from dataclasses import dataclass


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

PRODUCTS = (
    DemoProduct("JBJ-S", "Jefferson Blue Jeans, Small", "59.00", "400000000017", (0, 0, 3)),
    DemoProduct("JBJ-M", "Jefferson Blue Jeans, Medium", "59.00", "400000000024", (4, 2, 1)),
    DemoProduct("JBJ-L", "Jefferson Blue Jeans, Large", "59.00", "400000000031", (2, 0, 5)),
    DemoProduct("OXF-WHT-M", "Oxford Shirt, White, M", "39.50", "400000000048", (6, 3, 0)),
    DemoProduct("OXF-BLU-M", "Oxford Shirt, Blue, M", "39.50", "400000000055", (0, 4, 2)),
    DemoProduct("WBT-BRN-42", "Walking Boots, Brown, 42", "129.00", "400000000062", (1, 1, 0)),
    DemoProduct("WBT-BLK-43", "Walking Boots, Black, 43", "129.00", "400000000079", (0, 0, 2)),
    DemoProduct("LTR-BELT", "Leather Belt", "25.00", "400000000086", (10, 5, 5)),
    DemoProduct("WOOL-SCARF", "Wool Scarf", "19.90", "400000000093", (8, 0, 0)),
    DemoProduct("CANVAS-TOTE", "Canvas Tote Bag", "15.00", "400000000109", (20, 10, 10)),
    DemoProduct("CASH-BEANIE", "Cashmere Beanie", "45.00", "400000000116", (0, 3, 0)),
    DemoProduct("RAIN-JKT-M", "Rain Jacket, M", "89.00", "400000000123", (2, 2, 2)),
)

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
