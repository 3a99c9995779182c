"""Benchmark of the Amazon order import (issue 5): prints figures, asserts nothing.

It needs an Odoo 18 database with the addon installed, and runs inside it; everything it
writes is rolled back. Either of:

    python3 tools/run_tests.py --no-lint --test-tags bench/amazon_lightspeed_connector
    python3 -m odoo shell -d <db> --addons-path=<odoo>/addons,<this repo> < bench/bench_import.py

Figures, against the Amazon simulator in process (zero network latency; the client's pacing
runs on the simulator's manual clock, so quota waits cost no real time):

1. SP-API calls per imported order, Orders API v2026-01-01 and v0 (login calls aside);
2. the time to import 1,000 orders divided by the time to create the same 1,000 sale orders
   (same partners, lines, prices, confirmation) directly with the ORM in the same run: the
   import's overhead;
3. SQL queries per imported order at 100 and at 1,000 orders (it must not grow).
"""

import time
from datetime import datetime, timedelta, timezone

SIZES = (100, 1000)
V0_ORDERS = 200


def _modules():
    from odoo.addons.amazon_lightspeed_connector.lib.amazon.client import (
        AmazonClient,
        AmazonCredentials,
    )
    from odoo.addons.amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator
    from odoo.addons.amazon_lightspeed_connector.tests.simulators.core import ManualClock
    from odoo.addons.amazon_lightspeed_connector.tests.simulators.demo_catalogue import (
        AMAZON_DEMO,
        PRODUCTS,
    )
    from odoo.addons.amazon_lightspeed_connector.tests.simulators.transport import in_process

    return (
        AmazonClient,
        AmazonCredentials,
        AmazonSimulator,
        ManualClock,
        AMAZON_DEMO,
        PRODUCTS,
        in_process,
    )


class World:
    """A simulator with ``count`` orders, and a channel with every demo SKU bound."""

    def __init__(self, env, count, version="2026-01-01", seed=5):
        (
            AmazonClient,
            AmazonCredentials,
            AmazonSimulator,
            ManualClock,
            demo,
            products,
            in_process,
        ) = _modules()
        self.env = env
        self.in_process = in_process
        self.sim = AmazonSimulator(clock=ManualClock(), seed=seed)
        self.sim.generate_orders(count, spread=5 * 86400, afn_share=0)
        now = datetime.fromtimestamp(self.sim.clock.now(), tz=timezone.utc).replace(tzinfo=None)
        self.account = env["amazon.account"].create(
            {
                "name": "Benchmark channel",
                "seller_id": demo["seller_id"],
                "marketplace_ids": demo["marketplace_id"],
                "lwa_client_id": demo["lwa_client_id"],
                "lwa_client_secret": demo["lwa_client_secret"],
                "refresh_token": demo["refresh_token"],
                "endpoint_url": AmazonSimulator.SP_API_URL,
                "lwa_endpoint_url": AmazonSimulator.LWA_URL + "/auth/o2/token",
                "import_from": now - timedelta(days=6),
                "orders_api_version": version,
                "import_max_pages": 100,
            }
        )
        for product in products:
            record = env["product.product"].create(
                {"name": product.name, "default_code": "BENCH-" + product.sku, "type": "consu"}
            )
            env["amazon.offer"].create(
                {
                    "account_id": self.account.id,
                    "marketplace_id": demo["marketplace_id"],
                    "seller_sku": product.sku,
                    "product_id": record.id,
                }
            )
        self.client = AmazonClient(
            AmazonCredentials(
                demo["lwa_client_id"], demo["lwa_client_secret"], demo["refresh_token"]
            ),
            demo["seller_id"],
            [demo["marketplace_id"]],
            clock=self.sim.clock,
        )
        env.flush_all()

    def import_orders(self):
        """(run, seconds, SQL queries) of one import run."""
        cr = self.env.cr
        queries = cr.sql_log_count
        started = time.perf_counter()
        with self.in_process(self.sim.routes()):
            run = self.account._import_orders(client=self.client)
        self.env.flush_all()
        return run, time.perf_counter() - started, cr.sql_log_count - queries

    def sp_api_calls(self):
        return sum(1 for call in self.sim.calls if not call.path.startswith(("/auth/", "/_sim/")))


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


def _rolled_back(env, fn):
    savepoint = env.cr.savepoint()
    try:
        return fn()
    finally:
        savepoint.close(rollback=True)
        env.invalidate_all()


def run(env, out=print):
    from odoo.modules import module

    entered = not (env.registry.in_test_mode() or module.current_test)
    if entered:  # never commit: the import commits per order outside tests
        env.registry.enter_test_mode(env.cr)
    try:
        _run(env, out)
    finally:
        if entered:
            env.registry.leave_test_mode()
            env.cr.rollback()


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

        _rolled_back(env, measure)
    _rolled_back(env, v0_calls)
    small, large = min(SIZES), max(SIZES)
    out(
        "  SQL queries per imported order: %.1f at %d, %.1f at %d (ratio %.2f)"
        % (per_order[small], small, per_order[large], large, per_order[large] / per_order[small])
    )


if "env" in globals() and __name__ != "bench_import":  # odoo shell < bench/bench_import.py
    run(env)  # noqa: F821
