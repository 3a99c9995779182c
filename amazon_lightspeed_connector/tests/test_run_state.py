"""Where each flow stands lives on its own status row (connector.run.state), never on the
account's row that managers save: runs and settings never wait for or collide with each other."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.sql_db import Cursor
from odoo.tests import tagged

from .amazon_import_common import AmazonImportCase
from .common import ADDON, make_user
from .simulators.amazon import line
from .stock_common import StockCase


@contextmanager
def row_updates(env, table):
    """The UPDATE statements on ``table`` the block makes, as PostgreSQL gets them: what the
    ORM still holds is written before and at the end of the block (tests never commit, so
    a write the run left pending would otherwise never reach the spy)."""
    updates = []
    env.flush_all()
    execute = Cursor.execute

    def spying(cr, query, params=None, log_exceptions=True):
        text = str(query)
        if text.lstrip().upper().startswith("UPDATE") and '"%s"' % table in text.split("SET")[0]:
            updates.append(text)
        return execute(cr, query, params, log_exceptions)

    with patch.object(Cursor, "execute", spying):
        yield updates
        env.flush_all()


@tagged("post_install", "-at_install")
class TestImportRunState(AmazonImportCase):
    def test_an_import_moves_its_status_row_and_never_writes_the_channel_row(self):
        orders = []
        for _ in range(3):
            orders.append(self.sim.add_order([line("JBJ-S")]))
            self.sim.clock.advance(60)  # the last one is the last Amazon updated
        with row_updates(self.env, "amazon_account") as updates:
            run = self.run_import()
        self.assertEqual(run.counts["created"], 3, run.summary())
        self.assertEqual(updates, [], "a manager saving the channel meanwhile waits for nothing")
        state = self.account._run_state("import")
        self.assertEqual(state.last_reference, orders[-1].order_id)
        self.assertGreater(state.cursor, self.account.import_from)
        self.assertEqual(state.last_result, run.summary())
        self.assertEqual(state.company_id, self.account.company_id)
        # the channel's form, list and card read the same row
        self.assertEqual(
            (self.account.import_cursor, self.account.last_run, self.account.import_progress),
            (state.cursor, state.last_run, state.last_result),
        )

    def test_the_next_run_starts_from_the_status_row(self):
        self.sim.add_order([line("JBJ-S")])
        self.run_import()
        self.sim.clock.advance(600)
        late = self.sim.add_order([line("JBJ-M")])
        again = self.run_import()
        self.assertEqual((again.counts["created"], again.counts["unchanged"]), (1, 0))
        self.assertEqual(self.account._run_state("import").last_reference, late.order_id)

    def test_each_flow_has_one_row_per_account(self):
        self.run_import()
        self.run_import()
        self.account._save_run_state("settlement", last_result="read")
        states = self.account.run_state_ids
        self.assertEqual(sorted(states.mapped("flow")), ["import", "settlement"])
        self.assertEqual(self.account.settlement_last_result, "read")

    def test_connector_users_read_their_companys_rows_and_write_none(self):
        self.run_import()
        state = self.account._run_state("import")
        user = make_user(self.env, "runs-user", "%s.group_connector_user" % ADDON)
        self.assertEqual(self.account.with_user(user).run_state_ids, state)
        with self.assertRaises(AccessError):
            state.with_user(user).write({"cursor": False})
        elsewhere = self.env["res.company"].create({"name": "Other Retailer"})
        stranger = make_user(
            self.env, "runs-stranger", "%s.group_connector_manager" % ADDON, elsewhere
        )
        Runs = self.env["connector.run.state"].with_user(stranger)
        self.assertFalse(Runs.search([]), "another company's progress stays hidden")

    def test_deleting_a_channel_deletes_its_rows(self):
        state = self.account._save_run_state("import", last_result="never ran")
        self.account.unlink()
        self.assertFalse(state.exists())


@tagged("post_install", "-at_install")
class TestStockRunState(StockCase):
    def test_a_stock_refresh_moves_its_status_row_and_never_writes_the_account_row(self):
        self.sim.clock.advance(60)
        self.sim.set_qoh("JBJ-M", 1, 9)
        with row_updates(self.env, "lightspeed_account") as updates:
            self.env["lightspeed.account"]._cron_refresh_stock()
        self.assertEqual(updates, [])
        state = self.lightspeed._run_state("stock")
        self.assertTrue(state.cursor and state.last_run)
        self.assertEqual(self.lightspeed.stock_refresh_message, state.last_result)
        self.assertIn("1 items read", state.last_result)
