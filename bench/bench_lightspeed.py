"""Benchmark of the send flow: 1,000 routed orders written as Lightspeed Sales.

Prints figures, asserts nothing. It runs inside an Odoo 18 database with the addon installed,
in the test runner
(``--test-tags bench/amazon_lightspeed_connector:TestBench.test_bench_lightspeed``)
or in ``odoo shell``, as odoo_bench.py says; everything it writes is rolled back.

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

Set ALC_BENCH_LIGHTSPEED_ORDERS to measure another number of routed orders (default 1,000; the
distinct buyers are 70 % of them).
"""

import os
import sys
from collections import Counter
from pathlib import Path

from odoo.addons import amazon_lightspeed_connector
from odoo.addons.amazon_lightspeed_connector.tests.simulators.core import ManualClock
from odoo.addons.amazon_lightspeed_connector.tests.simulators.transport import in_process

# bench/ beside the addon holds the shared part (see odoo_bench.py for why it is found so)
BENCH_DIR = str(Path(amazon_lightspeed_connector.__file__).resolve().parents[1] / "bench")
if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)
import odoo_bench  # noqa: E402

ORDERS = int(os.environ.get("ALC_BENCH_LIGHTSPEED_ORDERS", "1000"))
BUYERS = max(1, ORDERS * 7 // 10)  # distinct buyers: 700 for the 1,000 orders
BUCKET_SHARE = 0.8
OTHER_APPS_UNITS_PER_SECOND = 0.05


class World:
    """The demo Lightspeed shop, a channel in a company of its own, ``count`` routed orders."""

    def __init__(self, env, count):
        self.env = env
        self.shop = odoo_bench.DemoShop(env, ManualClock(), "Lightspeed benchmark", BUCKET_SHARE)
        self.sim = self.shop.sim
        self.products = list(self.shop.products.values())
        self.shop.sync()
        self.account = env["amazon.account"].create(
            {"name": "Benchmark channel", **self.shop.channel_values()}
        )
        self.routed = self._routed_orders(count, self.shop.stores())
        env.flush_all()

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
        self.sim.calls.clear()
        self.sim.set_other_apps_rate(OTHER_APPS_UNITS_PER_SECOND)
        with self.shop.patcher, in_process(self.shop.routes):
            return odoo_bench.measured(self.env, self._send_runs)

    def _send_runs(self):
        Routed = self.env["amazon.routed.order"]
        runs = 0
        while Routed.search_count([("id", "in", self.routed.ids), ("state", "=", "to_send")]):
            Routed._cron_send_to_lightspeed()
            runs += 1
            if runs > 50:
                break
        return runs


def run(env, out=print):
    odoo_bench.run_rolled_back(env, lambda: _run(env, out))


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
    charged, throttled, units = odoo_bench.lightspeed_calls(world.sim)
    token_calls = [c for c in world.sim.calls if "/auth/" in c.path]
    kinds = Counter(odoo_bench.lightspeed_call_kind(c) for c in charged)
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
