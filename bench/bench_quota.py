"""Quota-bound time (issue 9): import, route and send N Amazon orders on the simulators' clock.

Prints figures, asserts nothing. It needs an Odoo 18 database with the addon installed and runs
inside it; everything it writes is rolled back. Either of:

    python3 tools/run_tests.py --odoo-only \
        --test-tags bench/amazon_lightspeed_connector:TestBenchQuota
    python3 -m odoo shell -d <db> --addons-path=<odoo>/addons,<repo> < bench/bench_quota.py

Both simulators run in process on ONE ManualClock, and both clients pace themselves on it: a
wait the quotas impose costs simulated seconds, not real ones. Limits are the published ones:
Amazon's rate and burst per operation as the official SP-API models document them (the
simulator reads them from /work/shared/sp-api-models), Lightspeed's leaky bucket (90 units,
drip 1 unit/s, GET 1 unit, write 10 units). No other app spends the Lightspeed bucket.

The run: the Amazon simulator holds N unshipped MFN orders; one import run reads them
(Orders API v2026-01-01, searchOrders pages of 100) and routes each as it is stored; the
scheduled send action then runs until every routed order is a Lightspeed Sale. The simulated
time from the first Amazon call to the last Sale is divided by the lower bound the quotas
allow, a pipeline that overlaps both sides perfectly and spends nothing it can avoid:

    T_min = max( (ceil(N / 100) - burst_search) / rate_search,
                 (N * 10 + reads_min - bucket_size) / drip )

reads_min = 0: the one Lightspeed call an order cannot do without is its Sale POST (10 units).
Shops, items and stock are read before the clock starts; the look-up of Sales by reference
(exactly once after a crash) and the customer search/creation are the connector's choices,
counted in the measured time and shown by kind, not in the bound.

Set ALC_BENCH_QUOTA_ORDERS to measure another N (default 5,000).
"""

import math
import os
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

ORDERS = int(os.environ.get("ALC_BENCH_QUOTA_ORDERS", "5000"))
PAGE_SIZE = 100  # searchOrders maxResultsPerPage
STOCK_PER_STORE = 1_000_000  # every order can be routed: the bench measures quotas, not stock
WRITE_UNITS = 10
GET_UNITS = 1


