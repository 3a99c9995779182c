"""Sales: one POST with nested SaleLines, SalePayments, ShipTo and notes; PUT to complete.

A completed sale must be paid in full and lowers qoh at its shop (below zero only where
negative inventory is allowed); an open sale moves no stock until it is completed. Totals are
computed the register's way: line amounts unrounded, sale totals rounded to the cent.
A write is all or nothing: any validation error leaves the account untouched.

Refunds are sales too (Lightspeed's community answer on partial refunds: "create a new sale
and specify the parentSaleLineID for each line that is a refund"): a line with a negative
unitQuantity and the ``parentSaleLineID`` of the line it returns. Completing the refund sale
brings the stock back at its shop. Guesses where Lightspeed's documentation is silent: the
parent line must belong to a completed, not voided sale and hold the same item; the units
returned against a line (every live refund line together) never exceed the units it sold; a
refund line inherits its parent's unitPrice when it gives none.
"""

from decimal import Decimal

from .state import make_contact
from .wire import entries, fmt_number, money, scalar, to_bool, to_decimal

STOCKED_ITEM_TYPES = ("default", "box", "assembly")


class SaleError(Exception):
    """A sale Lightspeed would refuse, with the status and message it would use."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


def _not_found(kind, key):
    return SaleError("Object of type '%s' not found with primary ID '%s'." % (kind, key))


def _id(value):
    text = scalar(value).strip()
    return int(text) if text.isdigit() else None


# --- creating -------------------------------------------------------------------------------------


def create_sale(store, payload):
    if not isinstance(payload, dict):
        raise SaleError("The request body must be a JSON object describing a Sale.")
    register = _open_register(store, payload.get("registerID"))
    shop_id = _shop_of(store, payload, register)
    employee_id = _employee_id(store, payload.get("employeeID"))
    customer_id = _customer_id(store, payload.get("customerID", 0))
    tax = _tax_category(store, payload, shop_id)
    line_drafts = _line_drafts(store, payload)
    payment_drafts = _payment_drafts(store, payload, customer_id)

    sale = _new_sale(store, payload, register, shop_id, employee_id, customer_id, tax)
    _attach(store, sale, line_drafts, payment_drafts)
    try:
        if to_bool(payload.get("completed", False)):
            _complete(store, sale)
    except SaleError:
        _forget(store, sale)
        raise
    _attach_ship_to(store, sale, payload.get("ShipTo"))
    _set_notes(sale, payload.get("SaleNotes"))
    store.changed()
    return sale


def _open_register(store, register_id):
    if register_id in (None, ""):
        raise SaleError("registerID is required to create a Sale.")
    register = store.registers.get(_id(register_id))
    if register is None or register["archived"] == "true":
        raise _not_found("Register", register_id)
    if register["open"] != "true":
        raise SaleError("Register '%s' is closed. Open the register first." % register_id)
    return register


def _shop_of(store, payload, register):
    shop_id = int(register["shopID"])
    wanted = payload.get("shopID")
    if wanted not in (None, "", 0, "0") and _id(wanted) != shop_id:
        raise SaleError(
            "Register '%s' belongs to shop '%s', not shop '%s'."
            % (register["registerID"], shop_id, wanted)
        )
    return shop_id


def _employee_id(store, employee_id):
    if employee_id in (None, "", 0, "0"):
        raise SaleError("employeeID is required to create a Sale.")
    employee = store.employees.get(_id(employee_id))
    if employee is None or employee["archived"] == "true":
        raise _not_found("Employee", employee_id)
    return int(employee["employeeID"])


def _customer_id(store, customer_id):
    if customer_id in (None, "", 0, "0"):
        return 0
    if _id(customer_id) not in store.customers:
        raise _not_found("Customer", customer_id)
    return _id(customer_id)


def _tax_category(store, payload, shop_id):
    """The sale's TaxCategory: the one asked for, else the shop's; 0 means untaxed."""
    wanted = payload.get("taxCategoryID")
    tax_id = _id(wanted) if wanted not in (None, "") else int(store.shops[shop_id]["taxCategoryID"])
    if tax_id and tax_id not in store.tax_categories:
        raise _not_found("TaxCategory", wanted)
    return store.tax_categories.get(tax_id)


def _line_drafts(store, payload):
    drafts = [_line_draft(store, raw) for raw in entries(payload.get("SaleLines"), "SaleLine")]
    _check_refunds(store, drafts)
    return drafts


def _line_draft(store, raw):
    parent = _parent_line(store, raw.get("parentSaleLineID"))
    item = _line_item(store, raw)
    if parent is not None and item is None and raw.get("itemID") in (None, ""):
        item = store.items.get(int(parent["itemID"]))
    quantity = to_decimal(raw.get("unitQuantity", 1))
    if quantity is None or quantity == 0 or quantity != quantity.to_integral_value():
        raise SaleError("SaleLine unitQuantity must be a non-zero whole number.")
    price = raw.get("unitPrice")
    if price in (None, "") and parent is not None:
        price = parent["unitPrice"]
    if price in (None, ""):
        if item is None:
            raise SaleError("A SaleLine without an item needs a unitPrice.")
        price = item["_prices"][0]["amount"]
    if to_decimal(price) is None:
        raise SaleError("SaleLine unitPrice must be a number, got '%s'." % price)
    taxed = raw.get("tax", item["tax"] if item else True)
    return {
        "item": item,
        "quantity": int(quantity),
        "unitPrice": to_decimal(price),
        "discountAmount": to_decimal(raw.get("discountAmount", 0), Decimal(0)),
        "discountPercent": to_decimal(raw.get("discountPercent", 0), Decimal(0)),
        "tax": to_bool(taxed),
        "parent": parent,
    }


def _parent_line(store, parent_id):
    """The SaleLine a refund line returns, or None for a plain line."""
    if parent_id in (None, "", 0, "0"):
        return None
    parent = store.sale_lines.get(_id(parent_id))
    if parent is None:
        raise _not_found("SaleLine", parent_id)
    sale = store.sales.get(int(parent["saleID"]))
    if sale is None or sale["completed"] != "true" or sale["voided"] == "true":
        raise SaleError(
            "SaleLine '%s' belongs to a sale that is not completed or was voided; only a "
            "completed sale can be refunded." % parent_id
        )
    return parent


def _check_refunds(store, drafts):
    """A refund line returns units of its parent's item, never more than the parent sold."""
    returning = {}
    for draft in drafts:
        parent = draft["parent"]
        if parent is None:
            continue
        item_id = draft["item"]["itemID"] if draft["item"] else "0"
        if item_id != parent["itemID"]:
            raise SaleError(
                "SaleLine '%s' sold item '%s', not item '%s'."
                % (parent["saleLineID"], parent["itemID"], item_id)
            )
        if draft["quantity"] >= 0:
            raise SaleError("A refund SaleLine (parentSaleLineID) needs a negative unitQuantity.")
        line_id = int(parent["saleLineID"])
        returning[line_id] = returning.get(line_id, 0) - draft["quantity"]
    for line_id, units in returning.items():
        parent = store.sale_lines[line_id]
        left = int(parent["unitQuantity"]) - store.units_returned(line_id)
        if units > left:
            raise SaleError(
                "SaleLine '%s' has %d unit(s) left to refund; %d asked."
                % (line_id, max(left, 0), units)
            )


