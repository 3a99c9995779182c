"""Properties of the routing engine, checked by hypothesis and against brute force.

Requests come with or without the buyer's location, stores with or without theirs, either
tie-break order and any cap on parts: the brute force ranks every store set by the documented
rules (fewest stores within the cap, then priority and distance in the channel's order, then
line splits, then rank) and the engine must find the same best set.
"""

import dataclasses
import itertools
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from amazon_lightspeed_connector.lib.routing import (
    OrderLine,
    Outcome,
    RoutingMode,
    RoutingRequest,
    SplitFallback,
    Store,
    TieBreak,
    route,
)
from amazon_lightspeed_connector.lib.routing.engine import _km
from amazon_lightspeed_connector.lib.routing.model import UNKNOWN_DISTANCE_KM, unit_vector

PRODUCTS = ("P0", "P1", "P2", "P3", "P4")
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(SETTINGS, max_examples=300)


# A few towns (some stores share one, so equal distances happen), and no location at all.
PLACES = (None, (40.71, -74.01), (40.73, -73.99), (42.36, -71.06), (41.82, -71.41), (39.95, -75.17))


@st.composite
def requests(draw, max_stores=6, max_lines=5, modes=tuple(RoutingMode), dense=False):
    store_count = draw(st.integers(1, max_stores))
    stores = tuple(
        Store(f"S{i}", f"Store {i}", draw(st.integers(0, 3)), draw(st.sampled_from(PLACES)))
        for i in range(store_count)
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
        ship_to=draw(st.sampled_from(PLACES)),
        tie_break=draw(st.sampled_from(TieBreak)),
        max_parts=draw(st.sampled_from((0, 0, 1, 2, 3))),
    )


def same_request(request, **changes):
    """``request`` with some fields changed (the engine options carried over)."""
    return dataclasses.replace(request, **changes)


def kilometres(request, store):
    if request.ship_to is None:
        return UNKNOWN_DISTANCE_KM
    return _km(unit_vector(request.ship_to), store)


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
    """The documented split ranking: (store count, sorted priorities and distance sum in the
    tie-break's order, line splits, ranks)."""
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
    priorities = tuple(sorted(by_key[k].priority for k in store_keys))
    distance = sum(kilometres(request, by_key[k]) for k in store_keys)
    if request.tie_break is TieBreak.DISTANCE_THEN_PRIORITY:
        head = (distance, priorities)
    else:
        head = (priorities, distance)
    return (
        len(store_keys),
        *head,
        splits,
        tuple(sorted(ranked.index(by_key[k]) for k in store_keys)),
    )


def brute_force_best_cover(request):
    """The best store set of at most ``max_parts`` stores, or None."""
    order = merged_order(request)
    keys = [store.key for store in request.stores]
    cap = request.max_parts or len(keys)
    for size in range(1, min(cap, len(keys)) + 1):  # fewest stores first: every subset
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
    best = route(same_request(request, mode="best_store"))
    if best.outcome is Outcome.ROUTED:
        assert split.parts == best.parts
    else:
        assert len(split.parts) != 1 or split.outcome is not Outcome.ROUTED


@SETTINGS
@given(requests(), st.randoms(use_true_random=False))
def test_decisions_are_deterministic_whatever_the_store_order(request, rng):
    shuffled = list(request.stores)
    rng.shuffle(shuffled)
    again = same_request(request, stock=dict(request.stock), stores=tuple(shuffled))
    assert route(request) == route(again) == route(request)


@settings(max_examples=100, deadline=None)
@given(requests(modes=(RoutingMode.SPLIT,), dense=True), st.integers(0, 40))
def test_any_search_budget_still_gives_a_feasible_honestly_flagged_split(request, budget):
    decision = route(same_request(request, mode="split", split_search_budget=budget))
    if decision.outcome is Outcome.ROUTED:
        assert shipped_per_product(decision) == merged_order(request)
        assert len(decision.parts) <= (request.max_parts or len(request.stores))
        best = brute_force_best_cover(request)
        if decision.proven_minimal:
            assert len(decision.parts) == len(best)
        else:
            assert "not proven minimal" in decision.reason