def _modules():
    from odoo.addons.amazon_lightspeed_connector.lib.amazon.client import (
        AmazonClient,
        AmazonCredentials,
    )
    from odoo.addons.amazon_lightspeed_connector.lib.lightspeed import LightspeedClient
    from odoo.addons.amazon_lightspeed_connector.models.lightspeed_account import (
        LightspeedAccount,
    )
    from odoo.addons.amazon_lightspeed_connector.models.lightspeed_token_store import (
        OdooTokenStore,
    )
    from odoo.addons.amazon_lightspeed_connector.tests.simulators.amazon import (
        AmazonSimulator,
        rate_limits,
    )
    from odoo.addons.amazon_lightspeed_connector.tests.simulators.core import ManualClock
    from odoo.addons.amazon_lightspeed_connector.tests.simulators.demo_catalogue import (
        AMAZON_DEMO,
        LIGHTSPEED_DEMO,
        PRODUCTS,
        STORES,
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

    return {
        "AmazonClient": AmazonClient,
        "AmazonCredentials": AmazonCredentials,
        "LightspeedClient": LightspeedClient,
        "LightspeedAccount": LightspeedAccount,
        "OdooTokenStore": OdooTokenStore,
        "AmazonSimulator": AmazonSimulator,
        "rate_limits": rate_limits,
        "ManualClock": ManualClock,
        "AMAZON_DEMO": AMAZON_DEMO,
        "LIGHTSPEED_DEMO": LIGHTSPEED_DEMO,
        "PRODUCTS": PRODUCTS,
        "STORES": STORES,
        "API_BASE": API_BASE,
        "OAUTH_BASE": OAUTH_BASE,
        "LightspeedSimulator": LightspeedSimulator,
        "DEMO_EMPLOYEE_ID": DEMO_EMPLOYEE_ID,
        "DEMO_PAYMENT_TYPE_ID": DEMO_PAYMENT_TYPE_ID,
        "in_process": in_process,
    }


class World:
    """Both simulators on one clock, a company with a channel bound to the demo Lightspeed shop."""

    def __init__(self, env, count):
        self.m = m = _modules()
        self.env = env
        self.clock = m["ManualClock"]()
        self.lightspeed_sim = m["LightspeedSimulator"].demo(clock=self.clock)
        for product in m["PRODUCTS"]:
            for store in m["STORES"]:
                self.lightspeed_sim.set_qoh(product.sku, store.shop_id, STOCK_PER_STORE)
        self.amazon_sim = m["AmazonSimulator"](clock=self.clock, seed=9)
        self.amazon_sim.generate_orders(count, spread=5 * 86400, afn_share=0, shipped_share=0)
        self.routes = {
            m["API_BASE"]: self.lightspeed_sim,
            m["OAUTH_BASE"]: self.lightspeed_sim,
            **self.amazon_sim.routes(),
        }
        self.patcher = patch.object(
            m["LightspeedAccount"], "_lightspeed_client", lambda account: self._lightspeed(account)
        )
        company = env["res.company"].create({"name": "Quota benchmark company"})
        self.lightspeed = self._lightspeed_account(company)
        products = {
            p.sku: env["product.product"].create(
                {"name": p.name, "default_code": p.sku, "type": "consu", "company_id": company.id}
            )
            for p in m["PRODUCTS"]
        }
        with self.patcher, m["in_process"](self.routes):
            self.lightspeed._sync_reference_data()
            self.lightspeed._refresh_stock(full=True)
        self.account = self._amazon_account(company)
        for sku, product in products.items():
            env["amazon.offer"].create(
                {
                    "account_id": self.account.id,
                    "marketplace_id": m["AMAZON_DEMO"]["marketplace_id"],
                    "seller_sku": sku,
                    "product_id": product.id,
                }
            )
        env.flush_all()

    def _lightspeed_account(self, company):
        m, demo = self.m, self.m["LIGHTSPEED_DEMO"]
        return self.env["lightspeed.account"].create(
            {
                "name": "Quota benchmark Lightspeed",
                "account_number": demo["account_id"],
                "client_id": demo["client_id"],
                "client_secret": demo["client_secret"],
                "refresh_token": demo["refresh_token"],
                "api_url": m["API_BASE"] + "/API/V3",
                "token_url": m["OAUTH_BASE"] + "/auth/oauth/token",
                "bucket_share": 1.0,
                "company_id": company.id,
            }
        )

    def _amazon_account(self, company):
        m, demo = self.m, self.m["AMAZON_DEMO"]
        stores = self.lightspeed.warehouse_ids.sorted("lightspeed_shop_id")
        employee = self.lightspeed.employee_ids.filtered(
            lambda e: e.lightspeed_id == str(m["DEMO_EMPLOYEE_ID"])
        )
        payment = self.lightspeed.payment_type_ids.filtered(
            lambda p: p.lightspeed_id == str(m["DEMO_PAYMENT_TYPE_ID"])
        )
        now = datetime.fromtimestamp(self.clock.now(), tz=timezone.utc).replace(tzinfo=None)
        Simulator = m["AmazonSimulator"]
        return self.env["amazon.account"].create(
            {
                "name": "Quota benchmark channel",
                "company_id": company.id,
                "seller_id": demo["seller_id"],
                "marketplace_ids": demo["marketplace_id"],
                "lwa_client_id": demo["lwa_client_id"],
                "lwa_client_secret": demo["lwa_client_secret"],
                "refresh_token": demo["refresh_token"],
                "endpoint_url": Simulator.SP_API_URL,
                "lwa_endpoint_url": Simulator.LWA_URL + "/auth/o2/token",
                "import_from": now - timedelta(days=6),
                "orders_api_version": "2026-01-01",
                "import_max_pages": math.ceil(ORDERS / PAGE_SIZE) + 10,
                "lightspeed_account_id": self.lightspeed.id,
                "default_warehouse_id": stores[0].id,
                "default_employee_id": employee.id,
                "default_payment_type_id": payment.id,
            }
        )

    def _lightspeed(self, account):
        account = account.sudo()
        return self.m["LightspeedClient"](
            account.account_number,
            account.client_id,
            account.client_secret,
            self.m["OdooTokenStore"](account, clock=self.clock.now),
            api_url=account.api_url,
            token_url=account.token_url,
            clock=self.clock,
            bucket_share=account.bucket_share,
        )

    def _amazon(self):
        demo = self.m["AMAZON_DEMO"]
        return self.m["AmazonClient"](
            self.m["AmazonCredentials"](
                demo["lwa_client_id"], demo["lwa_client_secret"], demo["refresh_token"]
            ),
            demo["seller_id"],
            [demo["marketplace_id"]],
            clock=self.clock,
        )

    def run(self):
        """Import (routing as stored), then send until none is left: figures of each phase."""
        self.amazon_sim.calls.clear()
        self.lightspeed_sim.calls.clear()
        phases = {}
        with self.patcher, self.m["in_process"](self.routes):
            phases["import and route"] = self._timed(self._import)
            phases["send"] = self._timed(self._send)
        return phases

    def _timed(self, fn):
        cr = self.env.cr
        queries, clock, started = cr.sql_log_count, self.clock.now(), time.perf_counter()
        detail = fn()
        self.env.flush_all()
        return {
            "simulated": self.clock.now() - clock,
            "wall": time.perf_counter() - started,
            "queries": cr.sql_log_count - queries,
            "detail": detail,
        }

    def _import(self):
        client = self._amazon()
        with client:
            run = self.account._import_orders(client=client)
        return dict(run.counts)

    def _send(self):
        Routed = self.env["amazon.routed.order"]
        domain = [("amazon_order_id.account_id", "=", self.account.id), ("state", "=", "to_send")]
        runs = 0
        while Routed.search_count(domain) and runs < 10 * math.ceil(ORDERS / 100):
            Routed._cron_send_to_lightspeed()
            runs += 1
        return {"scheduled runs": runs}


def lower_bound(orders, search_limit):
    """(seconds, Amazon term, Lightspeed term) of T_min; see the module docstring."""
    from odoo.addons.amazon_lightspeed_connector.tests.simulators.lightspeed.bucket import (
        DEFAULT_DRIP_RATE,
        DEFAULT_SIZE,
    )

    rate, burst = search_limit
    reads_min = 0
    amazon = max(0.0, (math.ceil(orders / PAGE_SIZE) - burst) / rate)
    lightspeed = max(0.0, (orders * WRITE_UNITS + reads_min * GET_UNITS - DEFAULT_SIZE))
    lightspeed /= DEFAULT_DRIP_RATE
    return max(amazon, lightspeed), amazon, lightspeed


def _lightspeed_kind(call):
    path = call.path
    if path.endswith("/Sale.json"):
        return "Sale POST" if call.method == "POST" else "Sale look-up GET"
    if path.endswith("/Customer.json"):
        return "Customer POST" if call.method == "POST" else "Customer search GET"
    return "%s %s" % (call.method, path.rsplit("/", 1)[-1])


def _rolled_back(env, fn):
    savepoint = env.cr.savepoint()
    try:
        return fn()
    finally:
        savepoint.close(rollback=True)
        env.invalidate_all()


def run(env, out=print):
    from odoo.modules import module

    # Test mode: import and send never commit, and the token store's own cursor works on this
    # transaction (it must see the benchmark's Lightspeed account, which is never committed).
    entered = not env.registry.in_test_mode()
    if entered:
        env.registry.enter_test_mode(env.cr)
    try:
        _rolled_back(env, lambda: _run(env, out))
    finally:
        if entered:
            env.registry.leave_test_mode()
        if not module.current_test:  # odoo shell: leave the database as it was
            env.cr.rollback()


def _run(env, out):
    m = _modules()
    search_limit = m["rate_limits"].documented_limits()[("orders2026", "searchOrders")]
    out(
        "Quota-bound benchmark: %d Amazon orders imported, routed and sent as Lightspeed Sales, "
        "both simulators in process on one manual clock" % ORDERS
    )
    out(
        "  limits: Amazon searchOrders rate %s/s burst %d (official model); Lightspeed bucket "
        "90 units, drip 1 unit/s, GET 1, write 10; bucket share 100 %%, no other app"
        % (search_limit[0], search_limit[1])
    )
    started = time.perf_counter()
    world = World(env, ORDERS)
    out(
        "  set-up (simulators, accounts, reference data): %.1f s wall"
        % (time.perf_counter() - started)
    )
    phases = world.run()
    for name, phase in phases.items():
        out(
            "  %-16s simulated %8.0f s, wall %6.1f s, %d SQL queries; %s"
            % (name, phase["simulated"], phase["wall"], phase["queries"], phase["detail"])
        )
    routed = env["amazon.routed.order"].search(
        [("amazon_order_id.account_id", "=", world.account.id)]
    )
    sent = routed.filtered(lambda r: r.state == "sent")
    amazon_calls = Counter(
        c.path.split("?")[0].rsplit("/", 1)[-1]
        for c in world.amazon_sim.calls
        if not c.path.startswith(("/auth/", "/_sim/"))
    )
    lightspeed_calls = [
        c for c in world.lightspeed_sim.calls if "/API/V3/" in c.path and c.status != 0
    ]
    throttled = [c for c in lightspeed_calls if c.status == 429]
    charged = [c for c in lightspeed_calls if c.status != 429]
    units = sum(GET_UNITS if c.method == "GET" else WRITE_UNITS for c in charged)
    out(
        "  %d routed orders, %d sent, %d distinct Lightspeed Sales; Lightspeed 429s: %d"
        % (len(routed), len(sent), len({r.lightspeed_sale_id for r in sent}), len(throttled))
    )
    out("  Amazon calls by path end: %s" % dict(amazon_calls))
    out(
        "  Lightspeed calls %d, bucket units %d (%.1f per order): %s"
        % (
            len(charged),
            units,
            units / max(len(sent), 1),
            dict(Counter(_lightspeed_kind(c) for c in charged)),
        )
    )
    total = sum(phase["simulated"] for phase in phases.values())
    bound, amazon, lightspeed = lower_bound(ORDERS, search_limit)
    out(
        "  T_min = max((ceil(N/100) - burst_search) / rate_search, (N*10 + reads_min - 90) / 1)"
        " = max(%.0f, %.0f) = %.0f s, reads_min = 0" % (amazon, lightspeed, bound)
    )
    out(
        "  simulated time %.0f s (%.1f h) / T_min %.0f s = %.2fx the quota bound"
        % (total, total / 3600, bound, total / bound if bound else float("nan"))
    )


if "env" in globals() and __name__ != "bench_quota":  # odoo shell < bench/bench_quota.py
    run(env)  # noqa: F821
