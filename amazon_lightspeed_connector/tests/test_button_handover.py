"""Buttons return at once: each does what fits in a short budget, hands the rest to its
scheduled action (an ir.cron trigger) and says what was done and what is queued; never
"success" with part of the selection left. After refused credentials nothing is queued: the
scheduled action would meet the same refusal, and the button says what to do."""

import logging
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..lib.errors import AuthError, ThrottledError
from ..models import connector_budget, connector_run
from ..models.amazon_account_listings import LISTINGS_CRON, ListingsRun
from ..models.amazon_account_settlement import SETTLEMENT_CRON, SettlementRun
from ..models.amazon_order_routing import ROUTE_CRON
from ..models.amazon_routed_order_lightspeed import CRON_XMLID as SEND_CRON
from ..models.connector_run import ConnectorRun
from ..models.lightspeed_account import SYNC_CRON, LightspeedAccount
from .amazon_import_common import AmazonImportCase
from .common import CronHandover, budget_for
from .connector_common import ConnectorCase
from .listings_common import ListingsPush
from .routing_common import RoutingCase
from .sales_common import LightspeedSales
from .simulators.amazon import line

_logger = logging.getLogger(__name__)

CREDENTIALS_ADVICE = "Reconnect the account"


@tagged("post_install", "-at_install")
class TestRouteButtonHandover(CronHandover, RoutingCase):
    def orders_to_route(self, count):
        orders = self.env["amazon.order"]
        for _i in range(count):
            order = self.import_order(("LTR-BELT", 1))
            order.routed_order_ids.unlink()
            order.routing_state = "to_route"
            orders |= order
        return orders

    def test_route_does_what_fits_and_says_the_rest_is_queued(self):
        orders = self.orders_to_route(3)
        self.active_cron(ROUTE_CRON)
        before = self.triggers(ROUTE_CRON)
        with patch.object(ConnectorRun, "out_of_time", budget_for(1)):
            action = orders.with_user(self.manager).action_route()
        self.assertRestQueued(action, ROUTE_CRON, before, done="1 of 3 orders routed.", queued=2)
        self.assertEqual(sorted(orders.mapped("routing_state")).count("to_route"), 2)

    def test_route_of_the_whole_selection_is_a_success_and_queues_nothing(self):
        orders = self.orders_to_route(2)
        self.active_cron(ROUTE_CRON)
        before = self.triggers(ROUTE_CRON)
        action = orders.with_user(self.manager).action_route()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertNotIn("queued", action["params"]["message"])
        self.assertFalse(self.triggers(ROUTE_CRON) - before)


@tagged("post_install", "-at_install")
class TestPushButtonHandover(CronHandover, ListingsPush, RoutingCase):
    def setUp(self):
        super().setUp()
        self.open_listings_push()

    def push_one_then_time_is_up(self, button):
        """Press ``button`` with time for one patch: the rest goes to the scheduled push."""
        self.active_cron(LISTINGS_CRON)
        before = self.triggers(LISTINGS_CRON)
        with patch.object(ListingsRun, "out_of_time", budget_for(1)), self.amazon_served():
            action = button()
        self.assertRestQueued(action, LISTINGS_CRON, before, done="1 patched")
        self.assertEqual(len(self.patches()), 1)

    def test_push_stock_and_prices_does_what_fits_and_queues_the_rest(self):
        self.push_one_then_time_is_up(self.amazon.with_user(self.manager).action_push_listings)
        self.assertTrue(self.amazon_offers().filtered("need_sync"), "the rest still to push")

    def test_push_now_on_bindings_does_what_fits_and_queues_the_rest(self):
        chosen = self.offers["JBJ-M"] | self.offers["JBJ-S"]
        self.push_one_then_time_is_up(chosen.with_user(self.manager).action_push_now)
        self.assertEqual(len(chosen.filtered("need_sync")), 1)


