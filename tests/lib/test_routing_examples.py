"""Worked examples of the routing engine: every mode, the reasons staff read, the tie-breaks."""

import pytest

from amazon_lightspeed_connector.lib.routing import (
    OrderLine,
    Outcome,
    RoutedPart,
    RoutingMode,
    RoutingRequest,
    SplitFallback,
    Store,
    route,
)
from amazon_lightspeed_connector.tests.simulators import demo_catalogue as demo

DEMO_STORES = tuple(Store(s.code, s.name, s.priority) for s in demo.STORES)
DEMO_STOCK = {
    store.code: {product.sku: product.qoh[index] for product in demo.PRODUCTS}
    for index, store in enumerate(demo.STORES)
}


def demo_route(mode, *lines, stock=DEMO_STOCK, fallback=SplitFallback.HOLD, budget=None):
    extra = {} if budget is None else {"split_search_budget": budget}
    request = RoutingRequest(
        tuple(OrderLine(sku, qty) for sku, qty in lines),
        stock,
        DEMO_STORES,
        demo.DEFAULT_STORE.code,
        mode,
        fallback,
        **extra,
    )
    return route(request)


def plain_route(stores, stock, lines, mode, default="A", **options):
    request = RoutingRequest(
        tuple(OrderLine(sku, qty) for sku, qty in lines), stock, stores, default, mode, **options
    )
    return route(request)


# --- the seed example of the product brief -------------------------------------------------


@pytest.mark.parametrize("mode", [RoutingMode.BEST_STORE, RoutingMode.QUEUE, RoutingMode.SPLIT])
def test_seed_only_store_c_holds_the_small_jeans(mode):
    decision = demo_route(mode, ("JBJ-S", 1))
    assert decision.outcome is Outcome.ROUTED
    assert decision.parts == (RoutedPart("C", (OrderLine("JBJ-S", 1),)),)
    assert decision.reason == "Store C - Uptown: the only store with the item"


@pytest.mark.parametrize("mode", [RoutingMode.BEST_STORE, RoutingMode.QUEUE, RoutingMode.SPLIT])
def test_seed_order_c_cannot_serve_but_a_can_goes_to_a(mode):
    decision = demo_route(mode, ("JBJ-M", 3), ("WOOL-SCARF", 1))
    assert decision.outcome is Outcome.ROUTED
    assert decision.store_keys == ("A",)
    assert decision.reason == "Store A - Downtown: the only store with all 4 items"


def test_seed_three_items_only_c_has_all():
    decision = demo_route(RoutingMode.BEST_STORE, ("JBJ-S", 1), ("JBJ-L", 1), ("LTR-BELT", 1))
    assert decision.store_keys == ("C",)
    assert decision.reason == "Store C - Uptown: the only store with all 3 items"


# --- single store -----------------------------------------------------------------------------


def test_single_store_always_ships_from_the_default_store_and_says_so():
    decision = demo_route(RoutingMode.SINGLE_STORE, ("OXF-WHT-M", 2))
    assert decision.outcome is Outcome.ROUTED
    assert decision.store_keys == ("A",)
    assert decision.missing == ()
    assert "single-store mode" in decision.reason
    assert decision.mode is RoutingMode.SINGLE_STORE


def test_single_store_flags_short_lines_as_virtual_inventory():
    decision = demo_route(RoutingMode.SINGLE_STORE, ("JBJ-S", 1), ("JBJ-M", 5), ("LTR-BELT", 1))
    assert decision.outcome is Outcome.VIRTUAL
    assert decision.store_keys == ("A",)
    assert decision.parts[0].lines == (
        OrderLine("JBJ-S", 1),
        OrderLine("JBJ-M", 5),
        OrderLine("LTR-BELT", 1),
    )
    assert decision.missing == (OrderLine("JBJ-S", 1), OrderLine("JBJ-M", 1))
    assert decision.reason == (
        "Store A - Downtown: single-store mode ships every order from the default store; "
        "virtual inventory, short 1 x JBJ-S, 1 x JBJ-M"
    )


# --- best store -----------------------------------------------------------------------------


