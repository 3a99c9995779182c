"""What the simulated Amazon account holds: orders, offers, shipments, feeds and reports.

Plain data. Times are epoch seconds on the simulator's clock; money is ``Decimal`` and only
becomes a string on the wire. Order status changes are scheduled on a heap and applied when
the clock reaches them, so ``LastUpdateDate`` moves exactly as it would on Amazon.
"""

import heapq
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

ZERO = Decimal("0")

# v0 OrderStatus -> v2026-01-01 FulfillmentStatus (the two models' own enum values).
FULFILLMENT_STATUS = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}
V0_STATUS = {value: key for key, value in FULFILLMENT_STATUS.items()}

# v0 ShipmentServiceLevelCategory -> v2026 fulfillmentServiceLevel, and a ShipServiceLevel text.
SERVICE_LEVELS = {
    "Standard": ("STANDARD", "Std US D2D Dom"),
    "Expedited": ("EXPEDITED", "Exp US D2D Dom"),
    "NextDay": ("NEXT_DAY", "NextDay US D2D Dom"),
    "SecondDay": ("SECOND_DAY", "SecondDay US D2D Dom"),
}


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    name: str  # SalesChannel in v0, marketplaceName in v2026, marketplace-name in settlements
    country: str
    currency: str


MARKETPLACES = {
    m.marketplace_id: m
    for m in (
        Marketplace("ATVPDKIKX0DER", "Amazon.com", "US", "USD"),
        Marketplace("A2EUQ1WTGCTBG2", "Amazon.ca", "CA", "CAD"),
        Marketplace("A1AM78C64UM0Y8", "Amazon.com.mx", "MX", "MXN"),
        Marketplace("A1F83G8C2ARO7P", "Amazon.co.uk", "GB", "GBP"),
        Marketplace("A1PA6795UKMFR9", "Amazon.de", "DE", "EUR"),
        Marketplace("A13V1IB3VIYZZH", "Amazon.fr", "FR", "EUR"),
        Marketplace("A1VC38T7YXB528", "Amazon.co.jp", "JP", "JPY"),
    )
}

_ZERO_DECIMAL_CURRENCIES = {"JPY"}


def money_text(amount, currency):
    """Amazon sends money as a decimal string with the currency's usual precision."""
    places = Decimal("1") if currency in _ZERO_DECIMAL_CURRENCIES else Decimal("0.01")
    return str(Decimal(amount).quantize(places))


