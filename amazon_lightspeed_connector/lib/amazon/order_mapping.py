"""Map Amazon order payloads (Orders API v2026-01-01 or v0) to ``AmazonOrder``.

``map_order_v2026(order)`` takes one ``Order`` of searchOrders/getOrder. ``map_order_v0``
takes the v0 ``Order``, its ``OrderItem``s (every page), and optionally the getOrderAddress
and getOrderBuyerInfo payloads. Both validate what the connector relies on and raise
``PayloadError`` with a message a person can act on (order id, line, field, value).

Read through either API, the same order maps to the same ``AmazonOrder`` except where one API
does not carry a value:

- ``status_raw`` keeps each API's own spelling ("Unshipped" / "UNSHIPPED").
- v2026 reports discounts with their tax folded in (proceeds DISCOUNT breakdowns have no tax
  subtype): ``promotion_discount`` and ``shipping_discount`` are tax-inclusive and the two
  ``*_discount_tax`` fields are ``None``. Line totals agree either way.
- v0 drops ``OrderTotal`` on a cancelled order (``order_total`` is ``None``); v2026 keeps it.
- v0 carries buyer name/e-mail and full address only with a Restricted Data Token, and the
  buyer's delivery instructions (``buyer_note``) only in getOrderAddress; v2026 carries them
  when the app has the PII role and includedData asks for BUYER and RECIPIENT.
- v2026 reports ``quantity_shipped`` only with includedData FULFILLMENT, else ``None``, and
  ``payment_method`` only with includedData PAYMENT (``lib.amazon.payment`` reads either).
- v2026 marks an item Amazon cancelled (``cancelled``) with includedData CANCELLATION; v0
  never does (its order status says only that the whole order was cancelled).
"""

from ..errors import PayloadError
from .order_data import (
    AMAZON_FULFILLED,
    CANCELED,
    INVOICE_UNCONFIRMED,
    MERCHANT_FULFILLED,
    PARTIALLY_SHIPPED,
    PENDING,
    SHIPPED,
    UNFULFILLABLE,
    UNSHIPPED,
    ZERO,
    AmazonAddress,
    AmazonBuyer,
    AmazonOrder,
    AmazonOrderLine,
    parse_datetime,
    parse_money,
    parse_optional_datetime,
)
from .payment import payment_method

V0_STATUSES = {
    "PendingAvailability": PENDING,
    "Pending": PENDING,
    "Unshipped": UNSHIPPED,
    "PartiallyShipped": PARTIALLY_SHIPPED,
    "Shipped": SHIPPED,
    "Canceled": CANCELED,
    "Unfulfillable": UNFULFILLABLE,
    "InvoiceUnconfirmed": INVOICE_UNCONFIRMED,
}
V2026_STATUSES = {
    "PENDING_AVAILABILITY": PENDING,
    "PENDING": PENDING,
    "UNSHIPPED": UNSHIPPED,
    "PARTIALLY_SHIPPED": PARTIALLY_SHIPPED,
    "SHIPPED": SHIPPED,
    "CANCELLED": CANCELED,
    "UNFULFILLABLE": UNFULFILLABLE,
}
V2026_FULFILLED_BY = {"MERCHANT": MERCHANT_FULFILLED, "AMAZON": AMAZON_FULFILLED}
V0_CHANNELS = (MERCHANT_FULFILLED, AMAZON_FULFILLED)


# ---------------------------------------------------------------- shared validation


def _require_mapping(value, what):
    if not isinstance(value, dict):
        raise PayloadError("%s is not a JSON object." % what, code="BadShape")
    return value


MAX_ORDER_ID_LENGTH = 64  # Amazon's are 19 characters ("123-1234567-1234567")
MAX_QUANTITY = 100_000  # units of one line: more is not an order but a broken payload


