"""Orders as Amazon puts them on the wire: v0 (PascalCase) and v2026-01-01 (camelCase).

One ``Order`` in state, two renderings, each using its own model's field names and enums.
Personal data is left out unless the caller may see it (an RDT for v0, the PII role for
v2026), the way Amazon redacts it. A scenario can mark an order malformed; the damage is
done here, after rendering, so the rest of the simulator never sees a broken order.
"""

from decimal import Decimal

from .state import FULFILLMENT_STATUS, SERVICE_LEVELS, ZERO, iso, money_text

BUYER_INFO = "buyerInfo"
SHIPPING_ADDRESS = "shippingAddress"

DAY = 86400.0


def _money_v0(amount, currency):
    return {"CurrencyCode": currency, "Amount": money_text(amount, currency)}


def _money(amount, currency):
    return {"amount": money_text(amount, currency), "currencyCode": currency}


def _drop_none(mapping):
    return {key: value for key, value in mapping.items() if value is not None}


# ---------------------------------------------------------------- v0


# An address on the wire, v0 field name -> ``Address`` attribute. v2026 names the same fields
# in lowerCamelCase (``_customer_address``). Without a Restricted Data Token Amazon shows only
# the public part: enough to estimate tax.
ADDRESS_PUBLIC = {
    "City": "city",
    "StateOrRegion": "state",
    "PostalCode": "postal_code",
    "CountryCode": "country",
}
ADDRESS_PRIVATE = {
    "Name": "name",
    "CompanyName": "company",
    "AddressLine1": "line1",
    "AddressLine2": "line2",
    "Phone": "phone",
}


def _address_fields(address, names):
    return {name: getattr(address, attribute) for name, attribute in names.items()}


def _address_v0(address, full):
    public = _address_fields(address, ADDRESS_PUBLIC)
    if not full:
        return public
    private = _address_fields(address, ADDRESS_PRIVATE)
    return _drop_none({**private, "AddressType": address.address_type, **public})


def _buyer_info_v0(buyer):
    return _drop_none(
        {
            "BuyerEmail": buyer.email,
            "BuyerName": buyer.name,
            "PurchaseOrderNumber": buyer.purchase_order_number,
        }
    )


V0_PAYMENT_METHOD = {"CashOnDelivery": "COD", "ConvenienceStore": "CVS"}
V0_SUB_PAYMENT = {"CashOnDelivery": "COD", "GiftCertificate": "GC"}


def _payment_method_v0(order):
    """v0's PaymentMethod: only COD and CVS are named, everything else is Other."""
    for method in order.payment_methods:
        if method in V0_PAYMENT_METHOD:
            return V0_PAYMENT_METHOD[method]
    return "Other"


def _payment_executions_v0(order):
    """The sub-payments of a COD order (v0 gives them for COD orders only)."""
    if "CashOnDelivery" not in order.payment_methods:
        return None
    total = _money_v0(order.total(), order.currency)
    return [
        {
            "Payment": total if index == 0 else _money_v0(ZERO, order.currency),
            "PaymentMethod": V0_SUB_PAYMENT.get(method, method),
        }
        for index, method in enumerate(order.payment_methods)
    ]


def order_v0(order, data_elements=frozenset()):
    """The v0 ``Order``; ``data_elements`` are the RDT's (buyerInfo, shippingAddress)."""
    currency = order.currency
    category = order.ship_service_level
    body = {
        "AmazonOrderId": order.order_id,
        "SellerOrderId": order.seller_order_id,
        "PurchaseDate": iso(order.purchase_date),
        "LastUpdateDate": iso(order.last_update),
        "OrderStatus": order.status,
        "FulfillmentChannel": order.channel,
        "SalesChannel": order.marketplace.name,
        "ShipServiceLevel": SERVICE_LEVELS.get(category, (None, category))[1],
        "NumberOfItemsShipped": order.items_shipped(),
        "NumberOfItemsUnshipped": order.items_unshipped(),
        "PaymentMethod": _payment_method_v0(order),
        "PaymentMethodDetails": list(order.payment_methods),
        "PaymentExecutionDetail": _payment_executions_v0(order),
        "MarketplaceId": order.marketplace_id,
        "ShipmentServiceLevelCategory": category,
        "OrderType": "StandardOrder",
        "EarliestShipDate": iso(order.purchase_date + DAY),
        "LatestShipDate": iso(order.purchase_date + 2 * DAY),
        "IsBusinessOrder": order.is_business,
        "IsPrime": order.is_prime,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
    }
    if order.status != "Canceled":  # Amazon drops the total of a cancelled order
        body["OrderTotal"] = _money_v0(order.total(), currency)
    if order.status != "Pending":  # no address until payment is authorised
        body["ShippingAddress"] = _address_v0(order.address, SHIPPING_ADDRESS in data_elements)
    if BUYER_INFO in data_elements:
        body["BuyerInfo"] = _buyer_info_v0(order.buyer)
    return _malform_v0_order(_drop_none(body), order.malformations)