def _line_item(store, raw):
    if raw.get("itemCode") not in (None, ""):
        item = store.find_item(raw["itemCode"])
        if item is None:
            raise SaleError("No item found with itemCode '%s'." % raw["itemCode"])
        return item
    item_id = raw.get("itemID")
    if item_id in (None, "", 0, "0"):
        return None  # a miscellaneous charge line, as Lightspeed allows
    item = store.items.get(_id(item_id))
    if item is None:
        raise _not_found("Item", item_id)
    return item


def _payment_drafts(store, payload, customer_id):
    drafts = []
    for raw in entries(payload.get("SalePayments"), "SalePayment"):
        type_id = raw.get("paymentTypeID")
        if type_id in (None, "", 0, "0"):
            raise SaleError("SalePayment requires a paymentTypeID.")
        payment_type = store.payment_types.get(_id(type_id))
        if payment_type is None or payment_type["archived"] == "true":
            raise _not_found("PaymentType", type_id)
        if payment_type["requireCustomer"] == "true" and not customer_id:
            raise SaleError("Payment type '%s' requires a customer." % payment_type["name"])
        amount = to_decimal(raw.get("amount"))
        if amount is None:
            raise SaleError("SalePayment amount must be a number, got '%s'." % raw.get("amount"))
        drafts.append({"paymentTypeID": int(type_id), "amount": amount})
    return drafts


