"""The send run inside Odoo's limits: a time budget, the rest handed to the
scheduled action and said so, a conflict with another worker never an error nor a lost sale."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields, sql_db
from odoo.service import server as odoo_server
from odoo.tests import tagged
from odoo.tools import mute_logger
from psycopg2.errors import LockNotAvailable

from ..lib.errors import ThrottledError
from ..models import connector_budget, connector_run, ir_cron
from ..models.amazon_routed_order_lightspeed import SendRun
from .common import CronHandover, budget_for, run_with_cron_progress
from .routing_common import RoutingCase
from .sales_common import LightspeedSales

CRON = "amazon_lightspeed_connector.ir_cron_lightspeed_send_sales"


@tagged("post_install", "-at_install")
class TestSendRunBudget(CronHandover, LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()
        self.active_cron(CRON)

    def test_a_spent_budget_stops_taking_orders_and_asks_for_the_next_run_now(self):
        orders = [self.import_order(("CANVAS-TOTE", 1)).routed_order_ids for _i in range(4)]
        before = self.triggers(CRON)
        with patch.object(SendRun, "out_of_time", budget_for(1)):
            done, remaining = run_with_cron_progress(self.Routed, CRON, "_cron_send_to_lightspeed")
        self.assertEqual((done, remaining), (1, 3))
        self.assertEqual([r.state for r in orders], ["sent", "to_send", "to_send", "to_send"])
        new = self.triggers(CRON) - before
        self.assertTrue(new, "the next run is asked for")
        self.assertLessEqual(
            min(new.mapped("call_at")), fields.Datetime.now() + timedelta(seconds=1)
        )
        self.assertFalse(self.sales_log().filtered(lambda log: log.level == "error"))

    def test_a_wait_longer_than_the_budget_allows_ends_the_run_and_schedules_it_then(self):
        orders = [self.import_order(("CANVAS-TOTE", 1)).routed_order_ids for _i in range(2)]
        before = self.triggers(CRON)
        real = type(self.Routed)._post_sale
        calls = {"n": 0}

        def post_then_throttled(routed, run):
            calls["n"] += 1
            if calls["n"] > 1:
                raise ThrottledError("bucket full", retry_after=300)
            return real(routed, run)

        with patch.object(type(self.Routed), "_post_sale", post_then_throttled):
            self.send()
        self.assertEqual([r.state for r in orders], ["sent", "to_send"])
        new = self.triggers(CRON) - before
        self.assertEqual(len(new), 1)
        self.assertGreaterEqual(new.call_at, fields.Datetime.now() + timedelta(seconds=290))

    def test_the_pacer_never_waits_longer_than_a_few_seconds(self):
        self.import_order(("CANVAS-TOTE", 1))
        seen = []
        real = SendRun.limit_waits

        def spy(run, pacer):
            real(run, pacer)
            seen.append(pacer.max_wait)

        with patch.object(SendRun, "limit_waits", spy):
            self.send()
        self.assertTrue(seen)
        self.assertLessEqual(max(seen), connector_run.MAX_WAIT)

    def test_the_budget_setting_is_kept_below_odoos_limit(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(connector_budget.BUDGET_PARAM, "500")
        ceiling = connector_budget.cron_time_limit() * connector_budget.PASS_SHARE
        self.assertEqual(connector_budget.run_budget(self.env), ceiling)
        params.set_param(connector_budget.BUDGET_PARAM, "30")
        self.assertEqual(connector_budget.run_budget(self.env), min(30.0, ceiling))
        settings = self.env["res.config.settings"].create({"connector_run_budget": 45})
        settings.execute()
        self.assertEqual(params.get_param(connector_budget.BUDGET_PARAM), "45")

    def test_a_run_takes_no_more_than_what_is_left_of_the_cron_workers_pass(self):
        class PassCursor:  # the cursor of one pass of a cron worker through the due jobs
            pass

        cursor = PassCursor()
        ceiling = connector_budget.cron_time_limit() * connector_budget.PASS_SHARE
        connector_budget.CronPass.enter(cursor)
        try:
            connector_budget.CronPass._local.started -= ceiling - 5
            self.assertLessEqual(connector_budget.run_budget(self.env), 5)
            connector_budget.CronPass.enter(cursor)  # the same pass: its start is kept
            self.assertLessEqual(connector_budget.run_budget(self.env), 5)
            connector_budget.CronPass.enter(PassCursor())  # the next pass starts afresh
            self.assertGreater(connector_budget.run_budget(self.env), 5)
        finally:
            connector_budget.CronPass._local.cursor = None

    def test_the_cron_workers_sleep_before_its_pass_counts_against_the_pass(self):
        # Odoo's watchdog counts from the ping the worker sends before it sleeps until a job
        # is due: a pass woken late has the rest of the limit only, not the whole of it
        slept = []
        noting = ir_cron._noting_the_ping(lambda worker: slept.append(worker))
        self.assertIs(ir_cron._noting_the_ping(noting), noting, "wrapped once")
        self.assertTrue(getattr(odoo_server.WorkerCron.sleep, "notes_the_ping", False))
        ceiling = connector_budget.cron_time_limit() * connector_budget.PASS_SHARE
        with patch("time.monotonic", lambda: 1000.0):
            noting("the worker")
        self.assertEqual((slept, connector_budget.CronPass._pinged), (["the worker"], 1000.0))
        cursor = type("PassCursor", (), {})()  # the cursor of the pass (held: a weak ref)
        try:
            with patch("time.monotonic", lambda: 1000.0 + ceiling - 5):  # woken that late
                connector_budget.CronPass.enter(cursor)
                self.assertLessEqual(connector_budget.run_budget(self.env), 5)
        finally:
            connector_budget.CronPass._local.cursor = None
            connector_budget.CronPass._pinged = None

    # --- the button ------------------------------------------------------------------------------

    def test_send_now_does_what_fits_and_says_the_rest_is_queued(self):
        orders = self.Routed.browse(
            [self.import_order(("CANVAS-TOTE", 1)).routed_order_ids.id for _i in range(3)]
        )
        before = self.triggers(CRON)
        with patch.object(SendRun, "out_of_time", budget_for(1)):
            action = orders.with_user(self.user).action_send_to_lightspeed()
        self.assertRestQueued(action, CRON, before, done="1 written to Lightspeed", queued=2)
        self.assertEqual(sorted(orders.mapped("state")), ["sent", "to_send", "to_send"])

    def test_send_now_gives_its_run_a_short_budget(self):
        routed = self.import_order(("CANVAS-TOTE", 1)).routed_order_ids
        budgets = []
        real = SendRun.__init__

        def spy(run, *args, **kwargs):
            real(run, *args, **kwargs)
            budgets.append(run.remaining())

        with patch.object(SendRun, "__init__", spy):
            action = routed.with_user(self.user).action_send_to_lightspeed()
        self.assertEqual(action["params"]["type"], "success")
        self.assertLessEqual(max(budgets), connector_budget.BUTTON_BUDGET)

    # --- another worker ------------------------------------------------------------------------

    def test_a_lock_held_by_another_worker_while_recording_keeps_the_sale_and_is_no_error(self):
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        available_before = self.available(self.store_a, "LTR-BELT")
        self.sim.clock.advance(60)  # the stock was read a minute before the sale
        real = type(self.Routed)._record_sale
        calls = {"n": 0}
        # a committed row no code of the run writes or references (a lock on a referenced row
        # would block this very test's inserts)
        lock_sql = (
            "SELECT id FROM ir_config_parameter WHERE key = 'database.uuid' FOR NO KEY UPDATE"
        )
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            # another worker holds a row this worker's recording must take (a buyer kept at the
            # same moment): a real LockNotAvailable from PostgreSQL, as a busy worker gives
            other.execute(lock_sql)

            def record_while_locked(order, *args):
                calls["n"] += 1
                if calls["n"] == 1:
                    self.env.cr.execute(lock_sql + " NOWAIT")
                return real(order, *args)

            with (
                patch.object(type(self.Routed), "_record_sale", record_while_locked),
                mute_logger("odoo.sql_db"),
            ):
                runs = self.send()
            other.rollback()
        self.assertEqual(routed.state, "sent")
        self.assertFalse(routed.error_message)
        self.assertEqual(routed.lightspeed_sale_id, str(self.sale_of(routed).sale_id))
        self.assertEqual(runs[0].counts["sent"], 1)
        self.assertEqual(calls["n"], 2, "recorded by the second try, no second POST")
        self.assertEqual(len(self.sim.sales(routed.name)), 1)
        self.assertEqual(
            self.available(self.store_a, "LTR-BELT"),
            available_before,
            "the routed unit stays reserved once, now by the completed sale",
        )

    def test_a_conflict_before_the_post_leaves_the_order_to_the_next_run(self):
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        real = type(self.Routed)._prepare_lightspeed_sale_request
        calls = {"n": 0}

        def conflict_once(order, run=None, **options):
            calls["n"] += 1
            if calls["n"] == 1:
                raise LockNotAvailable("could not obtain lock on row")
            return real(order, run, **options)

        with patch.object(type(self.Routed), "_prepare_lightspeed_sale_request", conflict_once):
            runs = self.send()
        self.assertEqual((routed.state, runs[0].counts["busy"]), ("to_send", 1))
        self.assertFalse(routed.error_message)
        self.assertFalse(self.sim.sales(routed.name))
        self.send()
        self.assertLightspeedSaleCreated(routed)
