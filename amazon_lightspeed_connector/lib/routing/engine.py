"""Route one order: pick the store(s) that ship it, or hold it, and say why.

Pure and deterministic: the same request always gives the same decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import explain
from .model import (
    OrderLine,
    Outcome,
    RoutedPart,
    RoutingDecision,
    RoutingMode,
    RoutingRequest,
    SplitFallback,
    Store,
)
from .split import assign_quantities, find_cover


@dataclass(frozen=True)
class _Order:
    """The request normalised: merged lines, stores in rank order, stock as a matrix."""

    lines: tuple[OrderLine, ...]
    stores: tuple[Store, ...]  # rank order: priority, then key
    available: tuple[tuple[int, ...], ...]  # [store][line], never negative
    default: int  # index of the default store in ``stores``

    @property
    def quantities(self) -> tuple[int, ...]:
        return tuple(line.quantity for line in self.lines)

    @property
    def units(self) -> int:
        return sum(self.quantities)


def route(request: RoutingRequest) -> RoutingDecision:
    """Decide where ``request``'s order ships, per its mode (see the package docstring)."""
    order = _normalise(request)
    if request.mode is RoutingMode.SINGLE_STORE:
        decision = _route_single_store(order)
    elif request.mode is RoutingMode.BEST_STORE:
        decision = _route_best_store(order) or _virtual_at_default(
            order, explain.no_full_store(order.units)
        )
    elif request.mode is RoutingMode.QUEUE:
        decision = _route_best_store(order) or _hold_for_queue(order)
    else:
        decision = _route_split(order, request.split_fallback, request.split_search_budget)
    return RoutingDecision(
        outcome=decision.outcome,
        parts=decision.parts,
        reason=decision.reason,
        missing=decision.missing,
        proven_minimal=decision.proven_minimal,
        mode=request.mode,
    )


def _normalise(request: RoutingRequest) -> _Order:
    merged: dict[str, int] = {}
    for line in request.lines:
        merged[line.product] = merged.get(line.product, 0) + line.quantity
    lines = tuple(OrderLine(product, quantity) for product, quantity in merged.items())
    stores = tuple(sorted(request.stores, key=lambda store: (store.priority, store.key)))
    available = tuple(_available(request.stock.get(store.key, {}), merged) for store in stores)
    default = next(i for i, store in enumerate(stores) if store.key == request.default_store)
    return _Order(lines, stores, available, default)


def _available(per_product: Mapping[str, int], products: Iterable[str]) -> tuple[int, ...]:
    # Negative stock (oversold in Lightspeed) can't ship anything: count it as 0.
    get = per_product.get
    row = [get(product, 0) for product in products]
    return tuple([max(units, 0) for units in row] if min(row) < 0 else row)


def _shortfall(order: _Order, available: tuple[int, ...]) -> tuple[OrderLine, ...]:
    return tuple(
        OrderLine(line.product, line.quantity - stock)
        for line, stock in zip(order.lines, available, strict=True)
        if stock < line.quantity
    )


def _whole_order_part(order: _Order, store: int) -> tuple[RoutedPart, ...]:
    return (RoutedPart(order.stores[store].key, order.lines),)


def _route_single_store(order: _Order) -> RoutingDecision:
    short = _shortfall(order, order.available[order.default])
    return RoutingDecision(
        outcome=Outcome.VIRTUAL if short else Outcome.ROUTED,
        parts=_whole_order_part(order, order.default),
        reason=explain.single_store(order.stores[order.default], short),
        missing=short,
    )


def _route_best_store(order: _Order) -> RoutingDecision | None:
    """The store with every line in full, or None. Ties: priority, most stock left, key."""
    quantities = order.quantities
    full = [i for i, stock in enumerate(order.available) if all(map(int.__ge__, stock, quantities))]
    if not full:
        return None
    best, reason = _pick_among_full_stores(order, full)
    return RoutingDecision(Outcome.ROUTED, _whole_order_part(order, best), reason)


def _stock_left(order: _Order, store: int) -> int:
    # Units of the order's products the store keeps after shipping it: the store that stays
    # best stocked for the next orders wins.
    return sum(order.available[store]) - order.units


