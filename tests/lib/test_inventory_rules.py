"""Available-to-sell, reserve rules and the need-sync delta (lib/inventory.py)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amazon_lightspeed_connector.lib.inventory import (
    BACKORDER_QUANTITY,
    FIXED,
    PERCENT,
    ListingUpdate,
    ReserveRule,
    available_to_sell,
    changed_since_last_push,
    on_hand_total,
    parse_reserve_rule,
)

US = "ATVPDKIKX0DER"
PROPERTIES = settings(max_examples=100, deadline=None)


# ---------------------------------------------------------------- parsing the rule


@pytest.mark.parametrize(
    "text,value,calculation",
    [
        ("5:fixed", "5", FIXED),
        ("10:percent", "10", PERCENT),
        (" 5 : FIXED ", "5", FIXED),
        ("2.5:Percent", "2.5", PERCENT),
        ("0:percent", "0", PERCENT),
        ("100:percent", "100", PERCENT),
        ("0:fixed", "0", FIXED),
    ],
)
def test_rules_parse_case_and_space_insensitively(text, value, calculation):
    rule = parse_reserve_rule(text)
    assert rule == ReserveRule(Decimal(value), calculation)


def test_rule_prints_back_as_written():
    assert str(parse_reserve_rule(" 10 : PERCENT")) == "10:percent"
    assert str(parse_reserve_rule("100:percent")) == "100:percent"


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_an_empty_rule_reserves_nothing(empty):
    assert parse_reserve_rule(empty) is None


@pytest.mark.parametrize(
    "text,message",
    [
        ("abc", "is not written Value:Calculation"),
        ("5", "is not written Value:Calculation"),
        ("5:fixed:extra", "is not written Value:Calculation"),
        ("-1:fixed", "cannot be negative"),
        ("5:weird", 'must be "fixed" or "percent", not "weird"'),
        ("150:percent", "from 0 to 100"),
        ("2.5:fixed", "whole number of units"),
        ("x:fixed", '"x" is not a number'),
        (":percent", '"" is not a number'),
        ("1e3:fixed", "is not a number"),
        ("2000000:fixed", "at most 1000000 units"),
    ],
)
def test_bad_rules_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match="Reserve rule") as caught:
        parse_reserve_rule(text)
    assert message in str(caught.value)


# ---------------------------------------------------------------- worked examples


@pytest.mark.parametrize(
    "base,rule,expected",
    [
        (10, "10:percent", 9),
        (15, "10:percent", 13),  # 13.5 rounded down: the half unit stays in the shop
        (5, "10:percent", 4),
        (1, "10:percent", 0),
        (7, "0:percent", 7),
        (7, "100:percent", 0),
        (3, "33.3:percent", 2),  # 2.001 -> 2
        (10, "5:fixed", 5),
        (3, "5:fixed", 0),  # never below zero
        (0, "0:fixed", 0),
    ],
)
def test_documented_examples(base, rule, expected):
    assert available_to_sell([base], reserve=rule) == expected


def test_base_is_all_stores_minus_committed_then_the_reserve():
    stores = {"A": 4, "B": 2, "C": 1}
    assert available_to_sell(stores) == 7
    assert available_to_sell(stores, committed=3) == 4
    assert available_to_sell(stores, committed=3, reserve="1:fixed") == 3
    assert available_to_sell(stores, committed=9) == 0


def test_a_store_below_zero_counts_as_empty_and_strings_are_read():
    assert on_hand_total({"A": "3", "B": -2, "C": 1.0}) == 4


def test_backorderable_always_sends_1000():
    assert available_to_sell([0], committed=5, backorderable=True, reserve="100:percent") == 1000


@pytest.mark.parametrize("bad", [1.5, "x", True])
def test_non_whole_quantities_are_refused(bad):
    with pytest.raises(ValueError, match="whole number"):
        available_to_sell([bad])


def test_negative_committed_is_refused():
    with pytest.raises(ValueError, match="committed"):
        available_to_sell([3], committed=-1)


# ---------------------------------------------------------------- properties

quantities = st.lists(st.integers(min_value=-50, max_value=10_000), max_size=6)
rules = st.one_of(
    st.none(),
    st.builds(lambda v: "%d:fixed" % v, st.integers(0, 20_000)),
    st.builds(
        lambda v: "%s:percent" % v,
        st.decimals(min_value=0, max_value=100, places=2, allow_nan=False),
    ),
)


@PROPERTIES
@given(quantities, st.integers(0, 5_000), rules)
def test_never_negative(stores, committed, rule):
    assert available_to_sell(stores, committed, reserve=rule) >= 0


@PROPERTIES
@given(quantities, st.integers(0, 5_000), rules, st.integers(0, 1_000))
def test_monotone_in_on_hand(stores, committed, rule, extra):
    before = available_to_sell([*stores, 0], committed, reserve=rule)
    after = available_to_sell([*stores, extra], committed, reserve=rule)
    assert after >= before


@PROPERTIES
@given(quantities, st.integers(0, 5_000), rules)
def test_backorderable_is_constant(stores, committed, rule):
    assert available_to_sell(stores, committed, True, rule) == BACKORDER_QUANTITY


@PROPERTIES
@given(quantities, st.integers(0, 5_000))
def test_zero_percent_and_zero_fixed_are_the_identity(stores, committed):
    plain = available_to_sell(stores, committed)
    assert available_to_sell(stores, committed, reserve="0:percent") == plain
    assert available_to_sell(stores, committed, reserve="0:fixed") == plain


@PROPERTIES
@given(st.integers(0, 100_000), st.decimals(min_value=0, max_value=100, places=2))
def test_percent_never_promises_a_fraction(base, percent):
    sent = parse_reserve_rule("%s:percent" % percent).apply(base)
    # sent is the largest whole number not above base * (100 - p) / 100
    assert sent * 100 <= base * (100 - percent) < (sent + 1) * 100


# ---------------------------------------------------------------- need-sync delta


def _update(quantity=None, price=None, currency="USD", sku="JBJ-S"):
    return ListingUpdate(sku, US, quantity, price, currency if price is not None else None)


def test_never_pushed_sends_everything():
    current = _update(3, Decimal("59.00"))
    assert changed_since_last_push(current, None) == current


def test_nothing_changed_sends_nothing():
    assert changed_since_last_push(_update(3, "59.00"), _update(3, "59.0")) is None


def test_only_the_changed_part_is_sent():
    assert changed_since_last_push(_update(2, "59.00"), _update(3, "59.00")) == _update(2)
    assert changed_since_last_push(_update(3, "49.00"), _update(3, "59.00")) == _update(
        None, Decimal("49.00")
    )


def test_a_currency_change_is_a_price_change():
    delta = changed_since_last_push(_update(3, "59.00", "CAD"), _update(3, "59.00", "USD"))
    assert delta == ListingUpdate("JBJ-S", US, None, Decimal("59.00"), "CAD")


def test_a_field_we_do_not_manage_is_not_a_change():
    assert changed_since_last_push(_update(None, "59.00"), _update(3, "59.00")) is None


def test_comparing_two_listings_is_a_mistake():
    with pytest.raises(ValueError, match="same listing"):
        changed_since_last_push(_update(1), _update(1, sku="OTHER"))


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"quantity": -1}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"price": "-1", "currency": "USD"}, "price"),
        ({"price": "5"}, "currency"),
    ],
)
def test_listing_update_refuses_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ListingUpdate("JBJ-S", US, **kwargs)
