"""Routing end to end: an imported order, the stores' Lightspeed stock, each mode, the hold
queue's notifications and buttons, reservations."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from psycopg2.errors import LockNotAvailable

from ..models import connector_run
from .common import run_with_cron_progress
from .routing_common import RoutingCase

CRON_ROUTE = "amazon_lightspeed_connector.ir_cron_amazon_route_orders"


@tagged("post_install", "-at_install")
class TestOrderRouting(RoutingCase):
    # --- the seed example and the modes ---------------------------------------------------------

    def test_seed_example_best_store(self):
        only_c = self.import_order(("JBJ-S", 1))
        self.assertEqual(only_c.routing_state, "routed")
        part = self.parts(only_c)
        self.assertEqual((part.warehouse_id, part.state), (self.store_c, "to_send"))
        self.assertEqual(part.name, only_c.name)
        self.assertEqual(part.explanation, "Store C - Uptown: the only store with the item")
        self.assertFalse(part.virtual_inventory)
        self.assertEqual(self.quantities(part), {"JBJ-S": 1})
        self.assertIn("Store C - Uptown: the only store with the item", self.notes(only_c)[0])
        # the sale order's warehouse, and its delivery, follow the route
        sale = only_c.sale_order_id
        self.assertEqual(sale.warehouse_id, self.store_c)
        deliveries = sale.picking_ids.filtered(lambda p: p.state != "cancel")
        self.assertEqual(deliveries.picking_type_id.warehouse_id, self.store_c)
        # C has one JBJ-M only; A has 4 (and comes first)
        a = self.parts(self.import_order(("JBJ-M", 3)))
        self.assertEqual(a.warehouse_id, self.store_a)

    def test_best_store_without_a_full_store_is_virtual_at_the_default_store(self):
        order = self.import_order(("CASH-BEANIE", 5))
        part = self.parts(order)
        self.assertEqual((part.warehouse_id, part.state), (self.store_a, "to_send"))
        self.assertTrue(part.virtual_inventory)
        self.assertEqual(self.missing(part), {"CASH-BEANIE": 5})
        self.assertIn("virtual inventory", part.explanation)
        self.assertIn(
            "5 x CASH-BEANIE",
            part.missing_summary.replace(self.products["CASH-BEANIE"].display_name, "CASH-BEANIE"),
        )

    def test_single_store_always_ships_from_the_default_store(self):
        self.set_mode("single")
        part = self.parts(self.import_order(("JBJ-S", 1)))
        self.assertEqual(part.warehouse_id, self.store_a)
        self.assertTrue(part.virtual_inventory)
        self.assertEqual(part.routing_mode, "single_store")

    def test_queue_holds_notifies_and_schedules_activities(self):
        self.set_mode("queue")
        order = self.import_order(("JBJ-S", 4))
        held = self.parts(order)
        self.assertEqual((held.state, held.warehouse_id.id), ("held", False))
        self.assertTrue(held.held_since)
        self.assertEqual(self.quantities(held), {"JBJ-S": 4})
        self.assertEqual(self.missing(held), {"JBJ-S": 1}, "the closest store, C, has 3")
        self.assertTrue(held.explanation.startswith("Held"), held.explanation)
        mail = self.env["mail.mail"].search(
            [("model", "=", "amazon.routed.order"), ("res_id", "=", held.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("backoffice@example.com", mail.email_to)
        self.assertIn(order.name, mail.subject)
        self.assertEqual(held.activity_ids.user_id, self.user, "one activity per group member")
        self.assertIn(held, self.amazon.held_order_ids)
        # a queue order a store can fulfil is routed as in best-store mode
        self.assertEqual(self.parts(self.import_order(("WOOL-SCARF", 1))).state, "to_send")

    def test_split_in_two_routed_orders(self):
        self.set_mode("split")
        order = self.import_order(("JBJ-S", 1), ("WOOL-SCARF", 2))
        parts = self.parts(order)
        self.assertEqual(len(parts), 2)
        self.assertEqual(parts.warehouse_id, self.store_a | self.store_c)
        by_store = {p.warehouse_id: self.quantities(p) for p in parts}
        self.assertEqual(by_store[self.store_a], {"WOOL-SCARF": 2})
        self.assertEqual(by_store[self.store_c], {"JBJ-S": 1})
        self.assertEqual(parts.mapped("name"), [order.name + "-1", order.name + "-2"])
        self.assertEqual(set(parts.mapped("part_count")), {2})
        self.assertNotIn(
            order.sale_order_id.warehouse_id,
            parts.warehouse_id,
            "a split order keeps the sale order's warehouse",
        )

    def test_split_fallback_hold_or_default_store(self):
        self.set_mode("split", fallback="hold")
        held = self.parts(self.import_order(("JBJ-S", 10)))
        self.assertEqual(held.state, "held")
        self.assertEqual(self.missing(held), {"JBJ-S": 7}, "all stores together have 3")
        self.set_mode("split", fallback="default")
        part = self.parts(self.import_order(("JBJ-S", 10)))
        self.assertEqual((part.state, part.warehouse_id), ("to_send", self.store_a))
        self.assertTrue(part.virtual_inventory)

    # --- reservations ---------------------------------------------------------------------------

    def test_two_orders_never_take_the_same_last_units(self):
        first = self.parts(self.import_order(("JBJ-S", 3)))
        self.assertEqual(first.warehouse_id, self.store_c)
        stock = self.env["lightspeed.stock"].search(
            [("product_id", "=", self.products["JBJ-S"].id), ("warehouse_id", "=", self.store_c.id)]
        )
        self.assertEqual((stock.qoh, stock.reserved_qty, stock.available_qty), (3, 3, 0))
        self.assertTrue(stock.last_routed_at)
        # best store: the second goes virtual to A; queue: it is held
        second = self.parts(self.import_order(("JBJ-S", 1)))
        self.assertEqual(second.warehouse_id, self.store_a)
        self.assertTrue(second.virtual_inventory)
        self.set_mode("queue")
        third_order = self.import_order(("JBJ-S", 1))
        third = self.parts(third_order)
        self.assertEqual(third.state, "held")
        # voiding the first releases its units: the held one re-routes to C
        first.with_user(self.user)._void("Buyer cancelled by phone")
        stock.invalidate_recordset()
        self.assertEqual(stock.reserved_qty, 0)
        third.with_user(self.user).action_reroute()
        self.assertEqual((third.state, third.warehouse_id), ("to_send", self.store_c))
        self.assertFalse(third.activity_ids, "the activities are done")
        self.assertIn("Re-routed by routing_user", self.notes(third_order)[0])

    def test_sent_orders_release_their_reservation(self):
        part = self.parts(self.import_order(("JBJ-S", 2)))
        stock = self.env["lightspeed.stock"].search(
            [("product_id", "=", self.products["JBJ-S"].id), ("warehouse_id", "=", self.store_c.id)]
        )
        self.assertEqual(stock.reserved_qty, 2)
        part.state = "sent"  # an open sale ("deduct when shipped"): qoh has not dropped yet
        stock.invalidate_recordset()
        self.assertEqual(stock.reserved_qty, 2)
        part.lightspeed_sale_completed = True  # the sale is completed: its qoh has dropped
        stock.invalidate_recordset()
        self.assertEqual(stock.reserved_qty, 0)

    def test_locked_stock_leaves_the_order_to_route(self):
        order = self.import_order(("JBJ-S", 1))
        order.routed_order_ids.unlink()
        order.routing_state = "to_route"
        stock_model = type(self.env["lightspeed.stock"])

        def locked(self, warehouses, products):
            raise LockNotAvailable("locked")

        with patch.object(stock_model, "_lock_for_routing", locked):
            self.env["amazon.order"]._cron_route_orders()
        self.assertEqual(order.routing_state, "to_route")
        self.env["amazon.order"]._cron_route_orders()
        self.assertEqual(order.routing_state, "routed")

    def test_an_order_the_import_met_busy_is_routed_in_seconds_not_at_the_next_interval(self):
        """The import routes each new order at once; stock another worker holds leaves the
        order to route, and the route action is asked to run again a few seconds later (its
        interval is 15 minutes)."""
        cron = self.env.ref(CRON_ROUTE)
        stock_model = type(self.env["lightspeed.stock"])

        def locked(self, warehouses, products):
            raise LockNotAvailable("locked")

        started = fields.Datetime.now()
        with patch.object(stock_model, "_lock_for_routing", locked):
            order = self.import_order(("JBJ-S", 1))
        self.assertEqual(order.routing_state, "to_route")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertTrue(triggers, "the route action was not asked to run again")
        soon = started + timedelta(seconds=connector_run.BUSY_RETRY + 60)
        self.assertTrue(
            all(started <= t.call_at <= soon for t in triggers), triggers.mapped("call_at")
        )

    def test_the_scheduled_action_routes_a_backlog_batch_by_batch(self):
        orders = self.env["amazon.order"]
        for _i in range(3):
            order = self.import_order(("LTR-BELT", 1))
            order.routed_order_ids.unlink()
            order.routing_state = "to_route"
            orders |= order
        with patch.object(type(self.env["amazon.order"]), "_route_batch_size", 2):
            done, remaining = run_with_cron_progress(
                self.env["amazon.order"], CRON_ROUTE, "_cron_route_orders"
            )
            self.assertEqual((done, remaining), (2, 1))
            self.assertEqual(orders.mapped("routing_state"), ["routed", "routed", "to_route"])
            done, remaining = run_with_cron_progress(
                self.env["amazon.order"], CRON_ROUTE, "_cron_route_orders"
            )
        self.assertEqual((done, remaining), (1, 0))
        self.assertEqual(set(orders.mapped("routing_state")), {"routed"})

    def test_a_channel_that_cannot_route_is_not_a_backlog(self):
        self.amazon.default_warehouse_id = False
        for _i in range(3):
            self.import_order(("LTR-BELT", 1))
        with patch.object(type(self.env["amazon.order"]), "_route_batch_size", 2):
            done, remaining = run_with_cron_progress(
                self.env["amazon.order"], CRON_ROUTE, "_cron_route_orders"
            )
        # nothing can go before a default store is set: the worker must not call again at once
        self.assertEqual((done, remaining), (0, 0))

    # --- the hold queue -------------------------------------------------------------------------

    def hold(self, *lines):
        self.set_mode("queue")
        order = self.import_order(*lines)
        return order, self.parts(order)

    def test_push_to_store_warns_about_missing_stock(self):
        order, held = self.hold(("JBJ-S", 4))
        action = held.with_user(self.user).action_open_push_wizard()
        wizard = Form(
            # the web client opens the wizard with the action's context as it is
            # pylint: disable-next=context-overridden
            self.env[action["res_model"]].with_user(self.user).with_context(action["context"])
        )
        wizard.warehouse_id = self.store_c
        self.assertIn("lacks 1 x", wizard.missing_warning)
        wizard.warehouse_id = self.store_b
        self.assertIn("lacks 4 x", wizard.missing_warning)
        wizard.save().action_push()
        self.assertEqual((held.state, held.warehouse_id), ("to_send", self.store_b))
        self.assertEqual((held.decided_by_id, held.routing_mode), (self.user, "manual"))
        self.assertTrue(held.virtual_inventory)
        self.assertFalse(held.activity_ids)
        note = order.message_ids.filtered(lambda m: "pushed by hand" in (m.body or ""))
        self.assertEqual(note.author_id, self.user.partner_id)
        self.assertEqual(order.sale_order_id.warehouse_id, self.store_b)
        with self.assertRaises(UserError):
            held.action_open_push_wizard()

    def test_void_requires_a_reason_and_never_touches_sent_orders(self):
        order, held = self.hold(("JBJ-S", 4))
        with self.assertRaises(UserError):
            held.with_user(self.user)._void("  ")
        action = held.with_user(self.user).action_open_void_wizard()
        wizard = (
            self.env[action["res_model"]]  # pylint: disable=context-overridden
            .with_user(self.user)
            .with_context(action["context"])
            .create({"reason": "Out of stock everywhere, refunded"})
        )
        wizard.action_void()
        self.assertEqual(held.state, "voided")
        self.assertEqual(held.void_reason, "Out of stock everywhere, refunded")
        self.assertEqual(held.decided_by_id, self.user)
        voided_note = order.message_ids.filtered(lambda m: "voided by" in (m.body or ""))
        self.assertEqual(voided_note.author_id, self.user.partner_id)
        sent = self.parts(self.import_order(("WOOL-SCARF", 1)))
        sent.state = "sent"
        with self.assertRaises(UserError):
            sent._void("too late")

    def test_reroute_still_held_keeps_its_age(self):
        order, held = self.hold(("JBJ-S", 4))
        since = held.held_since
        held.action_reroute()
        self.assertEqual((held.state, held.held_since), ("held", since))
        self.assertEqual(len(order.routed_order_ids), 1)

    def test_amazon_cancellation_voids_unsent_parts(self):
        order, held = self.hold(("JBJ-S", 4))
        order.write({"status": "canceled"})
        order._after_status_change("unshipped")
        self.assertEqual(held.state, "voided")
        self.assertEqual(held.void_reason, "Cancelled by Amazon.")
        self.assertEqual(order.routing_state, "none", "nothing left to void in Lightspeed")
        sent_order = self.import_order(("WOOL-SCARF", 1))
        self.parts(sent_order).state = "sent"
        sent_order.write({"status": "canceled"})
        sent_order._after_status_change("unshipped")
        self.assertEqual(self.parts(sent_order).state, "sent")
        self.assertEqual(sent_order.routing_state, "void_requested")

    def test_daily_reminder_lists_held_orders(self):
        self.hold(("JBJ-S", 4))
        self.env["amazon.routed.order"]._cron_remind_held()
        mail = self.env["mail.mail"].search(
            [("model", "=", "amazon.account"), ("res_id", "=", self.amazon.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("1 Amazon order(s) still held", mail.subject)

    def test_channel_without_default_store_waits_and_logs_once(self):
        self.amazon.default_warehouse_id = False
        order = self.import_order(("JBJ-S", 1))
        self.import_order(("JBJ-M", 1))
        self.assertEqual(order.routing_state, "to_route")
        self.assertIn("no default store", order.routing_explanation)
        self.env["amazon.order"]._cron_route_orders()
        logs = self.env["amazon.sync.log"].search([("flow", "=", "routing")])
        self.assertEqual(len(logs), 1, "one row for the channel, not one per order and run")
        self.assertEqual((logs.res_model, logs.res_id), ("amazon.account", self.amazon.id))
        self.amazon.default_warehouse_id = self.store_a
        order.with_user(self.manager).action_route()
        self.assertEqual(order.routing_state, "routed")

    def test_users_see_routed_orders_of_their_company_only(self):
        self.hold(("JBJ-S", 4))
        Routed = self.env["amazon.routed.order"].with_user(self.user)
        self.assertEqual(len(Routed.search([("state", "=", "held")])), 1)
        other = self.env["res.company"].create({"name": "Elsewhere"})
        self.user.write({"company_ids": [(6, 0, other.ids)], "company_id": other.id})
        self.assertFalse(self.env["amazon.routed.order"].with_user(self.user).search([]))
