"""The V2 flat-file settlement report (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2).

Tab-separated, one header row of Amazon's column names, then a summary row (the settlement's
id, period, deposit date and total) and one row per amount: each charge, fee, promotion or
refund of each order item gets its own row, identified by amount-type and amount-description.
"""

from datetime import datetime, timezone
from decimal import Decimal

from .state import ZERO, money_text

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
# The file's first line as Amazon writes it: its column names, tab-separated, in its order.
HEADER = (
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"
    "currency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\t"
    "marketplace-name\tamount-type\tamount-description\tamount\tfulfillment-id\tposted-date\t"
    "posted-date-time\torder-item-code\tmerchant-order-item-id\tmerchant-adjustment-item-id\tsku\t"
    "quantity-purchased\tpromotion-id"
)
COLUMNS = tuple(HEADER.split("\t"))
FBA_FEE_PER_UNIT = Decimal("3.22")
FULFILLMENT_ID = {"MFN": "MFN", "AFN": "AFN"}


def _stamp(timestamp):
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _day(timestamp):
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


class SettlementBuilder:
    """Collects amount rows, then renders the file with the summary row on top."""

    def __init__(self, settlement_id, currency, commission_rate):
        self.settlement_id = settlement_id
        self.currency = currency
        self.commission_rate = Decimal(commission_rate)
        self.rows = []

    def _row(self, transaction_type, amount_type, description, amount, context):
        row = dict.fromkeys(COLUMNS, "")
        row.update(context)
        row.update(
            {
                "settlement-id": self.settlement_id,
                "transaction-type": transaction_type,
                "amount-type": amount_type,
                "amount-description": description,
                "amount": money_text(amount, self.currency),
            }
        )
        self.rows.append(row)

    @staticmethod
    def _context(order, line, posted, quantity):
        return {
            "order-id": order.order_id,
            "merchant-order-id": order.seller_order_id or "",
            "shipment-id": "D%s" % line.order_item_id[-8:],
            "marketplace-name": order.marketplace.name,
            "fulfillment-id": FULFILLMENT_ID[order.channel],
            "posted-date": _day(posted),
            "posted-date-time": _stamp(posted),
            "order-item-code": line.order_item_id,
            "sku": line.sku,
            "quantity-purchased": str(quantity),
        }

    def add_order_line(self, order, line, posted):
        context = self._context(order, line, posted, line.quantity_shipped or line.quantity)
        charges = (
            ("Principal", line.item_price),
            ("Tax", line.item_tax),
            ("Shipping", line.shipping_price),
            ("ShippingTax", line.shipping_tax),
            ("GiftWrap", line.gift_wrap_price),
            ("GiftWrapTax", line.gift_wrap_tax),
        )
        for description, amount in charges:
            if amount or description == "Principal":
                self._row("Order", "ItemPrice", description, amount, context)
        if order.marketplace.country == "US" and line.item_tax:
            # US marketplace-facilitator states: Amazon collects the tax and withholds it.
            self._row(
                "Order",
                "ItemWithheldTax",
                "MarketplaceFacilitatorTax-Principal",
                -line.item_tax,
                context,
            )
        promotion = {**context, "promotion-id": ",".join(line.promotion_ids)}
        if line.promotion_discount:
            self._row("Order", "Promotion", "Principal", -line.promotion_discount, promotion)
        if line.shipping_discount:
            self._row("Order", "Promotion", "Shipping", -line.shipping_discount, promotion)
        self._row("Order", "ItemFees", "Commission", -self.commission(line.item_price), context)
        if order.channel == "AFN":
            fee = FBA_FEE_PER_UNIT * line.quantity
            self._row("Order", "ItemFees", "FBAPerUnitFulfillmentFee", -fee, context)

    def commission(self, amount):
        return (amount * self.commission_rate).quantize(Decimal("0.01"))

    def add_refund(self, order, line, quantity, posted, adjustment_id):
        context = self._context(order, line, posted, quantity)
        context.update({"adjustment-id": adjustment_id, "merchant-adjustment-item-id": ""})
        principal = line.unit_price * quantity
        tax = (line.item_tax / line.quantity * quantity).quantize(Decimal("0.01"))
        self._row("Refund", "ItemPrice", "Principal", -principal, context)
        if tax:
            self._row("Refund", "ItemPrice", "Tax", -tax, context)
        commission = self.commission(principal)
        self._row("Refund", "ItemFees", "Commission", commission, context)
        # Amazon keeps a refund administration fee: 20% of the refunded commission.
        admin_fee = (commission * Decimal("0.20")).quantize(Decimal("0.01"))
        self._row("Refund", "ItemFees", "RefundCommission", -admin_fee, context)

    def add_unknown_order(self, order_id, sku, amount, posted, marketplace_name):
        context = {
            "order-id": order_id,
            "marketplace-name": marketplace_name,
            "fulfillment-id": "MFN",
            "posted-date": _day(posted),
            "posted-date-time": _stamp(posted),
            "order-item-code": "99999999999999",
            "sku": sku,
            "quantity-purchased": "1",
        }
        self._row("Order", "ItemPrice", "Principal", amount, context)
        self._row("Order", "ItemFees", "Commission", -self.commission(amount), context)

    def total(self):
        return sum((Decimal(row["amount"]) for row in self.rows), ZERO)

    def render(self, start, end, deposit):
        summary = dict.fromkeys(COLUMNS, "")
        summary.update(
            {
                "settlement-id": self.settlement_id,
                "settlement-start-date": _stamp(start),
                "settlement-end-date": _stamp(end),
                "deposit-date": _stamp(deposit),
                "total-amount": money_text(self.total(), self.currency),
                "currency": self.currency,
            }
        )
        lines = [HEADER]
        lines.extend("\t".join(row[c] for c in COLUMNS) for row in [summary, *self.rows])
        return "\n".join(lines) + "\n"


def parse(text):
    """Rows of a settlement file as dicts (the summary row first), for tests and demos."""
    header, *rows = text.rstrip("\n").split("\n")
    names = header.split("\t")
    return [dict(zip(names, row.split("\t"))) for row in rows]
