"""The one money rule: the Odoo sale order and the Lightspeed Sale of an order agree to the cent."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from sale_support import line, order, request, split_orders

from amazon_lightspeed_connector.lib import money
from amazon_lightspeed_connector.lib.lightspeed.sale_payload import (
    payload_total,
    sale_payload,
)

MISC_CHARGE = 0  # shipping as a miscellaneous charge line, so it is in the Sale's total


def odoo_total(amazon_order, places=2):
    """The Odoo sale order's amount_total: each line's price_unit * quantity, plus charges."""
    return money.sale_order_amounts(amazon_order.lines, places, "quantity_ordered").total()


def lightspeed_total(amazon_order, parts):
    """The sum of the totals of the Lightspeed Sales of every part of the order."""
    return sum(
        (
            payload_total(
                sale_payload(request(amazon_order, parts, i, shipping_item_id=MISC_CHARGE))
            )
            for i in range(len(parts))
        ),
        Decimal(0),
    )


def test_the_rule_on_one_line_that_does_not_divide():
    # 10.00 for 3 units: 3.34 a unit, 0.02 given back with the 1.00 promotion
    amazon = order(line("JBJ-M", 3, "10.00", promotion_discount="1.00", item_tax="0.81"))
    amounts = money.sale_order_amounts(amazon.lines, 2, "quantity_ordered")
    assert amounts.items == ((Decimal("3.34"), 3),)
    assert amounts.promotion == Decimal("1.02")
    assert amounts.tax == Decimal("0.81")
    assert amounts.total() == Decimal("9.81") == amazon.lines_total()
    assert money.unit_price(Decimal("10.00"), 3) == (Decimal("3.34"), Decimal("0.02"))
    assert money.unit_price(Decimal("5980"), 2, places=0) == (Decimal("2990"), Decimal("0"))


def test_amounts_are_rounded_half_up_once_as_they_are_read():
    assert money.to_currency(Decimal("2.345")) == Decimal("2.35")
    assert money.to_currency(0.1 + 0.2) == Decimal("0.30")  # a float is read through its text
    assert money.to_currency(None) == Decimal("0.00")
    assert money.to_currency(Decimal("5979.5"), places=0) == Decimal("5980")
    folded = line("JBJ-S", 1, "20.00", promotion_discount="2.00", promotion_discount_tax=None)
    assert money.line_amounts(folded)["promotion_discount_tax"] == Decimal("0.00")


# Amazon's amounts have the currency's decimals; three decimals exercise rule 1's rounding.
amounts = st.decimals(min_value=0, max_value=500, places=2) | st.decimals(
    min_value=0, max_value=50, places=3
)


# 1-6 lines (a SKU may come twice), every amount Amazon reports, split into 1-4 parts
orders_and_splits = split_orders(amounts, max_lines=6, max_quantity=9, same_sku_twice=True)


@settings(max_examples=200, deadline=None)
@given(orders_and_splits)
def test_property_odoo_and_lightspeed_totals_are_equal_to_the_cent(case):
    amazon, parts = case
    expected = sum(
        (money.amounts_total(money.line_amounts(item)) for item in amazon.lines), Decimal(0)
    )
    assert odoo_total(amazon) == lightspeed_total(amazon, parts) == expected


@settings(max_examples=100, deadline=None)
@given(orders_and_splits)
def test_property_odoo_unit_prices_are_whole_cents_and_discounts_never_negative(case):
    amazon, _parts = case
    sale = money.sale_order_amounts(amazon.lines, 2, "quantity_ordered")
    for (unit, units), item in zip(sale.items, amazon.lines, strict=True):
        assert unit == money.to_currency(unit)
        assert unit * units >= money.to_currency(item.item_price)
    assert sale.promotion >= sum(
        (money.to_currency(item.promotion_discount) for item in amazon.lines), Decimal(0)
    )


def test_a_refund_that_does_not_divide_is_split_into_two_unit_prices():
    # the defect: 10.00 refunded for 3 units credited as 3 x 3.33 = 9.99
    assert money.split_unit_prices(Decimal("10.00"), 3) == [
        (Decimal("3.33"), 2),
        (Decimal("3.34"), 1),
    ]
    assert money.split_unit_prices(Decimal("9.00"), 3) == [(Decimal("3.00"), 3)]
    assert money.split_unit_prices(Decimal("1001"), 2, places=0) == [
        (Decimal("500"), 1),
        (Decimal("501"), 1),
    ]


@given(
    st.decimals(min_value="0.01", max_value=5000, places=2),
    st.integers(min_value=1, max_value=50),
    st.sampled_from([0, 2, 3]),
)
def test_property_split_unit_prices_total_the_amount_to_the_minor_unit(amount, units, places):
    amount = money.to_currency(amount, places)
    pairs = money.split_unit_prices(amount, units, places)
    assert sum(price * count for price, count in pairs) == amount
    assert sum(count for _price, count in pairs) == units
    assert len(pairs) <= 2 and all(count > 0 for _price, count in pairs)
    step = money.minor_unit(places)
    assert all(price == price.quantize(step) and price >= 0 for price, _count in pairs)
    if len(pairs) == 2:
        assert pairs[1][0] - pairs[0][0] == step  # two prices one minor unit apart
