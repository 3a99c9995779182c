"""Amazon's latest ship date: the route action takes the most urgent orders first, a held
order shows the time it has left and, under the channel's threshold, is at risk of shipping
late (the Overview counts it, the Held Queue puts it first) and is escalated to the connector
managers once."""

from ast import literal_eval
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import open_figure, run_with_cron_progress
from .routing_common import RoutingCase

CRON_ROUTE = "amazon_lightspeed_connector.ir_cron_amazon_route_orders"
CRON_LATE = "amazon_lightspeed_connector.ir_cron_amazon_late_risk"
AT_RISK = "At risk of shipping late"


@tagged("post_install", "-at_install")
class TestShippingDeadline(RoutingCase):
    def setUp(self):
        super().setUp()
        self.now = fields.Datetime.now()

    def ship_by(self, order, hours):
        order.latest_ship_date = self.now + timedelta(hours=hours) if hours is not None else False

    def hold(self, hours_left):
        self.set_mode("queue")
        order = self.import_order(("JBJ-S", 4))  # C has 3: held
        self.ship_by(order, hours_left)
        held = self.parts(order)
        self.assertEqual(held.state, "held")
        return held

    # --- the route action -----------------------------------------------------------------------

    def test_the_scheduled_action_routes_the_most_urgent_orders_first(self):
        self.amazon.default_warehouse_id = False  # a backlog builds up
        orders = [self.import_order(("LTR-BELT", 1)) for _i in range(4)]
        for order, days_old, hours_left in zip(orders, (4, 3, 2, 1), (72, 1, None, 5), strict=True):
            order.purchase_date = self.now - timedelta(days=days_old)
            self.ship_by(order, hours_left)
        self.amazon.default_warehouse_id = self.store_a
        with patch.object(type(self.env["amazon.order"]), "_route_batch_size", 2):
            run_with_cron_progress(self.env["amazon.order"], CRON_ROUTE, "_cron_route_orders")
        self.assertEqual(
            [order.routing_state for order in orders],
            ["to_route", "routed", "to_route", "routed"],
            "ship by in 1 h and in 5 h go first; the oldest (72 h) waits, no date goes last",
        )

    def test_the_route_button_gives_the_last_units_to_the_most_urgent_order(self):
        self.set_mode("queue")
        self.amazon.default_warehouse_id = False
        relaxed = self.import_order(("JBJ-S", 2))  # C has 3: one of the two is held
        urgent = self.import_order(("JBJ-S", 2))
        self.ship_by(relaxed, 48)
        self.ship_by(urgent, 3)
        self.amazon.default_warehouse_id = self.store_a
        (relaxed | urgent).action_route()
        self.assertEqual(self.parts(urgent).state, "to_send")
        self.assertEqual(self.parts(urgent).warehouse_id, self.store_c)
        self.assertEqual(self.parts(relaxed).state, "held")

    # --- held orders: time left, at risk, the Overview, the Held Queue -------------------------

    def test_a_held_order_shows_its_time_left_and_is_at_risk_under_the_threshold(self):
        held = self.hold(30.5)
        self.assertEqual(held.time_left, "1 d 6 h")
        self.assertEqual(held.time_left_phrase, "1 d 6 h left")
        self.assertFalse(held.late_risk, "24 h threshold by default")
        self.assertEqual(self.amazon.dashboard_late_risk, 0)
        self.amazon.late_ship_warning_hours = 48
        self.amazon.invalidate_recordset(["dashboard_late_risk"])  # the card is read anew
        self.assertTrue(held.late_risk)
        self.assertEqual(self.amazon.dashboard_late_risk, 1)
        Routed = self.env["amazon.routed.order"]
        self.assertEqual(Routed.search([("late_risk", "=", True)]), held)
        self.assertNotIn(held, Routed.search([("late_risk", "=", False)]))
        action = open_figure(self.amazon, "dashboard_late_risk")
        self.assertEqual(Routed.search(action["domain"]), held)
        self.ship_by(held.amazon_order_id, -(2 + 5 / 60))
        self.assertEqual(held.time_left, "late by 2 h 5 min")
        self.assertEqual(held.time_left_phrase, "late by 2 h 5 min")  # not "late by ... left"
        self.assertTrue(held.late_risk)

    def test_the_overview_card_counts_orders_at_risk_and_opens_them_most_urgent_first(self):
        overdue, soon = self.hold(-2), self.hold(5)
        relaxed, undated = self.hold(72), self.hold(None)
        Account = self.env["amazon.account"]
        self.assertEqual(Account.overview_late_risk_count(), 2, "late by 2 h and due in 5 h")
        action = Account.action_overview_late_risk()
        self.assertEqual(action["res_model"], "amazon.routed.order")
        self.assertEqual(action["context"].get("search_default_late_risk"), 1)
        queue = self.env["amazon.routed.order"].search(
            [*literal_eval(action["domain"]), ("late_risk", "=", True)],
            order="latest_ship_date, held_since, id",  # the Held Queue's own order
        )
        self.assertEqual(queue.ids, [overdue.id, soon.id])
        self.assertNotIn(relaxed | undated, queue)
        soon.state = "to_send"  # pushed to a store: no longer held, no longer at risk
        self.assertEqual(Account.overview_late_risk_count(), 1)

    def test_no_ship_by_date_no_time_left_and_no_risk(self):
        held = self.hold(None)
        self.assertFalse(held.time_left)
        self.assertFalse(held.late_risk)

    def test_the_held_queue_puts_the_most_urgent_first(self):
        action = self.env.ref("amazon_lightspeed_connector.amazon_routed_order_held_action")
        views = {v.view_mode: v.view_id.id for v in action.view_ids}
        Routed = self.env["amazon.routed.order"]
        for mode in ("list", "kanban"):
            arch = Routed.get_view(views[mode], mode)["arch"]
            self.assertIn('default_order="latest_ship_date, held_since, id"', arch)
        later, sooner, undated = self.hold(40), self.hold(4), self.hold(None)
        queue = Routed.search(
            [("id", "in", (later | sooner | undated).ids)], order="latest_ship_date, held_since, id"
        )
        self.assertEqual(queue.ids, [sooner.id, later.id, undated.id])

    # --- escalation -----------------------------------------------------------------------------

    def activities(self, routed):
        return routed.activity_ids.filtered(lambda a: a.summary.startswith(AT_RISK))

    def test_an_order_at_risk_is_escalated_to_the_managers_once(self):
        at_risk, relaxed = self.hold(5), self.hold(72)
        Routed = self.env["amazon.routed.order"]
        done, remaining = run_with_cron_progress(Routed, CRON_LATE, "_cron_escalate_late_risk")
        self.assertEqual((done, remaining), (1, 0))
        activities = self.activities(at_risk)
        self.assertIn(self.manager, activities.user_id)
        self.assertNotIn(self.user, activities.user_id, "a connector user is not a manager")
        self.assertEqual(activities[0].date_deadline, at_risk.latest_ship_date.date())
        self.assertRegex(str(activities[0].note), r"(4 h 59 min|5 h 0 min)")
        self.assertTrue(at_risk.late_risk_escalated)
        self.assertFalse(self.activities(relaxed))
        # the next runs leave it alone: one activity per manager, not one per run
        count = len(activities)
        run_with_cron_progress(Routed, CRON_LATE, "_cron_escalate_late_risk")
        self.assertEqual(len(self.activities(at_risk)), count)

    def test_the_daily_reminder_lists_the_most_urgent_first_with_their_time_left(self):
        later, sooner = self.hold(40), self.hold(4)
        self.assertEqual(self.amazon.held_order_ids.ids, [sooner.id, later.id])
        self.env["amazon.routed.order"]._cron_remind_held()
        mail = self.env["mail.mail"].search(
            [("model", "=", "amazon.account"), ("res_id", "=", self.amazon.id)]
        )
        body = str(mail.body_html)
        self.assertLess(body.index(sooner.name), body.index(later.name))
        self.assertRegex(body, r"ship-by date: (3 h 59 min|4 h 0 min)")
        self.assertRegex(body, r"ship-by date: 1 d (15|16) h")
