"""The Lightspeed Sale (and Customer) to create for one routed part of an Amazon order.

Pure functions, no I/O: ``sale_payload(SaleRequest) -> dict`` is the body of the one
``POST Sale.json`` that writes the part into its store, with nested SaleLines, SalePayments,
ShipTo and SaleNotes.

Money rules (everything is ``Decimal``, sent as a string with two decimals; the rounding, the
net tax and the unit price are ``lib/money.py``'s one money rule, shared with the Odoo sale order):

- Split: every amount Amazon reports on an order line (item price and tax, promotion discount
  and its tax, shipping price, tax, discount and its tax, gift wrap price and tax) is shared
  between the parts that ship units of that SKU, in proportion to units, by cumulative rounding:
  the part holding units ``b+1..b+q`` of the ``Q`` ordered gets
  ``round(A * (b+q) / Q) - round(A * b / Q)``, rounded half up to the cent. The shares of all
  parts telescope to ``round(A)``, so the parts add up to Amazon's amounts to the cent whatever
  the amounts and quantities. Parts are numbered in the order the caller lists them.
- Item line: ``unitPrice`` is the part's item amount divided by its units, rounded UP to the
  cent, so that the few cents this adds (only when the amount does not divide evenly) can go
  back as a line discount; ``discountAmount`` = that rounding + the part's promotion discount.
  The line then totals exactly the item amount minus the promotion.
- Tax: Amazon computes and remits the sales tax (marketplace facilitator), so item lines are
  sent untaxed and the part's net tax (item + shipping + gift wrap tax minus the discounts' tax)
  is one extra charge line. With ``lightspeed_taxes`` the lines are taxed by the shop's tax
  category instead and no tax line is sent (the total then differs by what each side computes).
- Shipping (net of its discount) is a line when ``shipping_item_id`` is set (0: a miscellaneous
  charge line), else only written in the shipment note and left out of the total. Gift wrap is
  a charge line when there is any.
- The one SalePayment pays the payload's total, so the sale balances and can be completed.
  ``total_difference`` says how far that is from Amazon's part total (0 unless shipping is a
  note or Lightspeed computes the tax); the caller logs it when not zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..money import AMOUNT_FIELDS, ZERO, add_amounts, line_amounts, net_tax, no_amounts, to_currency
from ..money import unit_price as split_unit_price

if TYPE_CHECKING:  # the package's __init__ loads the SP-API client; the type alone is enough
    from ..amazon.order_data import AmazonOrder

CENT = Decimal("0.01")
REFERENCE_SOURCE = "Amazon"
MISC_CHARGE_ITEM_ID = 0  # a SaleLine without an item: a miscellaneous charge


def cents(amount):
    """Round half up to the cent, the register's rule (the money rule's rounding)."""
    return to_currency(amount)


def money_text(amount):
    """Lightspeed takes money as strings; always two decimals, never an exponent."""
    return str(cents(amount))


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartLine:
    """One SKU of a part: how many units this store ships and the Lightspeed item to sell."""

    seller_sku: str
    quantity: int
    item_id: int  # resolved by the caller from the SKU binding (customSku / systemSku / UPC)


@dataclass(frozen=True)
class SaleRequest:
    """Everything one Sale needs; ``parts`` lists every part of the order, this one included.

    Knowing the other parts is what lets each part's share be computed on its own and still add
    up with its siblings' (see the module's split rule). An unsplit order has one part.
    """

    order: AmazonOrder
    parts: tuple[tuple[PartLine, ...], ...]
    shop_id: int
    register_id: int
    employee_id: int
    payment_type_id: int
    part_index: int = 0  # which of ``parts`` this sale is
    customer_id: int = 0  # 0: no customer
    complete_now: bool = True  # False: "deduct inventory when shipped", completed later
    shipping_item_id: int | None = None  # None: shipping as a note; 0: a misc charge line
    charge_item_id: int = MISC_CHARGE_ITEM_ID  # item for the tax and gift wrap lines
    lightspeed_taxes: bool = False  # True: the shop's tax category taxes the lines
    ship_service_label: str | None = None  # the mapped label; else Amazon's service level
    payment_label: str = "Paid on Amazon"  # the payment method as the notes show it
    tracking_number: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "parts", tuple(tuple(lines) for lines in self.parts))
        if not 0 <= self.part_index < len(self.parts):
            raise ValueError(
                "part_index %s is not one of the %d parts" % (self.part_index, len(self.parts))
            )

    @property
    def lines(self):
        return self.parts[self.part_index]

    @property
    def is_split(self):
        return len(self.parts) > 1

    @property
    def reference_number(self):
        """AmazonOrderId, with "-1", "-2"... when the order ships from several stores."""
        order_id = self.order.amazon_order_id
        return "%s-%d" % (order_id, self.part_index + 1) if self.is_split else order_id


def part_lines(routed_lines, item_ids: Mapping[str, int]):
    """PartLines from a routed part's OrderLines (product = SKU) and the SKU -> itemID binding."""
    missing = [line.product for line in routed_lines if line.product not in item_ids]
    if missing:
        raise ValueError("No Lightspeed item bound to SKU(s): %s" % ", ".join(missing))
    return tuple(
        PartLine(line.product, line.quantity, item_ids[line.product]) for line in routed_lines
    )