def order_item_v0(order, line, data_elements=frozenset()):
    currency = order.currency
    body = {
        "ASIN": line.asin,
        "SellerSKU": line.sku,
        "OrderItemId": line.order_item_id,
        "Title": line.title,
        "QuantityOrdered": line.quantity,
        "QuantityShipped": line.quantity_shipped,
        "ProductInfo": {"NumberOfItems": "1"},
        "ItemPrice": _money_v0(line.item_price, currency),
        "ItemTax": _money_v0(line.item_tax, currency),
        "ShippingPrice": _money_v0(line.shipping_price, currency),
        "ShippingTax": _money_v0(line.shipping_tax, currency),
        "ShippingDiscount": _money_v0(line.shipping_discount, currency),
        "ShippingDiscountTax": _money_v0(line.shipping_discount_tax, currency),
        "PromotionDiscount": _money_v0(line.promotion_discount, currency),
        "PromotionDiscountTax": _money_v0(line.promotion_discount_tax, currency),
        "PromotionIds": list(line.promotion_ids) or None,
        "IsGift": "true" if line.is_gift else "false",
        "ConditionId": "New",
        "ConditionSubtypeId": "New",
        "IsTransparency": False,
        "SerialNumberRequired": False,
    }
    if line.is_gift and BUYER_INFO in data_elements:
        body["BuyerInfo"] = _drop_none(
            {
                "GiftWrapPrice": _money_v0(line.gift_wrap_price, currency),
                "GiftWrapTax": _money_v0(line.gift_wrap_tax, currency),
                "GiftMessageText": line.gift_message,
                "GiftWrapLevel": line.gift_wrap_level,
            }
        )
    return _malform_v0_item(_drop_none(body), order.malformations)


def order_address_v0(order, restricted):
    body = {"AmazonOrderId": order.order_id}
    if order.address.company and restricted:
        body["BuyerCompanyName"] = order.address.company
    if order.status != "Pending":
        body["ShippingAddress"] = _address_v0(order.address, restricted)
    if order.buyer_note and restricted:
        body["DeliveryPreferences"] = {"AddressInstructions": order.buyer_note}
    return body


def order_buyer_info_v0(order, restricted):
    body = {"AmazonOrderId": order.order_id}
    if restricted:
        body.update(_buyer_info_v0(order.buyer))
    return body


# ---------------------------------------------------------------- v2026-01-01


def _lower_camel(fields):
    return {name[0].lower() + name[1:]: value for name, value in fields.items()}


def _customer_address(address, full):
    """v2026 shows the address type to everyone, upper-cased (RESIDENTIAL, COMMERCIAL)."""
    public = _lower_camel(_address_fields(address, ADDRESS_PUBLIC))
    public["addressType"] = address.address_type.upper()
    if not full:
        return public
    private = _lower_camel(_address_fields(address, ADDRESS_PRIVATE))
    return _drop_none({**private, **public})


