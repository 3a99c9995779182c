"""Helpers for the channel tests: simulators on loopback, accounts pointed at them.

The simulators are served over real HTTP on 127.0.0.1 (``SimulatorServer``): Odoo's test
framework lets loopback requests through and blocks every other address, and the clients run
exactly as in production.
"""

import socket

from odoo.tests import TransactionCase
from odoo.tools import mute_logger

from .simulators.demo_catalogue import AMAZON_DEMO, LIGHTSPEED_DEMO
from .simulators.http_server import SimulatorServer
from .simulators.lightspeed import LightspeedSimulator


def unreachable_url():
    """A loopback address nothing listens on: connecting fails at once (network down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return "http://127.0.0.1:%d" % port


class ConnectorCase(TransactionCase):
    """A TransactionCase whose ``registry.cursor()`` is a TestCursor on the test transaction,
    as the Lightspeed token store opens its own cursor (as in production, where it commits)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        # apart from the demo accounts, which use the demo credentials in the main company
        cls.company = cls.env["res.company"].create({"name": "Connector test company"})

    def serve(self, simulator):
        server = SimulatorServer(simulator).start()
        self.addCleanup(server.stop)
        return server

    def assertConnectionTestFails(self, account, expected, secret_fields, quiet=()):
        """The connection test of ``account`` fails saying ``expected``: the account shows the
        error, one connection sync log says it, and none of ``secret_fields`` is in that log."""
        with mute_logger(*quiet):
            action = account.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(expected, action["params"]["message"])
        self.assertEqual(account.connection_state, "error")
        log = self.env["amazon.sync.log"].search(
            [("res_model", "=", account._name), ("res_id", "=", account.id)]
        )
        self.assertEqual(len(log), 1)
        self.assertEqual(log.flow, "connection")
        self.assertIn(expected, log.message)
        for field in secret_fields:
            self.assertNotIn(account.sudo()[field], log.message + (log.payload_excerpt or ""))

    def lightspeed_simulator(self):
        return LightspeedSimulator.demo()

    def serve_demo_lightspeed(self):
        """``self.sim``: the demo Lightspeed shop, served at ``self.server``."""
        self.sim = self.lightspeed_simulator()
        self.server = self.serve(self.sim)

    def lightspeed_account(self, base_url, company=None, **values):
        demo = {
            key: LIGHTSPEED_DEMO[key] for key in ("client_id", "client_secret", "refresh_token")
        }
        demo["account_number"] = LIGHTSPEED_DEMO["account_id"]
        endpoints = {"api_url": base_url + "/API/V3", "token_url": base_url + "/auth/oauth/token"}
        return self._demo_account(
            "lightspeed.account", "Lightspeed", demo, endpoints, company, values
        )

    def amazon_account(self, base_url, company=None, **values):
        demo = {"marketplace_ids": AMAZON_DEMO["marketplace_id"]}
        for field in ("seller_id", "lwa_client_id", "lwa_client_secret", "refresh_token"):
            demo[field] = AMAZON_DEMO[field]
        endpoints = {"endpoint_url": base_url, "lwa_endpoint_url": base_url + "/auth/o2/token"}
        return self._demo_account("amazon.account", "Amazon", demo, endpoints, company, values)

    def _demo_account(self, model, service, demo, endpoints, company, values):
        """An account of ``model`` with the demo credentials, pointed at ``endpoints``."""
        company_id = (company or self.company).id
        return self.env[model].create(
            {
                "name": "%s under test" % service,
                **demo,
                **endpoints,
                "company_id": company_id,
                **values,
            }
        )
