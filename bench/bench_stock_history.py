"""Benchmark of the store stock reads against a long order history.

Prints figures, asserts nothing. It runs inside an Odoo 18 database with the addon installed,
in the test runner
(``--test-tags bench/amazon_lightspeed_connector:TestBench.test_bench_stock_history``)
or in ``odoo shell``, as odoo_bench.py says; everything it writes is rolled back.

Routing hands the engine each store's stock minus what routed orders reserve
(``lightspeed.stock._available``, once per order routed), and the listings push subtracts the
units committed per product (``lightspeed.stock._committed_units``). Both read routed order
lines, and after a year most of a connector's lines are history: sales completed, read back by
the stock refresh, confirmed to Amazon. Nothing of the history is reserved; the question is
whether the reads still look at it.

The demo shop (stores A, B, C, twelve products) holds a live set that stays the same (orders to
send, open sales, sales completed after the stock was read: what the reads must find) and a
history that grows: 0, 10,000 and 100,000 confirmed, completed and read routed orders of one
line, spread over the products and stores (``ALC_BENCH_HISTORY_SIZES``, default
``0,10000,100000``; ``ALC_BENCH_HISTORY_PLANS=1`` prints the query plans).
Written in SQL (a routed order copied ``generate_series`` times) and ANALYZEd, as autovacuum
would. For each size: the median time of a routing read (one product in the three stores) and
of a listings read (the twelve products), and the buffers PostgreSQL touched for each (EXPLAIN
ANALYZE BUFFERS: unlike the time, it does not depend on the machine's load), with the ratios to
the previous size's (ten times less history): x1 means the history is not read, x10 that
every line of it is. The read's result is printed too, and any change of it with the history
(the history reserves nothing, so it must not change).

Then a large catalogue (``ALC_BENCH_HISTORY_CATALOGUE``, default ``30000x25``: products x
stores; ``0`` for none): copies of a product and of store A, a stock row for each store and
product, read up to a year ago (slow movers), the largest history spread over them (each sale
completed a day before its row was read) and a live set like the demo's. The same two reads:
routing's of one product in every store, and the listings push's of every product, as when
every binding of the catalogue waits for a push. Median of ``CATALOGUE_REPEAT`` reads.
"""

import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from odoo.addons import amazon_lightspeed_connector
from odoo.addons.amazon_lightspeed_connector.tests.simulators.core import ManualClock
from odoo.tools import SQL

# bench/ beside the addon holds the shared part (see odoo_bench.py for why it is found so)
BENCH_DIR = str(Path(amazon_lightspeed_connector.__file__).resolve().parents[1] / "bench")
if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)
import odoo_bench  # noqa: E402

# the large catalogue: products x stores with a stock row each, "0" for none
CATALOGUE = os.environ.get("ALC_BENCH_HISTORY_CATALOGUE", "30000x25")
SIZES = [int(n) for n in os.environ.get("ALC_BENCH_HISTORY_SIZES", "0,10000,100000").split(",")]
REPEAT = 25  # reads timed per figure; the median is printed
CATALOGUE_REPEAT = 5  # the same for the large catalogue's reads
PLANS = os.environ.get("ALC_BENCH_HISTORY_PLANS")  # set: print each read's query plans
LIVE = (("to_send", False, 0), ("sent", False, 0), ("confirmed", True, 1))  # state, done, unread
LIVE_EACH = 20  # routed orders of each live kind


