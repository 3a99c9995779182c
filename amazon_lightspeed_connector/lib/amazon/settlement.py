"""Amazon's V2 flat-file settlement report, read and matched to the orders we imported.

The report (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) is tab separated: a header row of
Amazon's column names, then a summary row (settlement id, period, deposit date, total amount,
currency), then one row per amount: each charge, fee, promotion or refund of each order item
is its own row, told apart by ``amount-type`` and ``amount-description``.

``parse_settlement_report`` reads it into plain dataclasses, tolerating what files do in the
wild (a UTF-8 BOM, CRLF line ends, blank lines, trailing tabs, "12,34" decimal commas, dates
as "2026-01-01 10:00:00 UTC", ISO 8601 or "01.01.2026 10:00:00 UTC"), and refusing with a
PayloadError what cannot be read safely (a missing column, a row shifted by an extra field,
an amount that is not a number).

Each amount row falls in one category (``categorize``):

=============  ==============================================================================
principal      ItemPrice / Principal: the goods
tax            ItemPrice / Tax, ShippingTax, GiftWrapTax...: tax charged to the buyer
shipping       ItemPrice / Shipping: shipping charged to the buyer
gift_wrap      ItemPrice / GiftWrap
promotions     Promotion / *: discounts (negative)
fees           ItemFees / * and any other "...Fee(s)" amount type: commission, FBA fees,
               refund commission (negative: what Amazon keeps)
withheld_tax   ItemWithheldTax / *: marketplace-facilitator tax Amazon collects and remits
               itself (negative: it cancels the tax the buyer paid)
other          everything else (restocking fees, reimbursements, adjustments...)
=============  ==============================================================================

``match_settlement`` then sorts the rows: amounts of known orders per order and SKU, refunds
(transaction types Refund, Chargeback Refund and A-to-z Guarantee Claim) per order, SKU and
adjustment, rows about the account rather than an order (subscription, storage fees,
reserves: no order id), and unmatched rows with the reason, for the sync log.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from ..errors import PayloadError

ZERO = Decimal("0")
REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"

# The columns this module reads; Amazon's file has more (all kept in SettlementRow.raw).
SUMMARY_COLUMNS = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
)
ROW_COLUMNS = (
    "transaction-type",
    "order-id",
    "amount-type",
    "amount-description",
    "amount",
    "sku",
)
REQUIRED_COLUMNS = SUMMARY_COLUMNS + ROW_COLUMNS

ORDER = "Order"
REFUND_TYPES = frozenset({"Refund", "Chargeback Refund", "A-to-z Guarantee Claim"})

PRINCIPAL = "principal"
TAX = "tax"
SHIPPING = "shipping"
GIFT_WRAP = "gift_wrap"
PROMOTIONS = "promotions"
FEES = "fees"
WITHHELD_TAX = "withheld_tax"
OTHER = "other"

_DATE_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S %z")


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class SettlementSummary:
    settlement_id: str
    start: datetime
    end: datetime
    deposit_date: datetime | None
    total_amount: Decimal
    currency: str


@dataclass(frozen=True)
class ReportRow:
    """A row of one of Amazon's flat-file reports, about an order's SKU."""

    line: int  # line number in the file (the header row is line 1), for the sync log
    order_id: str  # "" for rows about the account, not an order
    sku: str


@dataclass(frozen=True)
class SettlementRow(ReportRow):
    transaction_type: str
    amount_type: str
    amount_description: str
    amount: Decimal
    adjustment_id: str = ""
    merchant_order_id: str = ""
    order_item_code: str = ""
    quantity: int | None = None
    posted: datetime | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)  # every column as read

    @property
    def category(self):
        return categorize(self.amount_type, self.amount_description)

    @property
    def is_refund(self):
        return self.transaction_type in REFUND_TYPES

    def describe(self):
        """One line for the sync log: where the row is and what it says (no personal data)."""
        return "line %d: %s %s %s/%s %s (order %s, SKU %s)" % (
            self.line,
            self.transaction_type or "-",
            self.amount,
            self.amount_type,
            self.amount_description,
            self.category,
            self.order_id or "-",
            self.sku or "-",
        )


@dataclass(frozen=True)
class SettlementReport:
    summary: SettlementSummary
    rows: tuple

    def rows_total(self):
        return sum((row.amount for row in self.rows), ZERO)

    @property
    def is_balanced(self):
        """Amazon's total is the sum of the rows; a gap means rows were lost on the way."""
        return self.rows_total() == self.summary.total_amount


