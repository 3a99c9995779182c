"""Route one order: pick the store(s) that ship it, or hold it, and say why.

Pure and deterministic: the same request always gives the same decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import acos

from ..geo import EARTH_RADIUS_KM
from . import explain
from .model import (
    UNKNOWN_DISTANCE_KM,
    OrderLine,
    Outcome,
    RoutedPart,
    RoutingDecision,
    RoutingMode,
    RoutingRequest,
    SplitFallback,
    Store,
    TieBreak,
    _RequestIndex,
)
from .split import assign_quantities, find_cover


@dataclass(frozen=True)
class _Order:
    """The request normalised: merged lines, stores in rank order, stock as a matrix."""

    lines: tuple[OrderLine, ...]
    stores: tuple[Store, ...]  # rank order: priority, then key
    available: tuple[tuple[int, ...], ...]  # [store][line], never negative
    default: int  # index of the default store in ``stores``
    distances: tuple[int, ...] | None  # [store] whole km to the buyer; None: buyer unknown

    @property
    def quantities(self) -> tuple[int, ...]:
        return tuple(line.quantity for line in self.lines)

    @property
    def units(self) -> int:
        return sum(self.quantities)


def route(request: RoutingRequest) -> RoutingDecision:
    """Decide where ``request``'s order ships, per its mode (see the package docstring)."""
    index = request._index
    mode = request.mode
    if mode is RoutingMode.SINGLE_STORE:
        return _route_single_store(_normalise(request), mode)
    # Every other mode first looks for one store with everything: the common case, kept cheap
    # (no sorting, no matrix, distances only for the stores still tied when they count).
    decision = _route_best_store(request, index)
    if decision is not None:
        return decision
    if mode is RoutingMode.BEST_STORE:
        return _virtual_at_default_store(request, index)
    order = _normalise(request)
    if mode is RoutingMode.QUEUE:
        return _hold_for_queue(order, mode)
    return _route_split(order, request)


def _normalise(request: RoutingRequest) -> _Order:
    merged = request._index.merged
    lines = tuple(OrderLine(product, quantity) for product, quantity in merged.items())
    stores = tuple(sorted(request.stores, key=lambda store: (store.priority, store.key)))
    columns = request._index.columns
    available = tuple(_available_from_columns(columns, store.key, merged) for store in stores)
    default = next(i for i, store in enumerate(stores) if store.key == request.default_store)
    ship_to = request._index.ship_to_vector
    distances = tuple(_km(ship_to, store) for store in stores) if ship_to else None
    return _Order(lines, stores, available, default, distances)


def _km(ship_to: tuple[float, float, float], store: Store) -> int:
    """Great-circle distance in whole kilometres (two stores in the same town are equally near:
    the next rule decides, not a few hundred metres); unknown: ``UNKNOWN_DISTANCE_KM``."""
    vector = store._vector
    if vector is None:
        return UNKNOWN_DISTANCE_KM
    dot = ship_to[0] * vector[0] + ship_to[1] * vector[1] + ship_to[2] * vector[2]
    # rounding may push the dot product of two unit vectors just past +-1 (acos's domain);
    # comparisons, not min()/max(): this runs for every tied store of every order
    if dot > 1.0:
        dot = 1.0
    elif dot < -1.0:
        dot = -1.0
    return round(EARTH_RADIUS_KM * acos(dot))


def _available_from_columns(
    columns: Mapping[str, Mapping[str, int]], store_key: str, products: Iterable[str]
) -> tuple[int, ...]:
    # Negative stock (oversold in Lightspeed) can't ship anything: count it as 0.
    row = [columns[product].get(store_key, 0) for product in products]
    return tuple([max(units, 0) for units in row] if min(row) < 0 else row)


def _shortfall(order: _Order, available: tuple[int, ...]) -> tuple[OrderLine, ...]:
    return tuple(
        OrderLine(line.product, line.quantity - stock)
        for line, stock in zip(order.lines, available, strict=True)
        if stock < line.quantity
    )


def _whole_order_part(order: _Order, store: int) -> tuple[RoutedPart, ...]:
    return (RoutedPart(order.stores[store].key, order.lines),)


