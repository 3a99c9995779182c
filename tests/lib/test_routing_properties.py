"""Properties of the routing engine, checked by hypothesis and against brute force."""

import itertools
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amazon_lightspeed_connector.lib.routing import (
    OrderLine,
    Outcome,
    RoutingMode,
    RoutingRequest,
    SplitFallback,
    Store,
    route,
)

PRODUCTS = ("P0", "P1", "P2", "P3", "P4")
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(SETTINGS, max_examples=300)


@st.composite
def requests(draw, max_stores=6, max_lines=5, modes=tuple(RoutingMode), dense=False):
    store_count = draw(st.integers(1, max_stores))
    stores = tuple(
        Store(f"S{i}", f"Store {i}", draw(st.integers(0, 3))) for i in range(store_count)
    )
    stores = draw(st.permutations(stores))  # input order must not matter
    products = draw(st.lists(st.sampled_from(PRODUCTS), min_size=1, max_size=max_lines))
    lines = tuple(OrderLine(p, draw(st.integers(1, 4))) for p in products)  # may repeat
    if dense:  # every store states every product: splits of 2+ stores are common
        units = st.sampled_from((-1, 0, 0, 1, 2, 3, 5))
        stock = {store.key: {p: draw(units) for p in PRODUCTS} for store in stores}
    else:  # sparse, with stores and products left out
        stock = {
            store.key: draw(st.dictionaries(st.sampled_from(PRODUCTS), st.integers(-2, 5)))
            for store in stores
            if draw(st.booleans()) or store_count == 1
        }
    return RoutingRequest(
        lines,
        stock,
        stores,
        draw(st.sampled_from(stores)).key,
        draw(st.sampled_from(modes)),
        draw(st.sampled_from(SplitFallback)),
    )


def merged_order(request):
    order = {}
    for line in request.lines:
        order[line.product] = order.get(line.product, 0) + line.quantity
    return order


def available(request, store_key, product):
    return max(request.stock.get(store_key, {}).get(product, 0), 0)


def store_has_everything(request, store_key):
    order = merged_order(request)
    return all(available(request, store_key, p) >= q for p, q in order.items())


def shipped_per_product(decision):
    totals = {}
    for part in decision.parts:
        for line in part.lines:
            totals[line.product] = totals.get(line.product, 0) + line.quantity
    return totals


def cover_key(request, store_keys):
    """The documented split ranking: (store count, sorted priorities, line splits, ranks)."""
    order = merged_order(request)
    by_key = {store.key: store for store in request.stores}
    ranked = sorted(request.stores, key=lambda s: (s.priority, s.key))
    splits = 0
    for product, quantity in order.items():
        stocks = sorted((available(request, k, product) for k in store_keys), reverse=True)
        running, used = 0, 0
        for stock in stocks:
            running, used = running + min(stock, quantity), used + 1
            if running >= quantity:
                break
        splits += used - 1
    return (
        len(store_keys),
        tuple(sorted(by_key[k].priority for k in store_keys)),
        splits,
        tuple(sorted(ranked.index(by_key[k]) for k in store_keys)),
    )


def brute_force_best_cover(request):
    order = merged_order(request)
    keys = [store.key for store in request.stores]
    for size in range(1, len(keys) + 1):  # fewest stores first: every subset of that size
        feasible = [
            subset
            for subset in itertools.combinations(keys, size)
            if all(sum(available(request, k, p) for k in subset) >= q for p, q in order.items())
        ]
        if feasible:
            return min(feasible, key=lambda subset: cover_key(request, subset))
    return None


@SETTINGS
@given(requests(dense=True) | requests())
def test_every_part_is_fulfillable_and_no_quantity_is_zero(request):
    decision = route(request)
    stores = [part.store for part in decision.parts]
    assert len(stores) == len(set(stores))
    for part in decision.parts:
        assert part.lines
        assert all(line.quantity >= 1 for line in part.lines)
        if decision.outcome is Outcome.ROUTED:
            for line in part.lines:
                assert line.quantity <= available(request, part.store, line.product)


@SETTINGS
@given(requests(dense=True) | requests())
def test_parts_add_up_to_the_order_unless_held(request):
    decision = route(request)
    order = merged_order(request)
    if decision.outcome is Outcome.HELD:
        assert decision.parts == ()
        assert decision.missing
    else:
        assert shipped_per_product(decision) == order
    if decision.outcome is Outcome.VIRTUAL:
        assert decision.store_keys == (request.default_store,)
        expected = {
            p: q - available(request, request.default_store, p)
            for p, q in order.items()
            if available(request, request.default_store, p) < q
        }
        assert {line.product: line.quantity for line in decision.missing} == expected
    assert decision.reason