def is_valid_order_id(value):
    """An order id the connector can store and show: a short printable word."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ORDER_ID_LENGTH
        and value.isprintable()
        and not any(c.isspace() for c in value)
    )


def _order_id(payload, key):
    order_id = payload.get(key)
    if not order_id or not isinstance(order_id, str):
        raise PayloadError("An Amazon order has no %s." % key, code="MissingOrderId")
    if not is_valid_order_id(order_id):
        raise PayloadError(
            "An Amazon order has an invalid order id %r (%d characters): it is not stored."
            % (order_id[:30], len(order_id)),
            code="BadOrderId",
        )
    return order_id


MAX_TEXT_LENGTH = 255  # characters of a name, an address line, a SKU...
MAX_LONG_TEXT_LENGTH = 2000  # ... and of a product title, a gift message, a delivery note
LONG_TEXT_KEYS = frozenset(
    {"title", "Title", "giftMessage", "GiftMessageText", "addressInstruction"}
    | {"AddressInstructions"}
)


def _clean_text(value, limit=MAX_TEXT_LENGTH):
    """Text as it can be stored and indexed: no NUL character (PostgreSQL cannot store one)
    and at most ``limit`` characters (no real name, address or title is longer, and the index
    entry of a contact's full name must fit in a PostgreSQL page)."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if len(value) > limit:
        value = value[: limit - 1] + "\u2026"
    return value


def _cleaned(value, key=None):
    """The payload with every string passed through ``_clean_text``."""
    if isinstance(value, str):
        return _clean_text(
            value, MAX_LONG_TEXT_LENGTH if key in LONG_TEXT_KEYS else MAX_TEXT_LENGTH
        )
    if isinstance(value, dict):
        return {name: _cleaned(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item, key) for item in value]
    return value


def _not_negative(value, field, order_id):
    """Prices, taxes and totals Amazon sends are never below zero (discounts have their own
    fields): a negative one is a broken payload, not an order to invoice."""
    if value is not None and value < 0:
        raise PayloadError(
            "Amazon order %s: %s is negative (%s)." % (order_id, field, value),
            code="NegativeAmount",
        )
    return value


def _status(raw, table, order_id):
    if raw not in table:
        raise PayloadError(
            "Amazon order %s has an unexpected status %r (expected one of %s)."
            % (order_id, raw, ", ".join(table)),
            code="UnexpectedStatus",
        )
    return table[raw]


def _quantity(value, field, order_id, item_id, status):
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(
            "Amazon order %s, item %s: %s is not a whole number (%r)."
            % (order_id, item_id, field, value),
            code="BadQuantity",
        )
    # Amazon sets the ordered quantity of a cancelled order's items to 0; anywhere else a
    # line of nothing would route and invoice nothing, so it is refused.
    if value > MAX_QUANTITY:
        raise PayloadError(
            "Amazon order %s, item %s: %s is %d; more than %d units in one line is not a real "
            "order." % (order_id, item_id, field, value, MAX_QUANTITY),
            code="BadQuantity",
        )
    lowest = 0 if status == CANCELED else 1
    if value < lowest:
        raise PayloadError(
            "Amazon order %s, item %s: %s is %d; it must be at least %d."
            % (order_id, item_id, field, value, lowest),
            code="BadQuantity",
        )
    return value


def _sku(value, order_id, item_id):
    if not value or not isinstance(value, str):
        raise PayloadError(
            "Amazon order %s, item %s has no seller SKU: it cannot be matched to a product."
            % (order_id, item_id),
            code="MissingSku",
        )
    return value


def _street_lines(*lines):
    return tuple(line.strip() for line in lines if isinstance(line, str) and line.strip())


# The fields of an address and a buyer, as each version names them: (v0 key, v2026 key).
V0, V2026 = 0, 1
ADDRESS_KEYS = {
    "name": ("Name", "name"),
    "company": ("CompanyName", "companyName"),
    "city": ("City", "city"),
    "state": ("StateOrRegion", "stateOrRegion"),
    "postal_code": ("PostalCode", "postalCode"),
    "country_code": ("CountryCode", "countryCode"),
    "phone": ("Phone", "phone"),
}
STREET_LINE_KEYS = (
    ("AddressLine1", "AddressLine2", "AddressLine3"),
    ("addressLine1", "addressLine2", "addressLine3"),
)
BUYER_KEYS = {"name": ("BuyerName", "buyerName"), "email": ("BuyerEmail", "buyerEmail")}


def _address(address, version):
    """An AmazonAddress from an address object of either version (V0 or V2026)."""
    if not isinstance(address, dict) or not address:
        return None
    values = {field: address.get(keys[version]) for field, keys in ADDRESS_KEYS.items()}
    street = _street_lines(*(address.get(key) for key in STREET_LINE_KEYS[version]))
    return AmazonAddress(street_lines=street, **values)


def _buyer(info, version):
    """An AmazonBuyer, when a buyer object of either version names or addresses the buyer."""
    if not isinstance(info, dict):
        return None
    values = {field: info.get(keys[version]) for field, keys in BUYER_KEYS.items()}
    return AmazonBuyer(**values) if values["name"] or values["email"] else None


def _camel_service_level(level):
    """v2026 NEXT_DAY -> NextDay: the v0 ShipmentServiceLevelCategory spelling."""
    if not level:
        return None
    return "".join(part.capitalize() for part in level.split("_"))


def _flatten_items(items_payloads):
    """OrderItems from a list of items and/or whole getOrderItems payloads (every page)."""
    items = []
    for entry in items_payloads or ():
        if isinstance(entry, dict) and "OrderItems" in entry:
            items.extend(entry["OrderItems"] or ())
        else:
            items.append(entry)
    return items


# ---------------------------------------------------------------- v0


def _money_v0(container, key, order_id, where):
    money = container.get(key)
    if money is None:
        return ZERO
    if not isinstance(money, dict) or "Amount" not in money:
        raise PayloadError(
            "Amazon order %s: %s%s is not a Money object." % (order_id, where, key),
            code="BadMoney",
        )
    return parse_money(money["Amount"], where + key, order_id)


def _currency_v0(order, items):
    total = order.get("OrderTotal")
    if isinstance(total, dict) and total.get("CurrencyCode"):
        return total["CurrencyCode"]
    for item in items:
        price = item.get("ItemPrice") if isinstance(item, dict) else None
        if isinstance(price, dict) and price.get("CurrencyCode"):
            return price["CurrencyCode"]
    return None


def _line_v0(item, order_id, status):
    item = _require_mapping(item, "An OrderItem of Amazon order %s" % order_id)
    item_id = item.get("OrderItemId") or "?"
    gift = item.get("BuyerInfo") if isinstance(item.get("BuyerInfo"), dict) else {}
    where = "item %s " % item_id

    def money(key, container=item, prefix=where):
        return _money_v0(container, key, order_id, prefix)

    shipped = item.get("QuantityShipped")
    return AmazonOrderLine(
        order_item_id=item_id,
        seller_sku=_sku(item.get("SellerSKU"), order_id, item_id),
        asin=item.get("ASIN"),
        title=item.get("Title"),
        quantity_ordered=_quantity(
            item.get("QuantityOrdered"), "QuantityOrdered", order_id, item_id, status
        ),
        quantity_shipped=None if shipped is None else int(shipped),
        item_price=_not_negative(money("ItemPrice"), where + "ItemPrice", order_id),
        item_tax=_not_negative(money("ItemTax"), where + "ItemTax", order_id),
        promotion_discount=money("PromotionDiscount"),
        promotion_discount_tax=money("PromotionDiscountTax"),
        shipping_price=_not_negative(money("ShippingPrice"), where + "ShippingPrice", order_id),
        shipping_tax=money("ShippingTax"),
        shipping_discount=money("ShippingDiscount"),
        shipping_discount_tax=money("ShippingDiscountTax"),
        gift_wrap_price=money("GiftWrapPrice", gift, where + "BuyerInfo."),
        gift_wrap_tax=money("GiftWrapTax", gift, where + "BuyerInfo."),
        gift_message=gift.get("GiftMessageText") or None,
        gift_wrap_level=gift.get("GiftWrapLevel") or None,
        promotion_ids=tuple(item.get("PromotionIds") or ()),
    )


def map_order_v0(order_payload, items_payloads, address_payload=None, buyer_info=None):
    """An AmazonOrder from Orders API v0 payloads.

    ``order_payload`` is one ``Order`` (getOrders or getOrder); ``items_payloads`` its
    ``OrderItem``s, or whole getOrderItems payloads (their ``OrderItems`` are joined);
    ``address_payload`` the getOrderAddress payload (full address and delivery instructions,
    with an RDT); ``buyer_info`` the getOrderBuyerInfo payload. Without the last two, the
    buyer and address come from the order itself (filled when it was read with an RDT).
    """
    order = _require_mapping(order_payload, "The Amazon order")
    order_id = _order_id(order, "AmazonOrderId")
    order, items_payloads, address_payload, buyer_info = _cleaned(
        [order, items_payloads, address_payload, buyer_info]
    )
    status = _status(order.get("OrderStatus"), V0_STATUSES, order_id)
    channel = order.get("FulfillmentChannel")
    if channel not in V0_CHANNELS:
        raise PayloadError(
            "Amazon order %s has an unexpected fulfillment channel %r." % (order_id, channel),
            code="UnexpectedChannel",
        )
    items = _flatten_items(items_payloads)
    address_payload = address_payload if isinstance(address_payload, dict) else {}
    preferences = address_payload.get("DeliveryPreferences") or {}
    total = order.get("OrderTotal")
    lines = tuple(_line_v0(item, order_id, status) for item in items)  # their errors first
    return AmazonOrder(
        amazon_order_id=order_id,
        marketplace_id=order.get("MarketplaceId"),
        status=status,
        status_raw=order["OrderStatus"],
        fulfillment_channel=channel,
        purchase_date=parse_datetime(order.get("PurchaseDate"), "PurchaseDate", order_id),
        last_update_date=parse_datetime(order.get("LastUpdateDate"), "LastUpdateDate", order_id),
        currency=_currency_v0(order, items),
        order_total=(
            None
            if total is None
            else _not_negative(_money_v0(order, "OrderTotal", order_id, ""), "OrderTotal", order_id)
        ),
        ship_service_level=order.get("ShipmentServiceLevelCategory"),
        is_prime=bool(order.get("IsPrime")),
        is_business=bool(order.get("IsBusinessOrder")),
        buyer=_buyer(buyer_info, V0) or _buyer(order.get("BuyerInfo"), V0),
        shipping_address=_address(
            address_payload.get("ShippingAddress") or order.get("ShippingAddress"),
            V0,
        ),
        buyer_note=preferences.get("AddressInstructions") or None,
        lines=lines,
        seller_order_id=order.get("SellerOrderId") or None,
        latest_ship_date=parse_optional_datetime(
            order.get("LatestShipDate"), "LatestShipDate", order_id
        ),
        payment_method=payment_method(order_payload),
    )


# ---------------------------------------------------------------- v2026-01-01


def _money_2026(money, field, order_id):
    if not isinstance(money, dict) or "amount" not in money:
        raise PayloadError(
            "Amazon order %s: %s is not a Money object." % (order_id, field), code="BadMoney"
        )
    return parse_money(money["amount"], field, order_id)


def _breakdowns(item, order_id, where):
    """``{type: (subtotal, {subtype: value})}`` of an item's proceeds breakdowns."""
    found = {}
    proceeds = item.get("proceeds") or {}
    for part in proceeds.get("breakdowns") or ():
        kind = part.get("type")
        field = "%sproceeds %s" % (where, kind)
        subtotal = _money_2026(part.get("subtotal"), field, order_id)
        details = {
            detail.get("subtype"): _money_2026(
                detail.get("value"), "%s/%s" % (field, detail.get("subtype")), order_id
            )
            for detail in part.get("detailedBreakdowns") or ()
        }
        found[kind] = (subtotal, details)
    return found


def _part(breakdowns, kind, subtype=None, default=ZERO):
    """A breakdown's subtotal, or one subtype of it; ``default`` when Amazon sent neither."""
    if kind not in breakdowns:
        return default
    subtotal, details = breakdowns[kind]
    if subtype is None:
        return subtotal
    if not details:  # no detail: all of it is the item's (the usual single-part case)
        return subtotal if subtype == "ITEM" else default
    return details.get(subtype, default)


def _line_2026(item, order_id, status):
    item = _require_mapping(item, "An orderItem of Amazon order %s" % order_id)
    item_id = item.get("orderItemId") or "?"
    where = "item %s " % item_id
    product = item.get("product") or {}
    cancellation = item.get("cancellation")
    cancelled = isinstance(cancellation, dict) and bool(cancellation.get("cancellationExecution"))
    # a cancelled item of an order still open may report 0 units, as a cancelled order does
    quantity = _quantity(
        item.get("quantityOrdered"),
        "quantityOrdered",
        order_id,
        item_id,
        CANCELED if cancelled else status,
    )
    unit_price = (product.get("price") or {}).get("unitPrice")
    if unit_price is not None:  # validated even when proceeds give the line's price
        unit_price = _money_2026(unit_price, where + "unitPrice", order_id)
        _not_negative(unit_price, where + "unitPrice", order_id)
    parts = _breakdowns(item, order_id, where)
    computed_price = unit_price * quantity if unit_price is not None else ZERO
    fulfillment = item.get("fulfillment") or {}
    gift = (fulfillment.get("packing") or {}).get("giftOption") or {}
    promotions = (item.get("promotion") or {}).get("breakdowns") or ()
    return AmazonOrderLine(
        order_item_id=item_id,
        seller_sku=_sku(product.get("sellerSku"), order_id, item_id),
        asin=product.get("asin"),
        title=product.get("title"),
        quantity_ordered=quantity,
        quantity_shipped=fulfillment.get("quantityFulfilled"),
        item_price=_not_negative(
            _part(parts, "ITEM", default=computed_price), where + "item price", order_id
        ),
        item_tax=_not_negative(_part(parts, "TAX", "ITEM"), where + "item tax", order_id),
        # Discounts reduce proceeds, so Amazon sends them negative, tax included.
        promotion_discount=-_part(parts, "DISCOUNT", "ITEM"),
        promotion_discount_tax=None,
        shipping_price=_not_negative(_part(parts, "SHIPPING"), where + "shipping", order_id),
        shipping_tax=_part(parts, "TAX", "SHIPPING"),
        shipping_discount=-_part(parts, "DISCOUNT", "SHIPPING"),
        shipping_discount_tax=None,
        gift_wrap_price=_part(parts, "GIFT_WRAP"),
        gift_wrap_tax=_part(parts, "TAX", "GIFT_WRAP"),
        gift_message=gift.get("giftMessage") or None,
        gift_wrap_level=gift.get("giftWrapLevel") or None,
        promotion_ids=tuple(p["promotionId"] for p in promotions if p.get("promotionId")),
        cancelled=cancelled,
    )


def _currency_2026(order):
    total = (order.get("proceeds") or {}).get("grandTotal")
    if isinstance(total, dict) and total.get("currencyCode"):
        return total["currencyCode"]
    for item in order.get("orderItems") or ():
        price = ((item.get("product") or {}).get("price") or {}).get("unitPrice") or {}
        if price.get("currencyCode"):
            return price["currencyCode"]
    return None


def _seller_order_id(order):
    for alias in order.get("orderAliases") or ():
        if alias.get("aliasType") == "SELLER_ORDER_ID":
            return alias.get("aliasId")
    return None


def _fulfillment_2026(order, order_id):
    fulfillment = order.get("fulfillment")
    if not isinstance(fulfillment, dict) or "fulfillmentStatus" not in fulfillment:
        raise PayloadError(
            "Amazon order %s has no fulfillment status (was FULFILLMENT in includedData?)."
            % order_id,
            code="MissingStatus",
        )
    channel = V2026_FULFILLED_BY.get(fulfillment.get("fulfilledBy"))
    if channel is None:
        raise PayloadError(
            "Amazon order %s has an unexpected fulfilledBy %r."
            % (order_id, fulfillment.get("fulfilledBy")),
            code="UnexpectedChannel",
        )
    return fulfillment, channel


def map_order_v2026(payload):
    """An AmazonOrder from one Orders API v2026-01-01 ``Order`` (searchOrders, getOrder)."""
    order = _require_mapping(payload, "The Amazon order")
    order_id = _order_id(order, "orderId")
    order = _cleaned(order)
    fulfillment, channel = _fulfillment_2026(order, order_id)
    status = _status(fulfillment["fulfillmentStatus"], V2026_STATUSES, order_id)
    grand_total = (order.get("proceeds") or {}).get("grandTotal")
    programs = order.get("programs") or ()
    recipient = order.get("recipient") or {}
    items = order.get("orderItems")
    if not isinstance(items, list):
        raise PayloadError("Amazon order %s has no orderItems." % order_id, code="BadShape")
    lines = tuple(_line_2026(item, order_id, status) for item in items)  # their errors first
    return AmazonOrder(
        amazon_order_id=order_id,
        marketplace_id=(order.get("salesChannel") or {}).get("marketplaceId"),
        status=status,
        status_raw=fulfillment["fulfillmentStatus"],
        fulfillment_channel=channel,
        purchase_date=parse_datetime(order.get("createdTime"), "createdTime", order_id),
        last_update_date=parse_datetime(order.get("lastUpdatedTime"), "lastUpdatedTime", order_id),
        currency=_currency_2026(order),
        order_total=(
            None
            if grand_total is None
            else _not_negative(
                _money_2026(grand_total, "proceeds.grandTotal", order_id),
                "proceeds.grandTotal",
                order_id,
            )
        ),
        ship_service_level=_camel_service_level(fulfillment.get("fulfillmentServiceLevel")),
        is_prime="PRIME" in programs,
        is_business="AMAZON_BUSINESS" in programs,
        buyer=_buyer(order.get("buyer"), V2026),
        shipping_address=_address(recipient.get("deliveryAddress"), V2026),
        buyer_note=(recipient.get("deliveryPreference") or {}).get("addressInstruction") or None,
        lines=lines,
        seller_order_id=_seller_order_id(order),
        latest_ship_date=parse_optional_datetime(
            (fulfillment.get("shipByWindow") or {}).get("latestDateTime"),
            "fulfillment.shipByWindow.latestDateTime",
            order_id,
        ),
        payment_method=payment_method(payload),
    )