def parts_of(routed_parts: Sequence, item_ids: Mapping[str, int]):
    """Every part's PartLines from the routing decision's RoutedParts, in their order."""
    return tuple(part_lines(part.lines, item_ids) for part in routed_parts)


# --- the split ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkuShare:
    """This part's share of one SKU's Amazon amounts."""

    line: PartLine
    amounts: Mapping[str, Decimal]  # AMOUNT_FIELDS -> cents

    def get(self, field):
        return self.amounts[field]


def order_amounts_by_sku(order):
    """SKU -> (units ordered, {field: amount}), lines of the same SKU merged as routing does."""
    merged = {}
    for line in order.lines:
        if line.quantity_ordered < 1:
            continue  # a cancelled line: nothing to ship, nothing to charge
        units, amounts = merged.get(line.seller_sku, (0, no_amounts()))
        amounts = add_amounts(amounts, line_amounts(line))  # None: folded into another field
        merged[line.seller_sku] = (units + line.quantity_ordered, amounts)
    return merged


def share(amount, units_before, units, units_total):
    """The cents of ``amount`` that go with units ``units_before+1 .. units_before+units``."""
    upto = cents(amount * (units_before + units) / units_total)
    return upto - cents(amount * units_before / units_total)


def part_shares(request):
    """This part's SkuShares, in the part's line order; ValueError when the parts do not fit."""
    ordered = order_amounts_by_sku(request.order)
    before = _units_before(request)
    _check_parts_fit(request, ordered)
    shares = []
    for line in request.lines:
        units_total, amounts = ordered[line.seller_sku]
        start = before.get(line.seller_sku, 0)
        shares.append(
            SkuShare(
                line,
                {f: share(amounts[f], start, line.quantity, units_total) for f in AMOUNT_FIELDS},
            )
        )
    return shares


def _units_before(request):
    before = {}
    for lines in request.parts[: request.part_index]:
        for line in lines:
            before[line.seller_sku] = before.get(line.seller_sku, 0) + line.quantity
    return before


def _check_parts_fit(request, ordered):
    order_id = request.order.amazon_order_id
    routed = {}
    for lines in request.parts:
        skus = [line.seller_sku for line in lines]
        if len(set(skus)) != len(skus):
            raise ValueError("Amazon order %s: a part lists a SKU twice" % order_id)
        for line in lines:
            if line.seller_sku not in ordered:
                raise ValueError("Amazon order %s has no SKU %s" % (order_id, line.seller_sku))
            if not isinstance(line.quantity, int) or line.quantity < 1:
                raise ValueError(
                    "Amazon order %s: SKU %s quantity must be >= 1" % (order_id, line.seller_sku)
                )
            routed[line.seller_sku] = routed.get(line.seller_sku, 0) + line.quantity
    for sku, units in routed.items():
        if units > ordered[sku][0]:
            raise ValueError(
                "Amazon order %s: the parts ship %d of SKU %s, %d were ordered"
                % (order_id, units, sku, ordered[sku][0])
            )


