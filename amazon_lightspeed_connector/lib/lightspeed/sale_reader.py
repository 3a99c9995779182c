"""Reading the connector's own sales back from Lightspeed: what the store did after we wrote them.

Store staff ship under Inventory > Shipping: an unfulfilled sale's ShipTo has ``shipped``
false; ticking the box sets it true, and the tracking number goes in the shipment notes
(``ShipTo.shipNote``). A person may also void the sale at the register. ``changed_sales`` reads
every sale the connector wrote (``referenceNumberSource`` "Amazon") whose ``timeStamp`` moved
after a cursor, oldest change first, with its ShipTo (one read per 100 sales, paced by the
client like every other call; ``changed_sale_pages`` page by page, going on from a saved page
link); ``next_cursor`` says where the next read starts.

``parse_tracking`` reads the tracking number and carrier from the note in the documented form,
one line ``Tracking: <number> [<carrier>]`` (``Tracking: 1Z999AA10123456784 UPS``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from ..errors import PayloadError
from . import wire
from .client import MAX_LIMIT, RecordPage
from .sale_payload import REFERENCE_SOURCE

# What a refund sale's referenceNumber adds to the original's: "<original>-R<n>".
REFUND_SUFFIX = re.compile(r"^(?P<original>.+)-R(?P<number>[1-9]\d{0,3})$")
DETAIL_RELATIONS = ("SaleLines", "SalePayments", "ShipTo")
MAX_CARRIER_CHARS = 64

_TRACKING_LINE = re.compile(
    r"^\s*tracking(?:\s*(?:number|no\.?|#|id))?\s*[:#=]\s*(?P<rest>.+?)\s*$", re.IGNORECASE
)
_TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{4,39}$")


@dataclass(frozen=True)
class Tracking:
    number: str
    carrier: str = ""  # as the staff typed it ("UPS", "Royal Mail"); "" when not given


@dataclass(frozen=True)
class SaleLine:
    sale_line_id: int
    item_id: int  # 0: a miscellaneous charge line (tax, shipping, gift wrap)
    quantity: int  # negative on a refund line
    unit_price: Decimal
    discount_amount: Decimal
    parent_sale_line_id: int = 0  # the line a refund line returns; 0 on a plain line


@dataclass(frozen=True)
class SalePayment:
    payment_type_id: int
    amount: Decimal


@dataclass(frozen=True)
class ConnectorSale:
    """A sale the connector wrote, as Lightspeed has it now."""

    sale_id: int
    reference_number: str
    shop_id: int
    register_id: int
    employee_id: int
    customer_id: int
    completed: bool
    voided: bool
    archived: bool
    timestamp: object  # aware UTC datetime, or None
    shipped: bool | None  # None: the sale has no ShipTo
    completed_at: object = None  # ``wire.completion_time``: aware UTC datetime, or None
    ship_note: str = ""
    lines: tuple = ()  # SaleLine, when read with SaleLines
    payments: tuple = ()  # SalePayment, when read with SalePayments

    @property
    def tracking(self):
        return parse_tracking(self.ship_note)

    @property
    def refund_of(self):
        """The original referenceNumber when this is one of our refund sales, else None."""
        return split_refund_reference(self.reference_number)[0]


def parse_tracking(note):
    """The Tracking of the last "Tracking: <number> [<carrier>]" line of ``note``, or None.

    The last line wins: the note the connector wrote comes first and staff add below it. The
    number is the first word holding a digit (so "Tracking: UPS 1Z999..." reads too), the
    carrier the other words.
    """
    found = None
    for line in (note or "").splitlines():
        match = _TRACKING_LINE.match(line)
        if not match:
            continue
        words = match.group("rest").split()
        number = next((w for w in words if any(c.isdigit() for c in w)), None)
        if number is None or not _TRACKING_NUMBER.match(number.strip(".,;")):
            continue
        carrier = " ".join(w for w in words if w is not number)
        carrier = re.sub(r"^(via|by|with)\s+", "", carrier, flags=re.IGNORECASE)
        found = Tracking(number.strip(".,;").upper(), carrier.strip(" .,;-")[:MAX_CARRIER_CHARS])
    return found


def split_refund_reference(reference):
    """``(original reference, refund number)`` of a refund sale's reference, else (None, None)."""
    match = REFUND_SUFFIX.match(reference or "")
    if not match:
        return None, None
    return match.group("original"), int(match.group("number"))


def refund_reference(original_reference, number):
    """The referenceNumber of the ``number``-th refund sale of a sale: "<original>-R<number>"."""
    if not 1 <= number <= 9999:
        raise ValueError("a refund number runs from 1 to 9999, not %r" % (number,))
    return "%s-R%d" % (original_reference, number)


@dataclass(frozen=True)
class UnreadableSale:
    """A Sale record of the walk the connector cannot read (``problem`` says why): passed over
    with an error, so one bad record does not stop the reading of every later sale; it is read
    again once it changes in Lightspeed (its new timeStamp brings it back)."""

    sale_id: int | None
    timestamp: object  # aware UTC datetime, or None: the cursor then ignores it
    problem: str


# --- reading -----------------------------------------------------------------------------------