@dataclass(frozen=True)
class Amounts:
    """Money per category; signs as in the report (charges +, fees and discounts -)."""

    principal: Decimal = ZERO
    tax: Decimal = ZERO
    shipping: Decimal = ZERO
    gift_wrap: Decimal = ZERO
    promotions: Decimal = ZERO
    fees: Decimal = ZERO
    withheld_tax: Decimal = ZERO
    other: Decimal = ZERO

    @property
    def total(self):
        """What Amazon pays out for these rows (negative for a refund)."""
        return sum((getattr(self, f.name) for f in fields(self)), ZERO)

    @property
    def charged(self):
        """What the buyer was charged: goods, tax, shipping and gift wrap, less promotions."""
        return self.principal + self.tax + self.shipping + self.gift_wrap + self.promotions

    def plus(self, category, amount):
        return replace(self, **{category: getattr(self, category) + amount})

    def __add__(self, other):
        return Amounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def categorize(amount_type, description):
    """The category of one amount row (see the module docstring)."""
    if amount_type == "ItemPrice":
        if description == "Principal":
            return PRINCIPAL
        if description.endswith("Tax"):
            return TAX
        if description == "Shipping":
            return SHIPPING
        if description == "GiftWrap":
            return GIFT_WRAP
        return OTHER
    if amount_type == "Promotion":
        return PROMOTIONS
    if amount_type == "ItemWithheldTax":
        return WITHHELD_TAX
    if amount_type == "ItemFees" or "fee" in amount_type.lower():
        return FEES
    return OTHER


# ---------------------------------------------------------------- parsing


def parse_settlement_report(content):
    """A SettlementReport from the report's text (or bytes, read as UTF-8)."""
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    lines = [
        (number, text)
        for number, text in enumerate(content.lstrip("\ufeff").splitlines(), start=1)
        if text.strip()
    ]
    if not lines:
        raise PayloadError("The settlement report is empty.", code="BadSettlementReport")
    header_line, header_text = lines[0]
    names = _header(header_text)
    records = [(number, _record(names, text, number)) for number, text in lines[1:]]
    if not records:
        raise PayloadError("The settlement report has no summary row.", code="BadSettlementReport")
    summary = _summary(*records[0])
    rows = tuple(_row(number, record, summary.settlement_id) for number, record in records[1:])
    return SettlementReport(summary, rows)


def _header(text):
    names = [name.strip() for name in text.rstrip("\t").split("\t")]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise PayloadError(
            "The settlement report lacks the column(s) %s: is it a V2 flat-file settlement "
            "report?" % ", ".join(missing),
            code="BadSettlementReport",
        )
    return names


def _record(names, text, number):
    values = text.split("\t")
    extra = values[len(names) :]
    if any(value.strip() for value in extra):
        raise PayloadError(
            "Settlement report line %d has %d fields for %d columns."
            % (number, len(values), len(names)),
            code="BadSettlementReport",
        )
    values = values[: len(names)] + [""] * (len(names) - len(values))  # trailing tabs cut off
    return dict(zip(names, (value.strip() for value in values)))


def _summary(number, record):
    if not record["settlement-id"] or not record["total-amount"]:
        raise PayloadError(
            "Settlement report line %d should be the summary row (settlement id and total)."
            % number,
            code="BadSettlementReport",
        )
    return SettlementSummary(
        settlement_id=record["settlement-id"],
        start=_date(record, "settlement-start-date", number, required=True),
        end=_date(record, "settlement-end-date", number, required=True),
        deposit_date=_date(record, "deposit-date", number),
        total_amount=_amount(record, "total-amount", number),
        currency=record["currency"],
    )


def _row(number, record, settlement_id):
    if record["settlement-id"] and record["settlement-id"] != settlement_id:
        raise PayloadError(
            "Settlement report line %d belongs to settlement %s, not %s."
            % (number, record["settlement-id"], settlement_id),
            code="BadSettlementReport",
        )
    return SettlementRow(
        line=number,
        transaction_type=record["transaction-type"],
        order_id=record["order-id"],
        sku=record["sku"],
        amount_type=record["amount-type"],
        amount_description=record["amount-description"],
        amount=_amount(record, "amount", number),
        adjustment_id=record.get("adjustment-id", ""),
        merchant_order_id=record.get("merchant-order-id", ""),
        order_item_code=record.get("order-item-code", ""),
        quantity=_quantity(record, number),
        posted=_date(record, "posted-date-time", number) or _date(record, "posted-date", number),
        raw=record,
    )


MAX_AMOUNT = Decimal("1e12")


def _amount(record, column, number):
    text = record.get(column, "").replace(" ", "")
    if "," in text:
        # "12,34" (decimal comma) or "1.234,56" / "1,234.56": the last separator is the point.
        point = max(text.rfind(","), text.rfind("."))
        text = text[:point].replace(",", "").replace(".", "") + "." + text[point + 1 :]
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    # A settlement amount has cents: "1e400" or a thousand digits is not one (and would only
    # fail later, in rounding, with a traceback instead of this message).
    if amount is None or not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise PayloadError(
            "Settlement report line %d: %s is not an amount (%r)."
            % (number, column, record.get(column)),
            code="BadSettlementReport",
        )
    return amount


def _quantity(record, number):
    text = record.get("quantity-purchased", "")
    if not text:
        return None
    if not re.fullmatch(r"-?\d+", text):
        raise PayloadError(
            "Settlement report line %d: quantity-purchased is not a whole number (%r)."
            % (number, text),
            code="BadSettlementReport",
        )
    return int(text)


