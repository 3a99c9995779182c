"""Orders API handlers, v2026-01-01 and v0, over the simulator's state.

Each handler takes ``(sim, request, token, **path_params)`` after authentication and rate
limiting have passed, and returns a SimResponse in the operation's documented shape.
"""

import functools
from dataclasses import dataclass
from operator import attrgetter

from ..core import SimResponse
from . import errors, wire
from .auth import ROLE_PII, RestrictedDataToken
from .state import FULFILLMENT_STATUS, parse_iso

# Amazon refuses a Before bound closer than two minutes to "now": orders are still settling.
BEFORE_MARGIN = 120
MAX_PAGE = 100

INCLUDED_DATA = frozenset(
    {
        "BUYER",
        "RECIPIENT",
        "PROCEEDS",
        "EXPENSE",
        "PROMOTION",
        "CANCELLATION",
        "FULFILLMENT",
        "PACKAGES",
        "TAX",
        "PAYMENT",
        "FULFILLMENT_ORDERS",
    }
)
FULFILLED_BY = {"MERCHANT": "MFN", "AMAZON": "AFN"}
V0_STATUSES = frozenset(FULFILLMENT_STATUS)
V0_CHANNELS = frozenset({"MFN", "AFN"})


class BadRequest(Exception):
    """A 400 with Amazon's error list; carries every message found."""

    def __init__(self, *messages):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class Window:
    """Which orders a search covers: by creation or by last update, between two times."""

    field: str  # "purchase_date" or "last_update"
    after: float
    before: float


@dataclass
class PageCursor:
    order_ids: list
    offset: int
    page_size: int
    window: Window
    extra: dict  # per-API rendering options (includedData, ...)


# ---------------------------------------------------------------- shared search logic


def _date(request, name):
    text = request.arg(name)
    if text is None or text == "":
        return None
    try:
        return parse_iso(text)
    except ValueError:
        raise BadRequest("Invalid Input: %s must be an ISO 8601 date-time." % name) from None


def _window(sim, request, names):
    """Validate the date rules shared by getOrders and searchOrders; return the Window."""
    created_after, created_before, updated_after, updated_before = names
    values = {name: _date(request, name) for name in names}
    by_creation = values[created_after] is not None
    by_update = values[updated_after] is not None
    if by_creation == by_update:
        raise BadRequest("Exactly one of %s and %s is required." % (created_after, updated_after))
    if by_creation and values[updated_before] is not None:
        raise BadRequest("%s cannot be set with %s." % (updated_before, created_after))
    if by_update and values[created_before] is not None:
        raise BadRequest("%s cannot be set with %s." % (created_before, updated_after))
    after_name, before_name = (
        (created_after, created_before) if by_creation else (updated_after, updated_before)
    )
    latest = sim.clock.now() - BEFORE_MARGIN
    after, before = values[after_name], values[before_name]
    if before is None:
        before = latest
    elif before > latest:
        raise BadRequest("%s must be at least two minutes before the current time." % before_name)
    if after > before:
        raise BadRequest("%s must be before %s." % (after_name, before_name))
    return Window("purchase_date" if by_creation else "last_update", after, before)


def _page_size(request, name):
    text = request.arg(name)
    if text is None:
        return MAX_PAGE
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise BadRequest("%s must be an integer between 1 and %d." % (name, MAX_PAGE))
    return int(text)


def _enum_list(request, name, allowed):
    values = request.args(name)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise BadRequest("Invalid %s: %s" % (name, ", ".join(unknown)))
    return set(values)


def _all_of(*criteria):
    """An order filter from ``(wanted values, value of the order)`` pairs: the order's value
    must be among the wanted ones; a filter the request left out (no values) keeps every order."""
    given = [(wanted, value_of) for wanted, value_of in criteria if wanted]
    return lambda order: all(value_of(order) in wanted for wanted, value_of in given)


