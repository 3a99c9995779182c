"""Benchmark of the order routing engine (amazon_lightspeed_connector/lib/routing).

Run from the repository root:

    python3 bench/bench_routing.py            # default seed
    python3 bench/bench_routing.py --seed 7   # another seeded run

It prints figures and asserts no time:
1. routing decisions per second in each mode, 10,000 orders x 25 stores x 1-8 lines;
2. split routing time (p50 / p99 / max) for 12 lines x 50 stores, 300 orders per stock
   density: each store holds each product with probability 0.5 ("dense"), 0.2 ("sparse") or 0.1
   ("scarce": up to 7 stores per order, the hardest search), with how many orders needed
   several stores, the range of stores used, and how many fell back to the greedy,
   not-proven-minimal cover.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from amazon_lightspeed_connector.lib.routing import (
    OrderLine,
    RoutingMode,
    RoutingRequest,
    Store,
    route,
)

CATALOGUE_SIZE = 200


def make_stores(count: int) -> list[Store]:
    # Pairs of stores share a priority, so the tie-break rules are exercised too.
    return [Store(f"S{i:02d}", f"Store {i:02d}", priority=(i // 2) * 10) for i in range(count)]


def make_stock(rng: random.Random, stores: list[Store], in_stock: float) -> dict:
    return {
        store.key: {
            f"P{product:03d}": rng.randint(1, 4)
            for product in range(CATALOGUE_SIZE)
            if rng.random() < in_stock
        }
        for store in stores
    }


def make_lines(rng: random.Random, line_count: int) -> tuple[OrderLine, ...]:
    products = rng.sample(range(CATALOGUE_SIZE), line_count)
    return tuple(
        OrderLine(f"P{product:03d}", rng.choices((1, 2, 3), weights=(80, 15, 5))[0])
        for product in products
    )


def decisions_per_second(seed: int, orders: int = 10_000, store_count: int = 25) -> list[tuple]:
    rng = random.Random(seed)
    stores = make_stores(store_count)
    stock = make_stock(rng, stores, in_stock=0.5)
    orders_lines = [make_lines(rng, rng.randint(1, 8)) for _ in range(orders)]
    rows = []
    for mode in RoutingMode:
        requests = [
            RoutingRequest(lines, stock, stores, stores[0].key, mode) for lines in orders_lines
        ]
        started = time.perf_counter()
        decisions = [route(request) for request in requests]
        elapsed = time.perf_counter() - started
        outcomes = dict.fromkeys(("routed", "virtual", "held"), 0)
        for decision in decisions:
            outcomes[decision.outcome.value] += 1
        multi = sum(len(decision.parts) > 1 for decision in decisions)
        rows.append((mode.value, orders / elapsed, outcomes, multi))
    return rows


def split_search_times(seed: int, in_stock: float, orders: int = 300) -> dict:
    rng = random.Random(seed)
    stores = make_stores(50)
    stock = make_stock(rng, stores, in_stock)
    times, searched, fallbacks, sizes = [], 0, 0, []
    for _ in range(orders):
        request = RoutingRequest(make_lines(rng, 12), stock, stores, stores[0].key, "split")
        started = time.perf_counter()
        decision = route(request)
        times.append(time.perf_counter() - started)
        if len(decision.parts) > 1:
            searched += 1
            sizes.append(len(decision.parts))
        fallbacks += not decision.proven_minimal
    times.sort()
    return {
        "orders": orders,
        "multi_store": searched,
        "stores_used": f"{min(sizes)}-{max(sizes)}" if sizes else "-",
        "p50_ms": 1000 * statistics.median(times),
        "p99_ms": 1000 * times[int(0.99 * (len(times) - 1))],
        "max_ms": 1000 * times[-1],
        "fallbacks": fallbacks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20260101)
    seed = parser.parse_args().seed
    # Other processes skew the rates: the load average tells the reader how quiet the box was.
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"seed={seed}  python={sys.version.split()[0]}  cpus={os.cpu_count()}  load={load}")
    print("\n10,000 orders x 25 stores x 1-8 lines (stock density 0.5)")
    print(f"{'mode':<14}{'decisions/s':>12}  {'routed':>7}{'virtual':>8}{'held':>7}{'multi':>7}")
    for mode, rate, outcomes, multi in decisions_per_second(seed):
        print(
            f"{mode:<14}{rate:>12,.0f}  {outcomes['routed']:>7}{outcomes['virtual']:>8}"
            f"{outcomes['held']:>7}{multi:>7}"
        )
    print("\nsplit mode, 12 lines x 50 stores")
    print(
        f"{'stock':<8}{'orders':>7}{'multi':>7}{'stores':>8}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'fallback':>10}"
    )
    for label, density in (("dense", 0.5), ("sparse", 0.2), ("scarce", 0.1)):
        r = split_search_times(seed, density)
        print(
            f"{label:<8}{r['orders']:>7}{r['multi_store']:>7}{r['stores_used']:>8}"
            f"{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['max_ms']:>9.2f}{r['fallbacks']:>10}"
        )


if __name__ == "__main__":
    main()
