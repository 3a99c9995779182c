"""The demo Lightspeed shop as a fixture: stores A (priority 10), B (20) and C (30) with the demo
catalogue's stock, served on loopback, synced as warehouses and read in full."""

from .common import ADDON, make_user
from .connector_common import ConnectorCase
from .simulators.core import ManualClock
from .simulators.demo_catalogue import PRODUCTS
from .simulators.lightspeed import LightspeedSimulator


def create_demo_products(env, company, barcode_prefix):
    """{SKU: product} of the demo catalogue in ``company``. Their barcodes carry a prefix: the
    demo products of the addon own the real UPCs."""
    return {
        p.sku: env["product.product"].create(
            {
                "name": p.name,
                "default_code": p.sku,
                "barcode": barcode_prefix + p.upc,
                "type": "consu",
                "list_price": float(p.price),
                "company_id": company.id,
            }
        )
        for p in PRODUCTS
    }


class DemoShop:
    """Fixtures and helpers of the demo shop, for a ConnectorCase."""

    @classmethod
    def create_demo_catalogue(cls):
        """Class-wide records: the demo products, a connector manager and a connector user."""
        cls.products = create_demo_products(cls.env, cls.company, "T")
        cls.manager = make_user(
            cls.env, "routing_manager", "%s.group_connector_manager" % ADDON, cls.company
        )
        cls.user = make_user(
            cls.env, "routing_user", "%s.group_connector_user" % ADDON, cls.company
        )

    def open_demo_shop(self):
        """The shop's simulator on its own clock (``self.sim``), its account
        (``self.lightspeed``) synced, ``self.store_a``, ``store_b``, ``store_c``, stock read."""
        self.sim = LightspeedSimulator.demo(clock=ManualClock())
        server = self.serve(self.sim)
        self.lightspeed = self.lightspeed_account(server.url)
        self.lightspeed._sync_reference_data()
        stores = {w.lightspeed_shop_id: w for w in self.lightspeed.warehouse_ids}
        self.store_a, self.store_b, self.store_c = stores["1"], stores["2"], stores["3"]
        self.refresh_stock(full=True)

    def refresh_stock(self, full=False):
        return self.lightspeed._refresh_stock(full=full)


class StockCase(DemoShop, ConnectorCase):
    """Every test starts from the demo shop, stock read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_demo_catalogue()

    def setUp(self):
        super().setUp()
        self.open_demo_shop()
