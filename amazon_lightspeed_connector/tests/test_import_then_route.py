"""From Amazon to a store: an order read from the Amazon simulator is routed as it is stored."""

from datetime import datetime, timedelta, timezone

from odoo.tests import tagged

from .routing_common import RoutingCase
from .simulators.amazon import AmazonSimulator, line
from .simulators.amazon.testing import demo_client
from .simulators.core import ManualClock
from .simulators.transport import in_process


@tagged("post_install", "-at_install")
class TestImportThenRoute(RoutingCase):
    def setUp(self):
        super().setUp()
        self.amazon_sim = AmazonSimulator(clock=ManualClock(), seed=3)
        started = datetime.fromtimestamp(self.amazon_sim.clock.now(), tz=timezone.utc)
        self.amazon.write(
            {
                "endpoint_url": AmazonSimulator.SP_API_URL,
                "lwa_endpoint_url": AmazonSimulator.LWA_URL + "/auth/o2/token",
                "import_from": (started - timedelta(days=1)).replace(tzinfo=None),
            }
        )

    def _import(self):
        client = demo_client(self.amazon_sim.clock)
        self.amazon_sim.clock.advance(60)
        with client, in_process(self.amazon_sim.routes()):
            self.amazon._import_orders(client=client)

    def test_imported_orders_are_routed_by_the_seed_example(self):
        only_c = self.amazon_sim.add_order([line("JBJ-S", 1, "59.00")]).order_id
        a_not_c = self.amazon_sim.add_order([line("OXF-WHT-M", 2, "39.50")]).order_id
        self._import()

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
        self._import()
        self.assertEqual(
            len(self.env["amazon.routed.order"].search([("amazon_order_id", "in", orders.ids)])),
            2,
        )
