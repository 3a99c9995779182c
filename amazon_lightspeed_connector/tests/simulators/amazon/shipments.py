"""confirmShipment: validate a package the way Amazon does, record it, move the order on."""

from dataclasses import dataclass

from ..core import SimResponse
from . import errors
from .state import Shipment, parse_iso

REQUIRED_PACKAGE_FIELDS = ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate")


@dataclass
class ConfirmationAttempt:
    """Every confirmShipment call, accepted or refused, so tests can count retries."""

    order_id: str
    body: object
    status: int
    at: float


def confirm_shipment(sim, request, token, orderId):
    response = _confirm(sim, request, orderId)
    try:
        body = request.json()
    except ValueError:
        body = None
    sim.confirmations.append(ConfirmationAttempt(orderId, body, response.status, sim.clock.now()))
    return response


def _confirm(sim, request, order_id):
    order = sim.visible_order(order_id)
    if order is None:
        return errors.not_found("Invalid order ID: %s" % order_id)
    try:
        body = request.json()
    except ValueError:
        return errors.invalid_input("Request body is not valid JSON.")
    problems = _request_problems(body, order)
    if not problems:
        problems = _item_problems(body["packageDetail"]["orderItems"], order)
    if problems:
        return errors.many_invalid_inputs(problems)
    _record(sim, order, body)
    return SimResponse(204, {}, b"")


def _request_problems(body, order):
    if not isinstance(body, dict):
        return ["Request body must be a ConfirmShipmentRequest object."]
    problems = []
    marketplace_id = body.get("marketplaceId")
    if not marketplace_id:
        problems.append("Missing request parameter: marketplaceId.")
    elif marketplace_id != order.marketplace_id:
        problems.append("Marketplace ID %s does not match the order." % marketplace_id)
    package = body.get("packageDetail")
    if not isinstance(package, dict):
        return [*problems, "Missing request parameter: packageDetail."]
    problems.extend(
        "Missing request parameter: packageDetail.%s." % name
        for name in REQUIRED_PACKAGE_FIELDS
        if not package.get(name)
    )
    if package.get("carrierCode") == "Other" and not package.get("carrierName"):
        problems.append("carrierName is required when carrierCode is Other.")
    if package.get("shipDate"):
        try:
            parse_iso(package["shipDate"])
        except ValueError:
            problems.append("shipDate must be an ISO 8601 date-time.")
    items = package.get("orderItems")
    if not isinstance(items, list) or not items:
        problems.append("Missing request parameter: packageDetail.orderItems.")
    if order.channel == "AFN":
        problems.append("Order %s is fulfilled by Amazon." % order.order_id)
    if order.status in ("Pending", "Canceled", "Shipped"):
        problems.append("Order %s is %s and cannot be confirmed." % (order.order_id, order.status))
    if any(s.package_reference_id == package.get("packageReferenceId") for s in order.shipments):
        problems.append("packageReferenceId %s was already used." % package["packageReferenceId"])
    return problems


def _item_problems(items, order):
    problems = []
    wanted = {}
    for item in items:
        item_id = item.get("orderItemId") if isinstance(item, dict) else None
        quantity = item.get("quantity") if isinstance(item, dict) else None
        line = order.line(item_id)
        if line is None:
            problems.append("Invalid orderItemId: %s." % item_id)
        elif not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            problems.append("Invalid quantity for orderItemId %s." % item_id)
        else:
            wanted[item_id] = wanted.get(item_id, 0) + quantity
    for item_id, quantity in wanted.items():
        line = order.line(item_id)
        if line.quantity_unshipped == 0:
            problems.append("orderItemId %s is already shipped." % item_id)
        elif quantity > line.quantity_unshipped:
            problems.append(
                "Quantity %d for orderItemId %s exceeds the %d left to ship."
                % (quantity, item_id, line.quantity_unshipped)
            )
    return problems


def _record(sim, order, body):
    package = body["packageDetail"]
    items = [(i["orderItemId"], i["quantity"]) for i in package["orderItems"]]
    for item_id, quantity in items:
        order.line(item_id).quantity_shipped += quantity
    now = sim.clock.now()
    order.shipments.append(
        Shipment(
            order.order_id,
            package["packageReferenceId"],
            package["carrierCode"],
            package.get("carrierName"),
            package.get("shippingMethod"),
            package["trackingNumber"],
            package["shipDate"],
            items,
            now,
            body["marketplaceId"],
        )
    )
    status = "Shipped" if order.items_unshipped() == 0 else "PartiallyShipped"
    sim.change_status(order, status, now)
