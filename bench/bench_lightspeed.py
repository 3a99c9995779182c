"""Benchmark of the send flow (issue 7): 1,000 routed orders written as Lightspeed Sales.

Prints figures, asserts nothing. It needs an Odoo 18 database with the addon installed and runs
inside it; everything it writes is rolled back. Either of:

    python3 tools/run_tests.py --no-lint --test-tags bench/amazon_lightspeed_connector
    python3 -m odoo shell -d <db> --addons-path=<odoo>/addons,<repo> < bench/bench_lightspeed.py

Against the Lightspeed simulator in process (the demo shop: stores A, B, C, twelve items), the
client pacing on the simulator's manual clock, so the bucket's waits cost simulated seconds
only. The connector may use 80 % of the bucket and the retailer's other apps keep spending a
little all along. The 1,000 routed orders (1 to 3 lines, spread over the three stores, 700
distinct buyers) are created directly, then the scheduled action runs until none is left to
send. Figures:

1. Lightspeed API calls and bucket units per routed order, by kind (Sale POST, Sale look-ups,
   customer searches and creations, token calls apart);
2. Sale writes per routed order (target 1) and 429 answers seen (target 0);
3. simulated time the bucket imposed, and wall time / SQL queries per routed order.
"""

import time
from collections import Counter
from unittest.mock import patch

ORDERS = 1000
BUYERS = 700
BUCKET_SHARE = 0.8
OTHER_APPS_UNITS_PER_SECOND = 0.05


def _modules():
    from odoo.addons.amazon_lightspeed_connector.lib.lightspeed import LightspeedClient
    from odoo.addons.amazon_lightspeed_connector.models.lightspeed_account import (
        LightspeedAccount,
    )
    from odoo.addons.amazon_lightspeed_connector.models.lightspeed_token_store import (
        OdooTokenStore,
    )
    from odoo.addons.amazon_lightspeed_connector.tests.simulators.core import ManualClock
    from odoo.addons.amazon_lightspeed_connector.tests.simulators.demo_catalogue import (
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

    return {
        "LightspeedClient": LightspeedClient,
        "LightspeedAccount": LightspeedAccount,
        "OdooTokenStore": OdooTokenStore,
        "ManualClock": ManualClock,
        "LIGHTSPEED_DEMO": LIGHTSPEED_DEMO,
        "PRODUCTS": PRODUCTS,
        "API_BASE": API_BASE,
        "OAUTH_BASE": OAUTH_BASE,
        "LightspeedSimulator": LightspeedSimulator,
        "DEMO_EMPLOYEE_ID": DEMO_EMPLOYEE_ID,
        "DEMO_PAYMENT_TYPE_ID": DEMO_PAYMENT_TYPE_ID,
        "in_process": in_process,
    }


class World:
    """The demo Lightspeed shop, a channel in a company of its own, ``count`` routed orders."""

    def __init__(self, env, count):
        self.m = m = _modules()
        self.env = env
        self.sim = m["LightspeedSimulator"].demo(clock=m["ManualClock"]())
        self.routes = {m["API_BASE"]: self.sim, m["OAUTH_BASE"]: self.sim}
        company = env["res.company"].create({"name": "Lightspeed benchmark company"})
        demo = m["LIGHTSPEED_DEMO"]
        self.lightspeed = env["lightspeed.account"].create(
            {
                "name": "Benchmark Lightspeed",
                "account_number": demo["account_id"],
                "client_id": demo["client_id"],
                "client_secret": demo["client_secret"],
                "refresh_token": demo["refresh_token"],
                "api_url": m["API_BASE"] + "/API/V3",
                "token_url": m["OAUTH_BASE"] + "/auth/oauth/token",
                "bucket_share": BUCKET_SHARE,
                "company_id": company.id,
            }
        )
        self.products = [
            env["product.product"].create(
                {"name": p.name, "default_code": p.sku, "type": "consu", "company_id": company.id}
            )
            for p in m["PRODUCTS"]
        ]
        self.patcher = patch.object(
            m["LightspeedAccount"],
            "_lightspeed_client",
            lambda account: self._client_on_sim_clock(account),
        )
        with self.patcher, m["in_process"](self.routes):
            self.lightspeed._sync_reference_data()
            self.lightspeed._refresh_stock(full=True)
        stores = self.lightspeed.warehouse_ids.sorted("lightspeed_shop_id")
        employee = self.lightspeed.employee_ids.filtered(
            lambda e: e.lightspeed_id == str(m["DEMO_EMPLOYEE_ID"])
        )
        payment = self.lightspeed.payment_type_ids.filtered(
            lambda p: p.lightspeed_id == str(m["DEMO_PAYMENT_TYPE_ID"])
        )
        self.account = env["amazon.account"].create(
            {
                "name": "Benchmark channel",
                "company_id": company.id,
                "lightspeed_account_id": self.lightspeed.id,
                "default_warehouse_id": stores[0].id,
                "default_employee_id": employee.id,
                "default_payment_type_id": payment.id,
            }
        )
        self.routed = self._routed_orders(count, stores)
        env.flush_all()

    def _client_on_sim_clock(self, account):
        account = account.sudo()
        return self.m["LightspeedClient"](
            account.account_number,
            account.client_id,
            account.client_secret,
            self.m["OdooTokenStore"](account, clock=self.sim.clock.now),
            api_url=account.api_url,
            token_url=account.token_url,
            clock=self.sim.clock,
            bucket_share=account.bucket_share,
        )

    def _routed_orders(self, count, stores):
        Order = self.env["amazon.order"].with_context(tracking_disable=True)
        currency = self.account.company_id.currency_id
        orders_values = []
        for n in range(count):
            products = [self.products[(n + k * 5) % len(self.products)] for k in range(n % 3 + 1)]
            name = "114-%07d-%07d" % (n, n)
            orders_values.append(
                {
                    "name": name,
                    "account_id": self.account.id,
                    "status": "unshipped",
                    "fulfillment_channel": "MFN",
                    "ship_service_level": "Standard",
                    "buyer_name": "Buyer %d" % (n % BUYERS),
                    "buyer_email": "buyer%d@marketplace.amazon.com" % (n % BUYERS),
                    "ship_name": "Buyer %d" % (n % BUYERS),
                    "ship_street": "%d Main Street" % n,
                    "ship_city": "Seattle",
                    "ship_zip": "98101",
                    "ship_country_code": "US",
                    "currency_id": currency.id,
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "order_item_id": "%s-%d" % (name, k),
                                "seller_sku": product.default_code,
                                "product_id": product.id,
                                "quantity": 1 + k,
                                "item_price": 12.5 * (1 + k),
                                "item_tax": 1.1 * (1 + k),
                                "shipping_price": 4.99 if k == 0 else 0.0,
                            },
                        )
                        for k, product in enumerate(products)
                    ],
                }
            )
        orders = Order.create(orders_values)
        Routed = self.env["amazon.routed.order"].with_context(tracking_disable=True)
        return Routed.create(
            [
                {
                    "name": order.name,
                    "amazon_order_id": order.id,
                    "warehouse_id": stores[n % len(stores)].id,
                    "state": "to_send",
                    "routing_mode": "best_store",
                    "line_ids": [
                        (0, 0, {"product_id": line.product_id.id, "quantity": line.quantity})
                        for line in order.line_ids
                    ],
                }
                for n, order in enumerate(orders)
            ]
        )

    def send_all(self):
        """Run the scheduled action until nothing is left to send: (runs, seconds, queries)."""
        Routed = self.env["amazon.routed.order"]
        self.sim.calls.clear()
        self.sim.set_other_apps_rate(OTHER_APPS_UNITS_PER_SECOND)
        cr = self.env.cr
        queries = cr.sql_log_count
        started = time.perf_counter()
        runs = 0
        with self.patcher, self.m["in_process"](self.routes):
            while Routed.search_count([("id", "in", self.routed.ids), ("state", "=", "to_send")]):
                Routed._cron_send_to_lightspeed()
                runs += 1
                if runs > 50:
                    break
        self.env.flush_all()
        return runs, time.perf_counter() - started, cr.sql_log_count - queries


