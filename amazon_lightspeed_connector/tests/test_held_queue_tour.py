"""The hold queue in the browser: a connector user pushes one held order to a store and voids
another, through the wizards."""

from odoo.tests import HttpCase, tagged

from .common import offer_on_amazon, run_tour, tour_user
from .routing_common import build_amazon_order
from .simulators.demo_catalogue import AMAZON_DEMO, PRODUCTS


@tagged("post_install", "-at_install")
class TestHeldQueueTour(HttpCase):
    def setUp(self):
        super().setUp()
        self.company, self.user = tour_user(self.env, "held_queue_user", "Held Queue Retail")
        lightspeed = self.env["lightspeed.account"].create(
            {"name": "Tour stores", "account_number": "1", "company_id": self.company.id}
        )
        Warehouse = self.env["stock.warehouse"]
        self.stores = [
            Warehouse.create(
                {
                    "name": name,
                    "code": code,
                    "company_id": self.company.id,
                    "lightspeed_account_id": lightspeed.id,
                    "lightspeed_shop_id": shop_id,
                    "lightspeed_routing_priority": priority,
                }
            )
            for name, code, shop_id, priority in (
                ("Tour Store A", "TSA", "1", 10),
                ("Tour Store B", "TSB", "2", 20),
            )
        ]
        self.amazon = self.env["amazon.account"].create(
            {
                "name": "Tour channel",
                "company_id": self.company.id,
                "lightspeed_account_id": lightspeed.id,
                "default_warehouse_id": self.stores[0].id,
                "routing_mode": "queue",
            }
        )
        self.products = {
            p.sku: self.env["product.product"].create(
                {"name": p.name, "default_code": p.sku, "company_id": self.company.id}
            )
            for p in PRODUCTS[:2]
        }
        offer_on_amazon(self.env, self.amazon, self.products, AMAZON_DEMO["marketplace_id"])
        # Store B has one unit of the first product: not enough for either order
        self.env["lightspeed.stock"].create(
            {
                "warehouse_id": self.stores[1].id,
                "product_id": self.products[PRODUCTS[0].sku].id,
                "company_id": self.company.id,
                "lightspeed_account_id": lightspeed.id,
                "qoh": 1,
            }
        )
        self.to_push = build_amazon_order(
            self.env, self.amazon, "111-0000001-0000001", [(PRODUCTS[0].sku, 2)]
        )
        self.to_void = build_amazon_order(
            self.env, self.amazon, "111-0000002-0000002", [(PRODUCTS[1].sku, 1)]
        )
        self.assertEqual(self.to_push.routed_order_ids.state, "held")
        self.assertEqual(self.to_void.routed_order_ids.state, "held")

    def test_user_pushes_one_held_order_and_voids_another(self):
        run_tour(self, "amazon_routed_order_held_action", "amazon_lightspeed_held_queue", self.user)
        pushed = self.to_push.routed_order_ids
        self.assertEqual((pushed.state, pushed.warehouse_id), ("to_send", self.stores[1]))
        self.assertEqual(pushed.decided_by_id, self.user)
        self.assertTrue(pushed.virtual_inventory)
        voided = self.to_void.routed_order_ids
        self.assertEqual(voided.state, "voided")
        self.assertEqual(voided.void_reason, "Refunded in Seller Central")
        self.assertIn(
            self.user.partner_id,
            self.to_void.message_ids.filtered(lambda m: "voided by" in (m.body or "")).author_id,
        )
