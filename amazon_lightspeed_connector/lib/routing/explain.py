"""Plain-words reasons for back-office staff. Wording only: no routing decisions here."""

from __future__ import annotations

from collections.abc import Iterable

from .model import UNKNOWN_DISTANCE_KM, OrderLine, Store

NOT_PROVEN = "search budget reached: not proven minimal"
TIE_BREAK_CUT_SHORT = "search budget reached: fewest stores proven, tie-break not fully searched"


def items(units: int) -> str:
    return "1 item" if units == 1 else f"{units} items"


def all_items(units: int) -> str:
    if units <= 2:
        return "the item" if units == 1 else "both items"
    return f"all {units} items"


def _same(alike: list[str]) -> str:
    # " with the same priority", "... priority, distance and stock left"
    if not alike:
        return ""
    if len(alike) == 1:
        return f" with the same {alike[0]}"
    return " with the same " + ", ".join(alike[:-1]) + f" and {alike[-1]}"


def line_list(lines: Iterable[OrderLine]) -> str:
    return ", ".join(f"{line.quantity} x {line.product}" for line in lines)


def single_store(store: Store, short: tuple[OrderLine, ...]) -> str:
    reason = f"{store.label}: single-store mode ships every order from the default store"
    if short:
        reason += f"; virtual inventory, short {line_list(short)}"
    return reason


def only_full_store(store: Store, units: int) -> str:
    return f"{store.label}: the only store with {all_items(units)}"


def best_by_priority(store: Store, units: int, full_count: int, km: int | None = None) -> str:
    """Priority decided; ``km``: the stores compared were all this near (distance first)."""
    if km is None:
        return (
            f"{store.label}: has {all_items(units)}; highest priority of the "
            f"{full_count} stores that do"
        )
    return (
        f"{store.label}: has {all_items(units)}; highest priority of the {full_count} "
        f"nearest stores that do, {km} km"
    )


def best_by_distance(store: Store, units: int, count: int, km: int, alike: list[str]) -> str:
    """Distance decided among ``count`` stores holding everything (and ``alike`` on the rest)."""
    if km == UNKNOWN_DISTANCE_KM:  # cannot win on distance, but say what is known
        return f"{store.label}: has {all_items(units)}"
    of_priority = " at the best priority" if "priority" in alike else ""
    return f"{store.label}: nearest of the {count} stores holding {all_items(units)}" + (
        f"{of_priority}, {km} km"
    )


def best_by_stock_left(
    store: Store, units: int, tied: int, left: int, alike: list[str] | None = None
) -> str:
    return (
        f"{store.label}: has {all_items(units)}; of {tied} such stores"
        f"{_same(alike or ['priority'])} it keeps the most stock of these products "
        f"({left} left)"
    )


def best_by_key(store: Store, units: int, tied: int, alike: list[str] | None = None) -> str:
    return (
        f"{store.label}: has {all_items(units)}; first by store key of {tied} such stores"
        f"{_same([*(alike or ['priority']), 'stock left'])}"
    )


def virtual_at_default(store: Store, why: str, short: tuple[OrderLine, ...]) -> str:
    return (
        f"{store.label} (default store), virtual inventory: {why}; short {line_list(short)} there"
    )


def no_full_store(units: int) -> str:
    return f"no store has {all_items(units)}"


def line_nowhere_in_full(line: OrderLine, best: Store | None, best_has: int) -> str:
    where = f"best: {best.label} has {best_has}" if best else "none in stock"
    return f"no store has {line.quantity} x {line.product} ({where})"


def held(details: list[str]) -> str:
    return "Held: " + "; ".join(details)


def closest_store(store: Store, short: tuple[OrderLine, ...], units: int) -> str:
    return f"{no_full_store(units)} (closest: {store.label}, short {line_list(short)})"


def all_stores_lack(short: tuple[OrderLine, ...]) -> str:
    return f"even all stores together lack {line_list(short)}"


def over_parts_cap(cap: int, units: int, proven: bool) -> str:
    if cap == 1:
        reason = f"{no_full_store(units)} (the channel's cap: 1 part per order)"
    else:
        reason = f"no {cap} stores together hold {all_items(units)} (the channel's cap on parts)"
    return reason if proven else f"{reason}; {NOT_PROVEN}"


def split(parts: list[tuple[Store, tuple[OrderLine, ...], int]], units: int, note: str) -> str:
    """``parts``: (store, its lines, its distance to the buyer in km or UNKNOWN_DISTANCE_KM)."""
    shipments = "; ".join(
        f"{store.label} ships {line_list(lines)}"
        + (f" ({km} km)" if km != UNKNOWN_DISTANCE_KM else "")
        for store, lines, km in parts
    )
    reason = (
        f"Split across {len(parts)} stores, the fewest that together hold {all_items(units)} "
        f"(no single store does): {shipments}"
    )
    return f"{reason} ({note})" if note else reason
