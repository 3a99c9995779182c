"""The channel set up in the browser: connect Lightspeed, Sync, choose the Amazon defaults."""

from odoo.tests import HttpCase, tagged

from .common import run_tour, tour_user
from .simulators.demo_catalogue import LIGHTSPEED_DEMO
from .simulators.http_server import SimulatorServer
from .simulators.lightspeed import LightspeedSimulator


@tagged("post_install", "-at_install")
class TestChannelSetupTour(HttpCase):
    def setUp(self):
        super().setUp()
        self.server = SimulatorServer(LightspeedSimulator.demo()).start()
        self.addCleanup(self.server.stop)
        # its own company: the demo stores of the same names stay out of the way
        self.company, self.manager = tour_user(self.env, "tour_manager", "Tour Retail", "manager")
        self.lightspeed = self.env["lightspeed.account"].create(
            {
                "name": "Tour Lightspeed",
                "account_number": LIGHTSPEED_DEMO["account_id"],
                "client_id": LIGHTSPEED_DEMO["client_id"],
                "client_secret": LIGHTSPEED_DEMO["client_secret"],
                "refresh_token": LIGHTSPEED_DEMO["refresh_token"],
                "api_url": self.server.url + "/API/V3",
                "token_url": self.server.url + "/auth/oauth/token",
                "company_id": self.company.id,
            }
        )
        self.amazon = self.env["amazon.account"].create(
            {
                "name": "Tour Amazon",
                "lightspeed_account_id": self.lightspeed.id,
                "company_id": self.company.id,
            }
        )

    def test_manager_connects_syncs_and_chooses_the_defaults(self):
        run_tour(self, "lightspeed_account_action", "amazon_lightspeed_channel_setup", self.manager)
        self.amazon.invalidate_recordset()
        self.assertEqual(self.amazon.default_warehouse_id.lightspeed_shop_id, "2")
        self.assertEqual(
            self.amazon.default_register_id.warehouse_id, self.amazon.default_warehouse_id
        )
        self.assertEqual(self.amazon.default_employee_id.name, "Amazon Orders")
        self.assertEqual(self.amazon.default_payment_type_id.name, "Amazon Payment")
        self.assertEqual(self.lightspeed.connection_state, "ok")
