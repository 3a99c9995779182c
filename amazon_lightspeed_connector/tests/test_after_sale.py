"""After the sale (issue 17): shipments marked in Lightspeed read back into Odoo.

Against the Lightspeed simulator on loopback: store staff tick Shipped with a tracking line in
the shipment note; the scheduled read marks the routed order shipped (its open sale completed,
Amazon's confirmation due), once; a missing tracking number is asked for on the order; Odoo and
Lightspeed both marking: the first wins; a sale voided in the store is an error on the order.
"""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .sales_common import SalesCase

TRACKING = "1Z999AA10123456784"


@tagged("post_install", "-at_install")
class TestShipmentsFromLightspeed(SalesCase):
    def setUp(self):
        super().setUp()
        self.amazon.inventory_deduction = "when_shipped"
        self.ups = self.env["delivery.carrier"].search([("name", "=ilike", "UPS")], limit=1)
        if not self.ups:
            product = self.env["product.product"].create({"name": "UPS", "type": "service"})
            carrier = {"name": "UPS", "product_id": product.id}
            self.ups = self.env["delivery.carrier"].create(carrier)

    def sent_order(self, sku="LTR-BELT", units=1):
        routed = self.import_order((sku, units)).routed_order_ids
        self.send()
        self.assertEqual(routed.state, "sent")
        return routed

    def read_back(self):
        self.sim.clock.advance(60)
        self.env["lightspeed.account"]._cron_read_sales_back()

    def test_shipped_in_the_store_marks_the_order_shipped_once(self):
        routed = self.sent_order()
        sale = self.sale_of(routed)
        self.assertFalse(sale.completed)
        self.read_back()  # nothing shipped yet: nothing changes
        self.assertEqual(routed.state, "sent")

        self.sim.ship_in_store(sale.sale_id, "Tracking: %s UPS" % TRACKING)
        self.read_back()
        self.assertEqual(routed.state, "shipped")
        self.assertEqual(routed.tracking_number, TRACKING)
        self.assertEqual(routed.carrier_id, self.ups)
        self.assertEqual(routed.lightspeed_carrier, "UPS")
        self.assertTrue(routed.lightspeed_shipped and routed.ship_date)
        self.assertEqual(routed.confirmation_state, "to_confirm")
        self.assertTrue(self.sale_of(routed).completed, "the open sale is completed: stock drops")
        self.assertTrue(routed.lightspeed_sale_completed)
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 9)

        puts = len([c for c in self.sim.calls if c.method == "PUT"])
        self.sim.ship_in_store(sale.sale_id, "Tracking: %s UPS" % TRACKING)  # touched again
        self.read_back()
        self.assertEqual(len([c for c in self.sim.calls if c.method == "PUT"]), puts)
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 9, "completed once")
        self.assertEqual(routed.confirmation_state, "to_confirm")

    def test_the_read_costs_one_call_and_moves_its_cursor(self):
        routed = self.sent_order()
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        before = len(self.sim.calls)
        self.read_back()
        reads = [c for c in self.sim.calls[before:] if c.method == "GET" and "Sale.json" in c.path]
        self.assertEqual(len(reads), 1)
        cursor = self.lightspeed.sales_read_cursor
        self.assertTrue(cursor)
        self.read_back()
        self.assertGreaterEqual(self.lightspeed.sales_read_cursor, cursor)

    def test_without_a_tracking_line_the_number_is_asked_for_on_the_order(self):
        routed = self.sent_order()
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Left with the courier")
        self.read_back()
        self.assertEqual(routed.state, "sent", "never confirmed to Amazon without a number")
        self.assertTrue(routed.lightspeed_shipped)
        self.assertIn("tracking number", routed.activity_ids.summary)
        log = self.env["amazon.sync.log"].search([("flow", "=", "after_sale")])
        self.assertIn(routed.name, log.mapped("reference"))
        self.read_back()  # read again: one activity, not two
        self.assertEqual(len(routed.activity_ids), len(self.queue_group.users))

        self.amazon.shipment_source = "lightspeed"
        routed.tracking_number = TRACKING
        routed.action_mark_shipped()  # shipped in the store: Odoo may finish it
        self.assertEqual(routed.state, "shipped")

    def test_odoo_first_wins_and_the_store_tick_changes_nothing(self):
        routed = self.sent_order()
        routed.tracking_number = "9400111899223100000000"
        routed.action_mark_shipped()
        self.assertEqual(routed.state, "shipped")
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        self.read_back()
        self.assertEqual(routed.tracking_number, "9400111899223100000000")
        self.assertFalse(routed.lightspeed_shipped)

    def test_a_channel_marking_in_odoo_does_not_read_lightspeed(self):
        self.amazon.shipment_source = "odoo"
        routed = self.sent_order()
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        before = len(self.sim.calls)
        self.read_back()
        self.assertEqual(len(self.sim.calls), before, "no call at all")
        self.assertEqual(routed.state, "sent")

    def test_a_channel_marking_in_lightspeed_refuses_mark_shipped_in_odoo(self):
        self.amazon.shipment_source = "lightspeed"
        routed = self.sent_order()
        with self.assertRaisesRegex(UserError, "marked in Lightspeed"):
            routed.action_mark_shipped()

    def test_a_sale_voided_in_the_store_is_an_error_on_the_order(self):
        routed = self.sent_order()
        self.sim.void_in_store(self.sale_of(routed).sale_id)
        self.read_back()
        self.assertIn("voided in the store", routed.error_message)
        self.assertEqual(routed.state, "sent")

    def test_a_throttled_read_keeps_its_cursor_for_the_next_run(self):
        routed = self.sent_order()
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        self.sim.faults.add("throttle", method="GET", path="/Sale.json", times=None)
        self.read_back()
        self.assertEqual(routed.state, "sent")
        self.sim.faults.clear()
        self.read_back()
        self.assertEqual(routed.state, "shipped")
