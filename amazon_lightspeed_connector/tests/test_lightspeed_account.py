"""Lightspeed account: rotating tokens kept safe, connection failures explained, reference sync."""

import threading
import time
from types import SimpleNamespace

from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib.errors import AuthError
from ..lib.lightspeed.auth import TokenGrant
from ..models.lightspeed_token_store import OdooTokenStore
from .connector_common import ConnectorCase, unreachable_url
from .simulators.demo_catalogue import LIGHTSPEED_DEMO

QUIET = (
    "odoo.addons.amazon_lightspeed_connector.lib.lightspeed.client",
    "odoo.addons.amazon_lightspeed_connector.models.amazon_sync_log",
)


@tagged("post_install", "-at_install")
class TestLightspeedTokens(ConnectorCase):
    def setUp(self):
        super().setUp()
        self.serve_demo_lightspeed()
        self.account = self.lightspeed_account(self.server.url)
        self.env.flush_all()  # the token store reads the row through its own cursor

    def stored(self):
        self.account.invalidate_recordset()
        return self.account.sudo().refresh_token, self.account.sudo().access_token

    def test_rotated_refresh_token_is_saved_and_reused(self):
        action = self.account.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Demo Retail Account", action["params"]["message"])
        refresh_token, access_token = self.stored()
        self.assertNotEqual(refresh_token, LIGHTSPEED_DEMO["refresh_token"])
        self.assertEqual(self.sim.valid_refresh_tokens, {refresh_token})
        self.assertTrue(access_token)
        grants = len(self.sim.token_grants)
        # a new worker (a new client) uses the saved access token: no refresh at all
        self.account._lightspeed_client().test_connection()
        self.assertEqual(len(self.sim.token_grants), grants)

    def test_two_workers_refreshing_at_once_keep_one_valid_token(self):
        first, second = self.account._lightspeed_client(), self.account._lightspeed_client()
        first.test_connection()
        second.test_connection()  # took the first one's token from the store
        self.sim.oauth.expire_access_tokens()  # both now hold a token Lightspeed refuses
        first.test_connection()  # 401: refreshes through the store
        second.test_connection()  # 401: finds the first one's fresh token under the lock
        refresh_token, _access = self.stored()
        self.assertEqual(self.sim.valid_refresh_tokens, {refresh_token})
        self.assertEqual(
            len(self.sim.token_grants), 2, "one refresh per expiry, not one per worker"
        )

    def test_a_worker_that_waited_for_the_lock_refreshes_with_the_newest_token(self):
        store_a, store_b = OdooTokenStore(self.account), OdooTokenStore(self.account)
        old_refresh, _access, _expiry = store_a.current()
        store_b.rotate(lambda token: TokenGrant("at-b", "rt-b", 0.0))  # expired at once
        seen = []

        def refresh(token):
            seen.append(token)
            return TokenGrant("at-a", "rt-a", 4102444800.0)

        store_a.rotate(refresh)
        self.assertEqual(seen, ["rt-b"], "refreshed with the token read under the lock")
        self.assertNotEqual(seen[0], old_refresh)
        self.assertEqual(self.stored(), ("rt-a", "at-a"))

    def test_a_worker_waiting_on_another_ones_refresh_takes_its_tokens(self):
        """Two real connections: worker B holds the token row while it refreshes, worker A
        waits for the lock, then takes B's new tokens without a refresh of its own (under
        Odoo's REPEATABLE READ, a row changed while A waited would fail A instead)."""
        account_id = self.committed_token_row()
        store_a = OdooTokenStore(self.own_connections(account_id))
        outcome = {}

        def worker_a():
            try:
                outcome["grant"] = store_a.rotate(self.must_not_refresh, stale_access_token="x")
            except Exception as error:
                outcome["error"] = error

        with (
            # the conflict is expected and handled: no "bad query" at ERROR for monitoring
            self.assertNoLogs("odoo.sql_db", level="ERROR"),
            db_connect(self.env.cr.dbname).cursor() as worker_b,
        ):
            worker_b.execute(
                "SELECT 1 FROM lightspeed_token WHERE lightspeed_account_id = %s FOR UPDATE",
                (account_id,),
            )
            waiting = threading.Thread(target=worker_a)
            waiting.start()
            self.wait_for_a_lock_wait()
            worker_b.execute(
                "UPDATE lightspeed_token SET refresh_token = 'rt-b', access_token = 'at-b', "
                "access_token_expires_at = '2100-01-01' WHERE lightspeed_account_id = %s",
                (account_id,),
            )
            worker_b.commit()
            waiting.join(30)
        self.assertNotIn("error", outcome)
        self.assertEqual(
            (outcome["grant"].access_token, outcome["grant"].refresh_token), ("at-b", "rt-b")
        )

    @staticmethod
    def must_not_refresh(token):
        raise AssertionError("refreshed although a valid token was stored")

    def committed_token_row(self):
        """A Lightspeed account and its token row committed for real (the test's own
        transaction is invisible to other connections), removed after the test."""
        with db_connect(self.env.cr.dbname).cursor() as cr:
            # in a committed company: the test's own are not committed
            cr.execute(
                "INSERT INTO lightspeed_account (company_id, name, account_number, api_url, "
                "token_url, item_match, active) SELECT min(id), 'Two workers', '1', "
                "'https://127.0.0.1/API/V3', 'https://127.0.0.1/token', 'auto', false "
                "FROM res_company RETURNING id"
            )
            (account_id,) = cr.fetchone()
            cr.execute(
                "INSERT INTO lightspeed_token (lightspeed_account_id, refresh_token) "
                "VALUES (%s, 'rt-old')",
                (account_id,),
            )
        self.addCleanup(self.remove_committed_account, account_id)
        return account_id

    def remove_committed_account(self, account_id):
        with db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute("DELETE FROM lightspeed_account WHERE id = %s", (account_id,))

    def own_connections(self, account_id):
        """What the token store needs of an account, with cursors on connections of their own
        (a test's registry hands out the test's transaction instead)."""
        dbname = self.env.cr.dbname
        registry = SimpleNamespace(cursor=lambda: db_connect(dbname).cursor())
        return SimpleNamespace(id=account_id, env=SimpleNamespace(registry=registry))

    def wait_for_a_lock_wait(self):
        with db_connect(self.env.cr.dbname).cursor() as cr:
            for _poll in range(100):
                cr.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
                if cr.fetchone()[0]:
                    return
                cr.rollback()
                time.sleep(0.05)
        self.fail("worker A never waited for the token row")

    def test_a_token_refreshed_by_another_worker_is_used_without_refreshing(self):
        store_a, store_b = OdooTokenStore(self.account), OdooTokenStore(self.account)
        store_b.rotate(lambda token: TokenGrant("at-b", "rt-b", 4102444800.0))

        def must_not_refresh(token):
            raise AssertionError("refreshed although a valid token was stored")

        grant = store_a.rotate(must_not_refresh)
        self.assertEqual((grant.access_token, grant.refresh_token), ("at-b", "rt-b"))
        # ... unless it is the very token Lightspeed just refused
        grant = store_a.rotate(
            lambda token: TokenGrant("at-c", "rt-c", 4102444800.0), stale_access_token="at-b"
        )
        self.assertEqual(grant.access_token, "at-c")
        self.assertEqual(self.stored(), ("rt-c", "at-c"))

    def test_a_failed_refresh_leaves_the_tokens_as_they_were(self):
        def refused(token):
            raise AuthError("refused")

        with self.assertRaises(AuthError):
            OdooTokenStore(self.account).rotate(refused)
        self.assertEqual(self.stored(), (LIGHTSPEED_DEMO["refresh_token"], False))

    def test_disconnect_forgets_the_tokens(self):
        self.account.action_test_connection()
        self.account.action_disconnect()
        self.assertEqual(self.stored(), (False, False))
        self.assertFalse(self.account.sudo().access_token_expires_at)
        self.assertEqual(self.account.connection_state, "draft")


