"""Amazon channel: connection failures explained, Connect to Amazon, the import schedule."""

from urllib.parse import parse_qs, urlsplit

from odoo import models
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from .connector_common import ConnectorCase, unreachable_url
from .simulators.amazon import ROLE_ORDERS, AmazonSimulator
from .simulators.core import SystemClock
from .simulators.demo_catalogue import AMAZON_DEMO
from .simulators.http_server import SimulatorServer

QUIET = (
    "odoo.addons.amazon_lightspeed_connector.lib.amazon.client",
    "odoo.addons.amazon_lightspeed_connector.models.amazon_sync_log",
    "sp_api.base.client",
    "httpx",
)


def amazon_simulator():
    # the client reads "the last hour" on the wall clock: the simulator must share it
    return AmazonSimulator(clock=SystemClock())


@tagged("post_install", "-at_install")
class TestAmazonConnection(ConnectorCase):
    def setUp(self):
        super().setUp()
        self.sim = amazon_simulator()
        self.server = self.serve(self.sim)

    def test_connection_succeeds_with_the_simulator(self):
        account = self.amazon_account(self.server.url)
        action = account.action_test_connection()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertIn("A2DEMOSELLER01", action["params"]["message"])
        self.assertEqual(account.connection_state, "ok")

    def assert_failure(self, account, expected):
        secrets = ("lwa_client_secret", "refresh_token")
        self.assertConnectionTestFails(account, expected, secrets, QUIET)

    def test_bad_client_secret(self):
        account = self.amazon_account(self.server.url, lwa_client_secret="wrong-secret")
        self.assert_failure(account, "rejected the LWA client secret")

    def test_revoked_refresh_token(self):
        self.sim.revoke_refresh_token()
        self.assert_failure(self.amazon_account(self.server.url), "refresh token was revoked")

    def test_missing_role(self):
        self.sim.remove_role(ROLE_ORDERS)
        self.assert_failure(self.amazon_account(self.server.url), "lacks the")

    def test_network_down(self):
        self.assert_failure(self.amazon_account(unreachable_url()), "Could not reach Amazon")

    def test_connect_to_amazon_stores_the_sellers_refresh_token(self):
        account = self.amazon_account(
            self.server.url, refresh_token=False, spapi_application_id="amzn1.sp.solution.demo"
        )
        action = account.action_connect_amazon()
        query = parse_qs(urlsplit(action["url"]).query)
        self.assertEqual(query["application_id"], ["amzn1.sp.solution.demo"])
        self.assertEqual(query["state"], [account.sudo().oauth_state])
        self.assertTrue(
            query["redirect_uri"][0].endswith("/amazon_lightspeed_connector/amazon/oauth")
        )
        code = self.sim.issue_authorization_code()
        self.assertTrue(account._complete_authorization(code, "A2DEMOSELLER01"))
        self.assertTrue(account.sudo().refresh_token)
        self.assertFalse(account.sudo().oauth_state, "a state is good for one answer only")
        self.assertEqual(account.action_test_connection()["params"]["type"], "success")


@tagged("post_install", "-at_install")
class TestAmazonSettings(ConnectorCase):
    def test_import_schedule_follows_the_channels(self):
        cron = self.env.ref("amazon_lightspeed_connector.ir_cron_amazon_import_orders")
        self.env["amazon.account"].search([]).write({"import_enabled": False})
        self.assertFalse(cron.active)
        fast = self.amazon_account("http://127.0.0.1:9", import_interval=10)
        slow = self.amazon_account("http://127.0.0.1:9", import_interval=60, name="Slow")
        (fast | slow).write({"import_enabled": True})
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (10, "minutes"))
        fast.import_enabled = False
        self.assertEqual(cron.interval_number, 60)
        slow.import_interval = 5
        self.assertEqual(cron.interval_number, 5)

    def test_e_mail_addresses_are_checked(self):
        account = self.amazon_account("http://127.0.0.1:9")
        account.sync_log_email = "ops@example.com, boss@example.com"
        with self.assertRaises(ValidationError):
            account.queue_notify_emails = "not an address"

    def test_region_gives_production_endpoints_unless_overridden(self):
        account = self.env["amazon.account"].create({"name": "EU", "region": "eu"})
        self.assertEqual(account.endpoint_url, "https://sellingpartnerapi-eu.amazon.com")
        self.assertEqual(account.lwa_endpoint_url, "https://api.amazon.com/auth/o2/token")
        self.assertEqual(account.orders_api_version, "2026-01-01")
        account.endpoint_url = "https://sandbox.sellingpartnerapi-eu.amazon.com"
        self.assertEqual(account.endpoint_url, "https://sandbox.sellingpartnerapi-eu.amazon.com")


@tagged("post_install", "-at_install")
class TestAmazonOAuthRoute(HttpCase):
    """The redirect URI Amazon calls: only the state we generated opens it."""

    def setUp(self):
        super().setUp()
        self.sim = amazon_simulator()
        self.server = SimulatorServer(self.sim).start()
        self.addCleanup(self.server.stop)
        self.account = self.env["amazon.account"].create(
            {
                "name": "OAuth channel",
                "lwa_client_id": "amzn1.application-oa2-client.demo",
                "lwa_client_secret": AMAZON_DEMO["lwa_client_secret"],
                "spapi_application_id": "amzn1.sp.solution.demo",
                "endpoint_url": self.server.url,
                "lwa_endpoint_url": self.server.url + "/auth/o2/token",
            }
        )
        self.account.action_connect_amazon()
        self.authenticate("admin", "admin")

    def open_route(self, state, code):
        query = "spapi_oauth_code=%s&state=%s&selling_partner_id=A2DEMOSELLER01" % (code, state)
        return self.url_open(
            "/amazon_lightspeed_connector/amazon/oauth?" + query, allow_redirects=False
        )

    def test_a_forged_state_is_refused(self):
        code = self.sim.issue_authorization_code()
        response = self.open_route("%d-forged" % self.account.id, code)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.account.sudo().refresh_token)

    def test_the_generated_state_stores_the_refresh_token(self):
        code = self.sim.issue_authorization_code()
        response = self.open_route(self.account.sudo().oauth_state, code)
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.account.invalidate_recordset()
        self.assertTrue(self.account.sudo().refresh_token)
        self.assertEqual(self.account.seller_id, "A2DEMOSELLER01")


@tagged("post_install", "-at_install")
class TestEverySettingIsExplained(ConnectorCase):
    MODELS = (
        "amazon.account",
        "amazon.payment.mapping",
        "amazon.shipping.mapping",
        "amazon.carrier.mapping",
        "lightspeed.account",
        "lightspeed.register",
        "lightspeed.employee",
        "lightspeed.payment.type",
    )

    def test_every_field_has_help_text(self):
        for model in self.MODELS:
            Model = self.env[model]
            for name, field in Model._fields.items():
                if name in models.MAGIC_COLUMNS or name in ("display_name", "id"):
                    continue
                if name in self.env["mail.thread"]._fields:
                    continue  # the chatter's own fields, explained by Odoo's mail
                with self.subTest(model=model, field=name):
                    self.assertTrue(field.help, "no help text")
        for name, field in self.env["stock.warehouse"]._fields.items():
            if name.startswith("lightspeed_"):
                with self.subTest(model="stock.warehouse", field=name):
                    self.assertTrue(field.help, "no help text")
