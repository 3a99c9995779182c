"""The routing engine's vocabulary: plain, frozen data in and out, validated on the way in."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

# what the package exports (lib.routing): the rest is the engine's own
__all__ = [
    "DEFAULT_SPLIT_SEARCH_BUDGET",
    "OrderLine",
    "Outcome",
    "RoutedPart",
    "RoutingDecision",
    "RoutingMode",
    "RoutingRequest",
    "SplitFallback",
    "Store",
    "TieBreak",
]


class RoutingMode(str, Enum):
    """How an order is routed; the values are what the Odoo selection field stores."""

    SINGLE_STORE = "single_store"  # always the default store
    BEST_STORE = "best_store"  # one store with everything, else default store (virtual)
    QUEUE = "queue"  # one store with everything, else hold
    SPLIT = "split"  # fewest stores that together hold everything


class SplitFallback(str, Enum):
    """What split mode does when even all stores together cannot fulfil the order."""

    HOLD = "hold"
    DEFAULT_STORE = "default_store"  # the whole order to the default store, virtual inventory


class TieBreak(str, Enum):
    """How stores that are equal on the number of parts are ranked (a channel setting)."""

    PRIORITY_THEN_DISTANCE = "priority_distance"  # store priority, then nearest to the buyer
    DISTANCE_THEN_PRIORITY = "distance_priority"  # nearest to the buyer, then store priority


class Outcome(str, Enum):
    ROUTED = "routed"  # every part is covered by available stock
    VIRTUAL = "virtual"  # one part at the default store, short by ``missing``
    HELD = "held"  # nothing is sent; a person decides


# A store or buyer without coordinates counts as this far (further than any two points on Earth,
# 20,038 km): known distances always win, and sets of stores still compare on the known part.
UNKNOWN_DISTANCE_KM = 100_000

# Split search: nodes visited before the engine stops proving and falls back to a greedy cover.
# 12 lines x 50 stores needs a few hundred nodes typically and about 2,500 at worst in the
# benchmark's sparse stock (7 stores needed); a node costs some 10-30 us in CPython, so this caps
# one decision near 0.1 s while leaving twice the worst case seen as headroom.
DEFAULT_SPLIT_SEARCH_BUDGET = 5_000


def _is_int(value: object) -> bool:
    # bool is an int subclass; True as a quantity is always a bug upstream.
    return isinstance(value, int) and not isinstance(value, bool)


def _point(value: object, what: str) -> tuple[float, float]:
    try:
        latitude, longitude = (float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(f"{what}: location must be (latitude, longitude), got {value!r}") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"{what}: ({latitude}, {longitude}) is not on Earth")
    return (latitude, longitude)


@dataclass(frozen=True)
class OrderLine:
    """A product key (the SKU) and a quantity, an integer >= 1.

    Used for order lines, for the lines of a routed part and for missing quantities alike.
    """

    product: str
    quantity: int

    def __post_init__(self) -> None:
        if not isinstance(self.product, str) or not self.product:
            raise ValueError(f"order line product must be a non-empty string, got {self.product!r}")
        if not _is_int(self.quantity) or self.quantity < 1:
            raise ValueError(
                f"order line {self.product!r}: quantity must be an integer >= 1, "
                f"got {self.quantity!r}"
            )


@dataclass(frozen=True)
class Store:
    """A store (an Odoo warehouse / Lightspeed shop).

    ``priority``: lower number = routed first. ``name`` is what explanations show.
    ``location``: (latitude, longitude) in degrees, or None when unknown (then the store counts
    as farther than any store whose location is known).
    """

    key: str
    name: str = ""
    priority: int = 0
    location: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ValueError(f"store key must be a non-empty string, got {self.key!r}")
        if not _is_int(self.priority):
            raise ValueError(f"store {self.key!r}: priority must be an integer")
        if self.location is not None:
            object.__setattr__(self, "location", _point(self.location, f"store {self.key!r}"))
        vector = unit_vector(self.location) if self.location is not None else None
        object.__setattr__(self, "_vector", vector)  # not a field: equality stays on the data

    @property
    def label(self) -> str:
        return self.name or self.key


@dataclass(frozen=True)
class RoutingRequest:
    """Everything the engine needs to route one order.

    - ``lines``: the order; lines for the same product are merged (quantities added, first
      position kept), because stock is per product and a routed part needs one line per product.
    - ``stock``: store key -> product key -> available quantity (on hand minus reservations).
      A missing store or product means 0; negative quantities count as 0. The request keeps a
      read-only copy of the order's products only, so the whole catalogue may be passed in.
    - ``stores``: every store that may ship; ``default_store`` must be one of their keys.
    - ``ship_to``: the buyer's (latitude, longitude), or None: distance then plays no part.
    - ``tie_break``: among sets of as few stores, priority first or distance first.
    - ``max_parts``: split mode ships from at most this many stores (0: no cap); an order that
      needs more is held (or goes to the default store, per ``split_fallback``).
    """

    lines: tuple[OrderLine, ...]
    stock: Mapping[str, Mapping[str, int]]
    stores: tuple[Store, ...]
    default_store: str
    mode: RoutingMode = RoutingMode.BEST_STORE
    split_fallback: SplitFallback = SplitFallback.HOLD
    split_search_budget: int = DEFAULT_SPLIT_SEARCH_BUDGET
    ship_to: tuple[float, float] | None = None
    tie_break: TieBreak = TieBreak.PRIORITY_THEN_DISTANCE
    max_parts: int = 0

    def __post_init__(self) -> None:
        # Coerce plain strings and lists (what the Odoo layer has) into the frozen forms; the
        # type tests first, as an Enum call costs a microsecond and this runs once per order.
        setattr_ = object.__setattr__
        if type(self.lines) is not tuple:
            setattr_(self, "lines", tuple(self.lines))
        if type(self.stores) is not tuple:
            setattr_(self, "stores", tuple(self.stores))
        if type(self.mode) is not RoutingMode:
            setattr_(self, "mode", RoutingMode(self.mode))
        if type(self.split_fallback) is not SplitFallback:
            setattr_(self, "split_fallback", SplitFallback(self.split_fallback))
        if type(self.tie_break) is not TieBreak:
            setattr_(self, "tie_break", TieBreak(self.tie_break))
        if self.ship_to is not None:
            setattr_(self, "ship_to", _point(self.ship_to, "ship_to"))
        if not _is_int(self.max_parts) or self.max_parts < 0:
            raise ValueError("max_parts must be an integer >= 0 (0: no cap)")
        self._validate_lines()
        table = _store_table(self.stores)
        if self.default_store not in table.by_key:
            raise ValueError(
                f"default store {self.default_store!r} is not one of the stores: "
                + ", ".join(sorted(table.by_key))
            )
        index = _RequestIndex(self, table)
        setattr_(self, "stock", _StockView(index.columns))
        setattr_(self, "_index", index)
        if not _is_int(self.split_search_budget) or self.split_search_budget < 0:
            raise ValueError("split_search_budget must be an integer >= 0")

    def _validate_lines(self) -> None:
        if not self.lines:
            raise ValueError("an order needs at least one line")
        for line in self.lines:
            if type(line) is not OrderLine and not isinstance(line, OrderLine):
                raise ValueError(f"order lines must be OrderLine, got {line!r}")


class _StoreTable:
    """The stores of a request, validated and indexed once per tuple of stores: a channel routes
    every order of a run with the same stores, so the Odoo layer or a benchmark passing the same
    tuple pays for this once (the tuple and its frozen stores cannot change)."""

    __slots__ = ("stores", "by_key")

    def __init__(self, stores: tuple[Store, ...]) -> None:
        if not stores:
            raise ValueError("at least one store is needed")
        keys = [store.key for store in stores]
        if len(set(keys)) != len(keys):
            raise ValueError(f"store keys must be unique, got {keys}")
        self.stores = stores  # kept: its id() is the cache key, it must not be reused meanwhile
        self.by_key = {store.key: store for store in stores}


_STORE_TABLES: dict[int, _StoreTable] = {}
_STORE_TABLES_KEPT = 16


def _store_table(stores: tuple[Store, ...]) -> _StoreTable:
    table = _STORE_TABLES.get(id(stores))
    if table is not None and table.stores is stores:
        return table
    table = _StoreTable(stores)
    if len(_STORE_TABLES) >= _STORE_TABLES_KEPT:
        _STORE_TABLES.clear()  # a new run's stores: the old tables are not needed any more
    _STORE_TABLES[id(stores)] = table
    return table


class _StockView(Mapping):
    """``request.stock``: store key -> product key -> units, read-only, the order's products only,
    read from the request's private copy (by product) when asked; the engine never asks."""

    __slots__ = ("_columns",)

    def __init__(self, columns: dict[str, dict[str, int]]) -> None:
        self._columns = columns

    def _stores(self) -> dict[str, dict[str, int]]:
        stores: dict[str, dict[str, int]] = {}
        for product, column in self._columns.items():
            for store_key, units in column.items():
                stores.setdefault(store_key, {})[product] = units
        return stores

    def __getitem__(self, store_key: str) -> Mapping[str, int]:
        return MappingProxyType(self._stores()[store_key])

    def __iter__(self):
        return iter(self._stores())

    def __len__(self) -> int:
        return len(self._stores())

    def __repr__(self) -> str:
        return repr(self._stores())


