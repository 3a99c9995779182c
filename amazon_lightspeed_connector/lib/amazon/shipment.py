"""Ship confirmations for Amazon (Orders v0 confirmShipment), one per package.

A whole order ships as one package; a split order ships one package per store, each naming
only its own order items. ``build_confirmation`` writes the request body and refuses, with a
PermanentError the record can show, what Amazon would refuse anyway:

- an order fulfilled by Amazon, or one that is pending or cancelled;
- an order item that is not on the order, a quantity below 1, or more units than are left
  to ship (ordered − already shipped, where "already shipped" is the larger of Amazon's own
  count on the order and the connector's count of confirmed packages: both describe the
  same parcels, and whichever was read last knows more);
- no tracking number, or the carrier code "Other" without a carrier name.

The ship date goes out in UTC ISO 8601 with a ``Z``, to the second. Amazon refuses a date in
the future, so ``ship_date_ready`` says whether a confirmation may go now or when it may.
Package reference ids must be positive numeric strings, unique per package within an order:
``next_package_reference_id`` hands out the next one. After a call whose outcome is unknown (a
lost answer, a killed worker), ``recorded_package`` finds the package in the order Amazon
returns (v2026-01-01 getOrder with includedData PACKAGES) before anything is sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from ..errors import PayloadError, PermanentError
from .order_data import AMAZON_FULFILLED, CANCELED, PENDING

OTHER_CARRIER = "Other"
_REFUSED_STATUSES = {PENDING: "pending", CANCELED: "cancelled"}


@dataclass(frozen=True)
class CarrierChoice:
    """What the carrier mapping says: Amazon's carrier code, or "Other" and a name."""

    code: str | None
    name: str | None = None


def carrier_fields(carrier, order_id=""):
    """``{"carrierCode": ..., ["carrierName": ...]}`` from a mapping result.

    ``carrier`` is a CarrierChoice, a ``(code, name)`` pair or a bare code. A name without a
    code means "Other" with that name.
    """
    if isinstance(carrier, str):
        carrier = CarrierChoice(carrier)
    elif not isinstance(carrier, CarrierChoice):
        carrier = CarrierChoice(*carrier)
    code = (carrier.code or "").strip()
    name = (carrier.name or "").strip()
    if not code and not name:
        raise PermanentError(
            "Order %s: no carrier was chosen for the parcel: pick it in Shipments (or on the "
            "routed order), then Retry." % order_id,
            code="CarrierMissing",
        )
    if not code or code.lower() == OTHER_CARRIER.lower():
        if not name:
            raise PermanentError(
                'Order %s: carrier code "Other" needs a carrier name.' % order_id,
                code="CarrierNameMissing",
            )
        return {"carrierCode": OTHER_CARRIER, "carrierName": name}
    return {"carrierCode": code}


# ---------------------------------------------------------------- package reference ids


def normalize_package_reference_id(value):
    """``value`` as a positive numeric string ("7"); ValueError for anything else."""
    text = str(value).strip() if not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ValueError("a package reference id is a positive whole number, not %r" % (value,))
    return str(int(text))  # "007" and "7" are the same package to Amazon: write it one way


def next_package_reference_id(used_ids):
    """The smallest id above every numeric id already used for the order ("1" for the first).

    Ids that are not positive numbers (a legacy "PKG-1") cannot collide with a numeric one
    and are skipped.
    """
    numbers = [int(i) for i in map(str, used_ids) if i.strip().isascii() and i.strip().isdigit()]
    return str(max(numbers, default=0) + 1)


def recorded_package(order, package_reference_id):
    """The package Amazon recorded under ``package_reference_id`` in ``order`` (a v2026-01-01
    ``Order`` read with includedData PACKAGES), or None when Amazon has no such package.

    Amazon leaves ``packages`` out when the order has none. An answer that cannot be read
    raises PayloadError: guessing "absent" would send the package a second time.
    """
    wanted = normalize_package_reference_id(package_reference_id)
    packages = order.get("packages") if isinstance(order, dict) else None
    if packages is None:
        return None
    if not isinstance(packages, list):
        raise PayloadError("Amazon's order packages are not a list: %r" % (packages,))
    for package in packages:
        reference = package.get("packageReferenceId") if isinstance(package, dict) else None
        if reference is None:
            raise PayloadError("An order package from Amazon has no packageReferenceId.")
        try:
            if normalize_package_reference_id(reference) == wanted:
                return package
        except ValueError:
            continue  # a package id that is not ours ("PKG-1" from another tool)
    return None


# ---------------------------------------------------------------- ship date