def _date(record, column, number, required=False):
    text = record.get(column, "")
    if not text:
        if required:
            raise PayloadError(
                "Settlement report line %d has no %s." % (number, column),
                code="BadSettlementReport",
            )
        return None
    moment = parse_report_date(text)
    if moment is None:
        raise PayloadError(
            "Settlement report line %d: %s is not a date (%r)." % (number, column, text),
            code="BadSettlementReport",
        )
    return moment


def parse_report_date(text):
    """An aware UTC datetime from the date styles settlement files use; None if none fits."""
    text = text.strip()
    if text.upper().endswith(" UTC"):
        text = text[:-4].strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    for date_format in _DATE_FORMATS:
        if moment is not None:
            break
        try:
            moment = datetime.strptime(text, date_format)
        except ValueError:
            continue
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


# ---------------------------------------------------------------- grouping and matching


def group_by_order_and_sku(rows):
    """``{(order id, SKU): Amounts}`` of the rows that are not refunds and have an order id."""
    groups = defaultdict(Amounts)
    for row in rows:
        if row.order_id and not row.is_refund:
            key = (row.order_id, row.sku)
            groups[key] = groups[key].plus(row.category, row.amount)
    return dict(groups)


@dataclass(frozen=True)
class SettledOrder:
    """What this settlement says about one imported order."""

    order_id: str
    lines: dict  # SKU -> Amounts ("" for rows about the whole order)
    missing_skus: tuple = ()  # SKUs of the order with no charge here (settled elsewhere?)
    posted: datetime | None = None  # the latest posting of the order's rows

    @property
    def amounts(self):
        return sum(self.lines.values(), Amounts())

    @property
    def is_complete(self):
        """Every SKU of the order was paid in this settlement: its invoice can be closed."""
        return not self.missing_skus


@dataclass(frozen=True)
class SettledRefund:
    order_id: str
    sku: str
    adjustment_id: str
    quantity: int | None
    amounts: Amounts
    posted: datetime | None = None


@dataclass(frozen=True)
class UnmatchedRow:
    row: SettlementRow
    reason: str

    def __str__(self):
        return "%s: %s" % (self.row.describe(), self.reason)


@dataclass(frozen=True)
class SettlementMatch:
    settled: dict  # order id -> SettledOrder
    refunds: tuple  # SettledRefund, per order, SKU and adjustment
    account_rows: tuple  # SettlementRow without an order id (subscription, storage, reserve)
    unmatched: tuple  # UnmatchedRow


def match_settlement(rows, known_orders):
    """Sort settlement rows against ``known_orders``.

    ``known_orders`` maps each imported Amazon order id to its SKUs, or is an iterable of
    ``AmazonOrder`` (``amazon_order_id`` and ``lines[].seller_sku``). A row of a known
    order is matched when its SKU is on that order (or it has no SKU: an order-level row);
    otherwise it is unmatched, with the reason.
    """
    known = _known_skus(known_orders)
    charges, refunds, account_rows, unmatched = defaultdict(dict), {}, [], []
    posted = {}
    for row in rows:
        if not row.order_id:
            account_rows.append(row)
            continue
        reason = _mismatch(row, known)
        if reason:
            unmatched.append(UnmatchedRow(row, reason))
        elif row.is_refund:
            _add_refund(refunds, row)
        else:
            lines = charges[row.order_id]
            lines[row.sku] = lines.get(row.sku, Amounts()).plus(row.category, row.amount)
            posted[row.order_id] = _latest(posted.get(row.order_id), row.posted)
    settled = {
        order_id: SettledOrder(
            order_id,
            lines,
            tuple(sorted(known[order_id] - _paid_skus(lines))),
            posted.get(order_id),
        )
        for order_id, lines in charges.items()
    }
    return SettlementMatch(settled, tuple(refunds.values()), tuple(account_rows), tuple(unmatched))


def _known_skus(known_orders):
    if hasattr(known_orders, "items"):
        return {order_id: frozenset(skus) for order_id, skus in known_orders.items()}
    return {
        order.amazon_order_id: frozenset(line.seller_sku for line in order.lines)
        for order in known_orders
    }


def _mismatch(row, known):
    if row.order_id not in known:
        return "order %s is not an imported Amazon order" % row.order_id
    if row.sku and row.sku not in known[row.order_id]:
        return "SKU %s is not on order %s" % (row.sku, row.order_id)
    return None


def _add_refund(refunds, row):
    key = (row.order_id, row.sku, row.adjustment_id)
    found = refunds.get(key) or SettledRefund(*key, row.quantity, Amounts())
    refunds[key] = replace(
        found,
        amounts=found.amounts.plus(row.category, row.amount),
        posted=_latest(found.posted, row.posted),
    )


def _paid_skus(lines):
    return {sku for sku in lines if sku}


def _latest(first, second):
    return max((d for d in (first, second) if d is not None), default=None)