# --- part totals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartCharges:
    """This part's order-wide charges, summed over its SKUs (all in cents)."""

    shipping_price: Decimal
    shipping_discount: Decimal
    gift_wrap: Decimal
    tax: Decimal

    @property
    def shipping(self):
        return self.shipping_price - self.shipping_discount


def part_charges(shares):
    def total(field):
        return sum((s.get(field) for s in shares), ZERO)

    tax = net_tax({field: total(field) for field in AMOUNT_FIELDS})
    return PartCharges(
        shipping_price=total("shipping_price"),
        shipping_discount=total("shipping_discount"),
        gift_wrap=total("gift_wrap_price"),
        tax=tax,
    )


def amazon_part_total(request):
    """What the buyer paid Amazon for this part: its share of every line amount."""
    shares = part_shares(request)
    items = sum((s.get("item_price") - s.get("promotion_discount") for s in shares), ZERO)
    charges = part_charges(shares)
    return items + charges.shipping + charges.gift_wrap + charges.tax


def payload_total(payload):
    """The sale total Lightspeed will compute for an untaxed payload: lines net of discounts."""
    total = ZERO
    for line in payload["SaleLines"]["SaleLine"]:
        subtotal = Decimal(line["unitQuantity"]) * Decimal(line["unitPrice"])
        total += subtotal - Decimal(line.get("discountAmount", "0"))
    return cents(total)


def total_difference(request, payload):
    """Amazon's part total minus the payload's total: log it when it is not zero."""
    return amazon_part_total(request) - payload_total(payload)


# --- the payload --------------------------------------------------------------------------------


def sale_payload(request):
    """The body of ``POST Sale.json`` for this part (see the module docstring for the rules)."""
    shares = part_shares(request)
    charges = part_charges(shares)
    lines = [_item_line(s, request) for s in shares] + _charge_lines(charges, request)
    payload = {
        "referenceNumber": request.reference_number,
        "referenceNumberSource": REFERENCE_SOURCE,
        "shopID": request.shop_id,
        "registerID": request.register_id,
        "employeeID": request.employee_id,
        "customerID": request.customer_id or 0,
        "completed": bool(request.complete_now),
        "SaleLines": {"SaleLine": lines},
    }
    amount = payload_total(payload)
    payload["SalePayments"] = {
        "SalePayment": [{"paymentTypeID": request.payment_type_id, "amount": money_text(amount)}]
    }
    note = shipment_note(request, charges)
    ship_to = ship_to_payload(request.order.shipping_address, note)
    if ship_to:
        payload["ShipTo"] = ship_to
    payload["SaleNotes"] = _sale_notes(request, note)
    return payload


def _item_line(sku_share, request):
    units = sku_share.line.quantity
    item_amount = sku_share.get("item_price")
    unit_price, rounding = split_unit_price(item_amount, units)  # rounding >= 0: a discount
    line = {
        "itemID": sku_share.line.item_id,
        "unitQuantity": units,
        "unitPrice": money_text(unit_price),
        "tax": bool(request.lightspeed_taxes),
    }
    discount = rounding + sku_share.get("promotion_discount")
    if discount:
        line["discountAmount"] = money_text(discount)
    return line


def _charge_lines(charges, request):
    lines = []
    if request.shipping_item_id is not None and (
        charges.shipping_price or charges.shipping_discount
    ):
        lines.append(
            _charge_line(
                request.shipping_item_id,
                charges.shipping_price,
                "Shipping (Amazon)",
                charges.shipping_discount,
            )
        )
    if charges.gift_wrap:
        lines.append(_charge_line(request.charge_item_id, charges.gift_wrap, "Gift wrap (Amazon)"))
    if charges.tax and not request.lightspeed_taxes:
        lines.append(
            _charge_line(request.charge_item_id, charges.tax, "Sales tax collected by Amazon")
        )
    return lines


def _charge_line(item_id, price, label, discount=ZERO):
    line = {
        "itemID": item_id or MISC_CHARGE_ITEM_ID,
        "unitQuantity": 1,
        "unitPrice": money_text(price),
        "tax": False,  # Amazon's amounts already include whatever tax applies
        "Note": {"note": label},  # what a misc charge shows on the register
    }
    if discount:
        line["discountAmount"] = money_text(discount)
    return line


