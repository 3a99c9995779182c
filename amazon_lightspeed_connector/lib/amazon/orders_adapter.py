"""The Orders API as the order import sees it, whichever version the channel reads.

The import pages through the orders updated since its cursor and stores each one; it never
looks inside an order's JSON. What it asks of an order (its id, whether Amazon fulfils it,
when it last changed, the whole ``AmazonOrder`` with its payment method) the adapter of the
channel's version answers:

- ``OrdersV0``: ``getOrders`` pages (buyer and address inline through one Restricted Data
  Token), then ``getOrderItems`` per order. That call is the costly part (0.5 per second), so
  an order whose header shows it unchanged since it was stored is passed over unread.
- ``Orders2026``: ``searchOrders`` pages with items, buyer, recipient and payment inline.

``orders_adapter(version, client)`` picks one for an ``orders_api_version`` value.
"""

from ..errors import PayloadError
from .client import IMPORT_INCLUDED_DATA, MAX_PAGE_SIZE
from .order_data import AMAZON_FULFILLED, parse_datetime
from .order_mapping import is_valid_order_id, map_order_v0, map_order_v2026


class OrdersAdapter:
    """One Orders API version, bound to a client. Raw orders stay opaque to the caller."""

    ORDER_ID = None  # the key of an order's id in this version's payload
    LAST_UPDATED = None  # ... and of when it last changed
    # Reading the whole order costs calls beyond the search (a header may spare them).
    reading_costs_calls = False

    def __init__(self, client):
        self.client = client

    @property
    def pacer(self):
        return getattr(self.client, "pacer", None)

    def search_page(self, after, page_token=None, page_size=MAX_PAGE_SIZE, before=None):
        """One ``OrderPage`` of orders updated since ``after`` (``page_token``: the next);
        ``before``: the search's upper bound (None: two minutes ago), for a new search only."""
        raise NotImplementedError

    def read_order(self, raw):
        """The ``AmazonOrder`` of one raw order, payment method included; ``PayloadError``
        when it is malformed, ``ConnectorError`` when a further call fails."""
        raise NotImplementedError

    def is_amazon_fulfilled(self, raw):
        """Whether Amazon ships this order (FBA), read before any further call."""
        raise NotImplementedError

    def order_id(self, raw):
        """The order's id when it is one the connector can store, else None."""
        order_id = raw.get(self.ORDER_ID) if isinstance(raw, dict) else None
        return order_id if is_valid_order_id(order_id) else None

    def last_updated(self, raw):
        """When Amazon last changed the order (aware UTC), None when the payload does not
        say in a readable way (the full mapping then reports it)."""
        if not isinstance(raw, dict):
            return None
        try:
            return parse_datetime(raw.get(self.LAST_UPDATED), self.LAST_UPDATED, self.order_id(raw))
        except PayloadError:
            return None

    @staticmethod
    def search_end(page):
        """The upper bound Amazon searched up to (aware UTC), None when absent or unreadable:
        the import's cursor never passes it."""
        if not page.window_end:
            return None
        try:
            return parse_datetime(page.window_end, "window end", "-")
        except PayloadError:
            return None


class OrdersV0(OrdersAdapter):
    ORDER_ID = "AmazonOrderId"
    LAST_UPDATED = "LastUpdateDate"
    reading_costs_calls = True  # getOrderItems, one per order

    def search_page(self, after, page_token=None, page_size=MAX_PAGE_SIZE, before=None):
        return self.client.get_orders(after, before, next_token=page_token, max_per_page=page_size)

    def read_order(self, raw):
        order_id = self.order_id(raw)
        # without an id the mapping refuses the order; no call is made for it
        items = self.client.get_order_items(order_id) if order_id else []
        return map_order_v0(raw, items)

    def is_amazon_fulfilled(self, raw):
        return isinstance(raw, dict) and raw.get("FulfillmentChannel") == AMAZON_FULFILLED


class Orders2026(OrdersAdapter):
    ORDER_ID = "orderId"
    LAST_UPDATED = "lastUpdatedTime"

    def search_page(self, after, page_token=None, page_size=MAX_PAGE_SIZE, before=None):
        return self.client.search_orders(
            after,
            before,
            page_token=page_token,
            included_data=IMPORT_INCLUDED_DATA,
            max_per_page=page_size,
        )

    def read_order(self, raw):
        return map_order_v2026(raw)

    def is_amazon_fulfilled(self, raw):
        fulfillment = raw.get("fulfillment") if isinstance(raw, dict) else None
        return isinstance(fulfillment, dict) and fulfillment.get("fulfilledBy") == "AMAZON"


ADAPTERS = {"v0": OrdersV0, "2026-01-01": Orders2026}


def orders_adapter(version, client):
    """The adapter of an ``orders_api_version`` value ("v0" or "2026-01-01")."""
    return ADAPTERS[version](client)