class World:
    """The demo shop, a channel selling from it, one routed order to copy, the live set."""

    def __init__(self, env):
        self.env = env
        self.shop = odoo_bench.DemoShop(env, ManualClock(), "Stock history benchmark", 1.0)
        self.shop.sync()
        self.stores = self.shop.stores()
        self.products = env["product.product"].browse(p.id for p in self.shop.products.values())
        self.account = env["amazon.account"].create(
            {"name": "Benchmark channel", **self.shop.channel_values()}
        )
        self.template = self._template_order()
        self.history = 0  # confirmed routed orders, completed and read
        self.copied = 0  # routed orders copied from the template: it numbers their sales
        for state, completed, unread in LIVE:
            self._copy(LIVE_EACH, state, completed, unread)
        env.flush_all()

    def _template_order(self):
        order = (
            self.env["amazon.order"]
            .with_context(tracking_disable=True)
            .create(
                {
                    "name": "115-0000000-0000000",
                    "account_id": self.account.id,
                    "status": "shipped",
                    "fulfillment_channel": "MFN",
                    "currency_id": self.account.company_id.currency_id.id,
                }
            )
        )
        return (
            self.env["amazon.routed.order"]
            .with_context(tracking_disable=True)
            .create(
                {
                    "name": order.name,
                    "amazon_order_id": order.id,
                    "warehouse_id": self.stores[0].id,
                    "state": "voided",
                    "line_ids": [(0, 0, {"product_id": self.products[0].id, "quantity": 1})],
                }
            )
        )

    def add_history(self, count):
        self._copy(count, "confirmed", True, 0)
        self.history += count
        self.env.cr.execute("ANALYZE amazon_routed_order, amazon_routed_order_line")

    def _copy(self, count, state, completed, unread):
        """``count`` routed orders of one line like the template, each in the next store and
        product; completed a day before every stock row was read (``unread`` 0), or a day after
        (1)."""
        stamp = SQL(
            "(SELECT %s(lightspeed_timestamp) FROM lightspeed_stock WHERE lightspeed_account_id"
            " = %s) + make_interval(days => %s)",
            SQL("MAX") if unread else SQL("MIN"),
            self.shop.account.id,
            1 if unread else -1,
        )
        self.copy_orders(count, state, completed and stamp, self.stores, self.products)

    def copy_orders(self, count, state, completed_at, stores, products, step=1):
        """``count`` routed orders of one line like the template: order g in store g and of
        product g / ``step`` (each taken in turn: a ``step`` of the number of stores gives every
        store each product); a completed sale at ``completed_at`` (SQL, which may use ``w`` and
        ``p``, the order's store and product ids) unless it is falsy."""
        self.env.flush_all()
        store = SQL("(%s::int[])[1 + mod(g, %s)]", stores.ids, len(stores))
        product = SQL("(%s::int[])[1 + mod(g / %s, %s)]", products.ids, step, len(products))
        routed_ids = clone_rows(
            self.env.cr,
            "amazon_routed_order",
            self.template.id,
            count,
            {
                "state": SQL("%s", state),
                "warehouse_id": store,
                "lightspeed_sale_id": SQL("'bench-' || (g + %s)", self.copied),
                "lightspeed_sale_completed": SQL("%s", bool(completed_at)),
                "lightspeed_completed_at": (
                    SQL("(SELECT %s FROM (SELECT %s w, %s p) o)", completed_at, store, product)
                    if completed_at
                    else SQL("NULL")
                ),
            },
        )
        clone_rows(
            self.env.cr,
            "amazon_routed_order_line",
            self.template.line_ids.id,
            count,
            {
                "routed_order_id": SQL("(%s::int[])[g]", routed_ids),
                # the ORM copies the completion time to the line; a copy in SQL must too
                "sale_completed_at": SQL(
                    "(SELECT lightspeed_completed_at FROM amazon_routed_order"
                    " WHERE id = (%s::int[])[g])",
                    routed_ids,
                ),
                "warehouse_id": store,
                "product_id": product,
            },
        )
        self.copied += count
        self.env.invalidate_all()

    def add_catalogue(self, product_count, store_count):
        """(stores, products) of a large catalogue: ``product_count`` copies of the first
        product and copies of store A up to ``store_count`` stores with the demo's, a stock row
        for each store and product, slow movers among them (read up to a year ago)."""
        self.env.flush_all()
        cr, first = self.env.cr, self.products[0]
        template_ids = clone_rows(
            cr, "product_template", first.product_tmpl_id.id, product_count, {}
        )
        product_ids = clone_rows(
            cr,
            "product_product",
            first.id,
            product_count,
            {
                "product_tmpl_id": SQL("(%s::int[])[g]", template_ids),
                "default_code": SQL("'BENCH-' || g"),
                "barcode": SQL("NULL"),
            },
        )
        store_ids = clone_rows(
            cr,
            "stock_warehouse",
            self.stores[0].id,
            store_count - len(self.stores),
            {
                "name": SQL("'Benchmark store ' || g"),
                "code": SQL("'Z' || g"),
                "lightspeed_shop_id": SQL("'bench-' || g"),
            },
        )
        # statistics of the new products before the stock rows are written: without them that
        # insert grew with the square of the catalogue (526 s for 30,000 products, against 53 s
        # for the whole build with them), most likely each row's foreign key check scanning
        # the products
        cr.execute("ANALYZE product_product, product_template, stock_warehouse")
        stores = self.stores | self.env["stock.warehouse"].browse(store_ids)
        row = self.env["lightspeed.stock"].search(
            [("lightspeed_account_id", "=", self.shop.account.id)], limit=1
        )
        clone_rows(
            cr,
            "lightspeed_stock",
            row.id,
            len(stores) * product_count,
            {
                "warehouse_id": SQL("(%s::int[])[1 + mod(g - 1, %s)]", stores.ids, len(stores)),
                "product_id": SQL("(%s::int[])[1 + (g - 1) / %s]", product_ids, len(stores)),
                "lightspeed_item_id": SQL("'bench-' || (1 + (g - 1) / %s)", len(stores)),
                "qoh": SQL("5"),
                "lightspeed_timestamp": SQL(
                    "t.lightspeed_timestamp - make_interval(days => mod(g, 365))"
                ),
            },
        )
        self.env.invalidate_all()
        return stores, self.env["product.product"].browse(product_ids)

    def describe(self, result, product=None):
        """What a read found: available units of ``product`` (the first demo product) in
        stores A, B, C or in all, or units committed in all."""
        if all(isinstance(value, dict) for value in result.values()):
            if product:
                units = sum(per_product.get(product.id, 0) for per_product in result.values())
                return "available in all stores %d" % units
            first = self.products[0].id
            per_store = [result[store.id].get(first, 0) for store in self.stores]
            return "available A/B/C %s" % "/".join(map(str, per_store))
        return "committed %d units" % sum(result.values())

    def routing_read(self):
        Stock = self.env["lightspeed.stock"]
        return Stock._available(self.stores, self.products[:1])

    def listings_read(self):
        Stock = self.env["lightspeed.stock"]
        return Stock._committed_units(self.shop.account, self.products)


