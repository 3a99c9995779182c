"""Quota-bound time: import, route and send N Amazon orders on the simulators' clock.

Prints figures, asserts nothing. It runs inside an Odoo 18 database with the addon installed,
in the test runner
(``--test-tags bench/amazon_lightspeed_connector:TestBench.test_bench_quota``)
or in ``odoo shell``, as odoo_bench.py says; everything it writes is rolled back.

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

A second figure divides by what the product brief itself demands of Lightspeed: the buyer is
"matched by e-mail (created if missing)", so each distinct buyer costs at least one Customer
search (1 unit) and each buyer Lightspeed did not know one Customer POST (10 units):

    T_brief = max( Amazon term, (N * 10 + buyers * 1 + new_buyers * 10 - bucket_size) / drip )

The gap between the two ratios is the price of the brief's customer matching; the gap
between T_brief and the measured time is the connector's own overhead.

Set ALC_BENCH_QUOTA_ORDERS to measure another N (default 5,000) and ALC_BENCH_QUOTA_REPEAT
the share of orders placed by a buyer of an earlier order (default 0.3). It also prints the
number of runs and the longest one (simulated seconds: what a run would hold a worker), the
LWA token calls (the access token is kept in amazon.access.token between runs, the quota state
in connector.pacing.state, as in production), the 429s of both services, and the bucket units
per order: a returning buyer's kept customer id costs no search and no POST, and the new buyers
of a run are searched together.
"""

import math
import os
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.addons import amazon_lightspeed_connector
from odoo.addons.amazon_lightspeed_connector.models import connector_budget, connector_run
from odoo.addons.amazon_lightspeed_connector.tests.simulators.amazon import (
    AmazonSimulator,
    rate_limits,
)
from odoo.addons.amazon_lightspeed_connector.tests.simulators.core import ManualClock
from odoo.addons.amazon_lightspeed_connector.tests.simulators.demo_catalogue import (
    PRODUCTS,
    STORES,
)
from odoo.addons.amazon_lightspeed_connector.tests.simulators.lightspeed.bucket import (
    DEFAULT_DRIP_RATE,
    DEFAULT_SIZE,
)
from odoo.addons.amazon_lightspeed_connector.tests.simulators.transport import in_process

# bench/ beside the addon holds the shared part (see odoo_bench.py for why it is found so)
BENCH_DIR = str(Path(amazon_lightspeed_connector.__file__).resolve().parents[1] / "bench")
if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)
import odoo_bench  # noqa: E402

ORDERS = int(os.environ.get("ALC_BENCH_QUOTA_ORDERS", "5000"))
REPEAT_SHARE = float(os.environ.get("ALC_BENCH_QUOTA_REPEAT", "0.3"))
PAGE_SIZE = 100  # searchOrders maxResultsPerPage
STOCK_PER_STORE = 1_000_000  # every order can be routed: the bench measures quotas, not stock
SEND_INTERVAL = 600  # seconds: the send action's interval (data/connector_cron.xml)
# Seconds before Odoo's cron worker takes a trigger set in the future: it sleeps 60-69 s
# between polls unless notified (and a future trigger notifies nobody), so about half of that
# on average. A run that ends for its budget asks for 'now', which wakes the worker at once.
CRON_WAKE_DELAY = float(os.environ.get("ALC_BENCH_QUOTA_WAKE", "32"))


class SimulatedTime:
    """``time`` for the run loop: real seconds plus the simulated ones the pacers waited, so a
    run's budget counts the waits as production's would (they are real seconds there)."""

    def __init__(self, clock):
        self.clock = clock
        self.offset = clock.now()

    def monotonic(self):
        return time.monotonic() + self.clock.now() - self.offset


@contextmanager
def simulated_budget(clock):
    with patch.object(connector_run, "time", SimulatedTime(clock)):
        yield