def _pick_among_full_stores(order: _Order, full: list[int]) -> tuple[int, str]:
    units = order.units
    if len(full) == 1:
        return full[0], explain.only_full_store(order.stores[full[0]], units)
    top_priority = order.stores[full[0]].priority  # ``full`` is in rank order
    same_priority = [i for i in full if order.stores[i].priority == top_priority]
    if len(same_priority) == 1:
        store = same_priority[0]
        return store, explain.best_by_priority(order.stores[store], units, len(full))
    most_left = max(_stock_left(order, i) for i in same_priority)
    leaders = [i for i in same_priority if _stock_left(order, i) == most_left]
    store = order.stores[leaders[0]]  # rank order within a priority is store key order
    if len(leaders) == 1:
        return leaders[0], explain.best_by_stock_left(store, units, len(same_priority), most_left)
    return leaders[0], explain.best_by_key(store, units, len(leaders))


def _virtual_at_default(order: _Order, why: str) -> RoutingDecision:
    short = _shortfall(order, order.available[order.default])
    return RoutingDecision(
        outcome=Outcome.VIRTUAL,
        parts=_whole_order_part(order, order.default),
        reason=explain.virtual_at_default(order.stores[order.default], why, short),
        missing=short,
    )


def _hold_for_queue(order: _Order) -> RoutingDecision:
    quantities = order.quantities
    closest = min(
        range(len(order.stores)),
        key=lambda i: (sum(map(_units_short, quantities, order.available[i])), i),
    )
    short = _shortfall(order, order.available[closest])
    details = [
        _line_nowhere_in_full(order, line_index)
        for line_index, line in enumerate(order.lines)
        if all(stock[line_index] < line.quantity for stock in order.available)
    ]
    if not details:
        details = [explain.closest_store(order.stores[closest], short, order.units)]
    return RoutingDecision(Outcome.HELD, (), explain.held(details), short)


def _units_short(quantity: int, available: int) -> int:
    return quantity - available if available < quantity else 0


def _line_nowhere_in_full(order: _Order, line_index: int) -> str:
    best = max(range(len(order.stores)), key=lambda i: (order.available[i][line_index], -i))
    best_has = order.available[best][line_index]
    best_store = order.stores[best] if best_has else None
    return explain.line_nowhere_in_full(order.lines[line_index], best_store, best_has)


def _route_split(order: _Order, fallback: SplitFallback, budget: int) -> RoutingDecision:
    single = _route_best_store(order)
    if single is not None:
        return single
    combined = tuple(sum(column) for column in zip(*order.available, strict=True))
    lacking = _shortfall(order, combined)
    if lacking:
        why = explain.all_stores_lack(lacking)
        if fallback is SplitFallback.DEFAULT_STORE:
            return _virtual_at_default(order, why)
        return RoutingDecision(Outcome.HELD, (), explain.held([why]), lacking)
    return _split_across_stores(order, budget)


def _split_across_stores(order: _Order, budget: int) -> RoutingDecision:
    quantities = order.quantities
    capped = [tuple(map(min, stock, quantities)) for stock in order.available]
    priorities = [store.priority for store in order.stores]
    cover = find_cover(quantities, capped, priorities, budget)
    shipped = assign_quantities(quantities, [capped[i] for i in cover.stores])
    parts = []
    for store, units_per_line in zip(cover.stores, shipped, strict=True):
        lines = tuple(
            OrderLine(line.product, units)
            for line, units in zip(order.lines, units_per_line, strict=True)
            if units
        )
        if lines:  # a greedy (unproven) cover may leave a store with nothing to ship
            parts.append((order.stores[store], lines))
    note = _search_note(cover.proven_minimal, cover.exhaustive)
    return RoutingDecision(
        outcome=Outcome.ROUTED,
        parts=tuple(RoutedPart(store.key, lines) for store, lines in parts),
        reason=explain.split(parts, order.units, note),
        proven_minimal=cover.proven_minimal,
    )


def _search_note(proven_minimal: bool, exhaustive: bool) -> str:
    if not proven_minimal:
        return explain.NOT_PROVEN
    return "" if exhaustive else explain.TIE_BREAK_CUT_SHORT
