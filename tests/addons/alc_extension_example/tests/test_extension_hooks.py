"""Each named hook of the connector, extended by this addon alone, changes what it should: the
Odoo sale order, the Lightspeed SaleRequest and Sale payload (seen in the Lightspeed
simulator), the routing request, a routing mode of its own, and the stock refresh's follow-up.

The buyer ships to Seattle; store A (the default, best priority) is in New York, B in
Portland, C in Seattle."""

from decimal import Decimal

from odoo.addons.amazon_lightspeed_connector.tests.routing_common import RoutingCase
from odoo.addons.amazon_lightspeed_connector.tests.sales_common import LightspeedSales
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestExtensionHooks(LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()
        self.locate_stores()

    def test_the_sale_order_values_hook_sets_the_origin(self):
        order = self.import_order(("LTR-BELT", 1))
        self.assertEqual(order.sale_order_id.origin, "Amazon ATVPDKIKX0DER")
        self.assertEqual(order.sale_order_id.client_order_ref, order.name, "super() kept")

    def test_the_sale_payload_hook_sends_a_field_of_its_own(self):
        tax_category = self.sim.add_tax_category("Amazon marketplace", "0")
        self.amazon.example_tax_category = tax_category
        order = self.import_order(("LTR-BELT", 2), ("CANVAS-TOTE", 1))
        self.send()
        sale = self.sale_of(order.routed_order_ids)
        stored = self.sim.store.sales[sale.sale_id]
        self.assertEqual(stored["taxCategoryID"], str(tax_category))
        self.assertEqual(sale.total, Decimal("30.00"), "the connector's own payload kept")
        self.assertEqual(order.routed_order_ids.state, "sent")

    def test_without_the_setting_the_payload_is_the_connectors(self):
        order = self.import_order(("LTR-BELT", 1))
        self.send()
        stored = self.sim.store.sales[self.sale_of(order.routed_order_ids).sale_id]
        self.assertEqual(stored["taxCategoryID"], str(self.sim.store.shops[1]["taxCategoryID"]))

    def test_the_sale_request_hook_labels_prime_orders_in_the_shipment_note(self):
        prime = self.import_order(("LTR-BELT", 1))
        prime.is_prime = True
        other = self.import_order(("CANVAS-TOTE", 1))
        self.send()
        note = self.sale_of(prime.routed_order_ids).notes["InternalNote"]
        self.assertIn("Ship service: PRIME Standard", note)
        self.assertNotIn("PRIME", self.sale_of(other.routed_order_ids).notes["InternalNote"])

    def test_a_routing_mode_added_by_one_method_routes_to_the_nearest_store(self):
        best = self.parts(self.import_order(("LTR-BELT", 5)))  # A 10, B 5, C 5
        self.assertEqual(best.warehouse_id, self.store_a, "best store: A, the best priority")
        self.set_mode("nearest")
        nearest = self.parts(self.import_order(("LTR-BELT", 5)))
        self.assertEqual(nearest.warehouse_id, self.store_c, "C is in Seattle, with the buyer")
        self.assertEqual(nearest.routing_mode, "nearest")
        self.assertEqual(nearest.state, "to_send")
        self.assertIn("nearest of the 3 stores", nearest.explanation)

    def test_the_routing_request_hook_leaves_a_store_out(self):
        self.set_mode("nearest")
        self.store_c.example_no_amazon = True
        part = self.parts(self.import_order(("LTR-BELT", 5)))
        self.assertEqual(part.warehouse_id, self.store_b, "Portland: the nearest store left")
        self.assertIn("of the 2 stores", part.explanation)

    def test_the_stock_refresh_hook_sees_the_rows_it_updated(self):
        self.sim.clock.advance(60)
        self.sim.set_qoh("JBJ-M", 1, 0)  # store A sells out; B keeps 2
        self.refresh_stock()
        self.assertEqual(self.lightspeed.example_out_of_stock, 1)
        self.sim.clock.advance(60)
        self.sim.set_qoh("JBJ-M", 1, 3)
        self.refresh_stock()
        self.assertEqual(self.lightspeed.example_out_of_stock, 0)
