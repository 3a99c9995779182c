"""Amazon orders as plain, frozen data: what both Orders API versions map into.

Orders API v0 (PascalCase, one call per order for items) and v2026-01-01 (camelCase, items
inline) describe the same order differently; ``order_mapping`` turns either into these classes
so nothing downstream knows which API was read. Money is ``Decimal``, dates are aware UTC
``datetime``s, statuses are normalised (the API's own value stays in ``status_raw``).

Where one API does not report a value, the field is ``None`` rather than a guessed zero; see
``order_mapping`` for the list. The strict parsers (money, dates) live here because every
mapper needs them, and their errors name the field and the order so a sync log row is enough
to find the culprit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from ..errors import PayloadError

ZERO = Decimal("0")

# The connector's status vocabulary; each API's raw value maps into one of these.
PENDING = "pending"
UNSHIPPED = "unshipped"
PARTIALLY_SHIPPED = "partially_shipped"
SHIPPED = "shipped"
CANCELED = "canceled"
UNFULFILLABLE = "unfulfillable"
INVOICE_UNCONFIRMED = "invoice_unconfirmed"
STATUSES = (
    PENDING,
    UNSHIPPED,
    PARTIALLY_SHIPPED,
    SHIPPED,
    CANCELED,
    UNFULFILLABLE,
    INVOICE_UNCONFIRMED,
)

MERCHANT_FULFILLED = "MFN"
AMAZON_FULFILLED = "AFN"


@dataclass(frozen=True)
class AmazonBuyer:
    name: str | None = None
    email: str | None = None  # Amazon's anonymised relay address, stable per buyer


@dataclass(frozen=True)
class AmazonAddress:
    name: str | None = None
    company: str | None = None
    street_lines: tuple[str, ...] = ()  # non-empty address lines, in order
    city: str | None = None
    state: str | None = None  # state, province or region
    postal_code: str | None = None
    country_code: str | None = None  # ISO 3166-1 alpha-2
    phone: str | None = None


@dataclass(frozen=True)
class AmazonOrderLine:
    order_item_id: str
    seller_sku: str
    asin: str | None
    title: str | None
    quantity_ordered: int
    quantity_shipped: int | None  # None: the API answer did not say
    # Money for the whole line (all units), as Amazon reports it.
    item_price: Decimal = ZERO
    item_tax: Decimal = ZERO
    promotion_discount: Decimal = ZERO  # positive: the amount taken off
    promotion_discount_tax: Decimal | None = ZERO  # None: included in promotion_discount
    shipping_price: Decimal = ZERO
    shipping_tax: Decimal = ZERO
    shipping_discount: Decimal = ZERO
    shipping_discount_tax: Decimal | None = ZERO  # None: included in shipping_discount
    gift_wrap_price: Decimal = ZERO
    gift_wrap_tax: Decimal = ZERO
    gift_message: str | None = None
    gift_wrap_level: str | None = None
    promotion_ids: tuple[str, ...] = ()
    cancelled: bool = False  # Amazon cancelled this item (v2026 item cancellation)

    @property
    def is_gift(self):
        return bool(self.gift_message or self.gift_wrap_level)

    def total(self):
        """What the buyer pays for this line (discount taxes count as 0 when folded in)."""
        charged = (
            self.item_price
            + self.item_tax
            + self.shipping_price
            + self.shipping_tax
            + self.gift_wrap_price
            + self.gift_wrap_tax
        )
        discounted = (
            self.promotion_discount
            + (self.promotion_discount_tax or ZERO)
            + self.shipping_discount
            + (self.shipping_discount_tax or ZERO)
        )
        return charged - discounted


@dataclass(frozen=True)
class AmazonOrder:
    amazon_order_id: str
    marketplace_id: str
    status: str  # one of STATUSES
    status_raw: str  # the API's own value: "Unshipped" (v0) or "UNSHIPPED" (v2026)
    fulfillment_channel: str  # MFN or AFN
    purchase_date: datetime
    last_update_date: datetime
    currency: str | None
    order_total: Decimal | None  # None when Amazon leaves it out (v0 drops it on cancellation)
    ship_service_level: str | None  # category: Standard, Expedited, NextDay, SecondDay...
    is_prime: bool
    is_business: bool
    buyer: AmazonBuyer | None
    shipping_address: AmazonAddress | None
    buyer_note: str | None  # the delivery instructions the buyer typed at checkout
    lines: tuple[AmazonOrderLine, ...]
    seller_order_id: str | None = None
    # The end of the window Amazon expects the order shipped in (late shipment counts against
    # the seller); None when Amazon leaves it out (FBA orders, orders before 2013).
    latest_ship_date: datetime | None = None
    # One of payment.PAYMENT_METHODS' keys (or Amazon's own word for one it does not list);
    # None when the payload does not say (v2026 read without includedData PAYMENT).
    payment_method: str | None = None

    @property
    def is_merchant_fulfilled(self):
        return self.fulfillment_channel == MERCHANT_FULFILLED

    @property
    def is_gift(self):
        return any(line.is_gift for line in self.lines)

    def lines_total(self):
        return sum((line.total() for line in self.lines), ZERO)


# ---------------------------------------------------------------- strict parsers


MAX_AMOUNT = Decimal(10) ** 12  # more than any order in any currency: a broken payload


def parse_money(value, field, order_id):
    """A Decimal from Amazon's money string; PayloadError naming ``field`` and the order.

    Amazon promises a plain decimal string ("12.34", "5980"). Anything else, such as a
    locale-formatted "12,34 EUR", a float or NaN, is refused rather than guessed at.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _bad_money(value, field, order_id)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _bad_money(value, field, order_id) from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise _bad_money(value, field, order_id)
    return amount


def _bad_money(value, field, order_id):
    return PayloadError(
        "Amazon order %s: %s is not an amount of money (%r)." % (order_id, field, value),
        code="BadMoney",
    )


def parse_optional_datetime(value, field, order_id):
    """As ``parse_datetime``, but None when Amazon leaves the field out (or empty)."""
    if value is None or value == "":
        return None
    return parse_datetime(value, field, order_id)


def parse_datetime(value, field, order_id):
    """An aware UTC datetime from an ISO 8601 string; PayloadError when missing or invalid."""
    if not value or not isinstance(value, str):
        raise PayloadError(
            "Amazon order %s has no %s." % (order_id, field),
            code="MissingDate",
        )
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(
            "Amazon order %s: %s is not an ISO 8601 date-time (%r)." % (order_id, field, value),
            code="BadDate",
        ) from None
    if moment.tzinfo is None:  # Amazon documents UTC; a missing offset means UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