def test_best_store_without_a_full_store_goes_virtual_at_the_default_store():
    decision = demo_route(RoutingMode.BEST_STORE, ("JBJ-S", 4))
    assert decision.outcome is Outcome.VIRTUAL
    assert decision.parts == (RoutedPart("A", (OrderLine("JBJ-S", 4),)),)
    assert decision.missing == (OrderLine("JBJ-S", 4),)
    assert decision.reason == (
        "Store A - Downtown (default store), virtual inventory: no store has all 4 items; "
        "short 4 x JBJ-S there"
    )


STORES_ABC = (Store("A", "Store A", 10), Store("B", "Store B", 20), Store("C", "Store C", 20))


def test_best_store_prefers_the_highest_priority_lower_number_first():
    stock = {"A": {"X": 1}, "B": {"X": 9}, "C": {"X": 9}}
    decision = plain_route(STORES_ABC, stock, [("X", 1)], RoutingMode.BEST_STORE)
    assert decision.store_keys == ("A",)
    assert decision.reason == "Store A: has the item; highest priority of the 3 stores that do"


def test_best_store_same_priority_keeps_the_most_stock_left():
    # B and C tie on priority; C keeps 3 + 4 = 7 units of the order's products, B 5 + 1 = 6.
    stock = {"A": {"X": 0}, "B": {"X": 6, "Y": 2}, "C": {"X": 4, "Y": 5}}
    decision = plain_route(STORES_ABC, stock, [("X", 1), ("Y", 1)], RoutingMode.BEST_STORE)
    assert decision.store_keys == ("C",)
    assert decision.reason == (
        "Store C: has both items; of 2 such stores with the same priority it keeps the most "
        "stock of these products (7 left)"
    )


def test_best_store_full_tie_goes_to_the_first_store_key():
    stock = {"B": {"X": 3}, "C": {"X": 3}}
    stores = (Store("C", "Store C", 20), Store("B", "Store B", 20), Store("A", "Store A", 10))
    decision = plain_route(stores, stock, [("X", 2)], RoutingMode.BEST_STORE)
    assert decision.store_keys == ("B",)
    assert "first by store key of 2 such stores" in decision.reason


def test_best_store_ignores_stock_of_products_not_in_the_order():
    stock = {"B": {"X": 2, "Z": 100}, "C": {"X": 3}}
    decision = plain_route(STORES_ABC, stock, [("X", 1)], RoutingMode.BEST_STORE)
    assert decision.store_keys == ("C",)


# --- queue ----------------------------------------------------------------------------------


def test_queue_holds_and_names_the_line_no_store_has():
    stock = {**DEMO_STOCK, "C": {**DEMO_STOCK["C"], "JBJ-S": 1}}
    decision = demo_route(RoutingMode.QUEUE, ("JBJ-S", 2), stock=stock)
    assert decision.outcome is Outcome.HELD
    assert decision.parts == ()
    assert decision.reason == "Held: no store has 2 x JBJ-S (best: Store C - Uptown has 1)"
    assert decision.missing == (OrderLine("JBJ-S", 1),)


def test_queue_hold_reason_when_nobody_stocks_the_product():
    decision = demo_route(RoutingMode.QUEUE, ("NOT-STOCKED", 1))
    assert decision.reason == "Held: no store has 1 x NOT-STOCKED (none in stock)"
    assert decision.missing == (OrderLine("NOT-STOCKED", 1),)


def test_queue_hold_names_the_closest_store_when_every_line_exists_somewhere():
    decision = demo_route(RoutingMode.QUEUE, ("JBJ-S", 1), ("WOOL-SCARF", 2))
    assert decision.outcome is Outcome.HELD
    assert decision.reason == (
        "Held: no store has all 3 items (closest: Store A - Downtown, short 1 x JBJ-S)"
    )
    assert decision.missing == (OrderLine("JBJ-S", 1),)


# --- split ----------------------------------------------------------------------------------


def test_split_sends_each_store_what_only_it_has():
    decision = demo_route(RoutingMode.SPLIT, ("JBJ-S", 1), ("WOOL-SCARF", 2))
    assert decision.outcome is Outcome.ROUTED
    assert decision.parts == (
        RoutedPart("A", (OrderLine("WOOL-SCARF", 2),)),
        RoutedPart("C", (OrderLine("JBJ-S", 1),)),
    )
    assert decision.reason == (
        "Split across 2 stores, the fewest that together hold all 3 items (no single store "
        "does): Store A - Downtown ships 2 x WOOL-SCARF; Store C - Uptown ships 1 x JBJ-S"
    )
    assert decision.proven_minimal


