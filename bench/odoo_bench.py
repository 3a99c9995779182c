"""What the Odoo benchmarks share: a rolled-back run, the demo Lightspeed shop, an Amazon channel.

Used by bench_import.py, bench_lightspeed.py, bench_quota.py and bench_stock_history.py, which
run inside Odoo in two ways, and this module must load in both:

- the test runner: ``tests/test_bench.py`` in the addon loads the benchmark by file path with
  importlib (``--test-tags bench/amazon_lightspeed_connector``);
- ``python3 -m odoo shell -d <db> --addons-path=<odoo>/addons,<repo> < bench/bench_x.py``, where
  Odoo executes the file's text: the benchmark has no ``__file__`` then.

bench/ is not a package, so each benchmark puts bench/ on ``sys.path`` and imports this module
as ``odoo_bench``; it finds bench/ from the addon, its neighbour in the repository, which works
both ways. Not a benchmark itself: it prints nothing and runs nothing on import.
"""

import time
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

from odoo.addons.amazon_lightspeed_connector.models.lightspeed_account import LightspeedAccount
from odoo.addons.amazon_lightspeed_connector.tests.clock_clients import lightspeed_client_on_clock
from odoo.addons.amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator
from odoo.addons.amazon_lightspeed_connector.tests.simulators.amazon.testing import demo_client
from odoo.addons.amazon_lightspeed_connector.tests.simulators.demo_catalogue import (
    AMAZON_DEMO,
    LIGHTSPEED_DEMO,
    PRODUCTS,
)
from odoo.addons.amazon_lightspeed_connector.tests.simulators.lightspeed import (
    API_BASE,
    OAUTH_BASE,
    LightspeedSimulator,
)
from odoo.addons.amazon_lightspeed_connector.tests.simulators.lightspeed.scenario import (
    DEMO_EMPLOYEE_ID,
    DEMO_PAYMENT_TYPE_ID,
)
from odoo.addons.amazon_lightspeed_connector.tests.simulators.transport import in_process
from odoo.modules import module

GET_UNITS = 1  # what a Lightspeed call costs in bucket units
WRITE_UNITS = 10

# --- running ----------------------------------------------------------------------------------


def run_rolled_back(env, body):
    """Run ``body()`` in test mode, and roll back everything it wrote.

    Test mode: import and send never commit, and the Lightspeed token store's own cursor works
    on this transaction (it must see the benchmark's Lightspeed account, which is never
    committed). Under odoo shell the transaction is rolled back too: the database is left as
    it was.
    """
    entered = not env.registry.in_test_mode()
    if entered:
        env.registry.enter_test_mode(env.cr)
    try:
        rolled_back(env, body)
    finally:
        if entered:
            env.registry.leave_test_mode()
        if not module.current_test:
            env.cr.rollback()


def rolled_back(env, fn):
    """``fn()`` in a savepoint rolled back afterwards, so each measure starts from the same data."""
    savepoint = env.cr.savepoint()
    try:
        return fn()
    finally:
        savepoint.close(rollback=True)
        env.invalidate_all()


def measured(env, fn):
    """(what ``fn()`` returns, wall seconds, SQL queries), pending writes flushed and counted."""
    cr = env.cr
    queries, started = cr.sql_log_count, time.perf_counter()
    result = fn()
    env.flush_all()
    return result, time.perf_counter() - started, cr.sql_log_count - queries


# --- Lightspeed -------------------------------------------------------------------------------


