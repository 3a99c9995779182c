"""Split search: the fewest stores that together hold the whole order, proven by branch and bound.

Everything here works on indices. Stores come in rank order (priority, then key), lines in order
order, and ``capped[s][l]`` is store s's stock of line l capped at the line's quantity (more
than the quantity never helps).

A store set S is feasible iff for every line the sum of its capped stock over S reaches the
quantity. Among feasible sets the search returns the minimum of this key:

1. fewest stores;
2. the set's priorities, sorted, compared as a tuple (the set whose best store has the best
   priority wins, then its second best store, and so on);
3. fewest line splits: sum over lines of (stores shipping that line - 1), each line shipping from
   as few stores of the set as possible;
4. the set's store ranks, sorted, compared as a tuple (store key order for equal priorities).

It tries k = lower bound, lower bound + 1, ... and enumerates k-subsets in lexicographic rank
order, so that the first set met with a given (1, 2, 3) is also the best by 4.
"""

from __future__ import annotations

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
    return all(sum(column) >= qty for column, qty in zip(zip(*rows), quantities)) if rows else False


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
        stores_needed_per_line(qty, list(column)) - 1 for qty, column in zip(quantities, zip(*rows))
    )


def find_cover(quantities: Row, capped: list[Row], priorities: list[int], budget: int) -> Cover:
    """The best cover per the module rules; the caller guarantees all stores together suffice."""
    useful = [index for index, row in enumerate(capped) if any(row)]
    search = _CoverSearch(quantities, [capped[i] for i in useful], [priorities[i] for i in useful])
    found, proven, exhaustive = search.run(budget)
    if found is None:
        found = greedy_cover(quantities, search.capped)
    return Cover(tuple(useful[i] for i in found), proven, exhaustive, search.nodes)


class _CoverSearch:
    def __init__(self, quantities: Row, capped: list[Row], priorities: list[int]) -> None:
        self.quantities = quantities
        self.capped = capped
        self.priorities = priorities
        self.store_count = len(capped)
        self.nodes = 0
        self.budget = 0
        self.best: tuple[tuple[int, ...], int, tuple[int, ...]] | None = None
        self.dominators = _dominator_masks(capped)

    def run(self, budget: int) -> tuple[tuple[int, ...] | None, bool, bool]:
        """(best set or None, proven minimal, exhaustive)."""
        self.budget = budget
        lower_bound = max(
            stores_needed_per_line(qty, list(column))
            for qty, column in zip(self.quantities, zip(*self.capped))
        )
        for size in range(lower_bound, self.store_count + 1):
            self.top_sums = _suffix_top_sums(self.capped, self.quantities, size)
            try:
                self._extend(0, (), 0, self.quantities, size)
            except _OutOfBudget:
                found = self.best[2] if self.best else None
                return found, self.best is not None, False
            if self.best is not None:
                return self.best[2], True, True
        raise AssertionError("all stores together were supposed to suffice")

    def _coverable(self, deficits: Row, start: int, picks: int) -> bool:
        # Necessary condition: each line's deficit fits in its ``picks`` largest remaining stocks.
        tops = self.top_sums[start]
        return all(deficit <= top[picks] for deficit, top in zip(deficits, tops) if deficit)

    def _priority_hopeless(self, prefix: tuple[int, ...], store: int) -> bool:
        if self.best is None:
            return False
        candidate = (*prefix, self.priorities[store])
        return candidate > self.best[0][: len(candidate)]

    def _extend(
        self, start: int, chosen: tuple[int, ...], chosen_mask: int, deficits: Row, size: int
    ) -> None:
        picks = size - len(chosen)
        prefix = tuple(self.priorities[i] for i in chosen)
        for store in range(start, self.store_count - picks + 1):
            self.nodes += 1
            if self.nodes > self.budget:
                raise _OutOfBudget
            # Both tests only get worse further down the rank order: stop the loop.
            if not self._coverable(deficits, store, picks) or self._priority_hopeless(
                prefix, store
            ):
                return
            # A store whose better-ranked dominator is left out can be swapped for it.
            if self.dominators[store] & ~chosen_mask:
                continue
            remaining = tuple(
                max(deficit - stock, 0) for deficit, stock in zip(deficits, self.capped[store])
            )
            # No contribution means the set minus this store would cover: smaller sizes failed.
            if remaining == deficits:
                continue
            if picks == 1:
                if not any(remaining):
                    self._consider((*chosen, store))
                continue
            if self._coverable(remaining, store + 1, picks - 1):
                self._extend(store + 1, (*chosen, store), chosen_mask | 1 << store, remaining, size)

    def _consider(self, stores: tuple[int, ...]) -> None:
        key = (
            tuple(self.priorities[i] for i in stores),
            line_splits(self.quantities, [self.capped[i] for i in stores]),
        )
        # Sets arrive in rank order: an equal key keeps the earlier (better-ranked) set.
        if self.best is None or key < self.best[:2]:
            self.best = (*key, stores)


def _suffix_top_sums(capped: list[Row], quantities: Row, size: int) -> list[list[tuple[int, ...]]]:
    """top[s][l][r]: sum of the r largest stocks of line l among stores s.., for r <= size."""
    line_count = len(quantities)
    tops: list[list[int]] = [[] for _ in range(line_count)]
    result: list[list[tuple[int, ...]]] = [[]] * (len(capped) + 1)
    result[len(capped)] = [(0,) * (size + 1)] * line_count
    for store in range(len(capped) - 1, -1, -1):
        for line in range(line_count):
            value = capped[store][line]
            if value:
                top = tops[line]
                top.append(value)
                top.sort(reverse=True)
                del top[size:]
        result[store] = [_prefix_sums(top, size) for top in tops]
    return result


def _prefix_sums(values: list[int], size: int) -> tuple[int, ...]:
    sums = [0]
    for value in values:
        sums.append(sums[-1] + value)
    sums.extend([sums[-1]] * (size + 1 - len(sums)))
    return tuple(sums)


def _dominator_masks(capped: list[Row]) -> list[int]:
    """Bit j of masks[s] is set when store j ranks before s and holds at least as much of
    every line (capped). Swapping s for j never worsens feasibility, priorities or splits, and
    improves rank, so a best set holding s also holds j."""
    masks = []
    for store, row in enumerate(capped):
        mask = 0
        for other in range(store):
            if all(mine <= theirs for mine, theirs in zip(row, capped[other])):
                mask |= 1 << other
        masks.append(mask)
    return masks


def greedy_cover(quantities: Row, capped: list[Row]) -> tuple[int, ...]:
    """A feasible, irredundant cover, not proven minimal: take the store that covers the most
    missing units (better rank on ties) until nothing is missing, then drop stores (worst rank
    first) the rest can do without. Feasible whenever all stores together suffice."""
    deficits = list(quantities)
    chosen: list[int] = []

    def gain(store: int) -> int:
        return sum(min(deficit, stock) for deficit, stock in zip(deficits, capped[store]))

    while any(deficits):
        store = max((s for s in range(len(capped)) if s not in chosen), key=lambda s: (gain(s), -s))
        if gain(store) == 0:
            raise ValueError("the stores together cannot cover the order")
        chosen.append(store)
        deficits = [max(deficit - stock, 0) for deficit, stock in zip(deficits, capped[store])]
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
