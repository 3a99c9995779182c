"""An order's life in the browser: a connector user opens an imported Amazon order, follows it
to its routed order, sends it to Lightspeed, marks it shipped from Shipments with a tracking
number, and voids another order that no store could fulfil. The Lightspeed demo shop is served
on loopback: the Odoo server thread that runs the buttons calls it for real."""

from odoo.tests import HttpCase, tagged

from .common import offer_on_amazon, run_tour, tour_user
from .routing_common import build_amazon_order
from .simulators.demo_catalogue import AMAZON_DEMO, LIGHTSPEED_DEMO, PRODUCTS
from .simulators.http_server import SimulatorServer
from .simulators.lightspeed import LightspeedSimulator
from .simulators.lightspeed.scenario import DEMO_EMPLOYEE_ID, DEMO_PAYMENT_TYPE_ID

SENT = "111-0000011-0000011"
VOIDED = "111-0000012-0000012"
TRACKING = "1Z999AA10123456784"


@tagged("post_install", "-at_install")
class TestOrderLifecycleTour(HttpCase):
    def setUp(self):
        super().setUp()
        self.sim = LightspeedSimulator.demo()
        server = SimulatorServer(self.sim).start()
        self.addCleanup(server.stop)
        self.company, self.user = tour_user(self.env, "lifecycle_user", "Lifecycle Retail")
        lightspeed = self.env["lightspeed.account"].create(
            {
                "name": "Lifecycle Lightspeed",
                "account_number": LIGHTSPEED_DEMO["account_id"],
                "client_id": LIGHTSPEED_DEMO["client_id"],
                "client_secret": LIGHTSPEED_DEMO["client_secret"],
                "refresh_token": LIGHTSPEED_DEMO["refresh_token"],
                "api_url": server.url + "/API/V3",
                "token_url": server.url + "/auth/oauth/token",
                "company_id": self.company.id,
            }
        )
        # the products first: the stock refresh matches Lightspeed items to them
        products = {}
        for p in PRODUCTS:
            product = self.env["product.product"].create(
                {
                    "name": p.name,
                    "default_code": p.sku,
                    "type": "consu",
                    "list_price": float(p.price),
                    "company_id": self.company.id,
                }
            )
            products[p.sku] = product
        lightspeed._sync_reference_data()
        lightspeed._refresh_stock(full=True)
        stores = {w.lightspeed_shop_id: w for w in lightspeed.warehouse_ids}
        self.amazon = self.env["amazon.account"].create(
            {
                "name": "Lifecycle channel",
                "company_id": self.company.id,
                "lightspeed_account_id": lightspeed.id,
                "default_warehouse_id": stores["1"].id,
                "routing_mode": "queue",
                "default_employee_id": lightspeed.employee_ids.filtered(
                    lambda e: e.lightspeed_id == str(DEMO_EMPLOYEE_ID)
                ).id,
                "default_payment_type_id": lightspeed.payment_type_ids.filtered(
                    lambda p: p.lightspeed_id == str(DEMO_PAYMENT_TYPE_ID)
                ).id,
            }
        )
        offer_on_amazon(self.env, self.amazon, products, AMAZON_DEMO["marketplace_id"])
        # in stock in store A: routed there; far more units than any store has: held
        self.to_send = build_amazon_order(self.env, self.amazon, SENT, [("JBJ-M", 1)], self)
        self.to_void = build_amazon_order(self.env, self.amazon, VOIDED, [("JBJ-L", 50)], self)
        self.assertEqual(self.to_send.routed_order_ids.state, "to_send")
        self.assertEqual(self.to_void.routed_order_ids.state, "held")

    def test_user_sends_ships_and_voids(self):
        run_tour(self, "amazon_order_action", "amazon_lightspeed_order_lifecycle", self.user)
        routed = self.to_send.routed_order_ids
        self.assertEqual(routed.state, "shipped")
        self.assertEqual(routed.tracking_number, TRACKING)
        self.assertEqual(routed.shipped_by_id, self.user)
        sales = self.sim.sales(routed.name)
        self.assertEqual(len(sales), 1, "exactly one Lightspeed sale for %s" % routed.name)
        self.assertEqual(str(sales[0].sale_id), routed.lightspeed_sale_id)
        self.assertTrue(sales[0].completed, "marked shipped: the sale is completed")
        self.assertTrue(routed.lightspeed_sale_completed)
        voided = self.to_void.routed_order_ids
        self.assertEqual(voided.state, "voided")
        self.assertEqual(voided.void_reason, "Cancelled by the buyer")
        self.assertFalse(self.sim.sales(voided.name))