class _RequestIndex:
    """The request's data laid out for the engine's common question, "which stores hold every
    line?": lines merged, stock by product (store key -> units, only the stores stating it),
    stores by key, the buyer as a unit vector. Built once with the request; its copy of the
    stock is the request's own (the caller may go on changing its dicts, the whole catalogue:
    the decision must not change with them). Not part of the request's value."""

    __slots__ = ("merged", "columns", "store_by_key", "ship_to_vector")

    def __init__(self, request: RoutingRequest, table: _StoreTable) -> None:
        merged: dict[str, int] = {}
        for line in request.lines:
            merged[line.product] = merged.get(line.product, 0) + line.quantity
        self.merged = merged
        stock = request.stock
        by_key = table.by_key
        if stock.keys() - by_key.keys():
            unknown = sorted(stock.keys() - by_key.keys())[0]
            raise ValueError(f"stock given for unknown store {unknown!r}")
        rows = stock.items()
        columns = {}
        for product in merged:
            column = {
                store_key: units
                for store_key, per_product in rows
                if (units := per_product.get(product)) is not None
            }
            if {*map(type, column.values())} - {int}:
                _check_units(column, product)
            columns[product] = column
        self.columns = columns
        self.store_by_key = by_key
        self.ship_to_vector = unit_vector(request.ship_to) if request.ship_to else None


