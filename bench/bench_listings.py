"""Benchmark of the inventory push: Amazon calls needed for 50,000 SKUs of which 10 % changed.

Run from the repository root (needs the SP-API models of the shared directory, like the
simulator tests):

    python3 bench/bench_listings.py
    python3 bench/bench_listings.py --skus 50000 --changed 0.1 --threshold 100 --seed 3

It prints figures and asserts no time. Everything runs in the lib and the Amazon simulator
(in process, on a simulated clock with Amazon's default rate limits), through the real
AmazonClient: the Odoo layer adds database reads, not Amazon calls, so it is left out.

1. The delta: last accepted values for every SKU, then 10 % of the SKUs get a new quantity;
   ``changed_since_last_push`` keeps the changed ones (wall time printed).
2. The changed SKUs sent the way the connector sends them (threshold: feed), the feed
   processed by the simulator and its report read back: requests per operation and the
   simulated time Amazon's quotas impose.
3. The same SKUs patched one by one (what a threshold above the count would do), and a full
   push of all 50,000 without the delta, for comparison.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("ALC_SHARED_DIR", str(Path(__file__).resolve().parents[2] / "shared"))

from amazon_lightspeed_connector.lib.amazon.listings import plan_push
from amazon_lightspeed_connector.lib.inventory import ListingUpdate, changed_since_last_push
from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator
from amazon_lightspeed_connector.tests.simulators.amazon.testing import demo_client
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import AMAZON_DEMO
from amazon_lightspeed_connector.tests.simulators.transport import in_process

US = AMAZON_DEMO["marketplace_id"]
SELLER = AMAZON_DEMO["seller_id"]


def new_client(sim):
    return demo_client(sim.clock, [US])


def catalogue(sim, count):
    """The SKUs Amazon holds, and what it last accepted for each (= the simulator's offers)."""
    skus = sim.generate_offers(count)
    accepted = {
        sku: ListingUpdate(sku, US, sim.offer(sku).quantity, Decimal(sim.offer(sku).price), "USD")
        for sku in skus
    }
    return skus, accepted


def current_values(skus, accepted, changed_share, seed):
    """Today's values: ``changed_share`` of the SKUs got a new quantity."""
    rng = random.Random(seed)
    changed = set(rng.sample(skus, int(len(skus) * changed_share)))
    current = []
    for sku in skus:
        last = accepted[sku]
        quantity = last.quantity + rng.randint(1, 9) if sku in changed else last.quantity
        current.append(ListingUpdate(sku, US, quantity, last.price, "USD"))
    return current


def send(sim, plan):
    """Send a plan through the client; requests per operation and simulated seconds."""
    started = sim.clock.now()
    with in_process(sim.routes()), new_client(sim) as client:
        for update in plan.patches:
            client.patch_listing(update.sku, US, "PRODUCT", update.quantity)
        feed_ids = [client.submit_listings_feed(f.messages, [f.marketplace_id]) for f in plan.feeds]
        errors = 0
        for feed_id in feed_ids:
            result = None
            while result is None:
                sim.clock.advance(30)
                result = client.get_feed_result(feed_id)
            errors += len(result.errors_by_message())
        calls = dict(client.calls)
    return calls, sim.clock.now() - started, errors


def describe(out, title, calls, seconds, errors=0):
    total = sum(calls.values())
    out(
        "%s: %d requests in %.0f simulated seconds%s"
        % (title, total, seconds, ", %d SKU errors" % errors if errors else "")
    )
    for key, count in sorted(calls.items()):
        out("    %-34s %6d" % (key, count))


def run(skus=50_000, changed=0.10, threshold=100, seed=3, out=print):
    sim = AmazonSimulator(clock=ManualClock(), seed=seed)
    all_skus, accepted = catalogue(sim, skus)
    current = current_values(all_skus, accepted, changed, seed)

    started = time.perf_counter()
    deltas = [d for u in current if (d := changed_since_last_push(u, accepted[u.sku]))]
    delta_seconds = time.perf_counter() - started
    out(
        "%d SKUs, %d changed (%.0f %%); delta computed in %.2f s wall"
        % (skus, len(deltas), 100 * changed, delta_seconds)
    )

    started = time.perf_counter()
    plan = plan_push(SELLER, deltas, threshold=threshold)
    plan_seconds = time.perf_counter() - started
    out(
        "plan (threshold %d): %s, %d feed(s), %d patch(es), %d request(s) planned, built in "
        "%.2f s wall"
        % (threshold, plan.channel, len(plan.feeds), len(plan.patches), plan.calls(), plan_seconds)
    )
    started = time.perf_counter()
    calls, seconds, errors = send(sim, plan)
    describe(out, "delta as the connector sends it", calls, seconds, errors)
    out(
        "    (wall %.1f s, the simulator validating every message)"
        % (time.perf_counter() - started)
    )
    patched = sum(1 for p in sim.listing_patches if p.via.startswith("feed:"))
    out("    SKUs Amazon applied from the feed: %d" % patched)

    one_by_one = plan_push(SELLER, deltas, threshold=len(deltas) + 1)
    sim_patches = AmazonSimulator(clock=ManualClock(), seed=seed)
    catalogue(sim_patches, skus)
    started = time.perf_counter()
    calls, seconds, _errors = send(sim_patches, one_by_one)
    describe(out, "same delta patched SKU by SKU", calls, seconds)
    out("    (wall %.1f s)" % (time.perf_counter() - started))

    full = plan_push(SELLER, current, threshold=threshold)
    out(
        "without the delta, all %d SKUs: %d feed(s), %d request(s) planned; as patches: %d "
        "requests, %.0f s at Amazon's 5 patches a second"
        % (skus, len(full.feeds), full.calls(), skus, skus / 5)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--changed", type=float, default=0.10)
    parser.add_argument("--threshold", type=int, default=100)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    run(args.skus, args.changed, args.threshold, args.seed)


if __name__ == "__main__":
    main()
