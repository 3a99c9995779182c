"""Benchmark of the Amazon order import (issue 5): prints figures, asserts nothing.

It needs an Odoo 18 database with the addon installed, and runs inside it; everything it
writes is rolled back. Either of (the shared part, odoo_bench.py, loads both ways):

    python3 tools/run_tests.py --odoo-only \
        --test-tags bench/amazon_lightspeed_connector:TestBench.test_bench_import
    python3 -m odoo shell -d <db> --addons-path=<odoo>/addons,<this repo> < bench/bench_import.py

Figures, against the Amazon simulator in process (zero network latency; the client's pacing
runs on the simulator's manual clock, so quota waits cost no real time):

1. SP-API calls per imported order, Orders API v2026-01-01 and v0 (login calls aside);
2. the time to import 1,000 orders divided by the time to create the same 1,000 sale orders
   (same partners, lines, prices, confirmation) directly with the ORM in the same run: the
   import's overhead;
3. SQL queries per imported order at 100 and at 1,000 orders (it must not grow).

Other sizes: ALC_BENCH_IMPORT_SIZES (comma-separated, default 100,1000; the overhead is measured
at the largest) and ALC_BENCH_IMPORT_V0_ORDERS (default 200), e.g. 5,10 and 5 for a quick check.
"""

import os
import sys
import time
from pathlib import Path

from odoo.addons import amazon_lightspeed_connector
from odoo.addons.amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator
from odoo.addons.amazon_lightspeed_connector.tests.simulators.core import ManualClock
from odoo.addons.amazon_lightspeed_connector.tests.simulators.demo_catalogue import PRODUCTS
from odoo.addons.amazon_lightspeed_connector.tests.simulators.transport import in_process

# bench/ beside the addon holds the shared part (see odoo_bench.py for why it is found so)
BENCH_DIR = str(Path(amazon_lightspeed_connector.__file__).resolve().parents[1] / "bench")
if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)
import odoo_bench  # noqa: E402

SIZES = tuple(int(n) for n in os.environ.get("ALC_BENCH_IMPORT_SIZES", "100,1000").split(","))
V0_ORDERS = int(os.environ.get("ALC_BENCH_IMPORT_V0_ORDERS", "200"))


class World:
    """A simulator with ``count`` orders, and a channel with every demo SKU bound."""

    def __init__(self, env, count, version="2026-01-01", seed=5):
        self.env = env
        self.sim = AmazonSimulator(clock=ManualClock(), seed=seed)
        self.sim.generate_orders(count, spread=5 * 86400, afn_share=0)
        self.account = env["amazon.account"].create(
            {
                "name": "Benchmark channel",
                **odoo_bench.amazon_channel_values(self.sim.clock, version, import_max_pages=100),
            }
        )
        products = {
            product.sku: env["product.product"].create(
                {"name": product.name, "default_code": "BENCH-" + product.sku, "type": "consu"}
            )
            for product in PRODUCTS
        }
        odoo_bench.bind_offers(self.account, products)
        self.client = odoo_bench.amazon_client(self.sim.clock)
        env.flush_all()

    def import_orders(self):
        """(run, seconds, SQL queries) of one import run."""

        def import_run():
            with in_process(self.sim.routes()):
                return self.account._import_orders(client=self.client)

        return odoo_bench.measured(self.env, import_run)

    def sp_api_calls(self):
        return len(odoo_bench.amazon_api_calls(self.sim))


def orm_baseline(env, sales):
    """Create and confirm the same sale orders directly with the ORM; seconds taken."""
    values = []
    for sale in sales:
        values.append(
            {
                "partner_id": sale.partner_id.id,
                "partner_shipping_id": sale.partner_shipping_id.id,
                "pricelist_id": sale.pricelist_id.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": line.product_id.id,
                            "name": line.name,
                            "product_uom_qty": line.product_uom_qty,
                            "price_unit": line.price_unit,
                            "tax_id": [(5,)],
                        },
                    )
                    for line in sale.order_line
                ],
            }
        )
    env.flush_all()
    env.invalidate_all()
    started = time.perf_counter()
    for vals in values:  # one by one, as the import does
        env["sale.order"].create(vals).action_confirm()
    env.flush_all()
    return time.perf_counter() - started


def run(env, out=print):
    odoo_bench.run_rolled_back(env, lambda: _run(env, out))


def _run(env, out):
    out("Amazon order import benchmark (simulator in process, zero latency)")

    def v0_calls():
        world = World(env, V0_ORDERS, version="v0")
        run_, seconds, _queries = world.import_orders()
        imported = run_.counts["created"]
        out(
            "  v0:         %d orders imported, %d SP-API calls (%s): %.3f calls per order"
            % (
                imported,
                world.sp_api_calls(),
                dict(world.client.calls),
                world.sp_api_calls() / imported,
            )
        )

    per_order = {}
    for size in SIZES:

        def measure(size=size):
            world = World(env, size)
            run_, seconds, queries = world.import_orders()
            imported = run_.counts["created"]
            per_order[size] = queries / imported
            out(
                "  v2026, %5d orders: %d imported in %.2f s, %d SP-API calls (%.3f per order), "
                "%d SQL queries (%.1f per order)"
                % (
                    size,
                    imported,
                    seconds,
                    world.sp_api_calls(),
                    world.sp_api_calls() / imported,
                    queries,
                    queries / imported,
                )
            )
            if size == max(SIZES):
                sales = world.account.env["sale.order"].search(
                    [("amazon_order_id.account_id", "=", world.account.id)]
                )
                baseline = orm_baseline(env, sales)
                out(
                    "  %d orders: import %.2f s / ORM sale orders %.2f s = %.2fx overhead"
                    % (size, seconds, baseline, seconds / baseline)
                )

        odoo_bench.rolled_back(env, measure)
    odoo_bench.rolled_back(env, v0_calls)
    small, large = min(SIZES), max(SIZES)
    out(
        "  SQL queries per imported order: %.1f at %d, %.1f at %d (ratio %.2f)"
        % (per_order[small], small, per_order[large], large, per_order[large] / per_order[small])
    )


if "env" in globals() and __name__ != "bench_import":  # odoo shell < bench/bench_import.py
    run(env)  # noqa: F821