def _line_breakdowns(line, currency):
    """Item proceeds by category; discounts reduce proceeds, so they are negative."""
    tax_parts = [
        ("ITEM", line.item_tax),
        ("SHIPPING", line.shipping_tax),
        ("GIFT_WRAP", line.gift_wrap_tax),
    ]
    discount_parts = [
        ("ITEM", -(line.promotion_discount + line.promotion_discount_tax)),
        ("SHIPPING", -(line.shipping_discount + line.shipping_discount_tax)),
    ]
    breakdowns = [{"type": "ITEM", "subtotal": _money(line.item_price, currency)}]
    if line.shipping_price:
        breakdowns.append({"type": "SHIPPING", "subtotal": _money(line.shipping_price, currency)})
    if line.gift_wrap_price:
        breakdowns.append({"type": "GIFT_WRAP", "subtotal": _money(line.gift_wrap_price, currency)})
    for kind, parts in (("TAX", tax_parts), ("DISCOUNT", discount_parts)):
        present = [(sub, value) for sub, value in parts if value]
        if present:
            breakdowns.append(
                {
                    "type": kind,
                    "subtotal": _money(sum(v for _s, v in present), currency),
                    "detailedBreakdowns": [
                        {"subtype": sub, "value": _money(value, currency)} for sub, value in present
                    ],
                }
            )
    return breakdowns


def _order_breakdowns(order):
    totals = {}
    for line in order.lines:
        for part in _line_breakdowns(line, order.currency):
            totals[part["type"]] = totals.get(part["type"], ZERO) + _amount(part)
    return [
        {"type": kind, "subtotal": _money(amount, order.currency)}
        for kind, amount in totals.items()
    ]


def _amount(part):
    return Decimal(part["subtotal"]["amount"])


def _order_item(order, line, included):
    currency = order.currency
    item = {
        "orderItemId": line.order_item_id,
        "quantityOrdered": line.quantity,
        "product": _drop_none(
            {
                "asin": line.asin,
                "title": line.title,
                "sellerSku": line.sku,
                "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
                "price": {"unitPrice": _money(line.unit_price, currency)},
            }
        ),
    }
    if "PROCEEDS" in included:
        item["proceeds"] = {
            "proceedsTotal": _money(line.total(), currency),
            "breakdowns": _line_breakdowns(line, currency),
        }
    if "PROMOTION" in included and line.promotion_ids:
        item["promotion"] = {"breakdowns": [{"promotionId": p} for p in line.promotion_ids]}
    if "CANCELLATION" in included and (order.status == "Canceled" or line.cancelled):
        item["cancellation"] = {
            "cancellationExecution": {
                "cancelledBy": "SELLER",
                "cancelReason": order.cancel_reason or "NoInventory",
            }
        }
    if "FULFILLMENT" in included:
        fulfillment = {
            "quantityFulfilled": line.quantity_shipped,
            "quantityUnfulfilled": line.quantity_unshipped,
        }
        if line.is_gift:
            fulfillment["packing"] = {
                "giftOption": _drop_none(
                    {"giftMessage": line.gift_message, "giftWrapLevel": line.gift_wrap_level}
                )
            }
        item["fulfillment"] = fulfillment
    return item


def _package(shipment):
    return _drop_none(
        {
            "packageReferenceId": shipment.package_reference_id,
            "createdTime": iso(shipment.confirmed_at),
            "packageStatus": {"status": "SHIPPED"},
            "carrier": shipment.carrier_name or shipment.carrier_code,
            "shipTime": shipment.ship_date,
            "shippingService": shipment.shipping_method,
            "trackingNumber": shipment.tracking_number,
            "packageItems": [{"orderItemId": i, "quantity": q} for i, q in shipment.items],
        }
    )


def _programs(order):
    programs = []
    if order.is_prime:
        programs.append("PRIME")
    if order.is_business:
        programs.append("AMAZON_BUSINESS")
    return programs


def _payment_executions_2026(order):
    """One execution per method; the whole amount on the first (the others are shown with
    nothing paid: a simplification of split payments the connector does not read)."""
    return [
        {
            "paymentMethod": method,
            "paymentAmount": _money(order.total() if index == 0 else ZERO, order.currency),
        }
        for index, method in enumerate(order.payment_methods)
    ]