def _route_single_store(order: _Order, mode: RoutingMode) -> RoutingDecision:
    short = _shortfall(order, order.available[order.default])
    return RoutingDecision(
        outcome=Outcome.VIRTUAL if short else Outcome.ROUTED,
        parts=_whole_order_part(order, order.default),
        reason=explain.single_store(order.stores[order.default], short),
        missing=short,
        mode=mode,
    )


def _route_best_store(request: RoutingRequest, index: _RequestIndex) -> RoutingDecision | None:
    """The store with every line in full, or None. Ties per the channel's tie-break (priority
    and distance, in its order), then most stock left, then key."""
    columns = index.columns
    # Start from the line held by the fewest stores, then keep the stores that hold each line.
    lines = sorted(index.merged.items(), key=lambda item: len(columns[item[0]]))
    product, quantity = lines[0]
    full = [store for store, units in columns[product].items() if units >= quantity]
    for product, quantity in lines[1:]:
        if not full:
            return None
        get = columns[product].get
        full = [store for store in full if get(store, 0) >= quantity]
    if not full:
        return None
    units = sum(index.merged.values())
    store_by_key = index.store_by_key
    best, reason = _pick_among_full_stores(
        request, [store_by_key[key] for key in full], index, units
    )
    return RoutingDecision(
        Outcome.ROUTED, (RoutedPart(best.key, _merged_lines(request)),), reason, mode=request.mode
    )


def _merged_lines(request: RoutingRequest) -> tuple[OrderLine, ...]:
    merged = request._index.merged
    if len(merged) == len(request.lines):
        return request.lines  # no product twice: the lines are already the merged lines
    return tuple(OrderLine(product, quantity) for product, quantity in merged.items())


def _pick_among_full_stores(
    request: RoutingRequest, full: list[Store], index: _RequestIndex, units: int
) -> tuple[Store, str]:
    if len(full) == 1:
        return full[0], explain.only_full_store(full[0], units)
    ship_to = index.ship_to_vector
    distance_first = request.tie_break is TieBreak.DISTANCE_THEN_PRIORITY
    candidates = full
    km: dict[str, int] = {}
    alike: list[str] = []  # what the remaining candidates are equal on, for the explanation
    for rule in ("distance", "priority") if distance_first else ("priority", "distance"):
        if rule == "distance":
            if ship_to is None:
                continue
            km = {store.key: _km(ship_to, store) for store in candidates}
            nearest = min(km.values())
            leaders = [store for store in candidates if km[store.key] == nearest]
            if len(leaders) == 1:
                why = explain.best_by_distance(leaders[0], units, len(candidates), nearest, alike)
                return leaders[0], why
            if nearest != UNKNOWN_DISTANCE_KM:
                alike.append("distance")
        else:
            top = min(store.priority for store in candidates)
            leaders = [store for store in candidates if store.priority == top]
            if len(leaders) == 1:
                kilometres = km[leaders[0].key] if "distance" in alike else None
                why = explain.best_by_priority(leaders[0], units, len(candidates), kilometres)
                return leaders[0], why
            alike.append("priority")
        candidates = leaders
    left = {store.key: _stock_left(index, store.key, units) for store in candidates}
    most_left = max(left.values())
    leaders = sorted(
        (store for store in candidates if left[store.key] == most_left), key=lambda s: s.key
    )
    if len(leaders) == 1:
        why = explain.best_by_stock_left(leaders[0], units, len(candidates), most_left, alike)
        return leaders[0], why
    return leaders[0], explain.best_by_key(leaders[0], units, len(leaders), alike)


def _stock_left(index: _RequestIndex, store_key: str, units: int) -> int:
    # Units of the order's products the store keeps after shipping it: the store that stays
    # best stocked for the next orders wins.
    return sum(index.columns[product][store_key] for product in index.merged) - units


def _virtual_at_default_store(request: RoutingRequest, index: _RequestIndex) -> RoutingDecision:
    """Best-store mode, no store with everything: the default store ships, short."""
    default = request.default_store
    columns = index.columns
    short = []
    for product, quantity in index.merged.items():
        has = columns[product].get(default, 0)
        if has < quantity:
            short.append(OrderLine(product, quantity - max(has, 0)))
    short = tuple(short)
    store = index.store_by_key[default]
    why = explain.no_full_store(sum(index.merged.values()))
    return RoutingDecision(
        outcome=Outcome.VIRTUAL,
        parts=(RoutedPart(default, _merged_lines(request)),),
        reason=explain.virtual_at_default(store, why, short),
        missing=short,
        mode=request.mode,
    )


