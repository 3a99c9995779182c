"""Lightspeed Retail API V3's JSON dialect, read into plain Python.

Every scalar arrives as a string ("true", "0", "59.5"), a collection of one record is an object
rather than a list, an empty collection is "" or absent, and timestamps carry their own offset.
The readers here turn that into bools, Decimals, ints and aware UTC datetimes once, so nothing
above this module ever compares "false" with False.
"""

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from ..timestamps import parse_instant

# ItemShop rows with this shopID carry the account-wide total, not a store.
AGGREGATE_SHOP_ID = 0
MAX_DIGITS = 18  # ids and quantities: Lightspeed's are far shorter; beyond, it is not a number
MAX_QOH = 10**9  # a store's quantity on hand beyond this is not a count of goods
MAX_TEXT_CHARS = 256  # names and SKUs kept from Lightspeed (a warehouse name is indexed)
_CONTROL_CHARACTERS = dict.fromkeys(range(32))


def as_list(value):
    """One-or-many as a list: an object for one record, a list for several, "" or None for none."""
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def nested(record, relation, singular):
    """The records of a loaded to-many relation, e.g. ``nested(item, "ItemShops", "ItemShop")``."""
    wrapper = record.get(relation)
    if not isinstance(wrapper, dict):
        return as_list(wrapper)
    return as_list(wrapper.get(singular))


def to_bool(value, default=False):
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        return default
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def to_decimal(value, default=None):
    if value in (None, ""):
        return default
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return default


def to_int(value, default=None):
    """A whole number; ``default`` for anything else, and for one of more than 18 digits
    ("1e400", "Infinity": no record id or quantity is that big, and ``int()`` of a huge
    exponent would take the worker's memory)."""
    number = to_decimal(value)
    if (
        number is None
        or not number.is_finite()
        or number.adjusted() > MAX_DIGITS - 1
        or number != number.to_integral_value()
    ):
        return default
    return int(number)


def to_record_id(value):
    """A Lightspeed record id (a positive whole number), or None."""
    number = to_int(value)
    return number if number is not None and number > 0 else None


