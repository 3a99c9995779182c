"""The one money rule of an Amazon order, shared by the Odoo sale order and the Lightspeed Sale.

Pure functions on ``Decimal``, no I/O. What Amazon reports (Orders API ``OrderItem``):

- ``ItemPrice`` is the price of all ``QuantityOrdered`` units of the line (not a unit price),
  ``ItemTax`` its tax; ``PromotionDiscount`` (positive, taken off the item price) and its
  ``PromotionDiscountTax``; ``ShippingPrice``, ``ShippingTax``, ``ShippingDiscount`` and its
  ``ShippingDiscountTax``; ``GiftWrapPrice`` and ``GiftWrapTax``. A discount tax Amazon folds
  into its discount (``None``) counts 0.

The rule, applied the same way wherever an order's money is written:

1. Every amount is rounded half up to the currency's minor unit (``places`` decimals: 2, 0 for
   JPY) once, as it is read; everything after that is exact sums of those amounts.
2. What the buyer pays for a line is ``item_price - promotion_discount + shipping_price -
   shipping_discount + gift_wrap_price + net tax``, where the net tax is ``item_tax +
   shipping_tax + gift_wrap_tax - promotion_discount_tax - shipping_discount_tax``: Amazon
   computes and remits the tax (marketplace facilitator), so it travels as one charge.
3. A line amount that does not divide by its units becomes a unit price rounded UP to the minor
   unit and a discount of the few minor units that adds (never negative), so the line still
   totals exactly the amount Amazon reported.

The Odoo sale order (:func:`sale_order_amounts`), the Lightspeed Sale
(``lightspeed.sale_payload``) and the settlement's money (``_amounts`` of the booking) use these
functions, so the Odoo total and the sum of the Lightspeed parts of an order are equal to the
minor unit (a property test proves it for any order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

ZERO = Decimal("0")
CENTS = 2

# The per-line amounts of an Amazon order line (AmazonOrderLine / amazon.order.line fields).
AMOUNT_FIELDS = (
    "item_price",
    "item_tax",
    "promotion_discount",
    "promotion_discount_tax",
    "shipping_price",
    "shipping_tax",
    "shipping_discount",
    "shipping_discount_tax",
    "gift_wrap_price",
    "gift_wrap_tax",
)
TAX_ADDED = ("item_tax", "shipping_tax", "gift_wrap_tax")
TAX_TAKEN_OFF = ("promotion_discount_tax", "shipping_discount_tax")


def minor_unit(places=CENTS):
    """The currency's smallest amount: 0.01 for 2 decimals, 1 for JPY."""
    return Decimal(1).scaleb(-places)


def to_currency(amount, places=CENTS):
    """Rule 1: round half up to the currency's minor unit (floats read through their text)."""
    if amount is None:
        return ZERO
    if isinstance(amount, float):
        amount = str(amount)  # 0.1 stays 0.1, not 0.1000000000000000055511151231257827
    return Decimal(amount).quantize(minor_unit(places), rounding=ROUND_HALF_UP)


def line_amounts(line, places=CENTS):
    """Rule 1 on one line: AMOUNT_FIELDS -> rounded Decimal, read as attributes of ``line``."""
    return {field: to_currency(getattr(line, field, None), places) for field in AMOUNT_FIELDS}


def net_tax(amounts: Mapping[str, Decimal]):
    """Rule 2's tax: the taxes charged minus the taxes of the discounts."""
    added = sum((amounts[field] for field in TAX_ADDED), ZERO)
    return added - sum((amounts[field] for field in TAX_TAKEN_OFF), ZERO)


def amounts_total(amounts: Mapping[str, Decimal]):
    """Rule 2: what the buyer pays for these amounts (one line, or several summed)."""
    return (
        amounts["item_price"]
        - amounts["promotion_discount"]
        + amounts["shipping_price"]
        - amounts["shipping_discount"]
        + amounts["gift_wrap_price"]
        + net_tax(amounts)
    )


def add_amounts(total: Mapping[str, Decimal], amounts: Mapping[str, Decimal]):
    """Field by field sum of two AMOUNT_FIELDS mappings."""
    return {field: total[field] + amounts[field] for field in AMOUNT_FIELDS}


def no_amounts():
    return dict.fromkeys(AMOUNT_FIELDS, ZERO)


def unit_price(amount, units, places=CENTS):
    """Rule 3: (unit price rounded up, discount that gives the excess back), both >= 0
    for a non-negative amount; ``unit * units - discount == amount``."""
    unit = (Decimal(amount) / units).quantize(minor_unit(places), rounding=ROUND_UP)
    return unit, unit * units - amount


def split_unit_prices(amount, units, places=CENTS):
    """An amount spread over ``units`` as at most two (unit price, units) pairs of whole minor
    units whose sum is exactly ``amount``: 10.00 for 3 units is 2 x 3.33 and 1 x 3.34.

    For a credit note: every line shows a real unit price and the units add up to what was
    refunded, with no discount line beside it (a credit note's discount would read as a
    refunded discount) and no percentage discount (Odoo keeps 2 decimals of a percentage,
    which cannot give back an exact cent)."""
    amount = to_currency(amount, places)
    step = minor_unit(places)
    low = (amount / units).quantize(step, rounding=ROUND_DOWN)
    higher = int((amount - low * units) / step)  # the minor units left over, fewer than units
    pairs = [(low, units - higher), (low + step, higher)]
    return [(price, count) for price, count in pairs if count]


# --- the Odoo sale order -------------------------------------------------------------------------


@dataclass(frozen=True)
class SaleOrderAmounts:
    """The money of an Odoo sale order for a whole Amazon order: one item line per order line
    (unit price, units), then the order-wide charges (positive amounts; discounts subtracted)."""

    items: tuple[tuple[Decimal, int], ...]
    shipping: Decimal
    shipping_discount: Decimal
    promotion: Decimal  # the promotions plus rule 3's unit price rounding
    gift_wrap: Decimal
    tax: Decimal

    def total(self):
        items = sum((unit * units for unit, units in self.items), ZERO)
        return (
            items
            - self.promotion
            + self.shipping
            - self.shipping_discount
            + self.gift_wrap
            + self.tax
        )


def sale_order_amounts(lines: Iterable, places=CENTS, quantity_field="quantity"):
    """Rules 1-3 for the sale order of the given order lines (objects with AMOUNT_FIELDS and a
    quantity; a line without quantity counts one unit)."""
    items = []
    total = no_amounts()
    rounding = ZERO
    for line in lines:
        amounts = line_amounts(line, places)
        units = getattr(line, quantity_field) or 1
        unit, excess = unit_price(amounts["item_price"], units, places)
        items.append((unit, units))
        rounding += excess
        total = add_amounts(total, amounts)
    return SaleOrderAmounts(
        items=tuple(items),
        shipping=total["shipping_price"],
        shipping_discount=total["shipping_discount"],
        promotion=total["promotion_discount"] + rounding,
        gift_wrap=total["gift_wrap_price"],
        tax=net_tax(total),
    )
