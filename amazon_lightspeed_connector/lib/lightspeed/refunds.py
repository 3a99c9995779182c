"""Undoing a sale in Lightspeed after Amazon cancelled or refunded it: void, or refund sale.

- An open sale (never completed: "deduct inventory when shipped") moved no stock: it is
  voided (``PUT Sale {"voided": true}``), once; ``void_sale`` reads the sale first, so a
  second call after a lost answer finds it voided and does nothing.
- A completed sale cannot be changed; it gets a refund sale, as the register makes one: a new
  sale whose lines return the original's (``parentSaleLineID``, negative ``unitQuantity``,
  the original unit price and the matching share of its discount), paid back with the
  original's payment type, completed, so the store's stock comes back at the shop it is
  made in. Its referenceNumber is the original's plus "-R<n>" (``refund_reference``), the key
  ``send_refund`` looks up before any POST (exactly once, as for the original sale).

``after_sale_action`` says which of the two a sale needs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import PayloadError, PermanentError, TransientError
from .sale_payload import REFERENCE_SOURCE, ZERO, cents, money_text
from .sale_reader import read_sale_detail
from .sale_sender import DEFAULT_ATTEMPTS, _outcome_unknown, send_sale

_logger = logging.getLogger(__name__)

VOID = "void"
REFUND = "refund"
NOTHING = "nothing"


def after_sale_action(sale):
    """VOID for an open sale, REFUND for a completed one, NOTHING for a voided one."""
    if sale.voided:
        return NOTHING
    return REFUND if sale.completed else VOID


# --- voiding --------------------------------------------------------------------------------


def void_sale(client, sale_id, attempts=DEFAULT_ATTEMPTS):
    """Void an open sale; True if this call did it, False if it was voided already.

    A completed sale is a PermanentError (it needs a refund sale): its stock already moved.
    """
    put_answer_lost = False
    for attempt in range(1, attempts + 1):
        sale = read_sale_detail(client, sale_id)
        if sale.voided:
            return put_answer_lost  # our earlier PUT landed, or someone voided it before
        if sale.completed:
            raise PermanentError(
                "Lightspeed sale %s is completed: it cannot be voided, it needs a refund sale"
                % sale_id
            )
        try:
            client.put("Sale", sale_id, {"voided": True})
            return True
        except (TransientError, PayloadError) as exc:
            if attempt == attempts:
                raise
            put_answer_lost = _outcome_unknown(exc)
            _logger.info("Voiding Lightspeed sale %s failed (%s); reading it again", sale_id, exc)
    raise AssertionError("unreachable")  # pragma: no cover


# --- refund sales ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundRequest:
    """One refund sale against ``original`` (read with ``read_sale_detail``).

    ``units`` maps itemID -> units to return; None returns every line (charge lines too).
    ``shop_id`` / ``register_id`` default to the original's (the store that shipped); a returns
    store gives its own. ``include_charges`` refunds the charge lines (tax, shipping, gift wrap,
    itemID 0) as well: for a whole cancellation, not for one returned item.
    """

    original: object  # sale_reader.ConnectorSale with lines and payments
    reference_number: str
    units: Mapping[int, int] | None = None
    shop_id: int = 0
    register_id: int = 0
    employee_id: int = 0
    payment_type_id: int = 0  # 0: the original's first payment's type
    include_charges: bool = False
    note: str = ""
    returned: dict = field(default_factory=dict)  # saleLineID -> units refunded before


def refund_payload(request):
    """The body of ``POST Sale.json`` for the refund; ValueError when it cannot be made."""
    original = request.original
    if not original.completed or original.voided:
        raise ValueError(
            "Lightspeed sale %s is not a completed sale: it cannot be refunded" % original.sale_id
        )
    lines = _refund_lines(request)
    if not lines:
        raise ValueError("Nothing to refund on Lightspeed sale %s" % original.sale_id)
    payment_type_id = request.payment_type_id or _original_payment_type(original)
    total = sum(
        (
            line["unitQuantity"] * Decimal(line["unitPrice"])
            - Decimal(line.get("discountAmount", "0"))
            for line in lines
        ),
        ZERO,
    )
    payload = {
        "referenceNumber": request.reference_number,
        "referenceNumberSource": REFERENCE_SOURCE,
        "shopID": request.shop_id or original.shop_id,
        "registerID": request.register_id or original.register_id,
        "employeeID": request.employee_id or original.employee_id,
        "customerID": original.customer_id or 0,
        "completed": True,
        "SaleLines": {"SaleLine": lines},
        "SalePayments": {
            "SalePayment": [{"paymentTypeID": payment_type_id, "amount": money_text(total)}]
        },
    }
    if request.note:
        payload["SaleNotes"] = {"InternalNote": {"note": request.note}}
    return payload


def send_refund(client, payload, attempts=DEFAULT_ATTEMPTS):
    """Create the refund sale unless one with its referenceNumber exists (``send_sale``)."""
    return send_sale(client, payload, attempts=attempts)


def _refund_lines(request):
    wanted = None if request.units is None else dict(request.units)
    lines = []
    for line in request.original.lines:
        if line.quantity <= 0 or line.parent_sale_line_id:
            continue  # a line that is itself a return is never returned again
        left = line.quantity - request.returned.get(line.sale_line_id, 0)
        if line.item_id == 0:
            if (wanted is None or request.include_charges) and left > 0:
                lines.append(_refund_line(line, left))
            continue
        units = left if wanted is None else min(left, wanted.get(line.item_id, 0))
        if units > 0:
            lines.append(_refund_line(line, units))
            if wanted is not None:
                wanted[line.item_id] -= units
    short = {item: units for item, units in (wanted or {}).items() if units > 0}
    if short:
        raise ValueError(
            "Lightspeed sale %s has no %s left to refund"
            % (
                request.original.sale_id,
                ", ".join("%d unit(s) of item %s" % (u, i) for i, u in sorted(short.items())),
            )
        )
    return lines


def _refund_line(line, units):
    refund = {
        "itemID": line.item_id,
        "parentSaleLineID": line.sale_line_id,
        "unitQuantity": -units,
        "unitPrice": money_text(line.unit_price),
        "tax": False,
    }
    if line.discount_amount:
        # the discount of the units returned goes back too: a negative discount on a negative
        # line, so the line totals minus what the buyer paid for those units
        share = cents(line.discount_amount * units / line.quantity)
        if share:
            refund["discountAmount"] = money_text(-share)
    return refund


def _original_payment_type(original):
    for payment in original.payments:
        if payment.payment_type_id:
            return payment.payment_type_id
    raise ValueError(
        "Lightspeed sale %s has no payment: choose the refund's payment type" % original.sale_id
    )
