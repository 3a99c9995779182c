"""Fewer Lightspeed units per order: returning buyers cost no customer search, new buyers of a
run are searched together, and a customer Lightspeed lost is created again."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from .routing_common import RoutingCase
from .sales_common import LightspeedSales

QUIET = ("odoo.addons.amazon_lightspeed_connector.lib.lightspeed.client",)


@tagged("post_install", "-at_install")
class TestReturningBuyers(LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()

    def customer_calls(self, method):
        return [
            c for c in self.sim.calls if c.method == method and c.path.endswith("/Customer.json")
        ]

    def returning(self, first, *lines):
        """Another order of ``first``'s buyer (same e-mail, same contact)."""
        again = self.import_order(*lines)
        again.write({"buyer_email": first.buyer_email, "partner_id": first.partner_id.id})
        return again

    def kept_id(self, order):
        link = self.env["lightspeed.customer"].search(
            [
                ("partner_id", "=", order.partner_id.id),
                ("lightspeed_account_id", "=", self.lightspeed.id),
            ]
        )
        return link.lightspeed_customer_id

    def test_a_returning_buyer_costs_no_customer_search_and_no_customer_post(self):
        first = self.import_order(("LTR-BELT", 1))
        self.send()
        [customer_id] = self.sim.customers(first.buyer_email)
        self.assertEqual(self.kept_id(first), customer_id)
        self.sim.calls.clear()
        again = self.returning(first, ("CANVAS-TOTE", 1))
        self.send()
        self.assertEqual(self.sale_of(again.routed_order_ids).customer_id, customer_id)
        self.assertEqual(self.customer_calls("GET") + self.customer_calls("POST"), [])

    def test_new_buyers_of_a_run_are_searched_in_one_query(self):
        orders = [self.import_order(("LTR-BELT", 1)) for _n in range(4)]
        self.send()
        self.assertEqual(len(self.customer_calls("GET")), 1)
        self.assertEqual(len(self.customer_calls("POST")), 4)
        for order in orders:
            [customer_id] = self.sim.customers(order.buyer_email)
            self.assertEqual(self.sale_of(order.routed_order_ids).customer_id, customer_id)

    def test_a_customer_lightspeed_lost_is_created_again_and_the_sale_goes(self):
        first = self.import_order(("LTR-BELT", 1))
        self.send()
        lost = self.kept_id(first)
        del self.sim.store.customers[lost]  # deleted or merged in the store
        again = self.returning(first, ("CANVAS-TOTE", 1))
        with mute_logger(*QUIET):
            self.send()
        routed = again.routed_order_ids
        self.assertEqual(routed.state, "sent", routed.error_message)
        [recreated] = self.sim.customers(first.buyer_email)
        self.assertNotEqual(recreated, lost)
        self.assertEqual(self.sale_of(routed).customer_id, recreated)
        self.assertEqual(self.kept_id(first), recreated)
        self.assertIn("no longer has customer", self.sales_log()[:1].message)