def _matching_ids(sim, window, keep):
    """Ids of visible orders in the window that ``keep`` accepts, oldest first by the field
    (newest first with ``sim.search_newest_first``: Amazon's documentation promises neither)."""
    found = []
    for order in sim.visible_orders():
        moment = getattr(order, window.field)
        if window.after <= moment <= window.before and keep(order):
            found.append((moment, order.order_id))
    found.sort(reverse=sim.search_newest_first)
    return [order_id for _moment, order_id in found]


def _page(sim, cursor):
    """The orders of this page and the token of the next one (None on the last page)."""
    end = cursor.offset + cursor.page_size
    orders = [sim.orders[i] for i in cursor.order_ids[cursor.offset : end]]
    next_token = None
    if end < len(cursor.order_ids):
        next_token = sim.new_page_token(
            PageCursor(cursor.order_ids, end, cursor.page_size, cursor.window, cursor.extra)
        )
    return orders, next_token


def _invalid_input_answered(operation):
    """The operation answers 400 with Amazon's error list when its input is refused."""

    @functools.wraps(operation)
    def answer(*args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except BadRequest as problem:
            return errors.many_invalid_inputs(problem.messages)

    return answer


def _continued_cursor(sim, request, token_param, version_mark):
    """The search a page token continues, None for a new search. The token carries the original
    filters (Amazon ignores the others); a token of the other API version is refused."""
    token = request.arg(token_param)
    if not token:
        return None
    cursor = sim.page_token(token)
    if cursor is None or version_mark not in cursor.extra:
        raise BadRequest("Invalid %s." % token_param)
    return cursor


def _window_bound(cursor, created_before, updated_before):
    """The end of the window searched, named as the request named its start."""
    bound = created_before if cursor.window.field == "purchase_date" else updated_before
    return {bound: wire.iso(cursor.window.before)}


def _order_or_404(sim, order_id):
    order = sim.visible_order(order_id)
    if order is None:
        return None, errors.not_found("Invalid order ID: %s" % order_id)
    return order, None


# ---------------------------------------------------------------- v2026-01-01


@_invalid_input_answered
def search_orders(sim, request, token):
    cursor = _search_cursor(sim, request)
    orders, next_token = _page(sim, cursor)
    pii = sim.authority.has_role(token.seller_id, ROLE_PII)
    included = cursor.extra["includedData"]
    body = {"orders": [wire.order_2026(o, included, pii) for o in orders]}
    if next_token:
        body["pagination"] = {"nextToken": next_token}
    body.update(_window_bound(cursor, "createdBefore", "lastUpdatedBefore"))
    return SimResponse.json(200, body)


def _search_cursor(sim, request):
    continued = _continued_cursor(sim, request, "paginationToken", "includedData")
    if continued is not None:
        return continued
    window = _window(
        sim, request, ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore")
    )
    statuses = _enum_list(request, "fulfillmentStatuses", set(FULFILLMENT_STATUS.values()))
    fulfilled_by = _enum_list(request, "fulfilledBy", set(FULFILLED_BY))
    included = frozenset(_enum_list(request, "includedData", INCLUDED_DATA))
    marketplaces = set(request.args("marketplaceIds"))
    if len(marketplaces) > 50:
        raise BadRequest("marketplaceIds accepts at most 50 values.")
    page_size = _page_size(request, "maxResultsPerPage")
    keep = _all_of(
        (statuses, lambda order: FULFILLMENT_STATUS.get(order.status)),
        ({FULFILLED_BY[f] for f in fulfilled_by}, attrgetter("channel")),
        (marketplaces, attrgetter("marketplace_id")),
    )
    return PageCursor(
        _matching_ids(sim, window, keep), 0, page_size, window, {"includedData": included}
    )


@_invalid_input_answered
def get_order_2026(sim, request, token, orderId):
    order, missing = _order_or_404(sim, orderId)
    if missing:
        return missing
    included = frozenset(_enum_list(request, "includedData", INCLUDED_DATA))
    pii = sim.authority.has_role(token.seller_id, ROLE_PII)
    return SimResponse.json(200, {"order": wire.order_2026(order, included, pii)})


# ---------------------------------------------------------------- v0


def _data_elements(token, request):
    """What PII the caller may see: only an RDT covering this very request grants any."""
    if isinstance(token, RestrictedDataToken):
        return token.grant_for(request.method, request.path) or frozenset()
    return frozenset()


@_invalid_input_answered
def get_orders(sim, request, token):
    cursor = _get_orders_cursor(sim, request)
    orders, next_token = _page(sim, cursor)
    elements = _data_elements(token, request)
    payload = {"Orders": [wire.order_v0(o, elements) for o in orders]}
    if next_token:
        payload["NextToken"] = next_token
    payload.update(_window_bound(cursor, "CreatedBefore", "LastUpdatedBefore"))
    return SimResponse.json(200, {"payload": payload})


def _get_orders_cursor(sim, request):
    if not request.args("MarketplaceIds"):
        raise BadRequest("MarketplaceIds is required.")
    continued = _continued_cursor(sim, request, "NextToken", "v0")
    if continued is not None:
        return continued
    window = _window(
        sim, request, ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore")
    )
    statuses = _enum_list(request, "OrderStatuses", V0_STATUSES)
    channels = _enum_list(request, "FulfillmentChannels", V0_CHANNELS)
    marketplaces = set(request.args("MarketplaceIds"))
    page_size = _page_size(request, "MaxResultsPerPage")
    keep = _all_of(
        (marketplaces, attrgetter("marketplace_id")),  # required, so never empty
        (statuses, attrgetter("status")),
        (channels, attrgetter("channel")),
        (set(request.args("AmazonOrderIds")), attrgetter("order_id")),
    )
    return PageCursor(_matching_ids(sim, window, keep), 0, page_size, window, {"v0": True})


def get_order_v0(sim, request, token, orderId):
    order, missing = _order_or_404(sim, orderId)
    if missing:
        return missing
    payload = wire.order_v0(order, _data_elements(token, request))
    return SimResponse.json(200, {"payload": payload})


def get_order_items(sim, request, token, orderId):
    order, missing = _order_or_404(sim, orderId)
    if missing:
        return missing
    offset = 0
    next_token = request.arg("NextToken")
    if next_token:
        cursor = sim.page_token(next_token)
        if cursor is None or cursor.extra.get("items_of") != orderId:
            return errors.invalid_input("Invalid NextToken.")
        offset = cursor.offset
    size = sim.order_items_page_size
    lines = order.lines[offset : offset + size]
    elements = _data_elements(token, request)
    payload = {
        "AmazonOrderId": order.order_id,
        "OrderItems": [wire.order_item_v0(order, line, elements) for line in lines],
    }
    if offset + size < len(order.lines):
        payload["NextToken"] = sim.new_page_token(
            PageCursor([], offset + size, size, None, {"items_of": orderId})
        )
    return SimResponse.json(200, {"payload": payload})


def _personal_data_v0(render):
    """An operation answering one order's personal data as ``render(order, restricted)`` gives
    it: in full only to a Restricted Data Token covering the request."""

    def operation(sim, request, token, orderId):
        order, missing = _order_or_404(sim, orderId)
        if missing:
            return missing
        restricted = bool(_data_elements(token, request))
        return SimResponse.json(200, {"payload": render(order, restricted)})

    return operation


get_order_address = _personal_data_v0(wire.order_address_v0)
get_order_buyer_info = _personal_data_v0(wire.order_buyer_info_v0)


def create_restricted_data_token(sim, request, token):
    try:
        body = request.json()
    except ValueError:
        return errors.sp_error(400, "InvalidRequest", "Request body is not valid JSON")
    payload, problem = sim.authority.create_rdt(token.seller_id, body)
    return problem or SimResponse.json(200, payload)