def to_text(value, max_chars=MAX_TEXT_CHARS):
    """A text field as stored here: "" for no text or a non-scalar (an object, a list), no
    control characters (PostgreSQL refuses NUL), at most ``max_chars`` characters."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = value if isinstance(value, str) else str(value)
    text = text[: max_chars * 2].translate(_CONTROL_CHARACTERS).strip()
    return text if len(text) <= max_chars else text[: max_chars - 1] + "\u2026"


def to_datetime(value):
    """A Lightspeed timestamp as an aware UTC datetime; None when empty or unreadable.

    Lightspeed writes "2026-01-01T00:01:00+00:00" (or another offset); one without an offset is
    taken as UTC, which is what the API uses for stored timestamps.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, tz=timezone.utc)  # epoch seconds from a clock
    elif value in (None, ""):
        return None
    else:
        moment = parse_instant(str(value))
        if moment is None:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def format_timestamp(moment):
    """An aware (or UTC-naive) datetime in the form Lightspeed's query operators accept."""
    moment = to_datetime(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


# --- reference data -------------------------------------------------------------------------


@dataclass(frozen=True)
class Shop:
    shop_id: int
    name: str
    archived: bool
    timezone: str


@dataclass(frozen=True)
class Register:
    register_id: int
    shop_id: int
    name: str
    open: bool
    archived: bool


@dataclass(frozen=True)
class Employee:
    employee_id: int
    first_name: str
    last_name: str
    archived: bool

    @property
    def name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class PaymentType:
    payment_type_id: int
    name: str
    archived: bool


@dataclass(frozen=True)
class ItemStock:
    """An item's quantity on hand per store (the account-wide total row left out)."""

    item_id: int
    custom_sku: str
    system_sku: str
    upc: str
    description: str
    qoh_by_shop: dict = field(default_factory=dict)  # shop_id (int) -> qoh (int, may be < 0)
    timestamp: datetime = None  # the Item's timeStamp: moves with every stock change
    archived: bool = False
    problem: str = ""  # why this record cannot be trusted ("" when it can)


@dataclass(frozen=True)
class Sale:
    sale_id: int
    reference_number: str
    completed: bool
    total: Decimal
    shop_id: int
    voided: bool = False
    archived: bool = False
    completed_at: datetime = None  # see ``completion_time``


@dataclass(frozen=True)
class Customer:
    customer_id: int
    first_name: str
    last_name: str
    email: str


def shop_from_wire(record):
    return Shop(
        shop_id=to_record_id(record.get("shopID")),
        name=to_text(record.get("name")),
        archived=to_bool(record.get("archived")),
        timezone=to_text(record.get("timeZone"), 64),
    )


def register_from_wire(record):
    return _reference_from_wire(Register, record, register_id="registerID", shop_id="shopID")


def employee_from_wire(record):
    return _reference_from_wire(
        Employee, record, employee_id="employeeID", first_name="firstName", last_name="lastName"
    )


def payment_type_from_wire(record):
    return _reference_from_wire(PaymentType, record, payment_type_id="paymentTypeID")


_READ_AS = {int: to_record_id, str: to_text, bool: to_bool}


def _reference_from_wire(record_class, record, **wire_keys):
    """A reference record whose fields are ids, texts and flags, each read as its type says
    from the Lightspeed key ``wire_keys`` gives it (by default the field's own name)."""
    return record_class(
        **{
            f.name: _READ_AS[f.type](record.get(wire_keys.get(f.name, f.name)))
            for f in fields(record_class)
        }
    )


def item_stock_from_wire(record):
    """An ItemStock; ``problem`` says why it cannot be trusted (no itemID, a quantity that is
    not a whole number...), in which case the caller leaves that item's stock as it was."""
    item_id = to_record_id(record.get("itemID"))
    problem = "" if item_id else "it has no itemID (%s)" % describe(record.get("itemID"))
    qoh_by_shop = {}
    for item_shop in nested(record, "ItemShops", "ItemShop"):
        if not isinstance(item_shop, dict):
            problem = problem or "one of its ItemShops is not an object"
            continue
        shop_id = to_int(item_shop.get("shopID"))
        if shop_id is None or shop_id == AGGREGATE_SHOP_ID:
            continue
        qoh = to_int(item_shop.get("qoh"))
        if qoh is None or abs(qoh) > MAX_QOH:
            problem = problem or "its qoh at shop %s is %s, not a quantity" % (
                shop_id,
                describe(item_shop.get("qoh")),
            )
            continue
        qoh_by_shop[shop_id] = qoh
    return ItemStock(
        item_id=item_id,
        custom_sku=to_text(record.get("customSku")),
        system_sku=to_text(record.get("systemSku")),
        upc=to_text(record.get("upc")),
        description=to_text(record.get("description")),
        qoh_by_shop=qoh_by_shop,
        timestamp=to_datetime(record.get("timeStamp")),
        archived=to_bool(record.get("archived")),
        problem=problem,
    )


def describe(value):
    """What Lightspeed sent, short and printable, to show in a message."""
    return "nothing" if value in (None, "") else repr(to_text(value, 40) or value)[:60]


def sale_from_wire(record):
    return Sale(
        sale_id=to_record_id(record.get("saleID")),
        reference_number=record.get("referenceNumber", ""),
        completed=to_bool(record.get("completed")),
        total=to_decimal(record.get("total"), Decimal(0)),
        shop_id=to_int(record.get("shopID")),
        voided=to_bool(record.get("voided")),
        archived=to_bool(record.get("archived")),
        completed_at=completion_time(record),
    )


def completion_time(record):
    """When a completed Sale lowered its shop's stock (aware UTC), None for an open one.

    Lightspeed stamps the completion (``completeTime``) and the Items whose qoh it lowered
    (their ``timeStamp``) in the same write, so an Item read with a timeStamp before it does
    not count the sale yet. A record without ``completeTime`` gives its ``timeStamp``, which
    the completing write set too.
    """
    if not to_bool(record.get("completed")):
        return None
    return to_datetime(record.get("completeTime")) or to_datetime(record.get("timeStamp"))


def customer_from_wire(record):
    contact = record.get("Contact") if isinstance(record.get("Contact"), dict) else {}
    emails = nested(contact, "Emails", "ContactEmail")
    return Customer(
        customer_id=to_record_id(record.get("customerID")),
        first_name=record.get("firstName", ""),
        last_name=record.get("lastName", ""),
        email=emails[0].get("address", "") if emails else "",
    )


def customer_emails(record):
    """Every e-mail address of a Customer record read with its Contact, as written."""
    contact = record.get("Contact") if isinstance(record.get("Contact"), dict) else {}
    return [
        str(entry.get("address"))
        for entry in nested(contact, "Emails", "ContactEmail")
        if isinstance(entry, dict) and entry.get("address")
    ]


def stock_cursor(previous, stocks, read_started_at, settle_seconds=2, complete=True):
    """The timeStamp to ask ``items_changed_since`` for next time.

    The newest timeStamp seen, but never later than a little before the read started:
    Lightspeed stamps to the second, so a change made in the same second as our read may carry
    a stamp we already passed. Re-reading a few items next time is harmless (upserts), missing
    one is not.

    A walk cut short (``complete`` False: its time was up, a limit, a throttle, another worker)
    may have left records of its newest second unread: they share the stamp of the last one
    read and come after it in timeStamp order, and the next walk asks for stamps after its
    cursor. So that cursor stays one second before the newest stamp: the next walk reads that
    second again, and what was read of it already is read twice, never missed.
    """
    newest = max((s.timestamp for s in stocks if s.timestamp), default=None)
    if newest is None:
        return previous
    if not complete:
        newest -= timedelta(seconds=1)
    started = to_datetime(read_started_at)
    settled = datetime.fromtimestamp(started.timestamp() - settle_seconds, tz=timezone.utc)
    cursor = min(newest, settled)
    return max(cursor, to_datetime(previous)) if previous else cursor