def _new_sale(store, payload, register, shop_id, employee_id, customer_id, tax):
    sale_id = store.next_id("Sale")
    now = store.now()
    sale = {
        "saleID": scalar(sale_id),
        "timeStamp": now,
        "discountPercent": "0",
        "completed": "false",
        "archived": "false",
        "voided": "false",
        "enablePromotions": scalar(to_bool(payload.get("enablePromotions", False))),
        "isTaxInclusive": "false",
        "createTime": now,
        "updatetime": now,
        "referenceNumber": scalar(payload.get("referenceNumber", "")),
        "referenceNumberSource": scalar(payload.get("referenceNumberSource", "")),
        "tax1Rate": tax["tax1Rate"] if tax else "0",
        "tax2Rate": tax["tax2Rate"] if tax else "0",
        "change": "0",
        "tipEnabled": "false",
        "receiptPreference": "printed",
        "ticketNumber": "22%010d" % sale_id,
        "customerID": scalar(customer_id),
        "discountID": "0",
        "employeeID": scalar(employee_id),
        "tipEmployeeID": scalar(employee_id),
        "quoteID": "0",
        "registerID": register["registerID"],
        "shipToID": "0",
        "shopID": scalar(shop_id),
        "taxCategoryID": tax["taxCategoryID"] if tax else "0",
        "_line_ids": [],
        "_payment_ids": [],
        "_notes": {"InternalNote": None, "PrintedNote": None},
    }
    store.sales[sale_id] = sale
    return sale


def _attach(store, sale, line_drafts, payment_drafts):
    """Store lines and payments, recompute totals; return the new ids (to undo on error)."""
    now = store.now()
    line_ids = [_store_line(store, sale, draft, now) for draft in line_drafts]
    payment_ids = [_store_payment(store, sale, draft, now) for draft in payment_drafts]
    sale["_line_ids"].extend(line_ids)
    sale["_payment_ids"].extend(payment_ids)
    _recompute(store, sale)
    return line_ids, payment_ids


def _store_line(store, sale, draft, now):
    line_id = store.next_id("SaleLine")
    subtotal = draft["quantity"] * draft["unitPrice"]
    discount = draft["discountAmount"] + subtotal * draft["discountPercent"]
    rate1 = Decimal(sale["tax1Rate"]) if draft["tax"] else Decimal(0)
    rate2 = Decimal(sale["tax2Rate"]) if draft["tax"] else Decimal(0)
    tax1, tax2 = (subtotal - discount) * rate1, (subtotal - discount) * rate2
    item = draft["item"]
    cost = Decimal(item["defaultCost"]) if item else Decimal(0)
    store.sale_lines[line_id] = {
        "saleLineID": scalar(line_id),
        "createTime": now,
        "timeStamp": now,
        "unitQuantity": scalar(draft["quantity"]),
        "unitPrice": fmt_number(draft["unitPrice"]),
        "normalUnitPrice": "0",
        "discountAmount": fmt_number(draft["discountAmount"]),
        "discountPercent": fmt_number(draft["discountPercent"]),
        "avgCost": fmt_number(cost),
        "fifoCost": fmt_number(cost),
        "tax": scalar(draft["tax"] and bool(rate1 or rate2)),
        "tax1Rate": fmt_number(rate1),
        "tax2Rate": fmt_number(rate2),
        "isLayaway": "false",
        "isWorkorder": "false",
        "isSpecialOrder": "false",
        "displayableSubtotal": fmt_number(subtotal),
        "displayableUnitPrice": fmt_number(draft["unitPrice"]),
        "calcLineDiscount": fmt_number(discount),
        "calcTransactionDiscount": "0",
        "calcTotal": fmt_number(subtotal - discount + tax1 + tax2),
        "calcSubtotal": fmt_number(subtotal),
        "calcTax1": fmt_number(tax1),
        "calcTax2": fmt_number(tax2),
        "taxClassID": item["taxClassID"] if item else "0",
        "customerID": sale["customerID"],
        "discountID": "0",
        "employeeID": sale["employeeID"],
        "itemID": item["itemID"] if item else "0",
        "noteID": "0",
        "parentSaleLineID": draft["parent"]["saleLineID"] if draft.get("parent") else "0",
        "shopID": sale["shopID"],
        "taxCategoryID": sale["taxCategoryID"],
        "saleID": sale["saleID"],
    }
    return line_id


