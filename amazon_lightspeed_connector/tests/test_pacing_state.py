"""Shared pacing state: a new run or another worker starts from what is known of the quotas.

Each run builds a new client. These tests build one after another, as successive runs (or two
workers) do, and check that the second starts from the first one's view of the Lightspeed
bucket and Amazon's token buckets, and uses the LWA access token the first one obtained.
"""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..lib.errors import ThrottledError
from .common import make_user
from .connector_common import ConnectorCase
from .simulators.amazon import AmazonSimulator
from .simulators.core import SystemClock


@tagged("post_install", "-at_install")
class TestSharedPacingState(ConnectorCase):
    def setUp(self):
        super().setUp()
        self.lightspeed_sim = self.lightspeed_simulator()
        self.lightspeed = self.lightspeed_account(self.serve(self.lightspeed_sim).url)
        # the client reads "the last hour" on the wall clock: the simulator must share it
        self.amazon_sim = AmazonSimulator(clock=SystemClock())
        self.amazon = self.amazon_account(self.serve(self.amazon_sim).url)
        self.env.flush_all()  # the stores read and write through their own cursors

    def test_the_next_lightspeed_client_starts_from_the_bucket_last_seen(self):
        first = self.lightspeed._lightspeed_client()
        self.lightspeed_sim.other_apps_spend(50)  # the registers are busy
        first.test_connection()
        seen = first.pacer.snapshot()
        self.assertGreater(seen["level"], 45)
        second = self.lightspeed._lightspeed_client()  # the next run, or another worker
        self.assertEqual(second.pacer.snapshot(), seen)
        self.assertTrue(second.pacer._others_measured or second.pacer.size == seen["size"])

    def test_a_blind_client_would_start_empty(self):
        # the control: what a client knew before this table existed
        self.lightspeed._lightspeed_client().test_connection()
        self.env["connector.pacing.state"].search([]).unlink()
        self.assertEqual(self.lightspeed._lightspeed_client().pacer.snapshot()["level"], 0.0)

    def test_one_lwa_token_serves_every_run_until_it_expires(self):
        exchanges = []
        for _run in range(3):
            with self.amazon._amazon_client() as client:
                client.test_connection()
                exchanges.append(client.lwa_exchanges)
        self.assertEqual(exchanges, [1, 0, 0])
        stored = self.env["amazon.access.token"].search(
            [("amazon_account_id", "=", self.amazon.id)]
        )
        self.assertIn(stored.access_token, self.amazon_sim.authority.access_tokens)

    def test_amazon_buckets_are_restored_for_the_next_run(self):
        with self.amazon._amazon_client() as client:
            client.test_connection()
            spent = client.pacer.snapshot()
        self.assertIn("orders2026.searchOrders", spent)
        with self.amazon._amazon_client() as client:
            restored = client.pacer.snapshot()
        self.assertEqual(
            restored["orders2026.searchOrders"][0], spent["orders2026.searchOrders"][0]
        )

    def test_new_credentials_forget_the_access_token(self):
        with self.amazon._amazon_client() as client:
            client.test_connection()
        self.amazon.refresh_token = "another-sellers-refresh-token"
        self.assertFalse(
            self.env["amazon.access.token"].search([("amazon_account_id", "=", self.amazon.id)])
        )

    def test_a_client_out_of_quota_says_when_rather_than_wait(self):
        """A client made for a button (Test Connection, a settlement's Retry) or a run never
        sleeps long for a quota: out of room, it raises how long to wait, and sends nothing.
        Test Connection then says when to press again, and calls the connection no failure."""
        with self.amazon._amazon_client() as client:
            client.test_connection()
            client.pacer.throttled("orders2026.searchOrders")  # room again in about 3 minutes
        self.assertEqual(self.amazon.connection_state, "draft")
        searched = len(self.amazon_sim.calls)
        notice = self.amazon.action_test_connection()["params"]
        self.assertEqual(notice["type"], "warning")
        self.assertRegex(notice["message"], r"Press it again in (1[0-9]{2}) seconds")
        self.assertEqual(self.amazon.connection_state, "draft", "not tested, not failed")
        self.assertEqual(len(self.amazon_sim.calls), searched, "nothing sent without room")
        with self.amazon._amazon_client() as client:  # the pacer itself: no sleep, the wait
            with self.assertRaises(ThrottledError) as caught:
                client.test_connection()
            self.assertEqual(client.pacer.waited, 0.0)
        self.assertGreater(caught.exception.retry_after, 60)

        client = self.lightspeed._lightspeed_client()
        full = dict(client.pacer.snapshot(), at=client.pacer.clock.now())
        # the registers used the whole bucket just now and keep spending nine tenths of its drip
        full.update(level=full["size"], others_rate=0.9 * full["drip_rate"], others_measured=True)
        client.pacer.restore(full)
        with self.assertRaises(ThrottledError) as caught:
            client.test_connection()
        self.assertEqual(client.pacer.waited_seconds, 0.0)
        self.assertGreater(caught.exception.retry_after, 5)
        reads = [call for call in self.lightspeed_sim.calls if "/Account" in call.path]
        self.assertFalse(reads, "no read sent without room")

    def test_only_administrators_read_the_token_and_the_pacing_state(self):
        with self.amazon._amazon_client() as client:
            client.test_connection()
        manager = make_user(
            self.env,
            "pacing_manager",
            "amazon_lightspeed_connector.group_connector_manager",
            company=self.company,
        )
        for model in ("amazon.access.token", "connector.pacing.state"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(manager).search([]).read()
        self.assertEqual(self.amazon.with_user(manager).read(["name"])[0]["name"], self.amazon.name)