def clone_rows(cr, table, template_id, count, overrides):
    """Insert ``count`` copies of row ``template_id`` of ``table``, columns in ``overrides``
    given as SQL over ``g`` (1 to ``count``); the new ids in ``g`` order."""
    if not count:
        return []
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND column_name <> 'id' ORDER BY ordinal_position",
        [table],
    )
    columns = [name for (name,) in cr.fetchall()]
    values = [overrides.get(name, SQL("t.%s", SQL.identifier(name))) for name in columns]
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s t, generate_series(1, %s) g"
            " WHERE t.id = %s ORDER BY g RETURNING id",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(name) for name in columns),
            SQL(", ").join(values),
            SQL.identifier(table),
            count,
            template_id,
        )
    )
    return sorted(row[0] for row in cr.fetchall())


@contextmanager
def reservation_queries(cr):
    """The SQL the reads send that names routed order lines, kept in ``queries``."""
    queries = []
    execute = type(cr).execute

    def keep(self, query, params=None, log_exceptions=True):
        if isinstance(query, SQL) and "amazon_routed_order_line" in query.code:
            queries.append(query)
        return execute(self, query, params, log_exceptions)

    with patch.object(type(cr), "execute", keep):
        yield queries


def buffers(cr, queries, out=None):
    """Shared buffers PostgreSQL touched (hit or read) running ``queries``; their plans to
    ``out`` when given."""
    touched = 0
    for query in queries:
        cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) %s", query))
        plan = cr.fetchone()[0][0]["Plan"]
        touched += plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
        if out:
            cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) %s", query))
            for (line,) in cr.fetchall():  # a line each: the test runner shows log lines
                out("    | " + line)
    return touched