def order_2026(order, included=frozenset(), pii=True):
    """The v2026-01-01 ``Order`` with the ``includedData`` sets asked for."""
    body = {
        "orderId": order.order_id,
        "createdTime": iso(order.purchase_date),
        "lastUpdatedTime": iso(order.last_update),
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": order.marketplace_id,
            "marketplaceName": order.marketplace.name,
        },
    }
    if order.seller_order_id:
        body["orderAliases"] = [{"aliasId": order.seller_order_id, "aliasType": "SELLER_ORDER_ID"}]
    if _programs(order):
        body["programs"] = _programs(order)
    if "BUYER" in included and pii:
        body["buyer"] = _drop_none(
            {
                "buyerName": order.buyer.name,
                "buyerEmail": order.buyer.email,
                "buyerCompanyName": order.buyer.company,
                "buyerPurchaseOrderNumber": order.buyer.purchase_order_number,
            }
        )
    if "RECIPIENT" in included and order.status != "Pending":
        recipient = {"deliveryAddress": _customer_address(order.address, pii)}
        if order.buyer_note and pii:
            recipient["deliveryPreference"] = {"addressInstruction": order.buyer_note}
        body["recipient"] = recipient
    if "PROCEEDS" in included:
        body["proceeds"] = {
            "grandTotal": _money(order.total(), order.currency),
            "breakdowns": _order_breakdowns(order),
        }
    if "FULFILLMENT" in included:
        level = SERVICE_LEVELS.get(order.ship_service_level, ("STANDARD", None))[0]
        body["fulfillment"] = {
            "fulfillmentStatus": FULFILLMENT_STATUS[order.status],
            "fulfilledBy": order.fulfilled_by,
            "fulfillmentServiceLevel": level,
            "shipByWindow": {
                "earliestDateTime": iso(order.purchase_date + DAY),
                "latestDateTime": iso(order.purchase_date + 2 * DAY),
            },
        }
    if "PAYMENT" in included and order.payment_methods:
        body["payment"] = {"paymentExecutions": _payment_executions_2026(order)}
    body["orderItems"] = [_order_item(order, line, included) for line in order.lines]
    if "PACKAGES" in included and order.channel == "MFN" and order.shipments:
        body["packages"] = [_package(s) for s in order.shipments]
    return _malform_2026(body, order.malformations)


# ---------------------------------------------------------------- malformed orders

MALFORMATIONS = ("missing_sku", "bad_money", "zero_quantity", "missing_dates", "unexpected_status")
BAD_MONEY = "12,34 EUR"  # a locale-formatted amount: not the Decimal string the model promises
UNEXPECTED_STATUS_V0 = "Frobnicated"
UNEXPECTED_STATUS_2026 = "ON_HOLD_FOR_REVIEW"


def _malform_v0_order(body, kinds):
    if "bad_money" in kinds and "OrderTotal" in body:
        body["OrderTotal"]["Amount"] = BAD_MONEY
    if "missing_dates" in kinds:
        body.pop("PurchaseDate", None)
        body.pop("LastUpdateDate", None)
    if "unexpected_status" in kinds:
        body["OrderStatus"] = UNEXPECTED_STATUS_V0
    return body


def _malform_v0_item(body, kinds):
    if "missing_sku" in kinds:
        body.pop("SellerSKU", None)
    if "bad_money" in kinds:
        body["ItemPrice"]["Amount"] = BAD_MONEY
    if "zero_quantity" in kinds:
        body["QuantityOrdered"] = 0
    return body


def _malform_2026(body, kinds):
    items = body["orderItems"]
    if "missing_sku" in kinds:
        for item in items:
            item["product"].pop("sellerSku", None)
    if "bad_money" in kinds:
        for item in items:
            item["product"]["price"]["unitPrice"]["amount"] = BAD_MONEY
        if "proceeds" in body:
            body["proceeds"]["grandTotal"]["amount"] = BAD_MONEY
    if "zero_quantity" in kinds:
        for item in items:
            item["quantityOrdered"] = 0
    if "missing_dates" in kinds:
        body.pop("createdTime", None)
        body.pop("lastUpdatedTime", None)
    if "unexpected_status" in kinds and "fulfillment" in body:
        body["fulfillment"]["fulfillmentStatus"] = UNEXPECTED_STATUS_2026
    return body