def iso(timestamp):
    """ISO 8601 UTC with a Z, to the second, as Amazon prints it."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    """Epoch seconds from an ISO 8601 date-time; ValueError when it is not one."""
    if not text or not isinstance(text, str) or "T" not in text:
        raise ValueError("not an ISO 8601 date-time: %r" % (text,))
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def dec(value):
    return value if isinstance(value, Decimal) else Decimal(str(value or "0"))


@dataclass
class Buyer:
    name: str = "Jane Doe"
    email: str = "jane.doe@marketplace.amazon.com"
    company: str = None  # business orders
    purchase_order_number: str = None


@dataclass
class Address:
    name: str = "Jane Doe"
    line1: str = "410 Terry Ave N"
    line2: str = None
    city: str = "Seattle"
    state: str = "WA"
    postal_code: str = "98109"
    country: str = "US"
    phone: str = "+1 206-555-0100"
    address_type: str = "Residential"  # v0 enum; v2026 upper-cases it
    company: str = None


# What the buyer pays for a line, as signed amounts of ``OrderLine``: each charge and its tax
# adds, each discount and its tax takes off. A table, not the client's sum of charges less
# discounts (lib/amazon/order_data.py), so that the simulator checks the client's arithmetic
# rather than repeating it.
BUYER_PAYS = (
    (+1, "item_price"),
    (+1, "item_tax"),
    (+1, "shipping_price"),
    (+1, "shipping_tax"),
    (+1, "gift_wrap_price"),
    (+1, "gift_wrap_tax"),
    (-1, "promotion_discount"),
    (-1, "promotion_discount_tax"),
    (-1, "shipping_discount"),
    (-1, "shipping_discount_tax"),
)


@dataclass
class OrderLine:
    order_item_id: str
    sku: str
    quantity: int
    unit_price: Decimal
    item_tax: Decimal = ZERO  # the line's tax, all units
    promotion_discount: Decimal = ZERO  # positive: the amount taken off the item price
    promotion_discount_tax: Decimal = ZERO
    promotion_ids: tuple = ()
    shipping_price: Decimal = ZERO
    shipping_tax: Decimal = ZERO
    shipping_discount: Decimal = ZERO
    shipping_discount_tax: Decimal = ZERO
    gift_wrap_price: Decimal = ZERO
    gift_wrap_tax: Decimal = ZERO
    gift_message: str = None
    gift_wrap_level: str = None
    title: str = None
    asin: str = None
    quantity_shipped: int = 0
    cancelled: bool = False  # Amazon cancelled this item of an order still open

    @property
    def item_price(self):
        """v0 ItemPrice is the unit price times the quantity ordered."""
        return self.unit_price * self.quantity

    @property
    def is_gift(self):
        return bool(self.gift_message or self.gift_wrap_level)

    @property
    def quantity_unshipped(self):
        return self.quantity - self.quantity_shipped

    def total(self):
        """What the buyer pays for this line, summed from the table ``BUYER_PAYS``."""
        return sum((sign * getattr(self, amount) for sign, amount in BUYER_PAYS), ZERO)


@dataclass
class Shipment:
    order_id: str
    package_reference_id: str
    carrier_code: str
    carrier_name: str
    shipping_method: str
    tracking_number: str
    ship_date: str
    items: list  # [(order_item_id, quantity)]
    confirmed_at: float
    marketplace_id: str


@dataclass
class Order:
    order_id: str
    seller_id: str
    marketplace_id: str
    currency: str
    purchase_date: float
    last_update: float
    status: str
    channel: str  # MFN (merchant) or AFN (Amazon)
    lines: list
    ship_service_level: str = "Standard"
    is_prime: bool = False
    is_business: bool = False
    buyer_note: str = None  # delivery instructions the buyer typed at checkout
    buyer: Buyer = field(default_factory=Buyer)
    address: Address = field(default_factory=Address)
    seller_order_id: str = None
    shipments: list = field(default_factory=list)
    malformations: frozenset = frozenset()  # kinds injected by the scenario, see wire.py
    cancel_reason: str = None
    # v2026 spelling, in the order Amazon lists them (v0 PaymentMethodDetails uses the same)
    payment_methods: tuple = ("Standard",)

    @property
    def marketplace(self):
        return MARKETPLACES.get(self.marketplace_id) or Marketplace(
            self.marketplace_id, "Amazon", "US", self.currency
        )

    @property
    def fulfilled_by(self):
        return "AMAZON" if self.channel == "AFN" else "MERCHANT"

    def line(self, order_item_id):
        return next((x for x in self.lines if x.order_item_id == order_item_id), None)

    def total(self):
        return sum((line.total() for line in self.lines), ZERO)

    def items_shipped(self):
        return sum(line.quantity_shipped for line in self.lines)

    def items_unshipped(self):
        return sum(line.quantity_unshipped for line in self.lines)


@dataclass
class Offer:
    """One SKU in one marketplace, as the listings API and feeds leave it."""

    sku: str
    marketplace_id: str
    quantity: int = None
    price: str = None
    currency: str = None
    product_type: str = "PRODUCT"
    updated: float = None


@dataclass
class Document:
    document_id: str
    content_type: str = "application/json"
    content: bytes = None  # None until uploaded
    compression: str = None  # "GZIP" when the content is gzipped (reports only)


@dataclass
class Feed:
    feed_id: str
    feed_type: str
    marketplace_ids: list
    input_document_id: str
    created: float
    seller_id: str
    status: str = "IN_QUEUE"
    started: float = None
    ended: float = None
    result_document_id: str = None


@dataclass
class Report:
    report_id: str
    report_type: str
    marketplace_ids: list
    created: float
    data_start: float
    data_end: float
    document_id: str
    status: str = "DONE"


class Timeline:
    """Scheduled order status changes, applied in time order as the clock passes them."""

    def __init__(self):
        self._heap = []
        self._sequence = itertools.count()

    def schedule(self, at, order_id, status):
        heapq.heappush(self._heap, (at, next(self._sequence), order_id, status))

    def due(self, now):
        """Pop every change whose time has come, earliest first."""
        while self._heap and self._heap[0][0] <= now:
            at, _seq, order_id, status = heapq.heappop(self._heap)
            yield at, order_id, status