def _store_payment(store, sale, draft, now):
    payment_id = store.next_id("SalePayment")
    store.sale_payments[payment_id] = {
        "salePaymentID": scalar(payment_id),
        "amount": fmt_number(draft["amount"]),
        "tipAmount": "0",
        "createTime": now,
        "archived": "false",
        "remoteReference": "",
        "paymentID": "",
        "saleID": sale["saleID"],
        "paymentTypeID": scalar(draft["paymentTypeID"]),
        "ccChargeID": "0",
        "refPaymentID": "0",
        "registerID": sale["registerID"],
        "employeeID": sale["employeeID"],
        "creditAccountID": "0",
    }
    return payment_id


def _recompute(store, sale):
    lines = [store.sale_lines[line_id] for line_id in sale["_line_ids"]]
    payments = [store.sale_payments[pid] for pid in sale["_payment_ids"]]

    def total_of(field, rows=lines, only=None):
        return sum((Decimal(r[field]) for r in rows if only is None or only(r)), Decimal(0))

    subtotal = money(total_of("calcSubtotal"))
    discount = money(total_of("calcLineDiscount"))
    tax1, tax2 = money(total_of("calcTax1")), money(total_of("calcTax2"))
    taxable = money(total_of("calcSubtotal", only=lambda r: r["tax"] == "true"))
    paid = money(total_of("amount", rows=payments))
    total = subtotal - discount + tax1 + tax2
    cost = money(sum((Decimal(r["avgCost"]) * Decimal(r["unitQuantity"]) for r in lines), 0))
    sale.update(
        {
            "displayableSubtotal": fmt_number(subtotal),
            "calcDiscount": fmt_number(discount),
            "calcTotal": fmt_number(total),
            "calcSubtotal": fmt_number(subtotal),
            "calcTaxable": fmt_number(taxable),
            "calcNonTaxable": fmt_number(subtotal - taxable),
            "calcAvgCost": fmt_number(cost),
            "calcFIFOCost": fmt_number(cost),
            "calcTax1": fmt_number(tax1),
            "calcTax2": fmt_number(tax2),
            "calcPayments": fmt_number(paid),
            "calcTips": "0",
            "total": fmt_number(total),
            "totalDue": fmt_number(total),
            "displayableTotal": fmt_number(total),
            "balance": fmt_number(total - paid),
            "taxTotal": fmt_number(tax1 + tax2),
        }
    )


def _attach_ship_to(store, sale, raw):
    if not isinstance(raw, dict) or not raw:
        return
    ship_to = store.ship_tos.get(int(sale["shipToID"]))
    if ship_to is None:
        ship_to = _new_ship_to(store, sale)
    for field in ("shipNote", "firstName", "lastName", "company"):
        if field in raw:
            ship_to[field] = scalar(raw[field])
    if "shipped" in raw:
        ship_to["shipped"] = scalar(to_bool(raw["shipped"]))
    if isinstance(raw.get("Contact"), dict):
        contact = raw["Contact"]
        ship_to["_contact"] = make_contact(
            ship_to["_contact"]["contactID"],
            store.now(),
            addresses=entries(contact.get("Addresses"), "ContactAddress"),
            phones=entries(contact.get("Phones"), "ContactPhone"),
            emails=entries(contact.get("Emails"), "ContactEmail"),
        )
    ship_to["timeStamp"] = store.now()


def _new_ship_to(store, sale):
    ship_to_id = store.next_id("ShipTo")
    ship_to = {
        "shipToID": scalar(ship_to_id),
        "shipped": "false",
        "timeStamp": store.now(),
        "shipNote": "",
        "firstName": "",
        "lastName": "",
        "company": "",
        "customerID": sale["customerID"],
        "saleID": sale["saleID"],
        "_contact": make_contact(store.next_id("Contact"), store.now()),
    }
    store.ship_tos[ship_to_id] = ship_to
    sale["shipToID"] = scalar(ship_to_id)
    return ship_to


def _set_notes(sale, raw):
    """SaleNotes.InternalNote / PrintedNote, each ``{"note": text}`` or a bare string."""
    if not isinstance(raw, dict):
        return
    for kind in ("InternalNote", "PrintedNote"):
        if kind in raw:
            value = raw[kind]
            sale["_notes"][kind] = scalar(
                value.get("note", "") if isinstance(value, dict) else value
            )


# --- completing, updating, voiding ---------------------------------------------------------------


