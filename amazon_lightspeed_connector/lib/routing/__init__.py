"""Order routing engine: which Lightspeed store(s) ship an Amazon order. Pure Python, no odoo.

``route(RoutingRequest(...)) -> RoutingDecision``. Store priority: a LOWER number routes FIRST.
Stores are ranked by (priority, store key); every tie below ends on that rank. With the
buyer's location (``ship_to``) and the stores' (``Store.location``), distance in whole
kilometres breaks ties too, in the channel's order (``tie_break``): priority then distance, or
distance then priority; a store without a location counts as farther than any that has one.

Modes
- single_store: always the default store; lines it is short of are listed in ``missing`` and
  the outcome is "virtual" (Lightspeed goes negative or auto-adds stock).
- best_store: a store that has every line in full. Among several: best priority and nearest
  (in the tie-break's order), then most stock left (units of the order's products the store
  still has after shipping the order, summed over those products), then store key. If none:
  the default store, "virtual", ``missing`` = what it lacks.
- queue: as best_store, else "held"; ``missing`` = what the closest store lacks (fewest missing
  units, then rank), the reason names the lines no store has in full, or the closest store.
- split: one store if one has everything (best_store rules). Otherwise the fewest stores that
  together hold every line (a line may ship from several stores when no store holds its whole
  quantity), at most ``max_parts`` of them when the channel caps parts (else held, or the
  default store), ties by the sorted tuple of the stores' priorities and the sum of their
  distances (in the tie-break's order), then by fewest line splits (sum over lines of stores
  shipping it - 1), then by rank. The search is exact (branch and bound) within
  ``split_search_budget`` nodes. Out of budget before any cover is found: a greedy cover,
  ``proven_minimal`` False, the reason says "not proven minimal"; out of budget after a cover
  of the (proven) fewest stores is found: that cover, the reason says the tie-break search was
  cut short. Within the chosen stores each line
  ships from as few stores as possible, the best-ranked first, each taking as much as it can.
  When even all stores together fall short: held (``missing`` = what they lack together) or,
  with ``split_fallback="default_store"``, the whole order to the default store as "virtual".

Input rules: quantities are integers >= 1; duplicate product lines are merged; negative or
missing stock counts as 0; an unknown default store or a stock entry for an unknown store raises
ValueError.
"""

from .engine import route
from .model import *  # noqa: F403  (model.__all__: the request, decision and their parts)
from .model import __all__ as _MODEL_NAMES

__all__ = [*_MODEL_NAMES, "route"]