def _virtual_at_default(order: _Order, why: str, mode: RoutingMode) -> RoutingDecision:
    short = _shortfall(order, order.available[order.default])
    return RoutingDecision(
        outcome=Outcome.VIRTUAL,
        parts=_whole_order_part(order, order.default),
        reason=explain.virtual_at_default(order.stores[order.default], why, short),
        missing=short,
        mode=mode,
    )


def _closest_store(order: _Order) -> int:
    """The store short of the fewest units (best rank on ties)."""
    quantities = order.quantities
    return min(
        range(len(order.stores)),
        key=lambda i: (sum(map(_units_short, quantities, order.available[i])), i),
    )


def _hold_for_queue(order: _Order, mode: RoutingMode) -> RoutingDecision:
    closest = _closest_store(order)
    short = _shortfall(order, order.available[closest])
    details = [
        _line_nowhere_in_full(order, line_index)
        for line_index, line in enumerate(order.lines)
        if all(stock[line_index] < line.quantity for stock in order.available)
    ]
    if not details:
        details = [explain.closest_store(order.stores[closest], short, order.units)]
    return RoutingDecision(Outcome.HELD, (), explain.held(details), short, mode=mode)


def _units_short(quantity: int, available: int) -> int:
    return quantity - available if available < quantity else 0


def _line_nowhere_in_full(order: _Order, line_index: int) -> str:
    best = max(range(len(order.stores)), key=lambda i: (order.available[i][line_index], -i))
    best_has = order.available[best][line_index]
    best_store = order.stores[best] if best_has else None
    return explain.line_nowhere_in_full(order.lines[line_index], best_store, best_has)


def _route_split(order: _Order, request: RoutingRequest) -> RoutingDecision:
    mode = request.mode
    combined = tuple(sum(column) for column in zip(*order.available, strict=True))
    lacking = _shortfall(order, combined)
    if lacking:
        return _split_impossible(order, request, explain.all_stores_lack(lacking), lacking)
    quantities = order.quantities
    capped = [tuple(map(min, stock, quantities)) for stock in order.available]
    cover = find_cover(
        quantities,
        capped,
        [store.priority for store in order.stores],
        request.split_search_budget,
        distances=list(order.distances) if order.distances else None,
        distance_first=request.tie_break is TieBreak.DISTANCE_THEN_PRIORITY,
        max_stores=request.max_parts,
    )
    if not cover.stores:
        why = explain.over_parts_cap(request.max_parts, order.units, cover.proven_minimal)
        return _split_impossible(order, request, why, ())
    shipped = assign_quantities(quantities, [capped[i] for i in cover.stores])
    parts = []
    for store, units_per_line in zip(cover.stores, shipped, strict=True):
        lines = tuple(
            OrderLine(line.product, units)
            for line, units in zip(order.lines, units_per_line, strict=True)
            if units
        )
        if lines:  # a greedy (unproven) cover may leave a store with nothing to ship
            kilometres = order.distances[store] if order.distances else UNKNOWN_DISTANCE_KM
            parts.append((order.stores[store], lines, kilometres))
    note = _search_note(cover.proven_minimal, cover.exhaustive)
    return RoutingDecision(
        outcome=Outcome.ROUTED,
        parts=tuple(RoutedPart(store.key, lines) for store, lines, _km in parts),
        reason=explain.split(parts, order.units, note),
        proven_minimal=cover.proven_minimal,
        mode=mode,
    )


def _split_impossible(
    order: _Order, request: RoutingRequest, why: str, lacking: tuple[OrderLine, ...]
) -> RoutingDecision:
    if request.split_fallback is SplitFallback.DEFAULT_STORE:
        return _virtual_at_default(order, why, request.mode)
    missing = lacking or _shortfall(order, order.available[_closest_store(order)])
    return RoutingDecision(Outcome.HELD, (), explain.held([why]), missing, mode=request.mode)


def _search_note(proven_minimal: bool, exhaustive: bool) -> str:
    if not proven_minimal:
        return explain.NOT_PROVEN
    return "" if exhaustive else explain.TIE_BREAK_CUT_SHORT