def _check_units(column: dict[str, int], product: str) -> None:
    for store_key, units in column.items():
        if not _is_int(units):
            raise ValueError(f"stock of {product!r} in {store_key!r} must be an integer")


def unit_vector(point: tuple[float, float]) -> tuple[float, float, float]:
    """(latitude, longitude) in degrees as a point on the unit sphere: the distance between two
    such points is one dot product and one acos, the cheapest exact great-circle formula."""
    latitude, longitude = math.radians(point[0]), math.radians(point[1])
    cos_lat = math.cos(latitude)
    return (cos_lat * math.cos(longitude), cos_lat * math.sin(longitude), math.sin(latitude))


@dataclass(frozen=True)
class RoutedPart:
    """What one store ships: its key and the lines with quantities (all >= 1)."""

    store: str
    lines: tuple[OrderLine, ...]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class RoutingDecision:
    """The engine's answer.

    - ``outcome``: routed, virtual (the default store ships although short) or held.
    - ``parts``: one per shipping store, in store priority order; empty when held.
    - ``reason``: plain words for back-office staff, shown on the routed order.
    - ``missing``: virtual: what the default store lacks; held: what the closest store lacks
      (queue) or what all stores together lack (split).
    - ``proven_minimal``: False only when the split search ran out of budget before it found
      any cover and a greedy cover was used instead (the reason says so too).
    """

    outcome: Outcome
    parts: tuple[RoutedPart, ...]
    reason: str
    missing: tuple[OrderLine, ...] = ()
    proven_minimal: bool = True
    mode: RoutingMode = field(default=RoutingMode.BEST_STORE)

    @property
    def store_keys(self) -> tuple[str, ...]:
        return tuple(part.store for part in self.parts)