def test_split_may_split_one_line_when_no_store_has_its_quantity():
    decision = demo_route(RoutingMode.SPLIT, ("JBJ-L", 6))
    # The higher-priority store ships all it can, the other the rest.
    assert decision.parts == (
        RoutedPart("A", (OrderLine("JBJ-L", 2),)),
        RoutedPart("C", (OrderLine("JBJ-L", 4),)),
    )


def test_split_uses_one_store_when_one_has_everything():
    decision = demo_route(RoutingMode.SPLIT, ("JBJ-M", 1), ("LTR-BELT", 2))
    assert decision.store_keys == ("A",)


def test_split_holds_when_even_all_stores_together_fall_short():
    decision = demo_route(RoutingMode.SPLIT, ("JBJ-S", 4), ("LTR-BELT", 1))
    assert decision.outcome is Outcome.HELD
    assert decision.missing == (OrderLine("JBJ-S", 1),)
    assert decision.reason == "Held: even all stores together lack 1 x JBJ-S"


def test_split_falls_back_to_the_default_store_when_so_configured():
    decision = demo_route(
        RoutingMode.SPLIT, ("JBJ-S", 4), ("LTR-BELT", 1), fallback=SplitFallback.DEFAULT_STORE
    )
    assert decision.outcome is Outcome.VIRTUAL
    assert decision.store_keys == ("A",)
    assert decision.missing == (OrderLine("JBJ-S", 4),)
    assert decision.reason == (
        "Store A - Downtown (default store), virtual inventory: even all stores together lack "
        "1 x JBJ-S; short 4 x JBJ-S there"
    )


def test_split_ties_go_to_the_set_with_the_better_priorities():
    # Only {A, D} and {B, C} cover. Same sum of priorities (50), but sorted priorities compare
    # as tuples: (10, 40) beats (20, 30), the set holding the best store wins.
    stores = (Store("A", "", 10), Store("B", "", 20), Store("C", "", 30), Store("D", "", 40))
    stock = {
        "A": {"X": 1, "Y": 1},
        "B": {"X": 1, "Z": 1},
        "C": {"Y": 1, "W": 1},
        "D": {"Z": 1, "W": 1},
    }
    lines = [("X", 1), ("Y", 1), ("Z", 1), ("W", 1)]
    decision = plain_route(stores, stock, lines, RoutingMode.SPLIT)
    assert decision.store_keys == ("A", "D")


def test_split_same_priorities_prefer_fewer_line_splits():
    # {A, B} and {A, C} both cover with 2 stores at equal priorities; with C the 3 x X ship from
    # one store (no line split), with B they would be split 2 + 1.
    stores = (Store("A", "", 10), Store("B", "", 20), Store("C", "", 20))
    stock = {"A": {"X": 2}, "B": {"X": 1, "Y": 1}, "C": {"X": 3, "Y": 1}}
    decision = plain_route(stores, stock, [("X", 3), ("Y", 1), ("W", 1)], RoutingMode.SPLIT)
    assert decision.outcome is Outcome.HELD
    stock["A"]["W"] = 1
    decision = plain_route(stores, stock, [("X", 3), ("Y", 1), ("W", 1)], RoutingMode.SPLIT)
    assert decision.parts == (
        RoutedPart("A", (OrderLine("W", 1),)),
        RoutedPart("C", (OrderLine("X", 3), OrderLine("Y", 1))),
    )


def test_split_full_tie_goes_to_store_key_order():
    stores = (Store("A", "", 10), Store("C", "", 20), Store("B", "", 20))
    stock = {"A": {"X": 1}, "B": {"Y": 1}, "C": {"Y": 1}}
    decision = plain_route(stores, stock, [("X", 1), ("Y", 1)], RoutingMode.SPLIT)
    assert decision.store_keys == ("A", "B")


def test_split_out_of_budget_falls_back_to_a_flagged_greedy_cover():
    decision = demo_route(RoutingMode.SPLIT, ("JBJ-S", 1), ("WOOL-SCARF", 2), budget=0)
    assert decision.outcome is Outcome.ROUTED
    assert decision.store_keys == ("A", "C")
    assert not decision.proven_minimal
    assert decision.reason.endswith("(search budget reached: not proven minimal)")


