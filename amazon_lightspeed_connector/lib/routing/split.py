"""Split search: the fewest stores that together hold the whole order, proven by branch and bound.

Everything here works on indices. Stores come in rank order (priority, then key), lines in order
order, and ``capped[s][l]`` is store s's stock of line l capped at the line's quantity (more
than the quantity never helps). ``distances[s]`` is store s's distance to the buyer in whole
kilometres (``UNKNOWN_DISTANCE_KM`` when unknown, the same for every store when the buyer's
location is unknown, so that distance then decides nothing).

A store set S is feasible iff for every line the sum of its capped stock over S reaches the
quantity. Among feasible sets the search returns the minimum of this key:

1. fewest stores (at most ``max_stores`` of them, when a cap is set);
2. by the channel's tie-break, priority first: the set's priorities, sorted, compared as a tuple
   (the set whose best store has the best priority wins, then its second best store, and so
   on), then the sum of the stores' distances; or distance first: the sum of distances, then
   the sorted priorities;
3. fewest line splits: sum over lines of (stores shipping that line - 1), each line shipping from
   as few stores of the set as possible;
4. the set's store ranks, sorted, compared as a tuple (store key order for equal priorities).

It tries k = lower bound, lower bound + 1, ... and stops at the first size with a feasible set,
after comparing every feasible set of that size that the bounds cannot rule out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Row = tuple[int, ...]


@dataclass(frozen=True)
class Cover:
    """Chosen store indices (rank order) and how far the search got.

    ``proven_minimal``: no smaller set exists (every smaller size was searched to the end).
    ``exhaustive``: the tie-break rules were applied over every set of that size, too.
    """

    stores: tuple[int, ...]
    proven_minimal: bool
    exhaustive: bool
    nodes: int


class _OutOfBudget(Exception):
    pass


def is_feasible(quantities: Row, rows: list[Row]) -> bool:
    if not rows:
        return False
    totals = [sum(column) for column in zip(*rows, strict=True)]
    return all(total >= quantity for total, quantity in zip(totals, quantities, strict=True))


def stores_needed_per_line(quantity: int, values: list[int]) -> int:
    """Fewest stores (taking the largest stocks first) that reach ``quantity``; 0 if impossible."""
    total = 0
    for count, value in enumerate(sorted(values, reverse=True), start=1):
        total += value
        if total >= quantity:
            return count
    return 0


def line_splits(quantities: Row, rows: list[Row]) -> int:
    return sum(
        stores_needed_per_line(qty, list(column)) - 1
        for qty, column in zip(quantities, zip(*rows, strict=True), strict=True)
    )


def find_cover(
    quantities: Row,
    capped: list[Row],
    priorities: list[int],
    budget: int,
    distances: list[int] | None = None,
    distance_first: bool = False,
    max_stores: int = 0,
) -> Cover:
    """The best cover per the module rules; the caller guarantees all stores together suffice.

    ``stores`` is empty when no cover of at most ``max_stores`` stores exists (proven, unless
    ``proven_minimal`` is False: the search ran out of budget and the greedy cover was larger).
    """
    useful = [index for index, row in enumerate(capped) if any(row)]
    km = [distances[i] for i in useful] if distances else [0] * len(useful)
    search = _CoverSearch(
        quantities,
        [capped[i] for i in useful],
        [priorities[i] for i in useful],
        km,
        distance_first,
    )
    limit = min(max_stores, len(useful)) if max_stores else len(useful)
    found, proven, exhaustive = search.run(budget, limit)
    if found is None and not proven:
        found = greedy_cover(quantities, search.capped)
        if len(found) > limit:
            found = ()
    return Cover(tuple(useful[i] for i in found or ()), proven, exhaustive, search.nodes)


class _CoverSearch:
    """Branch and bound, iterative deepening on the number of stores.

    Each node takes the open line with the fewest candidate stores and branches on which of
    them ships (some part of) it: the first candidate, else the second with the first excluded,
    and so on, so every store set is met at most once. Stores are bit positions in masks; the
    last pick of a set is not branched on: one AND of per-line masks ("stores holding at least
    the line's deficit") gives every store that completes the set.
    """

    def __init__(
        self,
        quantities: Row,
        capped: list[Row],
        priorities: list[int],
        distances: list[int],
        distance_first: bool,
    ) -> None:
        self.quantities = quantities
        self.capped = capped
        self.priorities = priorities
        self.distances = distances
        self.distance_first = distance_first
        self.nodes = self.budget = 0
        self.best: tuple | None = None
        lines = range(len(quantities))
        # Per line: stores holding some of it, in rank order, and by stock (largest first).
        self.holders = [[s for s, row in enumerate(capped) if row[line]] for line in lines]
        self.holders_by_stock = [
            sorted(holders, key=lambda s, line=line: -capped[s][line])
            for line, holders in zip(lines, self.holders, strict=True)
        ]
        self.holder_masks = [_mask(holders) for holders in self.holders]
        # at_least[line][d]: mask of the stores holding at least d units of the line.
        self.at_least = _at_least_masks(capped, quantities)
        self.by_distance = sorted(range(len(capped)), key=lambda s: (distances[s], s))
        self.dominators = _dominator_masks(
            capped, self.at_least, priorities, distances, distance_first
        )

    def run(self, budget: int, limit: int) -> tuple[tuple[int, ...] | None, bool, bool]:
        """(best set or None, proven minimal, exhaustive); None and proven: no set of at most
        ``limit`` stores exists."""
        self.budget = budget
        everyone = (1 << len(self.capped)) - 1
        lower_bound = max(
            stores_needed_per_line(qty, list(column))
            for qty, column in zip(self.quantities, zip(*self.capped, strict=True), strict=True)
        )
        for size in range(lower_bound, limit + 1):
            try:
                self._branch((), 0, everyone, self.quantities, size)
            except _OutOfBudget:
                found = self.best[-1] if self.best else None
                return found, self.best is not None, False
            if self.best is not None:
                return self.best[-1], True, True
        return None, True, True

    def _branch(
        self, chosen: tuple[int, ...], chosen_mask: int, allowed: int, deficits: list, picks: int
    ) -> None:
        self.nodes += 1
        if self.nodes > self.budget:
            raise _OutOfBudget
        open_lines = [line for line, deficit in enumerate(deficits) if deficit]
        if not open_lines:
            self._consider(chosen)
            return
        if picks == 1:
            self._complete(chosen, allowed, deficits, open_lines)
            return
        if picks == 0 or self._hopeless(chosen, chosen_mask, allowed, deficits, open_lines, picks):
            return
        holder_masks = self.holder_masks
        line = min(open_lines, key=lambda ln: (holder_masks[ln] & allowed).bit_count())
        dominators = self.dominators
        for store in self.holders[line]:
            bit = 1 << store
            if not allowed & bit:
                continue
            allowed &= ~bit  # later siblings exclude this store
            # A store whose better-ranked dominator is excluded can never be in a best set.
            if dominators[store] & ~(allowed | chosen_mask):
                continue
            remaining = [
                deficit - stock if deficit > stock else 0
                for deficit, stock in zip(deficits, self.capped[store])
            ]
            self._branch((*chosen, store), chosen_mask | bit, allowed, remaining, picks - 1)

    def _complete(
        self, chosen: tuple[int, ...], allowed: int, deficits: list, open_lines: list[int]
    ) -> None:
        """The last pick: every allowed store holding each open line's whole deficit."""
        at_least = self.at_least
        completing = allowed
        for line in open_lines:
            completing &= at_least[line][deficits[line]]
            if not completing:
                return
        while completing:
            lowest = completing & -completing
            completing ^= lowest
            self._consider((*chosen, lowest.bit_length() - 1))

    def _hopeless(
        self,
        chosen: tuple[int, ...],
        chosen_mask: int,
        allowed: int,
        deficits: list,
        open_lines: list[int],
        picks: int,
    ) -> bool:
        if any(self.dominators[store] & ~(allowed | chosen_mask) for store in chosen):
            return True
        if not all(self._coverable(line, deficits[line], allowed, picks) for line in open_lines):
            return True
        if self.best is None:
            return False
        if self.distance_first:
            return self._distance_bound(chosen, allowed, picks) > self.best[0]
        return self._priority_bound(chosen, allowed, picks) > self.best[0]

    def _coverable(self, line: int, deficit: int, allowed: int, picks: int) -> bool:
        # Necessary: the line's deficit fits in its ``picks`` largest stocks still allowed.
        column = self.capped
        for store in self.holders_by_stock[line]:
            if allowed >> store & 1:
                deficit -= column[store][line]
                if deficit <= 0:
                    return True
                picks -= 1
                if picks == 0:
                    return False
        return False

    def _priority_bound(self, chosen: tuple[int, ...], allowed: int, picks: int) -> tuple:
        # Best possible sorted priorities: the chosen ones plus the best-ranked allowed stores
        # (rank order is priority order, so the lowest bits carry the lowest priorities).
        priorities = [self.priorities[store] for store in chosen]
        while allowed and picks:
            lowest = allowed & -allowed
            priorities.append(self.priorities[lowest.bit_length() - 1])
            allowed ^= lowest
            picks -= 1
        return tuple(sorted(priorities))

    def _distance_bound(self, chosen: tuple[int, ...], allowed: int, picks: int) -> int:
        # Least possible sum of distances: the chosen stores plus the nearest allowed ones.
        total = sum(self.distances[store] for store in chosen)
        for store in self.by_distance:
            if not picks:
                break
            if allowed >> store & 1:
                total += self.distances[store]
                picks -= 1
        return total

    def _consider(self, stores: tuple[int, ...]) -> None:
        stores = tuple(sorted(stores))
        priorities = tuple(self.priorities[i] for i in stores)
        distance = sum(self.distances[i] for i in stores)
        head = (distance, priorities) if self.distance_first else (priorities, distance)
        best = self.best
        if best is not None and head > best[:2]:
            return  # worse on the tie-break's first two rules: splits and ranks cannot help
        chosen_mask = _mask(stores)
        if any(self.dominators[store] & ~chosen_mask for store in stores):
            return  # swapping in the dominator gives a better set, met elsewhere
        key = (*head, line_splits(self.quantities, [self.capped[i] for i in stores]), stores)
        if best is None or key < best:
            self.best = key


def _mask(stores: Iterable[int]) -> int:
    mask = 0
    for store in stores:
        mask |= 1 << store
    return mask


def _at_least_masks(capped: list[Row], quantities: Row) -> list[list[int]]:
    """masks[line][d] (d = 0 .. quantity): the stores holding at least d units of the line."""
    masks = []
    for line, quantity in enumerate(quantities):
        exactly = [0] * (quantity + 1)
        for store, row in enumerate(capped):
            exactly[row[line]] |= 1 << store
        cumulative, at_least = 0, [0] * (quantity + 1)
        for units in range(quantity, -1, -1):
            cumulative |= exactly[units]
            at_least[units] = cumulative
        masks.append(at_least)
    return masks


def _dominator_masks(
    capped: list[Row],
    at_least: list[list[int]],
    priorities: list[int],
    distances: list[int],
    distance_first: bool,
) -> list[int]:
    """Bit j of masks[s] is set when store j ranks before s, holds at least as much of every
    line (capped), and is no farther from the buyer (or, priority first, has a strictly better
    priority). Swapping s for j never worsens feasibility, the tie-break keys or splits, and
    improves rank, so a best set holding s also holds j."""
    count = len(capped)
    # no_farther[s]: stores at most as far as s (distances are whole km: ties are common)
    order = sorted(range(count), key=lambda s: distances[s])
    no_farther, cumulative, position = [0] * count, 0, 0
    while position < count:
        group_end = position
        while group_end < count and distances[order[group_end]] == distances[order[position]]:
            cumulative |= 1 << order[group_end]
            group_end += 1
        for index in range(position, group_end):
            no_farther[order[index]] = cumulative
        position = group_end
    dominators = []
    first_of_priority: dict[int, int] = {}
    for store, row in enumerate(capped):
        first_of_priority.setdefault(priorities[store], store)
        mask = ((1 << store) - 1) & no_farther[store]
        if not distance_first:
            mask |= (1 << first_of_priority[priorities[store]]) - 1  # strictly better priority
        for line, value in enumerate(row):
            mask &= at_least[line][value]
        dominators.append(mask)
    return dominators


def greedy_cover(quantities: Row, capped: list[Row]) -> tuple[int, ...]:
    """A feasible, irredundant cover, not proven minimal: take the store that covers the most
    missing units (better rank on ties) until nothing is missing, then drop stores (worst rank
    first) the rest can do without. Feasible whenever all stores together suffice."""
    deficits = list(quantities)
    chosen: list[int] = []

    def gain(store: int) -> int:
        return sum(
            min(deficit, stock) for deficit, stock in zip(deficits, capped[store], strict=True)
        )

    while any(deficits):
        store = max((s for s in range(len(capped)) if s not in chosen), key=lambda s: (gain(s), -s))
        if gain(store) == 0:
            raise ValueError("the stores together cannot cover the order")
        chosen.append(store)
        deficits = [
            max(deficit - stock, 0) for deficit, stock in zip(deficits, capped[store], strict=True)
        ]
    kept = sorted(chosen)
    for store in sorted(chosen, reverse=True):
        rest = [other for other in kept if other != store]
        if is_feasible(quantities, [capped[other] for other in rest]):
            kept = rest
    return tuple(kept)


def assign_quantities(quantities: Row, rows: list[Row]) -> list[list[int]]:
    """Units per (store of the set, line): each line from as few stores as possible, choosing
    the best-ranked such stores, each of which ships as much as it can in rank order."""
    shipped = [[0] * len(quantities) for _ in rows]
    for line, quantity in enumerate(quantities):
        column = [row[line] for row in rows]
        for store, units in _assign_line(quantity, column):
            shipped[store][line] = units
    return shipped


def _assign_line(quantity: int, column: list[int]) -> list[tuple[int, int]]:
    needed = stores_needed_per_line(quantity, column)
    picks: list[tuple[int, int]] = []
    remaining = quantity
    for store, stock in enumerate(column):
        if remaining == 0:
            break
        if stock == 0:
            continue
        # Take this store only if the picks left can still finish the line.
        slots_after = needed - len(picks) - 1
        best_after = sum(sorted(column[store + 1 :], reverse=True)[:slots_after])
        if stock + best_after >= remaining:
            units = min(stock, remaining)
            picks.append((store, units))
            remaining -= units
    return picks