def _complete(store, sale):
    balance = Decimal(sale["balance"])
    if balance > 0:
        raise SaleError(
            "Sale total %s is not paid in full: balance %s remaining. Add SalePayments "
            "before completing the sale." % (sale["total"], sale["balance"])
        )
    shop_id = int(sale["shopID"])
    needs = _units_by_item(store, sale)
    if not store.negative_allowed(shop_id):
        for item, units in needs:
            if store.qoh(item, shop_id) < units:
                raise SaleError(
                    "Not enough inventory for item '%s' at shop '%s': %d on hand, %d needed."
                    % (item["itemID"], shop_id, store.qoh(item, shop_id), units)
                )
    for item, units in needs:
        store.change_stock(item, shop_id, -units)
    now = store.now()
    sale.update(
        {
            "completed": "true",
            "completeTime": now,
            "timeStamp": now,
            "updatetime": now,
            "change": fmt_number(max(Decimal(0), -balance)),
            "balance": "0",
        }
    )


def _units_by_item(store, sale):
    units = {}
    for line_id in sale["_line_ids"]:
        line = store.sale_lines[line_id]
        item = store.items.get(int(line["itemID"]))
        if item is not None and item["itemType"] in STOCKED_ITEM_TYPES:
            units[int(item["itemID"])] = units.get(int(item["itemID"]), 0) + int(
                line["unitQuantity"]
            )
    return [(store.items[item_id], count) for item_id, count in units.items()]


def _forget(store, sale):
    for line_id in sale["_line_ids"]:
        store.sale_lines.pop(line_id, None)
    for payment_id in sale["_payment_ids"]:
        store.sale_payments.pop(payment_id, None)
    store.sales.pop(int(sale["saleID"]), None)


def update_sale(store, sale, payload):
    if not isinstance(payload, dict):
        raise SaleError("The request body must be a JSON object describing a Sale.")
    if sale["voided"] == "true":
        raise SaleError("Sale '%s' has been voided and cannot be changed." % sale["saleID"])
    if sale["completed"] == "true":
        _update_completed(store, sale, payload)
    else:
        _update_open(store, sale, payload)
    sale["updatetime"] = sale["timeStamp"] = store.now()
    store.changed()
    return sale


_EDITABLE_FIELDS = ("referenceNumber", "referenceNumberSource")


def _update_completed(store, sale, payload):
    reopening = "completed" in payload and not to_bool(payload["completed"])
    if reopening or payload.get("SaleLines") or payload.get("SalePayments"):
        raise SaleError(
            "Sale '%s' is completed; its lines and payments are final." % sale["saleID"]
        )
    if to_bool(payload.get("voided", False)):
        for item, units in _units_by_item(store, sale):
            store.change_stock(item, int(sale["shopID"]), units)
        sale["voided"] = "true"
    _apply_simple_fields(sale, payload)
    _attach_ship_to(store, sale, payload.get("ShipTo"))
    _set_notes(sale, payload.get("SaleNotes"))


def _update_open(store, sale, payload):
    customer_id = int(sale["customerID"])
    if "customerID" in payload:
        customer_id = _customer_id(store, payload["customerID"])
    line_drafts = _line_drafts(store, payload)
    payment_drafts = _payment_drafts(store, payload, customer_id)
    before = dict(sale)
    line_ids, payment_ids = _attach(store, sale, line_drafts, payment_drafts)
    try:
        if to_bool(payload.get("completed", False)):
            _complete(store, sale)
    except SaleError:
        _undo_attach(store, sale, before, line_ids, payment_ids)
        raise
    sale["customerID"] = scalar(customer_id)
    if to_bool(payload.get("voided", False)):
        sale["voided"] = "true"
    _apply_simple_fields(sale, payload)
    _attach_ship_to(store, sale, payload.get("ShipTo"))
    _set_notes(sale, payload.get("SaleNotes"))


def _undo_attach(store, sale, before, line_ids, payment_ids):
    for line_id in line_ids:
        store.sale_lines.pop(line_id, None)
    for payment_id in payment_ids:
        store.sale_payments.pop(payment_id, None)
    sale.clear()
    sale.update(before)
    sale["_line_ids"] = [i for i in before["_line_ids"] if i not in line_ids]
    sale["_payment_ids"] = [i for i in before["_payment_ids"] if i not in payment_ids]


def _apply_simple_fields(sale, payload):
    for field in _EDITABLE_FIELDS:
        if field in payload:
            sale[field] = scalar(payload[field])


def archive_sale(store, sale):
    if sale["completed"] == "true":
        raise SaleError("You can't archive a completed sale.")
    sale["archived"] = "true"
    sale["updatetime"] = sale["timeStamp"] = store.now()
    store.changed()
    return sale