class DemoShop:
    """The demo Lightspeed shop (stores A, B, C, twelve items) simulated on ``clock``, and in Odoo
    a company of its own with its Lightspeed account and the twelve products.

    While ``patcher`` is active the account's client paces itself on ``clock``, so the bucket's
    waits cost simulated seconds only.
    """

    def __init__(self, env, clock, name, bucket_share):
        self.env = env
        self.clock = clock
        self.sim = LightspeedSimulator.demo(clock=clock)
        self.routes = {API_BASE: self.sim, OAUTH_BASE: self.sim}
        self.company = env["res.company"].create({"name": "%s company" % name})
        self.account = env["lightspeed.account"].create(
            {
                "name": "%s Lightspeed" % name,
                "account_number": LIGHTSPEED_DEMO["account_id"],
                "client_id": LIGHTSPEED_DEMO["client_id"],
                "client_secret": LIGHTSPEED_DEMO["client_secret"],
                "refresh_token": LIGHTSPEED_DEMO["refresh_token"],
                "api_url": API_BASE + "/API/V3",
                "token_url": OAUTH_BASE + "/auth/oauth/token",
                "bucket_share": bucket_share,
                "company_id": self.company.id,
            }
        )
        self.products = {  # by SKU, in the catalogue's order
            p.sku: env["product.product"].create(
                {
                    "name": p.name,
                    "default_code": p.sku,
                    "type": "consu",
                    "company_id": self.company.id,
                }
            )
            for p in PRODUCTS
        }
        # a function, not the bound method: the patched method must take the account as self
        self.patcher = patch.object(
            LightspeedAccount, "_lightspeed_client", lambda account: self._client(account)
        )

    def _client(self, account):
        # as lightspeed.account._lightspeed_client does: the bucket as the last run saw it
        return lightspeed_client_on_clock(account, self.clock, keep_pacing=True)

    def sync(self, routes=None):
        """Read shops, registers, employees, payment types and stock, before any measure."""
        with self.patcher, in_process(routes or self.routes):
            self.account._sync_reference_data()
            self.account._refresh_stock(full=True)

    def stores(self):
        """The shop's stores as Odoo warehouses, store A first."""
        return self.account.warehouse_ids.sorted("lightspeed_shop_id")

    def channel_values(self):
        """The fields of an Amazon channel in this company that sends its orders to this shop."""
        employee = self.account.employee_ids.filtered(
            lambda e: e.lightspeed_id == str(DEMO_EMPLOYEE_ID)
        )
        payment = self.account.payment_type_ids.filtered(
            lambda p: p.lightspeed_id == str(DEMO_PAYMENT_TYPE_ID)
        )
        return {
            "company_id": self.company.id,
            "lightspeed_account_id": self.account.id,
            "default_warehouse_id": self.stores()[0].id,
            "default_employee_id": employee.id,
            "default_payment_type_id": payment.id,
        }


def lightspeed_calls(sim):
    """(calls charged, calls answered 429, bucket units spent) of the simulator's API calls."""
    answered = [c for c in sim.calls if "/API/V3/" in c.path and c.status != 0]
    throttled = [c for c in answered if c.status == 429]
    charged = [c for c in answered if c.status != 429]
    units = sum(GET_UNITS if c.method == "GET" else WRITE_UNITS for c in charged)
    return charged, throttled, units


def lightspeed_call_kind(call):
    """What a Lightspeed call was for, in the figures' words."""
    path = call.path
    if path.endswith("/Sale.json"):
        return "Sale POST" if call.method == "POST" else "Sale look-up GET"
    if "/Sale/" in path:
        return "Sale %s" % call.method
    if path.endswith("/Customer.json"):
        return "Customer POST" if call.method == "POST" else "Customer search GET"
    if path.endswith("/Item.json"):
        return "Item search GET"
    return "%s %s" % (call.method, path.rsplit("/", 1)[-1])


# --- Amazon -----------------------------------------------------------------------------------


def amazon_channel_values(clock, orders_api_version, import_max_pages):
    """The fields of an Amazon channel for the simulator's demo seller, importing from six days
    before ``clock``'s now (the simulated orders are spread over the last five)."""
    now = datetime.fromtimestamp(clock.now(), tz=timezone.utc).replace(tzinfo=None)
    return {
        "seller_id": AMAZON_DEMO["seller_id"],
        "marketplace_ids": AMAZON_DEMO["marketplace_id"],
        "lwa_client_id": AMAZON_DEMO["lwa_client_id"],
        "lwa_client_secret": AMAZON_DEMO["lwa_client_secret"],
        "refresh_token": AMAZON_DEMO["refresh_token"],
        "endpoint_url": AmazonSimulator.SP_API_URL,
        "lwa_endpoint_url": AmazonSimulator.LWA_URL + "/auth/o2/token",
        "import_from": now - timedelta(days=6),
        "orders_api_version": orders_api_version,
        "import_max_pages": import_max_pages,
    }


def bind_offers(account, products):
    """Bind each demo SKU to its Odoo product on ``account``; ``products`` maps SKU to product."""
    for sku, product in products.items():
        account.env["amazon.offer"].create(
            {
                "account_id": account.id,
                "marketplace_id": AMAZON_DEMO["marketplace_id"],
                "seller_sku": sku,
                "product_id": product.id,
            }
        )


def amazon_client(clock, account=None):
    """An SP-API client for the demo seller that paces itself on ``clock``; with an
    amazon.account, its access token and quota state are kept as ``_amazon_client`` does."""
    client = demo_client(clock, token_store=account._access_token_store() if account else None)
    if account:
        account.env["connector.pacing.state"]._keep(account, client.pacer)
    return client


def amazon_api_calls(sim):
    """The simulator's SP-API calls, login and simulator-control calls aside."""
    return [c for c in sim.calls if not c.path.startswith(("/auth/", "/_sim/"))]