class World:
    """Both simulators on one clock, a company with a channel bound to the demo Lightspeed shop."""

    def __init__(self, env, count):
        self.env = env
        self.clock = ManualClock()
        self.shop = odoo_bench.DemoShop(env, self.clock, "Quota benchmark", bucket_share=1.0)
        self.lightspeed_sim = self.shop.sim
        for product in PRODUCTS:
            for store in STORES:
                self.lightspeed_sim.set_qoh(product.sku, store.shop_id, STOCK_PER_STORE)
        self.amazon_sim = AmazonSimulator(clock=self.clock, seed=9)
        self.amazon_sim.generate_orders(
            count,
            spread=5 * 86400,
            afn_share=0,
            shipped_share=0,
            repeat_buyer_share=REPEAT_SHARE,
        )
        self.run_seconds = []  # simulated seconds of each scheduled run
        self.routes = {**self.shop.routes, **self.amazon_sim.routes()}
        self.shop.sync(self.routes)
        self.account = env["amazon.account"].create(
            {
                "name": "Quota benchmark channel",
                **odoo_bench.amazon_channel_values(
                    self.clock, "2026-01-01", import_max_pages=math.ceil(ORDERS / PAGE_SIZE) + 10
                ),
                **self.shop.channel_values(),
            }
        )
        odoo_bench.bind_offers(self.account, self.shop.products)
        env.flush_all()

    def buyers(self):
        """(distinct buyer e-mails of the orders, how many of them Lightspeed did not know)."""
        emails = {order.buyer.email.lower() for order in self.amazon_sim.orders.values()}
        return len(emails), len(self.lightspeed_sim.store.customers) - self.customers_before

    def run(self):
        """Import (routing as stored), then send until none is left: figures of each phase."""
        self.customers_before = len(self.lightspeed_sim.store.customers)
        self.amazon_sim.calls.clear()
        self.lightspeed_sim.calls.clear()
        phases = {}
        with self.shop.patcher, in_process(self.routes):
            phases["import and route"] = self._timed(self._import)
            phases["send"] = self._timed(self._send)
        return phases

    def _timed(self, fn):
        clock = self.clock.now()
        detail, wall, queries = odoo_bench.measured(self.env, fn)
        return {
            "simulated": self.clock.now() - clock,
            "wall": wall,
            "queries": queries,
            "detail": detail,
        }

    def _import(self):
        client = odoo_bench.amazon_client(self.clock, self.account)
        started = self.clock.now()
        with client, simulated_budget(self.clock):
            run = self.account._import_orders(client=client)
        self.run_seconds.append(self.clock.now() - started)
        return dict(run.counts)

    def _send(self):
        Routed = self.env["amazon.routed.order"]
        domain = [("amazon_order_id.account_id", "=", self.account.id), ("state", "=", "to_send")]
        runs = stopped = 0
        while Routed.search_count(domain) and runs < 50 * ORDERS:
            started = self.clock.now()
            with simulated_budget(self.clock):
                results = Routed._cron_send_to_lightspeed()
            self.run_seconds.append(self.clock.now() - started)
            runs += 1
            self.clock.advance(self._until_next_run(results))
            stopped += any(result.stop_kind == "throttled" for result in results)
        return {"scheduled runs": runs, "runs ended to wait for the bucket": stopped}

    def _until_next_run(self, results):
        """Simulated seconds until the send action runs again, as in production: at once after
        a run whose time was up (or that left nothing), when the bucket has room (plus the
        cron worker's wake-up) after one that would have waited longer than a few seconds,
        one interval later after any other stop."""
        if not any(result.stopped for result in results):
            return 0
        at = connector_run.earliest_next_run(results)
        if at is None:
            return SEND_INTERVAL
        room = (at - fields.Datetime.now()).total_seconds()
        return math.ceil(room) + CRON_WAKE_DELAY if room > 0 else 0