@tagged("post_install", "-at_install")
class TestSettlementButtonHandover(CronHandover, AmazonImportCase):
    def setUp(self):
        super().setUp()
        self.read_settlements_from_simulator()
        self.account.invoice_payment_term_id = self.env.ref("account.account_payment_term_30days")

    def test_read_settlements_now_does_what_fits_and_queues_the_rest(self):
        self.sim.add_order([line("JBJ-S", 1)], status="Shipped")
        self.run_import()
        self.sim.generate_settlement_report()
        self.sim.clock.advance(3600)
        self.sim.generate_settlement_report(unknown_orders=1)
        self.sim.clock.advance(60)
        self.active_cron(SETTLEMENT_CRON)
        before = self.triggers(SETTLEMENT_CRON)
        with patch.object(SettlementRun, "out_of_time", budget_for(1)), self.served():
            action = self.account.action_read_settlements()
        self.assertRestQueued(action, SETTLEMENT_CRON, before, done="1 report(s) read")
        self.sim.clock.advance(60)
        with self.served():
            action = self.account.action_read_settlements()
        self.assertIn("1 report(s) read", action["params"]["message"])


@tagged("post_install", "-at_install")
class TestSyncButtonHandover(CronHandover, ConnectorCase):
    def setUp(self):
        super().setUp()
        self.serve_demo_lightspeed()
        self.account = self.lightspeed_account(self.server.url, company=self.company)

    def test_a_sync_the_bucket_cannot_take_now_is_queued_for_when_it_can(self):
        self.active_cron(SYNC_CRON)
        before = self.triggers(SYNC_CRON)

        def bucket_full(account):
            raise ThrottledError("Lightspeed's API bucket stays full", retry_after=40)

        started = fields.Datetime.now()
        with patch.object(LightspeedAccount, "_sync_reference_data", bucket_full):
            action = self.account.action_sync_reference_data()
        new = self.assertRestQueued(action, SYNC_CRON, before, done="throttled")
        self.assertEqual(len(new), 1)
        self.assertGreaterEqual(new.call_at, started + timedelta(seconds=39))