def figures(world, read, out=None, repeat=REPEAT):
    """(median seconds, buffers, result) of ``read()``; the plans to ``out`` when given."""
    times = []
    for _ in range(repeat):
        world.env.invalidate_all()
        started = time.perf_counter()
        result = read()
        times.append(time.perf_counter() - started)
    with reservation_queries(world.env.cr) as queries:
        read()
    return statistics.median(times), buffers(world.env.cr, queries, out), result


def catalogue(world, out):
    """The reads for a large catalogue (``CATALOGUE``): the listings push's of every product,
    routing's of one product in every store, over the largest history spread over the catalogue
    and a live set of the same size as the demo's."""
    if CATALOGUE == "0":
        return
    product_count, store_count = (int(n) for n in CATALOGUE.split("x"))
    started = time.perf_counter()
    stores, products = world.add_catalogue(product_count, store_count)
    row_read_at = SQL(
        "(SELECT lightspeed_timestamp FROM lightspeed_stock"
        " WHERE warehouse_id = w AND product_id = p)"
    )
    read_later = SQL("%s - interval '1 day'", row_read_at)  # history: completed, then read
    world.copy_orders(max(SIZES), "confirmed", read_later, stores, products, len(stores))
    for state, completed, unread in LIVE:
        completed_at = completed and SQL("%s + make_interval(hours => %s)", row_read_at, unread)
        world.copy_orders(LIVE_EACH, state, completed_at, stores, products, len(stores))
    world.env.cr.execute("ANALYZE amazon_routed_order, amazon_routed_order_line, lightspeed_stock")
    out(
        "  catalogue: %s products x %d stores (%s stock rows), %s confirmed routed orders over"
        " them, written in %.0f s"
        % (
            f"{product_count:,}",
            len(stores),
            f"{product_count * len(stores):,}",
            f"{max(SIZES):,}",
            time.perf_counter() - started,
        )
    )
    Stock = world.env["lightspeed.stock"]
    reads = (
        ("routing", lambda: Stock._available(stores, products[:1])),
        ("listings", lambda: Stock._committed_units(world.shop.account, products)),
    )
    for name, read in reads:
        seconds, touched, result = figures(world, read, out if PLANS else None, CATALOGUE_REPEAT)
        out(
            "  catalogue  %-8s read %8.2f ms  buffers %7d  %s"
            % (name, 1000 * seconds, touched, world.describe(result, products[0]))
        )


def run(env, out=print):
    odoo_bench.run_rolled_back(env, lambda: _run(env, out))


def _run(env, out):
    out(
        "Stock history benchmark: routing's and the listings push's stock reads, %d live routed "
        "orders, history of %s confirmed ones; median of %d reads"
        % (LIVE_EACH * len(LIVE), ", ".join(f"{n:,}" for n in SIZES), REPEAT)
    )
    world = World(env)
    previous = {}
    for size in SIZES:
        world.add_history(size - world.history)
        for name, read in (("routing", world.routing_read), ("listings", world.listings_read)):
            seconds, touched, result = figures(world, read, out if PLANS else None)
            before = previous.get(name)
            ratios = (
                "(x%.2f, x%.2f)" % (seconds / before[0], touched / max(before[1], 1))
                if before
                else ""
            )
            out(
                "  history %7s  %-8s read %6.2f ms  buffers %5d  %-16s %s"
                % (f"{size:,}", name, 1000 * seconds, touched, ratios, world.describe(result))
            )
            if before and result != before[2]:
                out("    RESULT CHANGED with the history: %s, was %s" % (result, before[2]))
            previous[name] = (seconds, touched, result)
    catalogue(world, out)


if "env" in globals() and __name__ != "bench_stock_history":  # odoo shell < bench/...
    run(env)  # noqa: F821