def changed_sales(client, since=None, relations=("ShipTo",)):
    """The connector's sales whose timeStamp is after ``since`` (None: all), oldest first:
    ConnectorSale, or UnreadableSale for a record that cannot be read (see
    ``changed_sale_pages``)."""
    for page in changed_sale_pages(client, since, relations=relations):
        yield from page.records


def changed_sale_pages(
    client, since=None, resume_from=None, relations=("ShipTo",), page_size=MAX_LIMIT
):
    """Pages (``RecordPage`` of ConnectorSale or UnreadableSale) of the connector's sales whose
    timeStamp is after ``since`` (None: all), oldest first.

    Sorted by timeStamp, so a sale that changes during the walk moves to the end and is read
    again rather than skipped. Archived and voided sales come too: a void is news.
    ``resume_from``: a page's ``next_link`` from an earlier walk, which goes on from there (a
    second holding more sales than one run reads is then read over several runs).
    """
    params = {
        "sort": "timeStamp",
        "archived": "true",
        "referenceNumberSource": REFERENCE_SOURCE,
    }
    if since:
        params["timeStamp"] = ">,%s" % wire.format_timestamp(since)
    pages = client.iter_pages(
        "Sale", params, relations=list(relations), limit=page_size, resume_from=resume_from
    )
    for page in pages:
        yield RecordPage([read_changed_sale(record) for record in page.records], page.next_link)


def read_changed_sale(record):
    """A Sale record of the walk: a ConnectorSale, else an UnreadableSale saying why."""
    try:
        return sale_from_wire(record)
    except PayloadError as error:
        known = record if isinstance(record, dict) else {}
        return UnreadableSale(
            sale_id=wire.to_record_id(known.get("saleID")),
            timestamp=wire.to_datetime(known.get("timeStamp")),
            problem=str(error),
        )


def read_sale_detail(client, sale_id):
    """One sale with its lines, payments and ship-to (what a refund or a void needs)."""
    body = client.get(
        "Sale/%s" % sale_id, params={"load_relations": json.dumps(list(DETAIL_RELATIONS))}
    )
    record = body.get("Sale")
    if not isinstance(record, dict):
        raise PayloadError("Lightspeed's answer has no Sale %s" % sale_id)
    return sale_from_wire(record)


def next_cursor(previous, sales, read_started_at, complete=True):
    """Where the next ``changed_sales`` starts after a walk that read ``sales`` (``complete``:
    to its end) (see ``wire.stock_cursor``: same rule)."""
    return wire.stock_cursor(previous, sales, read_started_at, complete=complete)


def sale_from_wire(record):
    if not isinstance(record, dict):
        raise PayloadError(
            "Lightspeed sent a Sale that is not an object (%s)" % wire.describe(record)
        )
    sale_id = wire.to_record_id(record.get("saleID"))
    if not sale_id:
        raise PayloadError(
            "Lightspeed sent a Sale without a saleID (%s)" % wire.describe(record.get("saleID"))
        )
    ship_to = record.get("ShipTo") if isinstance(record.get("ShipTo"), dict) else None
    return ConnectorSale(
        sale_id=sale_id,
        reference_number=wire.to_text(record.get("referenceNumber")),
        shop_id=wire.to_int(record.get("shopID"), 0),
        register_id=wire.to_int(record.get("registerID"), 0),
        employee_id=wire.to_int(record.get("employeeID"), 0),
        customer_id=wire.to_int(record.get("customerID"), 0),
        completed=wire.to_bool(record.get("completed")),
        voided=wire.to_bool(record.get("voided")),
        archived=wire.to_bool(record.get("archived")),
        timestamp=wire.to_datetime(record.get("timeStamp")),
        shipped=wire.to_bool(ship_to.get("shipped")) if ship_to else None,
        completed_at=wire.completion_time(record),
        ship_note=wire.to_text(ship_to.get("shipNote"), 2000) if ship_to else "",
        lines=tuple(_line(line, sale_id) for line in wire.nested(record, "SaleLines", "SaleLine")),
        payments=tuple(
            _payment(payment, sale_id)
            for payment in wire.nested(record, "SalePayments", "SalePayment")
        ),
    )


def _line(record, sale_id):
    if not isinstance(record, dict):
        raise PayloadError("Lightspeed sale %s has a SaleLine that is not an object" % sale_id)
    line_id = wire.to_record_id(record.get("saleLineID"))
    quantity = wire.to_int(record.get("unitQuantity"))
    price = wire.to_decimal(record.get("unitPrice"))
    if not line_id or quantity is None or price is None:
        raise PayloadError(
            "Lightspeed sale %s has a SaleLine without id, quantity or price" % sale_id
        )
    return SaleLine(
        sale_line_id=line_id,
        item_id=wire.to_int(record.get("itemID"), 0),
        quantity=quantity,
        unit_price=price,
        discount_amount=wire.to_decimal(record.get("discountAmount"), Decimal(0)),
        parent_sale_line_id=wire.to_int(record.get("parentSaleLineID"), 0),
    )


def _payment(record, sale_id):
    if not isinstance(record, dict):
        raise PayloadError("Lightspeed sale %s has a SalePayment that is not an object" % sale_id)
    return SalePayment(
        payment_type_id=wire.to_int(record.get("paymentTypeID"), 0),
        amount=wire.to_decimal(record.get("amount"), Decimal(0)),
    )