def to_utc(moment):
    """An aware UTC datetime from a datetime (naive = UTC, as Odoo stores it) or a date."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            return moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    if isinstance(moment, date):
        return datetime.combine(moment, time(0), tzinfo=timezone.utc)
    raise TypeError("expected a date or datetime, got %r" % (moment,))


def amazon_date(moment):
    """ISO 8601 in UTC with a Z, to the second (rounded down), as Amazon documents it."""
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Readiness:
    ready: bool
    not_before: datetime  # when the confirmation may go (the ship date, in UTC)

    def __bool__(self):
        return self.ready


def ship_date_ready(ship_date, now):
    """May a confirmation with this ship date go at ``now``? If not, ``not_before`` says when.

    Compared to the second, as sent: a ship date of 10:00:00.7 may go at 10:00:00.
    """
    not_before = to_utc(ship_date).replace(microsecond=0)
    return Readiness(to_utc(now) >= not_before, not_before)


# ---------------------------------------------------------------- quantities


def shippable_quantities(order, already_shipped=None):
    """``{order item id: units left to ship}`` for every line of ``order``."""
    already_shipped = already_shipped or {}
    left = {}
    for line in order.lines:
        shipped = max(line.quantity_shipped or 0, already_shipped.get(line.order_item_id, 0))
        left[line.order_item_id] = max(line.quantity_ordered - shipped, 0)
    return left


def _package_items(order, package_lines, already_shipped):
    left = shippable_quantities(order, already_shipped)
    wanted = {}
    for order_item_id, quantity in package_lines:
        order_item_id = str(order_item_id)
        if order_item_id not in left:
            raise _refused(order, "item %s is not on the order" % order_item_id, "UnknownItem")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise _refused(
                order,
                "item %s has quantity %r; it must be 1 or more" % (order_item_id, quantity),
                "BadQuantity",
            )
        wanted[order_item_id] = wanted.get(order_item_id, 0) + quantity
    if not wanted:
        raise _refused(order, "a package needs at least one item", "EmptyPackage")
    for order_item_id, quantity in wanted.items():
        if quantity > left[order_item_id]:
            raise _refused(
                order,
                "item %s: %d unit(s) in the package but only %d left to ship"
                % (order_item_id, quantity, left[order_item_id]),
                "OverShipment",
            )
    return [{"orderItemId": item, "quantity": quantity} for item, quantity in wanted.items()]


def _refused(order, reason, code):
    # A PermanentError like Amazon's own refusals: the flow keeps the message on the record.
    return PermanentError("Order %s: %s." % (order.amazon_order_id, reason), code=code)


# ---------------------------------------------------------------- the request


def build_confirmation(
    order,
    package_lines,
    carrier,
    tracking_number,
    ship_date,
    package_reference_id,
    shipping_method=None,
    already_shipped=None,
):
    """The confirmShipment request body for one package of ``order`` (an AmazonOrder).

    ``package_lines`` is ``[(order item id, quantity), ...]``; ``carrier`` what the carrier
    mapping gave (see ``carrier_fields``); ``already_shipped`` the connector's own
    ``{order item id: units}`` in packages confirmed before this one.
    """
    if order.fulfillment_channel == AMAZON_FULFILLED:
        raise _refused(order, "it is fulfilled by Amazon, who confirms it", "FulfilledByAmazon")
    if order.status in _REFUSED_STATUSES:
        raise _refused(
            order, "it is %s and cannot be shipped" % _REFUSED_STATUSES[order.status], "BadStatus"
        )
    tracking_number = (tracking_number or "").strip()
    if not tracking_number:
        raise _refused(order, "a ship confirmation needs a tracking number", "TrackingMissing")
    package = {"packageReferenceId": normalize_package_reference_id(package_reference_id)}
    package.update(carrier_fields(carrier, order.amazon_order_id))
    if shipping_method and shipping_method.strip():
        package["shippingMethod"] = shipping_method.strip()
    package["trackingNumber"] = tracking_number
    package["shipDate"] = amazon_date(ship_date)
    package["orderItems"] = _package_items(order, package_lines, already_shipped)
    return {"marketplaceId": order.marketplace_id, "packageDetail": package}


# ---------------------------------------------------------------- packages of a split order


def allocate_package_items(order_items, packages):
    """Which order items (and how many of each) every package of an order carries.

    Routing speaks of products, Amazon of order items: an order may list one product on two
    items. ``order_items`` is ``[(order item id, product key, quantity ordered), ...]`` in the
    order's line order; ``packages`` is ``[(package key, [(product key, quantity), ...]), ...]``
    in part order. Items are handed out first come, first served, so every package gets the
    same items whichever of them is confirmed first. Returns ``{package key: [(order item id,
    quantity), ...]}``; a PermanentError when a package holds more of a product than the order.
    """
    left = [[item_id, product, quantity] for item_id, product, quantity in order_items]
    allocation = {}
    for key, lines in packages:
        items = {}
        for product, quantity in lines:
            wanted = quantity
            for slot in left:
                if wanted <= 0:
                    break
                if slot[1] != product or slot[2] <= 0:
                    continue
                taken = min(wanted, slot[2])
                slot[2] -= taken
                wanted -= taken
                items[slot[0]] = items.get(slot[0], 0) + taken
            if wanted > 0:
                raise PermanentError(
                    "Package %s holds %d unit(s) of %s that no order item of the order has left."
                    % (key, wanted, product),
                    code="UnknownItem",
                )
        allocation[key] = list(items.items())
    return allocation
