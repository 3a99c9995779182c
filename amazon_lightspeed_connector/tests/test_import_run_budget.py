"""The import inside Odoo's limits: a time budget, Amazon's quota never waited out
for long inside a run, another worker's write never an error nor a crash."""

from unittest.mock import patch

from odoo.tests import tagged
from psycopg2.errors import UniqueViolation

from ..lib.amazon.pacing import Pacer
from ..lib.errors import ThrottledError
from ..models.amazon_account_import import IMPORT_CRON, ImportRun
from .amazon_import_common import AmazonImportCase
from .common import ADDON, CronHandover
from .simulators.amazon import line
from .simulators.amazon.wire import MALFORMATIONS


@tagged("post_install", "-at_install")
class TestImportRunBudget(CronHandover, AmazonImportCase):
    def setUp(self):
        super().setUp()
        self.active_cron(IMPORT_CRON)

    def test_a_spent_budget_stops_between_orders_and_goes_on_at_once(self):
        orders = [self.sim.add_order([line("JBJ-M")]) for _ in range(4)]
        calls = {"n": 0}

        def two_orders(run):
            calls["n"] += 1
            return calls["n"] > 3  # the first page, then two orders

        before = self.triggers(IMPORT_CRON)
        with patch.object(ImportRun, "out_of_time", two_orders):
            run = self.run_import()
        self.assertEqual((run.stop_kind, run.counts["created"]), ("budget", 2), run.summary())
        self.assertTrue(run.continues and self.account._run_state("import").backlog)
        self.assertFalse(self.logs("error"))
        again = self.run_import()
        self.assertEqual(len(self.orders()), len(orders), again.summary())
        with patch.object(ImportRun, "out_of_time", lambda run: True):
            action = self.account.action_import_orders()
        self.assertRestQueued(action, IMPORT_CRON, before)

    def test_the_quota_is_never_waited_out_inside_a_run(self):
        self.sim.add_order([line("JBJ-M")])
        pacer = Pacer(self.sim.clock)
        pacer.max_wait = 5
        bucket = pacer.bucket("orders2026.searchOrders")
        bucket.tokens = 0
        with self.assertRaises(ThrottledError) as caught:
            pacer.before_call("orders2026.searchOrders")
        self.assertGreater(caught.exception.retry_after, 100)  # 1 / 0.0056 per second
        self.assertEqual(pacer.waited, 0, "nothing slept")

    def test_the_buttons_run_waits_a_few_seconds_at_most(self):
        self.sim.add_order([line("JBJ-M")])
        seen = []
        real = ImportRun.limit_waits

        def spy(run, pacer):
            real(run, pacer)
            seen.append(pacer.max_wait)

        with patch.object(ImportRun, "limit_waits", spy), self.served():
            action = self.account.action_import_orders()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertTrue(seen)
        self.assertLessEqual(max(seen), 10)

    def colliding_once(self, method):
        """amazon.order's ``method`` meets another worker's row once (a UniqueViolation, as
        PostgreSQL raises it), then works."""
        Order = type(self.env["amazon.order"])
        real = getattr(Order, method)
        calls = {"n": 0}

        def collide_once(orders, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 1:
                raise UniqueViolation("duplicate key value violates unique constraint")
            return real(orders, *args, **kwargs)

        return patch.object(Order, method, collide_once)

    def test_a_unique_violation_while_recording_an_error_is_no_crash(self):
        # another worker stores the same malformed order at the same moment: recording its
        # error collides; the run ends there, without an error, and the next run goes on
        bad = self.sim.inject_malformed_order(next(iter(MALFORMATIONS)))
        with self.colliding_once("_record_payload_error"):
            run = self.run_import()
            self.assertEqual((run.stop_kind, run.counts["busy"]), ("taken", 1), run.summary())
            self.assertFalse(self.logs("error"))
            again = self.run_import()
        self.assertEqual(self.orders(name=bad.order_id).import_state, "error", again.summary())

    def test_a_conflict_storing_an_order_is_taken_by_another_worker(self):
        order = self.sim.add_order([line("JBJ-M")])
        with self.colliding_once("_import_from_amazon"):
            run = self.run_import()
            self.assertEqual(run.counts["busy"], 1, run.summary())
            self.assertFalse(self.orders())
            self.run_import()
        self.assertEqual(self.orders().name, order.order_id)
        self.assertFalse(self.logs("error"))

    def test_a_channel_whose_run_fails_unexpectedly_holds_up_no_other_channel(self):
        """A defect in one channel's run (an exception no flow expects, after it wrote) undoes
        what that run had not committed, is an error on that channel in the sync log, and the
        next channel imports within the same budget: one broken channel never stops the
        others, pass after pass."""
        broken = self.new_account(name="A broken channel")  # sorted first
        (broken | self.account).write({"import_enabled": True})
        self.sim.add_order([line("JBJ-M")])
        real_import = type(self.account)._import_orders
        deadlines = []

        def import_orders(account, client=None, deadline=None):
            deadlines.append(deadline)
            if account == broken:
                account._save_run_state("import", last_result="half done")
                raise KeyError("a defect")
            return real_import(account, client=client, deadline=deadline)

        with (
            patch.object(type(self.account), "_import_orders", import_orders),
            self.served(),
            self.assertLogs("odoo.addons.%s.models.connector_run" % ADDON, "ERROR") as logged,
        ):
            self.env["amazon.account"]._cron_import_orders()
        self.assertIs(logged.records[0].exc_info[0], KeyError, "its traceback, in the server log")
        self.assertEqual(len(self.orders()), 1, "the healthy channel imported")
        self.assertEqual(len(set(deadlines)), 1, "one budget for both channels")
        self.assertFalse(broken._run_state("import").last_result, "undone")
        failed = self.logs("error").filtered(lambda log: log.res_id == broken.id)
        self.assertEqual(len(failed), 1)
        self.assertIn("KeyError", failed.message)
        self.assertIn("the other accounts still run", failed.message)
