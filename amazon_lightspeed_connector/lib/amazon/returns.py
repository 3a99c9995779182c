"""Amazon's returns report, and refunds told apart from what came back to the store.

A refund reaches the connector twice: as Refund rows in the settlement report (the money, per
order, SKU and adjustment: ``settlement.SettledRefund``), and in the merchant returns report
``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE`` (tab separated; the reason, the quantity
returned and whether the parcel was delivered back). ``parse_returns_report`` reads the second
tolerantly (column names in any case, with spaces, hyphens or underscores; a BOM; CRLF) and
refuses with a PayloadError a file missing the order id, SKU or quantity columns.

``refund_events`` joins the two into the unit of work the connector books once: one
``RefundEvent`` per settlement adjustment (order, SKU, adjustment id), with the return's
reason and whether the item came back when the returns report has them. Its ``key`` is stable
across reads, so a report read again books nothing twice.

The column names follow Amazon's report documentation (Order ID, Merchant SKU, Return
quantity, Return reason, Return request date, Return delivery date, Amazon RMA ID,
Resolution); the SP-API models in this repository do not describe report contents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..errors import PayloadError
from .settlement import ReportRow, parse_report_date

REPORT_TYPE = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
REQUIRED = ("order-id", "merchant-sku", "return-quantity")
MAX_QUANTITY = 10_000


@dataclass(frozen=True)
class ReturnRow(ReportRow):
    quantity: int
    reason: str = ""
    rma_id: str = ""
    resolution: str = ""
    requested: datetime | None = None
    delivered: datetime | None = None  # the parcel reached the seller: the item came back

    @property
    def came_back(self):
        return self.delivered is not None


@dataclass(frozen=True)
class RefundEvent:
    """One refund to book: money from the settlement, reason and return from the report."""

    order_id: str
    sku: str
    adjustment_id: str
    quantity: int  # units refunded (from the settlement; else the return's quantity; else 1)
    amount: Decimal  # what the buyer gets back (charged amounts, positive)
    fees: Decimal  # what Amazon keeps of the refund (negative) or gives back (positive)
    reason: str = ""
    came_back: bool = False

    @property
    def key(self):
        """Stable across reads: what makes booking the same refund twice impossible."""
        return "%s/%s/%s" % (self.order_id, self.sku, self.adjustment_id)


def parse_returns_report(content):
    """``ReturnRow``s of a returns report (bytes or text)."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        return ()
    names = [_column(name) for name in lines[header_index].split("\t")]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise PayloadError(
            "Amazon's returns report has no %s column: it cannot be read" % ", ".join(missing),
            code="BadReturnsReport",
        )
    rows = []
    for number, line in enumerate(lines[header_index + 1 :], start=header_index + 2):
        if not line.strip():
            continue
        values = line.split("\t")
        if len(values) > len(names) and any(v.strip() for v in values[len(names) :]):
            raise PayloadError(
                "Amazon's returns report, line %d: more fields than columns" % number,
                code="BadReturnsReport",
            )
        rows.append(_row(number, dict(zip(names, (v.strip() for v in values)))))
    return tuple(rows)


def _column(name):
    return "-".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def _row(number, record):
    order_id, sku = record.get("order-id", ""), record.get("merchant-sku", "")
    if not order_id or not sku:
        raise PayloadError(
            "Amazon's returns report, line %d: no order id or SKU" % number,
            code="BadReturnsReport",
        )
    quantity = record.get("return-quantity", "")
    if not quantity.isdigit() or not 0 < int(quantity) <= MAX_QUANTITY:
        raise PayloadError(
            "Amazon's returns report, line %d: return quantity %r is not a number of units"
            % (number, quantity),
            code="BadReturnsReport",
        )
    return ReturnRow(
        line=number,
        order_id=order_id,
        sku=sku,
        quantity=int(quantity),
        reason=record.get("return-reason", ""),
        rma_id=record.get("amazon-rma-id", ""),
        resolution=record.get("resolution", ""),
        requested=_date(record.get("return-request-date")),
        delivered=_date(record.get("return-delivery-date")),
    )


def _date(text):
    if not text:
        return None
    try:
        return parse_report_date(text)
    except (PayloadError, ValueError):
        return None  # an unreadable date is no date: the item is not known to be back


def refund_events(settled_refunds, returns=()):
    """One RefundEvent per settlement refund, with the return's reason when there is one.

    Several returns of one order and SKU give their reasons in order; the item counts as back
    when any of them was delivered.
    """
    by_order_sku = {}
    for row in returns:
        by_order_sku.setdefault((row.order_id, row.sku), []).append(row)
    events = []
    for refund in settled_refunds:
        matched = by_order_sku.get((refund.order_id, refund.sku), [])
        quantity = refund.quantity or sum(r.quantity for r in matched) or 1
        amounts = refund.amounts
        events.append(
            RefundEvent(
                order_id=refund.order_id,
                sku=refund.sku,
                adjustment_id=refund.adjustment_id,
                quantity=quantity,
                amount=-amounts.charged,
                fees=amounts.fees,
                reason="; ".join(dict.fromkeys(r.reason for r in matched if r.reason)),
                came_back=any(r.came_back for r in matched),
            )
        )
    return events