@SETTINGS
@given(requests())
def test_outcome_follows_the_mode(request):
    decision = route(request)
    anyone_full = any(store_has_everything(request, s.key) for s in request.stores)
    if request.mode is RoutingMode.SINGLE_STORE:
        assert decision.store_keys == (request.default_store,)
        full = store_has_everything(request, request.default_store)
        assert decision.outcome is (Outcome.ROUTED if full else Outcome.VIRTUAL)
    elif request.mode in (RoutingMode.BEST_STORE, RoutingMode.QUEUE):
        if anyone_full:
            assert decision.outcome is Outcome.ROUTED
            assert len(decision.parts) == 1
            assert store_has_everything(request, decision.store_keys[0])
        elif request.mode is RoutingMode.BEST_STORE:
            assert decision.outcome is Outcome.VIRTUAL
        else:
            assert decision.outcome is Outcome.HELD


@THOROUGH
@given(requests(modes=(RoutingMode.SPLIT,), dense=True))
def test_split_is_optimal_against_brute_force(request):
    decision = route(request)
    best = brute_force_best_cover(request)
    if best is None:
        expected = Outcome.HELD if request.split_fallback is SplitFallback.HOLD else Outcome.VIRTUAL
        assert decision.outcome is expected
        return
    assert decision.outcome is Outcome.ROUTED
    assert decision.proven_minimal
    assert len(decision.parts) == len(best)
    if len(best) > 1:  # one store: best-store tie rules apply instead (next test)
        assert cover_key(request, decision.store_keys) == cover_key(request, best)
        assert set(decision.store_keys) == set(best)


@SETTINGS
@given(requests(modes=(RoutingMode.SPLIT,)))
def test_split_agrees_with_best_store_when_one_store_suffices(request):
    split = route(request)
    best = route(
        RoutingRequest(
            request.lines, request.stock, request.stores, request.default_store, "best_store"
        )
    )
    if best.outcome is Outcome.ROUTED:
        assert split.parts == best.parts
    else:
        assert len(split.parts) != 1 or split.outcome is not Outcome.ROUTED


@SETTINGS
@given(requests(), st.randoms(use_true_random=False))
def test_decisions_are_deterministic_whatever_the_store_order(request, rng):
    shuffled = list(request.stores)
    rng.shuffle(shuffled)
    again = RoutingRequest(
        request.lines,
        dict(request.stock),
        tuple(shuffled),
        request.default_store,
        request.mode,
        request.split_fallback,
    )
    assert route(request) == route(again) == route(request)


@settings(max_examples=100, deadline=None)
@given(requests(modes=(RoutingMode.SPLIT,), dense=True), st.integers(0, 40))
def test_any_search_budget_still_gives_a_feasible_honestly_flagged_split(request, budget):
    decision = route(
        RoutingRequest(
            request.lines,
            request.stock,
            request.stores,
            request.default_store,
            "split",
            request.split_fallback,
            budget,
        )
    )
    if decision.outcome is Outcome.ROUTED:
        assert shipped_per_product(decision) == merged_order(request)
        best = brute_force_best_cover(request)
        if decision.proven_minimal:
            assert len(decision.parts) == len(best)
        else:
            assert "not proven minimal" in decision.reason


def random_request(rng, store_count, line_count, density):
    stores = tuple(Store(f"S{i:02d}", "", (i // 2) * 10) for i in range(store_count))
    products = [f"P{i:02d}" for i in range(line_count)]
    stock = {
        s.key: {p: rng.randint(1, 3) for p in products if rng.random() < density} for s in stores
    }
    lines = tuple(OrderLine(p, rng.choice((1, 1, 1, 2, 3))) for p in products)
    return RoutingRequest(lines, stock, stores, "S00", "split")


def test_split_matches_brute_force_on_medium_orders():
    rng = random.Random(12345)
    for _ in range(40):
        request = random_request(rng, store_count=12, line_count=6, density=0.3)
        decision = route(request)
        best = brute_force_best_cover(request)
        if best is None:
            assert decision.outcome is Outcome.HELD
        elif len(best) > 1:
            assert decision.proven_minimal
            assert cover_key(request, decision.store_keys) == cover_key(request, best)


def test_large_orders_are_proven_within_the_default_budget():
    rng = random.Random(2026)
    for _ in range(10):
        request = random_request(rng, store_count=50, line_count=12, density=0.3)
        decision = route(request)
        assert decision.outcome is Outcome.ROUTED
        assert decision.proven_minimal
        assert shipped_per_product(decision) == merged_order(request)
