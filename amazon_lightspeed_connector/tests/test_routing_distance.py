"""Routing with distance and split rules, end to end: the stores' coordinates (typed, or
located offline from their address), the buyer's from the ship-to postal code, the channel's
tie-break order, its cap on parts, and one line's quantity split across stores.

The buyer ships to Seattle (98101). Store A is in New York, B in Portland (some 230 km away),
C in Seattle: C is the nearest, A (priority 10) the best ranked."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import make_user
from .routing_common import SEATTLE, RoutingCase


@tagged("post_install", "-at_install")
class TestRoutingDistance(RoutingCase):
    def setUp(self):
        super().setUp()
        self.locate_stores()

    def test_priority_first_keeps_the_best_ranked_store_however_far(self):
        part = self.parts(self.import_order(("LTR-BELT", 5)))  # A 10, B 5, C 5
        self.assertEqual(part.warehouse_id, self.store_a)
        self.assertIn("highest priority of the 3 stores", part.explanation)

    def test_distance_first_picks_the_nearest_store_and_says_how_far(self):
        self.amazon.routing_tie_break = "distance_priority"
        part = self.parts(self.import_order(("LTR-BELT", 5)))
        self.assertEqual(part.warehouse_id, self.store_c)
        self.assertEqual(
            part.explanation, "Store C - Uptown: nearest of the 3 stores holding all 5 items, 0 km"
        )

    def test_priority_first_then_distance_among_equal_priorities(self):
        (self.store_a | self.store_b | self.store_c).lightspeed_routing_priority = 10
        part = self.parts(self.import_order(("CANVAS-TOTE", 2)))
        self.assertEqual(part.warehouse_id, self.store_c)
        self.assertIn("at the best priority, 0 km", part.explanation)

    def test_the_orders_of_a_run_share_one_tuple_of_stores_until_a_store_changes(self):
        """The engine validates and indexes the stores once per tuple object: every order of a
        channel gets the same one while its stores stay as they are."""
        first, second = self.import_order(("LTR-BELT", 1)), self.import_order(("CANVAS-TOTE", 1))
        stores = first._routing_stores()[0]
        shared = first._routing_store_tuple(stores)
        self.assertIs(second._routing_store_tuple(stores), shared)
        self.store_c.write({"routing_latitude": 47.0, "routing_longitude": -122.0})
        moved = second._routing_store_tuple(stores)
        self.assertIsNot(moved, shared)
        self.assertIn((47.0, -122.0), [store.location for store in moved])

    def test_a_store_without_coordinates_counts_as_farthest(self):
        self.amazon.routing_tie_break = "distance_priority"
        self.store_c.write({"routing_latitude": 0.0, "routing_longitude": 0.0})  # unset
        part = self.parts(self.import_order(("LTR-BELT", 5)))
        self.assertEqual(part.warehouse_id, self.store_b, "Portland, the nearest located store")

    def test_an_unknown_postal_code_falls_back_to_the_state_centre(self):
        self.amazon.routing_tie_break = "distance_priority"
        order = self.import_order(("LTR-BELT", 5))
        order.write({"ship_zip": "00000", "ship_state": "OR"})  # Oregon's centre: Portland nearer
        self.assertEqual(order._ship_to_location(), (43.9, -120.6))

    def test_split_by_distance_and_the_cap_on_parts(self):
        self.set_mode("split")
        self.amazon.routing_tie_break = "distance_priority"
        order = self.import_order(("JBJ-S", 1), ("OXF-WHT-M", 1))  # C has no shirt: A or B
        parts = self.parts(order)
        self.assertEqual(parts.warehouse_id, self.store_b | self.store_c, "Portland over New York")
        self.assertIn("km)", parts[0].explanation)
        self.amazon.routing_max_parts = 1
        held = self.parts(self.import_order(("JBJ-S", 1), ("OXF-WHT-M", 1)))
        self.assertEqual(held.state, "held")
        self.assertIn("no store has both items (the channel's cap: 1 part", held.explanation)
        with self.assertRaises(ValidationError):
            self.amazon.routing_max_parts = -1

    def test_one_line_split_across_stores_each_part_its_own_sale(self):
        self.set_mode("split")
        order = self.import_order(("JBJ-M", 6))  # A 4, B 2, C 1: no store holds 6
        parts = self.parts(order)
        self.assertEqual(len(parts), 2, "the fewest stores: A and B")
        self.assertEqual(
            {p.warehouse_id: self.quantities(p) for p in parts},
            {self.store_a: {"JBJ-M": 4}, self.store_b: {"JBJ-M": 2}},
        )
        self.assertEqual(parts.mapped("name"), [order.name + "-1", order.name + "-2"])
        self.assertEqual(set(parts.mapped("state")), {"to_send"}, "each part is sent as a Sale")

    def test_locate_from_address_fills_the_coordinates_offline(self):
        address = self.store_b.partner_id
        address.write({"zip": "98101", "country_id": self.env.ref("base.us").id})
        self.store_b.action_locate_from_address()
        self.assertAlmostEqual(self.store_b.routing_latitude, SEATTLE[0], places=3)
        self.assertAlmostEqual(self.store_b.routing_longitude, SEATTLE[1], places=3)
        address.write({"zip": False, "country_id": False})
        with self.assertRaises(UserError):
            self.store_b.action_locate_from_address()
        outsider = make_user(self.env, "no_stock_rights", "base.group_user", self.company)
        with self.assertRaises(AccessError):
            self.store_b.with_user(outsider).action_locate_from_address()
