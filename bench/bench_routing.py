"""Benchmark of the order routing engine (amazon_lightspeed_connector/lib/routing).

Run from the repository root:

    python3 bench/bench_routing.py            # default seed
    python3 bench/bench_routing.py --seed 7   # another seeded run

It prints figures and asserts no time:
1. routing decisions per second in each mode, 10,000 orders x 25 stores x 1-8 lines, with
   distance tie-breaks on (stores and buyers spread over a region some 600 km across): the
   rate of ``route()`` alone (the decision, what the engine's targets are about), and of
   building the ``RoutingRequest`` too (it copies and indexes the order's stock);
2. split routing time (p50 / p99 / max) for 12 lines x 50 stores, 300 orders per stock
   density and tie-break order: each store holds each product with probability 0.5 ("dense"),
   0.2 ("sparse") or 0.1 ("scarce": up to 9 stores per order, the hardest search), with how
   many orders needed several stores, the range of stores used, and how many fell back to the
   greedy, not-proven-minimal cover.

Times are wall time and this thread's CPU time (``time.process_time``) side by side: on a shared
machine the scheduler takes the CPU away for milliseconds at a time, which the wall clock
counts and the CPU clock does not; the CPU figure is what the engine costs. Garbage is
collected before each timed section, so one section does not pay for the previous one's.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from amazon_lightspeed_connector.lib.routing import (
    OrderLine,
    RoutingMode,
    RoutingRequest,
    Store,
    TieBreak,
    route,
)

CATALOGUE_SIZE = 200
REGION = ((40.0, 45.0), (-79.0, -71.0))  # latitude, longitude ranges: New York and New England


def make_stores(count: int, rng: random.Random | None = None) -> list[Store]:
    # Pairs of stores share a priority, so the tie-break rules are exercised too.
    rng = rng or random.Random(count)
    return [
        Store(f"S{i:02d}", f"Store {i:02d}", priority=(i // 2) * 10, location=somewhere(rng))
        for i in range(count)
    ]


def somewhere(rng: random.Random) -> tuple[float, float]:
    (south, north), (west, east) = REGION
    return (rng.uniform(south, north), rng.uniform(west, east))


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
    # one tuple for every order, as the Odoo layer passes a run's stores: validated once
    stores = tuple(make_stores(store_count, rng))
    stock = make_stock(rng, stores, in_stock=0.5)
    orders = [(make_lines(rng, rng.randint(1, 8)), somewhere(rng)) for _ in range(orders)]
    runs = [(mode, TieBreak.PRIORITY_THEN_DISTANCE) for mode in RoutingMode]
    runs.insert(2, (RoutingMode.BEST_STORE, TieBreak.DISTANCE_THEN_PRIORITY))
    rows = []
    for mode, tie_break in runs:
        gc.collect()
        cpu_started, started = time.process_time(), time.perf_counter()
        requests = [  # timed too: the "+request" rate
            RoutingRequest(
                lines, stock, stores, stores[0].key, mode, ship_to=to, tie_break=tie_break
            )
            for lines, to in orders
        ]
        building, cpu_building = time.perf_counter() - started, time.process_time() - cpu_started
        gc.collect()
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        decisions = [route(request) for request in requests]
        cpu, decided = time.process_time() - cpu_started, time.perf_counter()
        outcomes = dict.fromkeys(("routed", "virtual", "held"), 0)
        for decision in decisions:
            outcomes[decision.outcome.value] += 1
        multi = sum(len(decision.parts) > 1 for decision in decisions)
        nearest = sum("nearest" in decision.reason for decision in decisions)
        label = mode.value + (" (km 1st)" if tie_break is TieBreak.DISTANCE_THEN_PRIORITY else "")
        wall = decided - wall_started
        rate, cpu_rate = len(orders) / wall, len(orders) / cpu
        with_request = len(orders) / (building + wall)  # the collection left out
        cpu_with_request = len(orders) / (cpu_building + cpu)
        rates = (rate, cpu_rate, with_request, cpu_with_request)
        rows.append((label, *rates, outcomes, multi, nearest))
    return rows


def split_search_times(seed: int, in_stock: float, tie_break: TieBreak, orders: int = 300) -> dict:
    rng = random.Random(seed)
    stores = tuple(make_stores(50, rng))
    stock = make_stock(rng, stores, in_stock)
    times, cpu_times, searched, fallbacks, sizes = [], [], 0, 0, []
    gc.collect()
    for _ in range(orders):
        lines, ship_to = make_lines(rng, 12), somewhere(rng)
        request = RoutingRequest(
            lines, stock, stores, stores[0].key, "split", ship_to=ship_to, tie_break=tie_break
        )
        cpu_started, started = time.process_time(), time.perf_counter()
        decision = route(request)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
        if len(decision.parts) > 1:
            searched += 1
            sizes.append(len(decision.parts))
        fallbacks += not decision.proven_minimal
    times.sort()
    cpu_times.sort()
    return {
        "orders": orders,
        "multi_store": searched,
        "stores_used": f"{min(sizes)}-{max(sizes)}" if sizes else "-",
        "p50_ms": 1000 * statistics.median(cpu_times),
        "p99_ms": 1000 * cpu_times[int(0.99 * (len(cpu_times) - 1))],
        "max_ms": 1000 * cpu_times[-1],
        "wall_p99_ms": 1000 * times[int(0.99 * (len(times) - 1))],
        "wall_max_ms": 1000 * times[-1],
        "fallbacks": fallbacks,
    }


def _git(*args: str) -> str:
    """What ``git`` prints for ``args`` in this checkout."""
    return subprocess.run(
        ["git", *args],
        cwd=Path(__file__).resolve().parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _commit() -> str:
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20260101)
    seed = parser.parse_args().seed
    # Other processes skew the rates: the load average tells the reader how quiet the box was.
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"commit={_commit()}  seed={seed}  python={sys.version.split()[0]}  "
        f"cpus={os.cpu_count()}  load={load}  nice={os.nice(0)}"
    )
    print("\n10,000 orders x 25 stores x 1-8 lines (stock density 0.5), distance tie-breaks on")
    print(
        f"{'mode':<22}{'decisions/s':>12}{'cpu':>9}{'+request':>10}{'cpu':>9}  {'routed':>7}"
        f"{'virtual':>8}{'held':>7}{'multi':>7}{'nearest':>8}"
    )
    for row in decisions_per_second(seed):
        mode, rate, cpu_rate, with_request, cpu_with_request, outcomes, multi, nearest = row
        print(
            f"{mode:<22}{rate:>12,.0f}{cpu_rate:>9,.0f}{with_request:>10,.0f}"
            f"{cpu_with_request:>9,.0f}  "
            f"{outcomes['routed']:>7}{outcomes['virtual']:>8}{outcomes['held']:>7}{multi:>7}"
            f"{nearest:>8}"
        )
    print("\nsplit mode, 12 lines x 50 stores, distance tie-breaks on (ms of CPU; wall)")
    print(
        f"{'stock':<8}{'tie-break':<19}{'orders':>7}{'multi':>7}{'stores':>8}"
        f"{'p50':>7}{'p99':>7}{'max':>7}{'wall p99':>10}{'wall max':>10}{'fallback':>10}"
    )
    for label, density in (("dense", 0.5), ("sparse", 0.2), ("scarce", 0.1)):
        for tie_break in TieBreak:
            r = split_search_times(seed, density, tie_break)
            print(
                f"{label:<8}{tie_break.value:<19}{r['orders']:>7}{r['multi_store']:>7}"
                f"{r['stores_used']:>8}{r['p50_ms']:>7.2f}{r['p99_ms']:>7.2f}{r['max_ms']:>7.2f}"
                f"{r['wall_p99_ms']:>10.2f}{r['wall_max_ms']:>10.2f}{r['fallbacks']:>10}"
            )


if __name__ == "__main__":
    main()
