"""The merchant returns report (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE), tab separated.

Column names as Amazon's report documentation lists them (the SP-API models describe only how
a report is requested and downloaded, not its contents): one row per return request.
"""

from datetime import datetime, timezone

REPORT_TYPE = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
COLUMNS = (
    "Order ID",
    "Order date",
    "Return request date",
    "Return request status",
    "Amazon RMA ID",
    "Merchant RMA ID",
    "Label type",
    "Label cost",
    "Currency code",
    "Return carrier",
    "Tracking ID",
    "Label to be paid by",
    "A-to-z claim",
    "Is prime",
    "ASIN",
    "Merchant SKU",
    "Item Name",
    "Return quantity",
    "Return reason",
    "In policy",
    "Return type",
    "Resolution",
    "Invoice number",
    "Return delivery date",
    "Order Amount",
    "Order quantity",
)


def _stamp(timestamp):
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def row(order, sku, quantity, reason, delivered_at, rma_id, requested_at):
    line = next(x for x in order.lines if x.sku == sku)
    values = dict.fromkeys(COLUMNS, "")
    values.update(
        {
            "Order ID": order.order_id,
            "Order date": _stamp(order.purchase_date),
            "Return request date": _stamp(requested_at),
            "Return request status": "Approved",
            "Amazon RMA ID": rma_id,
            "Label type": "AmazonUnPaidLabel",
            "Currency code": order.currency,
            "Is prime": "Y" if order.is_prime else "N",
            "ASIN": line.asin or "",
            "Merchant SKU": sku,
            "Item Name": line.title or "",
            "Return quantity": str(quantity),
            "Return reason": reason,
            "In policy": "Y",
            "Return type": "C-Returns",
            "Resolution": "StandardRefund",
            "Return delivery date": _stamp(delivered_at),
            "Order Amount": str(line.item_price),
            "Order quantity": str(line.quantity),
        }
    )
    return values


def render(rows):
    lines = ["\t".join(COLUMNS)]
    lines.extend("\t".join(values[c] for c in COLUMNS) for values in rows)
    return "\n".join(lines) + "\n"