@THOROUGH
@given(requests(modes=(RoutingMode.BEST_STORE, RoutingMode.QUEUE, RoutingMode.SPLIT), dense=True))
def test_best_store_ties_follow_the_channels_tie_break_order(request):
    full = [s for s in request.stores if store_has_everything(request, s.key)]
    decision = route(request)
    if not full:
        return
    order = merged_order(request)

    def rank(store):
        km, left = kilometres(request, store), -sum(available(request, store.key, p) for p in order)
        if request.tie_break is TieBreak.DISTANCE_THEN_PRIORITY:
            return (km, store.priority, left, store.key)
        return (store.priority, km, left, store.key)

    assert decision.store_keys == (min(full, key=rank).key,)


@SETTINGS
@given(requests(modes=(RoutingMode.SPLIT,), dense=True))
def test_a_split_never_has_more_parts_than_the_cap(request):
    decision = route(request)
    if request.max_parts and decision.outcome is Outcome.ROUTED:
        assert len(decision.parts) <= request.max_parts
    if decision.outcome is Outcome.HELD and brute_force_best_cover(request) is None:
        assert decision.missing  # a person sees what is short


@settings(THOROUGH, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(requests(modes=(RoutingMode.SPLIT,), dense=True, max_lines=3))
def test_a_line_no_store_holds_whole_ships_from_the_fewest_stores_that_do(request):
    """Quantity split: a line's units come from several stores (each part its own Sale) only
    when no store has them all, from as few stores of the set as can, and the set is still
    the brute force's best."""
    order = merged_order(request)
    nowhere_whole = [
        p for p, q in order.items() if all(available(request, s.key, p) < q for s in request.stores)
    ]
    best = brute_force_best_cover(request)
    assume(nowhere_whole and best is not None)
    decision = route(request)
    assert decision.outcome is Outcome.ROUTED and decision.proven_minimal
    assert cover_key(request, decision.store_keys) == cover_key(request, best)
    assert shipped_per_product(decision) == order
    for product, quantity in order.items():
        shipping = [
            line.quantity
            for part in decision.parts
            for line in part.lines
            if line.product == product
        ]
        held = sorted((available(request, k, product) for k in decision.store_keys), reverse=True)
        fewest = next(n for n in range(1, len(held) + 1) if sum(held[:n]) >= quantity)
        assert len(shipping) == fewest
        assert product not in nowhere_whole or len(shipping) > 1


def random_request(rng, store_count, line_count, density, **options):
    towns = [(rng.uniform(40, 45), rng.uniform(-79, -71)) for _ in range(store_count // 2)]
    stores = tuple(
        Store(f"S{i:02d}", "", (i // 2) * 10, rng.choice(towns)) for i in range(store_count)
    )
    products = [f"P{i:02d}" for i in range(line_count)]
    stock = {
        s.key: {p: rng.randint(1, 3) for p in products if rng.random() < density} for s in stores
    }
    lines = tuple(OrderLine(p, rng.choice((1, 1, 1, 2, 3))) for p in products)
    return RoutingRequest(lines, stock, stores, "S00", "split", **options)


@pytest.mark.parametrize("tie_break", list(TieBreak))
@pytest.mark.parametrize("max_parts", [0, 3])
def test_split_matches_brute_force_on_medium_orders(tie_break, max_parts):
    rng = random.Random(12345)
    for _ in range(40):
        ship_to = (rng.uniform(40, 45), rng.uniform(-79, -71))
        request = random_request(
            rng, 12, 6, 0.3, ship_to=ship_to, tie_break=tie_break, max_parts=max_parts
        )
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
        ship_to = (rng.uniform(40, 45), rng.uniform(-79, -71))
        request = random_request(rng, 50, 12, 0.3, ship_to=ship_to, tie_break="distance_priority")
        decision = route(request)
        assert decision.outcome is Outcome.ROUTED
        assert decision.proven_minimal
        assert shipped_per_product(decision) == merged_order(request)