@tagged("post_install", "-at_install")
class TestSendAfterRefusedCredentials(CronHandover, LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()

    def test_send_now_queues_nothing_and_says_what_to_do(self):
        routed = self.import_order(("CANVAS-TOTE", 1)).routed_order_ids
        self.assertEqual(routed.state, "to_send")
        self.active_cron(SEND_CRON)
        self.sim.oauth.expire_access_tokens()
        self.sim.oauth.revoke_refresh_tokens()  # the merchant disconnected the app
        before = self.triggers(SEND_CRON)
        action = routed.with_user(self.user).action_send_to_lightspeed()
        params = action["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("refused the credentials", params["message"])
        self.assertIn(CREDENTIALS_ADVICE, params["message"])
        self.assertNotIn("next run starts", params["message"])
        self.assertFalse(self.triggers(SEND_CRON) - before, "the action would fail the same")
        self.assertEqual(routed.state, "to_send", "sent once the account is reconnected")


@tagged("post_install", "-at_install")
class TestSendNowOnManyOrders(CronHandover, LightspeedSales, RoutingCase):
    ORDERS = 25

    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()

    def test_send_now_on_many_orders_answers_within_its_budget_and_says_what_is_left(self):
        orders = self.Routed.browse(
            [self.import_order(("CANVAS-TOTE", 1)).routed_order_ids.id for _i in range(self.ORDERS)]
        )
        self.active_cron(SEND_CRON)
        started = time.monotonic()
        action = orders.with_user(self.user).action_send_to_lightspeed()
        elapsed = time.monotonic() - started
        left = len(orders.filtered(lambda r: r.state == "to_send"))
        params = action["params"]
        # a figure for the README, not an assertion: the machine's load decides it
        _logger.info(
            "Send to Lightspeed now on %d orders: %.1f s (button budget %.0f s), %d sent, %d "
            "left to the scheduled action",
            self.ORDERS,
            elapsed,
            connector_budget.BUTTON_BUDGET,
            self.ORDERS - left,
            left,
        )
        if left:
            self.assertEqual(params["type"], "warning")
            self.assertIn("%s queued: the next run starts at" % left, params["message"])
        else:
            self.assertEqual(params["type"], "success", params["message"])

    def test_a_run_that_would_wait_long_for_the_bucket_ends_quietly_and_asks_for_room(self):
        orders = self.Routed.browse(
            [self.import_order(("CANVAS-TOTE", 1)).routed_order_ids.id for _i in range(8)]
        )
        self.active_cron(SEND_CRON)
        before = self.triggers(SEND_CRON)
        started = fields.Datetime.now()
        runs = self.send()
        left = orders.filtered(lambda r: r.state == "to_send")
        self.assertTrue(left, "the bucket (90 units at 1 unit/s) cannot take 8 new buyers")
        self.assertTrue(runs[0].waits_for_quota, runs[0].stopped)
        self.assertFalse(
            self.sales_log().filtered(lambda log: log.level in ("warning", "error")),
            "ending a run to wait for the bucket is the normal course, nothing to report",
        )
        later = self.triggers(SEND_CRON) - before
        self.assertTrue(later)
        room = started + timedelta(seconds=connector_run.MAX_WAIT)
        self.assertGreaterEqual(min(later.mapped("call_at")), room, "when the bucket has room")


@tagged("post_install", "-at_install")
class TestImportAfterRefusedCredentials(CronHandover, AmazonImportCase):
    def test_import_now_queues_nothing_and_says_what_to_do(self):
        from ..models.amazon_account_import import IMPORT_CRON

        self.sim.add_order([line("JBJ-M")])
        self.sim.revoke_refresh_token()
        self.active_cron(IMPORT_CRON)
        before = self.triggers(IMPORT_CRON)
        with self.served():
            action = self.account.action_import_orders()
        params = action["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("refused the credentials", params["message"])
        self.assertIn(CREDENTIALS_ADVICE, params["message"])
        self.assertFalse(self.triggers(IMPORT_CRON) - before)


@tagged("post_install", "-at_install")
class TestHandOver(CronHandover, ConnectorCase):
    """The one piece every button uses to hand its rest over (connector_run.hand_over)."""

    def run_stopped_by(self, error):
        run = ConnectorRun(self.env, budget=5)
        run.stop(error)
        return run

    def test_refused_credentials_are_not_queued_whatever_the_button(self):
        self.active_cron(SEND_CRON)
        before = self.triggers(SEND_CRON)
        refused = self.run_stopped_by(AuthError("refresh token revoked"))
        sentence = connector_run.hand_over(self.env, SEND_CRON, [refused], queued=4)
        self.assertIn(CREDENTIALS_ADVICE, sentence)
        self.assertFalse(self.triggers(SEND_CRON) - before)

    def test_a_run_whose_time_was_up_is_queued_now_and_a_throttled_one_when_room_comes(self):
        self.active_cron(SEND_CRON)
        spent = ConnectorRun(self.env, budget=5)
        spent.stop_for_budget()
        throttled = self.run_stopped_by(ThrottledError("full", retry_after=120))
        now = fields.Datetime.now()
        before = self.triggers(SEND_CRON)
        sentence = connector_run.hand_over(self.env, SEND_CRON, [throttled], queued=3)
        self.assertIn("3 queued: the next run starts at", sentence)
        later = self.triggers(SEND_CRON) - before
        self.assertGreaterEqual(min(later.mapped("call_at")), now + timedelta(seconds=119))
        sentence = connector_run.hand_over(self.env, SEND_CRON, [throttled, spent], queued=3)
        soon = self.triggers(SEND_CRON) - before - later
        self.assertLessEqual(min(soon.mapped("call_at")), now + timedelta(seconds=2))

    def test_a_wait_longer_than_a_few_seconds_ends_the_run_and_is_scheduled_for_its_moment(self):
        self.assertLessEqual(connector_run.MAX_WAIT, 5)
        short = self.run_stopped_by(ThrottledError("full", retry_after=2))
        self.assertLessEqual(short.next_run_at(), fields.Datetime.now(), "the next run waits it")
        longer = connector_run.MAX_WAIT + 1
        long_ = self.run_stopped_by(ThrottledError("full", retry_after=longer))
        self.assertGreaterEqual(
            long_.next_run_at(), fields.Datetime.now() + timedelta(seconds=longer - 1)
        )

    def test_nothing_left_says_nothing_and_triggers_nothing(self):
        self.active_cron(SEND_CRON)
        before = self.triggers(SEND_CRON)
        done = ConnectorRun(self.env, budget=5)
        self.assertEqual(connector_run.hand_over(self.env, SEND_CRON, [done], queued=0), "")
        self.assertEqual(connector_run.hand_over(self.env, SEND_CRON, [done]), "")
        self.assertFalse(self.triggers(SEND_CRON) - before)