# --- input rules ----------------------------------------------------------------------------


def test_unknown_default_store_is_a_clear_error():
    with pytest.raises(ValueError, match="default store 'Z' is not one of the stores: A, B, C"):
        RoutingRequest((OrderLine("X", 1),), {}, DEMO_STORES, "Z")


@pytest.mark.parametrize("quantity", [0, -1, 1.5, True, "2"])
def test_quantities_must_be_integers_of_at_least_one(quantity):
    with pytest.raises(ValueError, match="quantity must be an integer >= 1"):
        OrderLine("X", quantity)


def test_other_invalid_requests_are_rejected():
    with pytest.raises(ValueError, match="at least one line"):
        RoutingRequest((), {}, DEMO_STORES, "A")
    with pytest.raises(ValueError, match="unknown store 'Q'"):
        RoutingRequest((OrderLine("X", 1),), {"Q": {"X": 1}}, DEMO_STORES, "A")
    with pytest.raises(ValueError, match="unique"):
        RoutingRequest((OrderLine("X", 1),), {}, (*DEMO_STORES, Store("A")), "A")
    with pytest.raises(ValueError, match="must be an integer"):
        RoutingRequest((OrderLine("X", 1),), {"A": {"X": "3"}}, DEMO_STORES, "A")
    with pytest.raises(ValueError):
        RoutingRequest((OrderLine("X", 1),), {}, DEMO_STORES, "A", mode="cheapest")


def test_duplicate_product_lines_are_merged_in_first_position():
    decision = demo_route(RoutingMode.BEST_STORE, ("LTR-BELT", 1), ("JBJ-M", 1), ("LTR-BELT", 2))
    assert decision.parts == (RoutedPart("A", (OrderLine("LTR-BELT", 3), OrderLine("JBJ-M", 1))),)


def test_negative_stock_counts_as_zero():
    stock = {"A": {"X": -3}, "B": {"X": 1}}
    decision = plain_route(STORES_ABC, stock, [("X", 1)], RoutingMode.SINGLE_STORE)
    assert decision.missing == (OrderLine("X", 1),)
    decision = plain_route(STORES_ABC, stock, [("X", 2)], RoutingMode.SPLIT)
    assert decision.missing == (OrderLine("X", 1),)


def test_modes_may_be_given_as_the_stored_strings():
    decision = plain_route(STORES_ABC, {"B": {"X": 1}}, [("X", 1)], "split", split_fallback="hold")
    assert decision.mode is RoutingMode.SPLIT
    assert decision.store_keys == ("B",)


def test_the_request_is_not_affected_by_later_changes_to_the_callers_stock():
    stock = {"A": {"X": 1}}
    request = RoutingRequest((OrderLine("X", 1),), stock, STORES_ABC, "A", "queue")
    stock["A"]["X"] = 0
    assert route(request).outcome is Outcome.ROUTED


# --- distance, caps ---------------------------------------------------------------------------

# Three stores around Boston, and a buyer in Cambridge (MA): C is 4 km away, B 17 km, A 33 km.
BOSTON_BUYER = (42.3736, -71.1097)
NEAR_STORES = (
    Store("A", "Store A", 10, (42.0834, -71.0184)),  # Brockton
    Store("B", "Store B", 10, (42.4668, -70.9495)),  # Lynn
    Store("C", "Store C", 10, (42.3601, -71.0589)),  # Boston
)


def test_best_store_among_equal_priorities_takes_the_nearest_and_says_how_far():
    stock = {"A": {"X": 5, "Y": 5}, "B": {"X": 1}, "C": {"X": 1, "Y": 1}}
    decision = plain_route(
        NEAR_STORES, stock, [("X", 1), ("Y", 1)], RoutingMode.BEST_STORE, ship_to=BOSTON_BUYER
    )
    assert decision.store_keys == ("C",)
    assert decision.reason == (
        "Store C: nearest of the 2 stores holding both items at the best priority, 4 km"
    )


def test_priority_first_still_prefers_a_better_priority_store_further_away():
    stores = (Store("A", "Store A", 5, (42.0834, -71.0184)), *NEAR_STORES[1:])
    stock = {"A": {"X": 1}, "C": {"X": 1}}
    decision = plain_route(stores, stock, [("X", 1)], RoutingMode.BEST_STORE, ship_to=BOSTON_BUYER)
    assert decision.store_keys == ("A",)
    assert decision.reason == "Store A: has the item; highest priority of the 2 stores that do"


