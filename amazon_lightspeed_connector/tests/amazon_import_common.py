"""Set-up for the order import tests: an Amazon simulator served in process, a channel whose
endpoints are the simulator's, products bound to the demo catalogue's SKUs."""

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

from odoo.tests import TransactionCase

from .common import run_with_cron_progress
from .simulators.amazon import AmazonSimulator
from .simulators.amazon.testing import demo_client
from .simulators.core import ManualClock
from .simulators.demo_catalogue import AMAZON_DEMO, PRODUCTS
from .simulators.transport import in_process

MARKETPLACE = AMAZON_DEMO["marketplace_id"]


class AmazonImportCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.products = {
            p.sku: cls.env["product.product"].create(
                {"name": p.name, "default_code": "T-" + p.sku, "type": "consu", "list_price": 1.0}
            )
            for p in PRODUCTS
        }

    def setUp(self):
        super().setUp()
        self.sim = AmazonSimulator(clock=ManualClock(), seed=11)
        self.account = self.new_account()
        self.bind_all()
        self.clients = []
        self.patch_accounts(
            "_import_client", lambda account: self.new_client(account._marketplace_list())
        )

    # ------------------------------------------------------------ helpers

    def new_account(self, **values):
        """A channel whose endpoints are the simulator's, in the test company by default."""
        return self.env["amazon.account"].create(
            {
                "name": "Amazon import test",
                "seller_id": AMAZON_DEMO["seller_id"],
                "marketplace_ids": MARKETPLACE,
                "lwa_client_id": AMAZON_DEMO["lwa_client_id"],
                "lwa_client_secret": AMAZON_DEMO["lwa_client_secret"],
                "refresh_token": AMAZON_DEMO["refresh_token"],
                "region": "na",
                "endpoint_url": AmazonSimulator.SP_API_URL,
                "lwa_endpoint_url": AmazonSimulator.LWA_URL + "/auth/o2/token",
                "import_from": self.sim_now(days=-30),
                "order_prefix": "AMZ-",
                "company_id": self.company.id,
                **values,
            }
        )

    def sim_now(self, **delta):
        moment = datetime.fromtimestamp(self.sim.clock.now(), tz=timezone.utc)
        return (moment + timedelta(**delta)).replace(tzinfo=None)

    def new_client(self, marketplaces=(MARKETPLACE,)):
        """A client on the simulator's clock: pacing waits cost simulated seconds only."""
        client = demo_client(self.sim.clock, list(marketplaces))
        self.clients.append(client)
        return client

    def small_pages(self, size=10):
        """Search pages of ``size`` orders: paging, page budgets and repeated pages are proven
        with tens of orders instead of hundreds (each order costs a sale order)."""
        self.patch_accounts("_import_page_size", lambda account: size)

    def read_settlements_from_simulator(self):
        """Settlement reports come from the simulator too."""
        self.patch_accounts("_settlement_client", lambda account: self.new_client())

    def patch_accounts(self, method, replacement):
        """``amazon.account``'s ``method`` is ``replacement(account)`` for the whole test."""
        patcher = patch.object(type(self.env["amazon.account"]), method, replacement)
        patcher.start()
        self.addCleanup(patcher.stop)

    def bind(self, sku, product=None, marketplace=MARKETPLACE, account=None):
        return self.env["amazon.offer"].create(
            {
                "account_id": (account or self.account).id,
                "marketplace_id": marketplace,
                "seller_sku": sku,
                "product_id": (product or self.products[sku]).id,
            }
        )

    def bind_all(self):
        for sku in self.products:
            self.bind(sku)

    def run_import(self, account=None, advance=60):
        """One import run against the simulator; the clock moves on a little first."""
        self.sim.clock.advance(advance)
        with in_process(self.sim.routes()):
            return (account or self.account)._import_orders()

    @contextmanager
    def served(self):
        with in_process(self.sim.routes()):
            yield

    def served_cron_pass(self, model, cron_xmlid, method):
        """One pass of a scheduled action as its cron worker makes it, the simulator serving:
        (done, remaining) of its progress."""
        with self.served():
            return run_with_cron_progress(self.env[model], cron_xmlid, method)

    def orders(self, **domain):
        return self.env["amazon.order"].search(
            [("account_id", "=", self.account.id)] + [(k, "=", v) for k, v in domain.items()]
        )

    def sales(self):
        return self.env["sale.order"].search([("amazon_order_id.account_id", "=", self.account.id)])

    def logs(self, level=None):
        domain = [("flow", "=", "import")]
        if level:
            domain.append(("level", "=", level))
        return self.env["amazon.sync.log"].search(domain)