def _kind(call):
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


def _rolled_back(env, fn):
    savepoint = env.cr.savepoint()
    try:
        return fn()
    finally:
        savepoint.close(rollback=True)
        env.invalidate_all()


def run(env, out=print):
    from odoo.modules import module

    # Test mode: the send flow never commits, and the token store's own cursor works on this
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
    out(
        "Lightspeed send benchmark: %d routed orders, simulator in process, bucket share %.0f %%, "
        "other apps %.2f units/s" % (ORDERS, BUCKET_SHARE * 100, OTHER_APPS_UNITS_PER_SECOND)
    )
    world = World(env, ORDERS)
    clock_before = world.sim.clock.now()
    runs, seconds, queries = world.send_all()
    simulated = world.sim.clock.now() - clock_before
    sent = world.routed.filtered(lambda r: r.state == "sent")
    api_calls = [c for c in world.sim.calls if "/API/V3/" in c.path and c.status != 0]
    token_calls = [c for c in world.sim.calls if "/auth/" in c.path]
    throttled = [c for c in api_calls if c.status == 429]
    charged = [c for c in api_calls if c.status != 429]
    units = sum(1 if c.method == "GET" else 10 for c in charged)
    kinds = Counter(_kind(c) for c in charged)
    n = len(world.routed)
    out(
        "  %d of %d routed orders sent in %d scheduled runs; %d distinct Lightspeed sales"
        % (len(sent), n, runs, len({r.lightspeed_sale_id for r in sent}))
    )
    out(
        "  Lightspeed API calls: %d (%.3f per routed order), bucket units %d (%.2f per routed "
        "order); token calls %d"
        % (len(charged), len(charged) / n, units, units / n, len(token_calls))
    )
    for kind, count in sorted(kinds.items()):
        out("    %-22s %6d  (%.3f per routed order)" % (kind, count, count / n))
    out(
        "  Sale writes per routed order: %.3f (target 1); customer writes per new buyer: %.3f"
        % (kinds["Sale POST"] / n, kinds["Customer POST"] / BUYERS)
    )
    out("  429 answers seen: %d (target 0)" % len(throttled))
    out(
        "  simulated time imposed by the bucket: %.0f s (%.1f s per sale); wall time %.1f s "
        "(%.1f ms per routed order), %d SQL queries (%.1f per routed order)"
        % (simulated, simulated / n, seconds, 1000 * seconds / n, queries, queries / n)
    )


if "env" in globals() and __name__ != "bench_lightspeed":  # odoo shell < bench/...
    run(env)  # noqa: F821
