"""Available to sell on Amazon per merchant-fulfilled SKU, and what changed since the last push.

The arithmetic, in the order it is applied:

1. **Base** = units on hand across all stores − units committed to Amazon orders that the
   stores' qoh as last read still counts: not yet in Lightspeed, an open sale, a sale
   completed since the read (the units are already sold). A store below zero (Lightspeed's
   negative inventory) counts as 0: its debt does not make another store's units
   unsellable, and routing ships from the stores that hold stock.
2. **Reserve rule** "Value:Calculation" (``parse_reserve_rule``) keeps some units back:

   - ``fixed``: base − Value units.
   - ``percent``: base minus Value percent of the base, **rounded down**: the quantity sent
     is ``floor(base × (100 − Value) / 100)``. Rounding the quantity (not the reserve) down
     is the reading in the seller's favour: a fractional unit is never promised to Amazon,
     so the reserve is effectively rounded up. Worked examples:

     ======  =======  ==========================  ====
     base    rule     base × (100 − p) / 100      sent
     ======  =======  ==========================  ====
     10      10%      9                           9
     15      10%      13.5                        13
     5       10%      4.5                         4
     1       10%      0.9                         0
     7       0%       7                           7
     7       100%     0                           0
     ======  =======  ==========================  ====

3. **Never below zero**: what is left is clamped at 0.

Backorderable SKUs skip all of this and always send ``BACKORDER_QUANTITY`` (1000): the
retailer can reorder them, so Amazon should never show them out of stock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

BACKORDER_QUANTITY = 1000
FIXED = "fixed"
PERCENT = "percent"
CALCULATIONS = (FIXED, PERCENT)
MAX_FIXED_RESERVE = 1_000_000  # a typo guard: no shop keeps back a million units of a SKU
MAX_PERCENT = Decimal(100)

_RULE = re.compile(r"^\s*(?P<value>[^:]*?)\s*:\s*(?P<calculation>[^:]*?)\s*$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")  # unsigned: a sign is refused with its own message


@dataclass(frozen=True)
class ReserveRule:
    """Units kept back from Amazon: ``value`` units (fixed) or ``value`` % of the base."""

    value: Decimal
    calculation: str  # FIXED or PERCENT

    def apply(self, base):
        """What is left of ``base`` units after the reserve, never below zero."""
        base = max(int(base), 0)
        if self.calculation == FIXED:
            return max(base - int(self.value), 0)
        # Integer arithmetic on the exact Decimal: floor(base * (100 - p) / 100).
        kept_share = MAX_PERCENT - self.value
        return max(int((base * kept_share) // MAX_PERCENT), 0)

    def __str__(self):
        return "%s:%s" % (_plain(self.value), self.calculation)


def _plain(number):
    """``Decimal("10")`` -> "10", ``Decimal("2.50")`` -> "2.5": the rule as a person writes it."""
    text = format(number.normalize(), "f")
    return text


def parse_reserve_rule(text):
    """A ReserveRule from "Value:Calculation"; None for an empty rule (nothing reserved).

    Case-insensitive and tolerant of spaces ("5 : Fixed"). Limits, with a ValueError whose
    message a back-office user can act on:

    - ``fixed``: a whole number of units from 0 to 1,000,000.
    - ``percent``: a number from 0 to 100, decimals allowed ("2.5:percent"); 100 sends 0.
    """
    if text is None or not str(text).strip():
        return None
    match = _RULE.match(str(text))
    if not match:
        raise ValueError(
            'Reserve rule "%s" is not written Value:Calculation, e.g. "5:fixed" or '
            '"10:percent".' % text
        )
    raw_value, calculation = match["value"], match["calculation"].lower()
    if calculation not in CALCULATIONS:
        raise ValueError(
            'Reserve rule "%s": the calculation must be "fixed" or "percent", not "%s".'
            % (text, match["calculation"])
        )
    value = _rule_value(text, raw_value)
    if calculation == FIXED:
        _check_fixed(text, value)
    elif value > MAX_PERCENT:
        raise ValueError(
            'Reserve rule "%s": a percentage goes from 0 to 100, not %s.' % (text, raw_value)
        )
    return ReserveRule(value, calculation)


def _rule_value(text, raw_value):
    if raw_value.startswith("-"):
        raise ValueError('Reserve rule "%s": the value cannot be negative.' % text)
    if not _NUMBER.match(raw_value):
        raise ValueError('Reserve rule "%s": "%s" is not a number.' % (text, raw_value))
    try:
        return Decimal(raw_value)
    except InvalidOperation:  # pragma: no cover - the pattern above already refused it
        raise ValueError('Reserve rule "%s": "%s" is not a number.' % (text, raw_value)) from None


def _check_fixed(text, value):
    if value != value.to_integral_value():
        raise ValueError('Reserve rule "%s": a fixed reserve is a whole number of units.' % text)
    if value > MAX_FIXED_RESERVE:
        raise ValueError(
            'Reserve rule "%s": a fixed reserve is at most %d units.' % (text, MAX_FIXED_RESERVE)
        )


def _whole(quantity, what):
    """An int from an int-like quantity (Lightspeed sends "3" or 3.0); ValueError otherwise."""
    if isinstance(quantity, bool):
        raise ValueError("%s must be a whole number, not %r" % (what, quantity))
    try:
        number = Decimal(str(quantity).strip())
    except InvalidOperation:
        raise ValueError("%s must be a whole number, not %r" % (what, quantity)) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError("%s must be a whole number, not %r" % (what, quantity))
    return int(number)


def on_hand_total(on_hand_by_store):
    """Units on hand across stores (a mapping store -> qoh, or an iterable of qoh)."""
    quantities = (
        on_hand_by_store.values() if hasattr(on_hand_by_store, "values") else on_hand_by_store
    )
    return sum(max(_whole(q, "quantity on hand"), 0) for q in quantities)


def available_to_sell(on_hand_by_store, committed=0, backorderable=False, reserve=None):
    """The quantity to send to Amazon for one merchant-fulfilled SKU.

    ``reserve`` is a ReserveRule, its text ("5:fixed") or None. See the module docstring.
    """
    if backorderable:
        return BACKORDER_QUANTITY
    committed = _whole(committed, "committed quantity")
    if committed < 0:
        raise ValueError("committed quantity cannot be negative, not %d" % committed)
    base = max(on_hand_total(on_hand_by_store) - committed, 0)
    if isinstance(reserve, str) or reserve is None:
        reserve = parse_reserve_rule(reserve)
    return reserve.apply(base) if reserve is not None else base


# ---------------------------------------------------------------- what to push


@dataclass(frozen=True)
class ListingUpdate:
    """What one SKU's Amazon listing should say; ``None`` fields are not sent."""

    sku: str
    marketplace_id: str
    quantity: int | None = None
    price: Decimal | None = None
    currency: str | None = None

    def __post_init__(self):
        if not self.sku or not self.marketplace_id:
            raise ValueError("a listing update needs a SKU and a marketplace id")
        if self.quantity is not None and (
            isinstance(self.quantity, bool)
            or not isinstance(self.quantity, int)
            or self.quantity < 0
        ):
            raise ValueError("quantity must be a whole number >= 0, not %r" % (self.quantity,))
        if self.price is not None:
            if not isinstance(self.price, Decimal):
                object.__setattr__(self, "price", Decimal(str(self.price)))
            if not self.price.is_finite() or self.price < 0:
                raise ValueError("price must be an amount >= 0, not %r" % (self.price,))
            if not self.currency:
                raise ValueError("a price needs its currency (SKU %s)" % self.sku)

    @property
    def is_empty(self):
        return self.quantity is None and self.price is None


def changed_since_last_push(current, last_pushed):
    """The part of ``current`` Amazon has not accepted yet, or None when nothing changed.

    ``last_pushed`` is the last *accepted* ListingUpdate of the same SKU and marketplace
    (None: never pushed, so everything is sent). Prices compare as numbers (59.0 == 59.00);
    a change of currency counts as a price change. A field ``current`` leaves at None is not
    managed by us and never counts as a change.
    """
    if last_pushed is None:
        return None if current.is_empty else current
    if (current.sku, current.marketplace_id) != (last_pushed.sku, last_pushed.marketplace_id):
        raise ValueError(
            "compare the same listing: %s/%s vs %s/%s"
            % (current.sku, current.marketplace_id, last_pushed.sku, last_pushed.marketplace_id)
        )
    quantity = current.quantity if current.quantity != last_pushed.quantity else None
    price_changed = current.price is not None and (
        current.price != last_pushed.price or current.currency != last_pushed.currency
    )
    if quantity is None and not price_changed:
        return None
    return ListingUpdate(
        current.sku,
        current.marketplace_id,
        quantity,
        current.price if price_changed else None,
        current.currency if price_changed else None,
    )
