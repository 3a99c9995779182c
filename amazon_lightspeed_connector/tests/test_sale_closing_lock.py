"""Closing an Amazon order's sale, between workers on connections of their own: the lock on the
order's row lets one closer through and turns every other away at once (never two invoices)."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tests import tagged
from psycopg2.errors import LockNotAvailable, SerializationFailure

from .connector_common import ConnectorCase


@tagged("post_install", "-at_install")
class TestSaleClosingLock(ConnectorCase):
    def setUp(self):
        super().setUp()
        self.order_id = self.committed_order()

    def committed_order(self):
        """An Amazon order committed for real (the test's own transaction is invisible to other
        connections), removed after the test with its channel."""
        with self.worker_env() as env:
            Account = type(env["amazon.account"])
            with patch.object(Account, "_sync_import_cron", lambda accounts: None):
                account = env["amazon.account"].create(
                    {
                        "name": "Two closers",
                        "company_id": env["res.company"].search([], order="id", limit=1).id,
                        "marketplace_ids": "ATVPDKIKX0DER",
                        "active": False,
                    }
                )
            order = env["amazon.order"].create(
                {"name": "113-0000099-0000099", "account_id": account.id}
            )
            account_id, order_id = account.id, order.id
        self.addCleanup(self.remove_committed_account, account_id)
        return order_id

    def remove_committed_account(self, account_id):
        with db_connect(self.env.cr.dbname).cursor() as cr:  # its orders go with it
            cr.execute("DELETE FROM amazon_account WHERE id = %s", (account_id,))

    @contextmanager
    def worker_env(self):
        """A worker's environment: a connection and transaction of its own, committed at the
        end unless it failed."""
        with db_connect(self.env.cr.dbname).cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    @contextmanager
    def worker(self):
        with self.worker_env() as env:
            yield env["amazon.order"].browse(self.order_id)

    @staticmethod
    def close(order):
        """What a closer does once it holds the row: mark it closed and commit."""
        order.sale_close_state = "closed"
        order.env.flush_all()
        order.env.cr.commit()

    def test_an_open_order_is_locked_by_its_closer(self):
        with self.worker() as order:
            self.assertTrue(order._lock_for_closing())

    def test_an_order_another_worker_is_closing_is_left_to_it_at_once(self):
        with self.worker() as closer, self.worker() as other:
            self.assertTrue(closer._lock_for_closing())
            # NOWAIT: a worker never waits; an expected conflict, not a "bad query" ERROR
            with self.assertRaises(LockNotAvailable), self.assertNoLogs("odoo.sql_db", "ERROR"):
                other._lock_for_closing()
            other.env.cr.rollback()

    def test_an_order_closed_since_a_worker_began_is_left_to_the_closer(self):
        """Under REPEATABLE READ the late worker still sees the order open: only the lock
        tells it that another worker closed it meanwhile."""
        with self.worker() as late, self.worker() as closer:
            self.assertFalse(late.sale_close_state)  # its snapshot: taken before the close
            self.assertTrue(closer._lock_for_closing())
            self.close(closer)
            with self.assertRaises(SerializationFailure), self.assertNoLogs("odoo.sql_db"):
                late._lock_for_closing()
            late.env.cr.rollback()

    def test_an_order_closed_before_is_not_closed_again(self):
        with self.worker() as closer:
            self.assertTrue(closer._lock_for_closing())
            self.close(closer)
        with self.worker() as later:
            self.assertFalse(later._lock_for_closing())