@tagged("post_install", "-at_install")
class TestLightspeedConnectionFailures(ConnectorCase):
    def setUp(self):
        super().setUp()
        self.serve_demo_lightspeed()

    def assert_failure(self, account, expected):
        account.env.flush_all()
        self.assertConnectionTestFails(account, expected, ("client_secret",), QUIET)

    def test_bad_client_secret(self):
        account = self.lightspeed_account(self.server.url, client_secret="not-the-secret")
        self.assert_failure(account, "rejected the app's client id or client secret")

    def test_revoked_refresh_token(self):
        account = self.lightspeed_account(self.server.url)
        self.sim.oauth.revoke_refresh_tokens()
        self.assert_failure(account, "refresh token is no longer valid")

    def test_network_down(self):
        account = self.lightspeed_account(unreachable_url())
        self.assert_failure(account, "Lightspeed was unreachable")


@tagged("post_install", "-at_install")
class TestLightspeedReferenceSync(ConnectorCase):
    def setUp(self):
        super().setUp()
        self.serve_demo_lightspeed()
        self.account = self.lightspeed_account(self.server.url, company=self.company)
        self.env.flush_all()

    def sync(self):
        action = self.account.action_sync_reference_data()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])

    def reference(self, model):
        return (
            self.env[model]
            .with_context(active_test=False)
            .search([("lightspeed_account_id", "=", self.account.id)])
        )

    def test_sync_creates_stores_and_fills_the_drop_downs(self):
        existing = self.env["stock.warehouse"].create(
            {"name": "Store B - Harbour", "code": "HARB", "company_id": self.company.id}
        )
        self.sync()
        stores = self.account.warehouse_ids.sorted("lightspeed_shop_id")
        self.assertEqual(stores.mapped("lightspeed_shop_id"), ["1", "2", "3"])
        self.assertEqual(stores[1], existing, "an unbound warehouse of the same name is reused")
        self.assertEqual(stores.company_id, self.company)
        self.assertEqual(stores[0].name, "Store A - Downtown")
        priorities = stores.mapped("lightspeed_routing_priority")
        self.assertEqual(len(set(priorities)), 3, "each new store gets its own priority")
        registers = self.reference("lightspeed.register")
        self.assertEqual(len(registers), 3)
        for store in stores:
            self.assertEqual(store.lightspeed_register_id.warehouse_id, store)
        employees = self.reference("lightspeed.employee")
        self.assertIn("Amazon Orders", employees.mapped("name"))
        payment_types = self.reference("lightspeed.payment.type")
        self.assertIn("Amazon Payment", payment_types.mapped("name"))
        self.assertEqual(len(payment_types), 7)
        self.assertTrue(self.account.last_sync)
        # a second sync changes nothing
        self.sync()
        self.assertEqual(self.reference("lightspeed.register"), registers)
        self.assertEqual(self.reference("lightspeed.employee"), employees)

    def test_what_disappears_in_lightspeed_is_archived_never_changed(self):
        self.sync()
        employee = self.reference("lightspeed.employee").filtered(lambda e: e.lightspeed_id == "1")
        payment = self.reference("lightspeed.payment.type").filtered(
            lambda p: p.lightspeed_id == "7"
        )
        channel = self.amazon_account(
            self.server.url,
            company=self.company,
            lightspeed_account_id=self.account.id,
            default_employee_id=employee.id,
            default_payment_type_id=payment.id,
        )
        self.sim.store.employees[1]["archived"] = "true"
        del self.sim.store.payment_types[7]
        self.sim.store.shops[3]["archived"] = "true"
        new_register = self.sim.add_register(3, "Counter 2")
        self.sim.store.changed()
        self.sync()
        self.assertFalse(employee.active)
        self.assertFalse(payment.active)
        self.assertEqual(channel.default_employee_id, employee, "the choice stays, shown archived")
        self.assertEqual(channel.default_payment_type_id, payment)
        store_c = self.account.warehouse_ids.filtered(lambda w: w.lightspeed_shop_id == "3")
        self.assertTrue(store_c.lightspeed_shop_archived)
        self.assertTrue(store_c.active, "the warehouse itself is kept for the stock it holds")
        self.assertIn(
            str(new_register), self.reference("lightspeed.register").mapped("lightspeed_id")
        )
        self.assertTrue(
            self.reference("lightspeed.employee").filtered(lambda e: e.lightspeed_id == "2").active
        )

    def test_daily_cron_syncs_every_account_and_survives_a_broken_one(self):
        broken = self.lightspeed_account(unreachable_url(), name="Broken", account_number="999")
        self.env.flush_all()
        with mute_logger(*QUIET):
            self.env["lightspeed.account"]._cron_sync_reference_data()
        self.assertEqual(len(self.account.warehouse_ids), 3)
        self.assertEqual(broken.connection_state, "error")
        self.assertTrue(
            self.env.ref(
                "amazon_lightspeed_connector.ir_cron_lightspeed_sync_reference_data"
            ).active
        )