def lower_bound(orders, search_limit, buyers=0, new_buyers=0):
    """(seconds, Amazon term, Lightspeed term) of T_min, or of T_brief when the buyers are
    given; see the module docstring."""
    rate, burst = search_limit
    reads_min = buyers  # one Customer search per distinct buyer (0 for T_min)
    amazon = max(0.0, (math.ceil(orders / PAGE_SIZE) - burst) / rate)
    writes = orders + new_buyers  # Sale POSTs, and Customer POSTs for T_brief
    lightspeed = writes * odoo_bench.WRITE_UNITS + reads_min * odoo_bench.GET_UNITS - DEFAULT_SIZE
    lightspeed = max(0.0, lightspeed) / DEFAULT_DRIP_RATE
    return max(amazon, lightspeed), amazon, lightspeed


def run(env, out=print):
    odoo_bench.run_rolled_back(env, lambda: _run(env, out))


def _run(env, out):
    search_limit = rate_limits.documented_limits()[("orders2026", "searchOrders")]
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
        for c in odoo_bench.amazon_api_calls(world.amazon_sim)
    )
    charged, throttled, units = odoo_bench.lightspeed_calls(world.lightspeed_sim)
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
            dict(Counter(odoo_bench.lightspeed_call_kind(c) for c in charged)),
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
    amazon_429 = [c for c in odoo_bench.amazon_api_calls(world.amazon_sim) if c.status == 429]
    lwa_calls = [c for c in world.amazon_sim.calls if c.path.endswith("/auth/o2/token")]
    kinds = Counter(odoo_bench.lightspeed_call_kind(c) for c in charged)
    distinct = len({o.buyer.email.lower() for o in world.amazon_sim.orders.values()})
    out(
        "  runs: %d (1 import, %d send); longest run %.0f simulated s against a run budget of "
        "%.0f s (a pacer waits at most %.0f s, then the run ends; a trigger in the future waits "
        "%.0f s for the cron worker); LWA token calls %d over %.1f simulated h (%.1f per hour); "
        "429s: Amazon %d, Lightspeed %d"
        % (
            len(world.run_seconds),
            len(world.run_seconds) - 1,
            max(world.run_seconds),
            connector_budget.run_budget(env),
            connector_run.MAX_WAIT,
            CRON_WAKE_DELAY,
            len(lwa_calls),
            total / 3600,
            len(lwa_calls) / max(total / 3600, 1.0),
            len(amazon_429),
            len(throttled),
        )
    )
    out(
        "  buyers: %d orders, %d distinct buyers (%.0f %% of orders by a returning buyer); "
        "Customer searches %d, Customer POSTs %d; bucket units per order %.2f (a new buyer's "
        "order: Sale POST 10 + Customer POST 10 + its share of a batch search; a returning "
        "buyer's: Sale POST 10)"
        % (
            ORDERS,
            distinct,
            100.0 * (ORDERS - distinct) / max(ORDERS, 1),
            kinds["Customer search GET"],
            kinds["Customer POST"],
            units / max(len(sent), 1),
        )
    )
    # a returning buyer's order costs its Sale POST only (the kept customer id is checked by
    # the Sale POST itself: no search, no POST); the rest of the units are the new buyers'
    returning = ORDERS - distinct
    returning_units = returning * odoo_bench.WRITE_UNITS
    out(
        "  bucket units per order: a new buyer's %.2f (%d orders), a returning buyer's %.2f "
        "(%d orders)"
        % (
            (units - returning_units) / max(distinct, 1),
            distinct,
            returning_units / max(returning, 1),
            returning,
        )
    )
    buyers, new_buyers = world.buyers()
    brief, _amazon, _lightspeed = lower_bound(ORDERS, search_limit, buyers, new_buyers)
    out(
        "  T_brief (a Customer search per distinct buyer, a Customer POST per new one: %d "
        "buyers, %d new) = %.0f s; simulated time / T_brief = %.2fx"
        % (buyers, new_buyers, brief, total / brief if brief else float("nan"))
    )


if "env" in globals() and __name__ != "bench_quota":  # odoo shell < bench/bench_quota.py
    run(env)  # noqa: F821
