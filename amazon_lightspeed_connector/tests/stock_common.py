"""Set-up for the store stock tests: the demo Lightspeed shop (stores A, B, C and the demo
catalogue's stock) served on loopback, its stores synced as warehouses, its stock read."""

from .common import ADDON, make_user
from .connector_common import ConnectorCase
from .simulators.core import ManualClock
from .simulators.demo_catalogue import PRODUCTS
from .simulators.lightspeed import LightspeedSimulator


class StockCase(ConnectorCase):
    """Stores A (priority 10), B (20), C (30) with the demo catalogue's stock, read in full."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = {
            p.sku: cls.env["product.product"].create(
                {
                    "name": p.name,
                    "default_code": p.sku,
                    "barcode": "T" + p.upc,  # the demo products own the real UPCs
                    "type": "consu",
                    "list_price": float(p.price),
                    "company_id": cls.company.id,
                }
            )
            for p in PRODUCTS
        }
        cls.manager = make_user(
            cls.env, "routing_manager", "%s.group_connector_manager" % ADDON, cls.company
        )
        cls.user = make_user(
            cls.env, "routing_user", "%s.group_connector_user" % ADDON, cls.company
        )

    def setUp(self):
        super().setUp()
        self.sim = LightspeedSimulator.demo(clock=ManualClock())
        server = self.serve(self.sim)
        self.lightspeed = self.lightspeed_account(server.url)
        self.lightspeed._sync_reference_data()
        stores = {w.lightspeed_shop_id: w for w in self.lightspeed.warehouse_ids}
        self.store_a, self.store_b, self.store_c = stores["1"], stores["2"], stores["3"]
        self.refresh_stock(full=True)

    def refresh_stock(self, full=False):
        return self.lightspeed._refresh_stock(full=full)