def test_distance_first_prefers_the_nearest_store_whatever_its_priority():
    stores = (Store("A", "Store A", 5, (42.0834, -71.0184)), *NEAR_STORES[1:])
    stock = {"A": {"X": 1}, "C": {"X": 1}}
    decision = plain_route(
        stores,
        stock,
        [("X", 1)],
        RoutingMode.BEST_STORE,
        ship_to=BOSTON_BUYER,
        tie_break="distance_priority",
    )
    assert decision.store_keys == ("C",)
    assert decision.reason == "Store C: nearest of the 2 stores holding the item, 4 km"


def test_a_store_without_coordinates_counts_as_farthest():
    stores = (Store("A", "Store A", 10), *NEAR_STORES[1:])
    stock = {"A": {"X": 9}, "B": {"X": 1}}
    decision = plain_route(stores, stock, [("X", 1)], RoutingMode.BEST_STORE, ship_to=BOSTON_BUYER)
    assert decision.store_keys == ("B",)


def test_without_the_buyers_location_distance_plays_no_part():
    stock = {"A": {"X": 5}, "C": {"X": 1}}
    decision = plain_route(NEAR_STORES, stock, [("X", 1)], RoutingMode.BEST_STORE)
    assert decision.store_keys == ("A",)  # keeps the most stock left, as before
    assert "km" not in decision.reason


def test_split_among_equal_sets_takes_the_nearest_pair_and_gives_each_distance():
    stock = {"A": {"X": 1}, "B": {"Y": 1}, "C": {"Y": 1}}
    decision = plain_route(
        (*NEAR_STORES, Store("D", "Store D", 10, (42.3601, -71.0589))),
        dict(stock, D={"X": 1}),
        [("X", 1), ("Y", 1)],
        RoutingMode.SPLIT,
        ship_to=BOSTON_BUYER,
    )
    assert decision.store_keys == ("C", "D")
    assert decision.reason == (
        "Split across 2 stores, the fewest that together hold both items (no single store "
        "does): Store C ships 1 x Y (4 km); Store D ships 1 x X (4 km)"
    )


def test_split_over_the_parts_cap_is_held_and_says_why():
    stock = {"A": {"X": 1}, "B": {"Y": 1}, "C": {"Z": 1}}
    lines = [("X", 1), ("Y", 1), ("Z", 1)]
    held = plain_route(NEAR_STORES, stock, lines, RoutingMode.SPLIT, max_parts=2)
    assert held.outcome is Outcome.HELD
    assert held.reason == (
        "Held: no 2 stores together hold all 3 items (the channel's cap on parts)"
    )
    assert held.missing  # what the closest store lacks
    routed = plain_route(NEAR_STORES, stock, lines, RoutingMode.SPLIT, max_parts=3)
    assert len(routed.parts) == 3


def test_split_over_the_cap_goes_to_the_default_store_when_so_configured():
    stock = {"A": {"X": 1}, "B": {"Y": 1}}
    decision = plain_route(
        NEAR_STORES,
        stock,
        [("X", 1), ("Y", 1)],
        RoutingMode.SPLIT,
        max_parts=1,
        split_fallback="default_store",
    )
    assert decision.outcome is Outcome.VIRTUAL
    assert decision.store_keys == ("A",)


def test_one_lines_quantity_is_split_when_no_store_holds_it_all_within_the_cap():
    stock = {"A": {"X": 2}, "B": {"X": 2}, "C": {"X": 1}}
    decision = plain_route(NEAR_STORES, stock, [("X", 4)], RoutingMode.SPLIT, max_parts=2)
    assert [(p.store, p.lines[0].quantity) for p in decision.parts] == [("A", 2), ("B", 2)]


def test_locations_must_be_on_earth():
    with pytest.raises(ValueError, match="not on Earth"):
        Store("A", location=(91, 0))
    with pytest.raises(ValueError, match="latitude, longitude"):
        plain_route(NEAR_STORES, {}, [("X", 1)], "best_store", ship_to="Boston")
    with pytest.raises(ValueError, match="max_parts"):
        plain_route(NEAR_STORES, {}, [("X", 1)], "split", max_parts=-1)