# --- ship-to, notes ---------------------------------------------------------------------------


def split_name(full_name):
    """(first, last): the last word is the last name, the rest the first name."""
    words = (full_name or "").split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]


def contact_address(address):
    """An Amazon address as a Lightspeed ContactAddress: lines beyond the second join address2."""
    lines = [line for line in address.street_lines if line]
    return {
        "address1": lines[0] if lines else "",
        "address2": ", ".join(lines[1:]),
        "city": address.city or "",
        "state": address.state or "",
        "zip": address.postal_code or "",
        "countryCode": address.country_code or "",
        "country": address.country_code or "",  # Amazon gives only the ISO code
    }


def ship_to_payload(address, ship_note=""):
    """The sale's ShipTo (recipient name, company, address, phone, note); {} without address."""
    if address is None:
        return {}
    first_name, last_name = split_name(address.name)
    contact = {"Addresses": {"ContactAddress": [contact_address(address)]}}
    if address.phone:
        contact["Phones"] = {"ContactPhone": [{"number": address.phone, "useType": "Home"}]}
    return {
        "firstName": first_name,
        "lastName": last_name,
        "company": address.company or "",
        "shipNote": ship_note,
        "Contact": contact,
    }


def gift_messages(request):
    """The gift messages of the SKUs this part ships, once each, in line order."""
    skus = {line.seller_sku for line in request.lines}
    messages = []
    for line in request.order.lines:
        if line.seller_sku in skus and line.gift_message and line.gift_message not in messages:
            messages.append(line.gift_message)
    return messages


def shipment_note(request, charges=None):
    """What the store's staff need to ship the part, one fact a line.

    Shown under Inventory > Shipping (ShipTo.shipNote) and kept as the sale's internal note.
    """
    order = request.order
    charges = charges or part_charges(part_shares(request))
    heading = "Amazon order %s" % order.amazon_order_id
    if request.is_split:
        heading += " (part %d of %d)" % (request.part_index + 1, len(request.parts))
    facts = [heading]
    service = request.ship_service_label or order.ship_service_level
    if service:
        facts.append("Ship service: %s" % service)
    currency = (" %s" % order.currency) if order.currency else ""
    facts.append(
        "Payment: %s, %s%s"
        % (request.payment_label, money_text(amazon_part_total(request)), currency)
    )
    if request.shipping_item_id is None and charges.shipping:
        facts.append(
            "Shipping charged on Amazon: %s%s (not on this sale)"
            % (money_text(charges.shipping), currency)
        )
    facts.extend("Gift message: %s" % message for message in gift_messages(request))
    if order.buyer_note:
        facts.append("Buyer note: %s" % order.buyer_note)
    if request.tracking_number:
        facts.append("Tracking: %s" % request.tracking_number)
    return "\n".join(facts)


def _sale_notes(request, note):
    notes = {"InternalNote": {"note": note}}
    messages = gift_messages(request)
    if messages:  # printed on the receipt that goes in the parcel
        notes["PrintedNote"] = {"note": "\n".join(messages)}
    return notes


# --- customer -----------------------------------------------------------------------------------


def customer_payload(order):
    """A Lightspeed Customer with its Contact for the buyer, or None without a buyer e-mail.

    The name is the buyer's, else the recipient's (Amazon often withholds the buyer name);
    phone and address come from the shipping address.
    """
    buyer = order.buyer
    if buyer is None or not buyer.email:
        return None
    address = order.shipping_address
    first_name, last_name = split_name(buyer.name or (address.name if address else ""))
    contact = {"Emails": {"ContactEmail": [{"address": buyer.email, "useType": "Primary"}]}}
    if address is not None:
        contact["Addresses"] = {"ContactAddress": [contact_address(address)]}
        if address.phone:
            contact["Phones"] = {"ContactPhone": [{"number": address.phone, "useType": "Home"}]}
    return {
        "firstName": first_name,
        "lastName": last_name or "Amazon Customer",  # Lightspeed needs some name
        "company": (address.company if address else None) or "",
        "Contact": contact,
    }
