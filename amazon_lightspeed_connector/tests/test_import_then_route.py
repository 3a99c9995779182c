"""From Amazon to a store: an order read from the Amazon simulator is routed as it is stored."""

from datetime import timedelta

from odoo.tests import tagged

from .amazon_orders_common import AmazonOrdersFromSimulator
from .routing_common import RoutingCase
from .simulators.amazon import line


@tagged("post_install", "-at_install")
class TestImportThenRoute(AmazonOrdersFromSimulator, RoutingCase):
    def setUp(self):
        super().setUp()
        self.read_orders_from_amazon_simulator(seed=3)

    def test_imported_orders_are_routed_by_the_seed_example(self):
        only_c = self.amazon_sim.add_order([line("JBJ-S", 1, "59.00")]).order_id
        a_not_c = self.amazon_sim.add_order([line("OXF-WHT-M", 2, "39.50")]).order_id
        self.run_import(advance=60)

        orders = self.env["amazon.order"].search([("account_id", "=", self.amazon.id)])
        self.assertEqual(len(orders), 2)
        by_id = {order.name: order for order in orders}
        for order_id, store in ((only_c, self.store_c), (a_not_c, self.store_a)):
            order = by_id[order_id]
            self.assertEqual(order.import_state, "imported", order.import_error)
            self.assertEqual(order.routing_state, "routed")
            self.assertEqual(len(order.routed_order_ids), 1)
            routed = order.routed_order_ids
            self.assertEqual((routed.warehouse_id, routed.state), (store, "to_send"))
            self.assertTrue(routed.explanation)
            self.assertEqual(order.sale_order_id.warehouse_id, store)
            # Amazon's latest ship date (the simulator: two days after purchase) is imported
            self.assertEqual(order.latest_ship_date, order.purchase_date + timedelta(days=2))

        # Importing again changes nothing: no second routed order, no second reservation.
        self.run_import(advance=60)
        self.assertEqual(
            len(self.env["amazon.routed.order"].search([("amazon_order_id", "in", orders.ids)])),
            2,
        )
