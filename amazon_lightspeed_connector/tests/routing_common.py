"""An Amazon channel routing to the demo shop (stores A default, B, C) as a fixture, and Amazon
orders built the way the import builds them."""

from odoo import Command

from ..models.amazon_order import NO_MAIL
from .common import offer_on_amazon
from .connector_common import ConnectorCase
from .simulators.demo_catalogue import AMAZON_DEMO
from .stock_common import DemoShop

# The buyers of the routing tests ship to Seattle (98101); B is some 230 km from there.
NEW_YORK, PORTLAND, SEATTLE = (40.7484, -73.9967), (45.5078, -122.6897), (47.6114, -122.3305)


def build_amazon_order(env, account, name, lines, case=None):
    """Store an unshipped MFN order of ``(sku, quantity)`` lines as the import does, then build
    its sale order (``_try_sale_order``), which hands it to routing."""
    offers = env["amazon.offer"].search([("account_id", "=", account.id)])
    titles = {offer.seller_sku: offer.product_id.name for offer in offers}
    number = name.replace("-", "")
    order = (
        env["amazon.order"]
        .with_context(**NO_MAIL)
        .create(
            {
                "name": name,
                "account_id": account.id,
                "marketplace_id": AMAZON_DEMO["marketplace_id"],
                "status": "unshipped",
                "fulfillment_channel": "MFN",
                "buyer_name": "Jane Buyer",
                "buyer_email": "jane%s@marketplace.amazon.com" % number,
                "ship_name": "Jane Buyer",
                "ship_street": "1 Main Street",
                "ship_city": "Seattle",
                "ship_zip": "98101",
                "ship_country_code": "US",
                "currency_id": account.company_id.currency_id.id,
                "line_ids": [
                    Command.create(
                        {
                            "order_item_id": "%s%s" % (number, index),
                            "seller_sku": sku,
                            "title": titles.get(sku),
                            "quantity": quantity,
                            "item_price": 10.0 * quantity,
                        }
                    )
                    for index, (sku, quantity) in enumerate(lines)
                ],
            }
        )
    )
    built = order._try_sale_order()
    if case is not None:
        case.assertTrue(built, order.import_error)
    return order


class RoutingChannel:
    """Fixtures and helpers of an Amazon channel routing to the demo shop, for a ConnectorCase
    with the DemoShop."""

    @classmethod
    def create_held_order_handlers(cls):
        cls.queue_group = cls.env["res.groups"].create(
            {"name": "Held order handlers", "users": [Command.link(cls.user.id)]}
        )

    def open_routing_channel(self):
        """``self.amazon``: a channel routing to stores A (default), B and C in "best" mode, every
        demo SKU bound; its held orders go to the handlers."""
        self.amazon = self.amazon_account(
            "http://127.0.0.1:9",
            lightspeed_account_id=self.lightspeed.id,
            default_warehouse_id=self.store_a.id,
            routing_mode="best",
            queue_notify_emails="backoffice@example.com, manager@example.com",
            queue_activity_group_id=self.queue_group.id,
        )
        offer_on_amazon(self.env, self.amazon, self.products, AMAZON_DEMO["marketplace_id"])
        self.order_number = 0

    # --- helpers ----------------------------------------------------------------------------

    def locate_stores(self):
        """Store A in New York, B in Portland, C in Seattle: C nearest the buyer, A ranked best."""
        for store, (latitude, longitude) in (
            (self.store_a, NEW_YORK),
            (self.store_b, PORTLAND),
            (self.store_c, SEATTLE),
        ):
            store.write({"routing_latitude": latitude, "routing_longitude": longitude})

    def set_mode(self, mode, fallback=None):
        values = {"routing_mode": mode}
        if fallback:
            values["split_fallback"] = fallback
        self.amazon.write(values)

    def import_order(self, *lines):
        """An unshipped merchant-fulfilled order of ``(sku, quantity)`` lines, stored and given
        its sale order as the import does (which hands it to routing)."""
        self.order_number += 1
        name = "113-%07d-%07d" % (self.order_number, self.order_number)
        return build_amazon_order(self.env, self.amazon, name, lines, self)

    def parts(self, order):
        return order.routed_order_ids.sorted("part_number")

    def quantities(self, routed):
        return {line.product_id.default_code: line.quantity for line in routed.line_ids}

    def missing(self, routed):
        return {
            line.product_id.default_code: line.missing_qty
            for line in routed.line_ids
            if line.missing_qty
        }

    def notes(self, order):
        """The bodies of the order's chatter messages, newest first."""
        return [message.body for message in order.message_ids if message.body]


class RoutingCase(DemoShop, RoutingChannel, ConnectorCase):
    """Every test starts from the demo shop and a channel routing to it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_demo_catalogue()
        cls.create_held_order_handlers()

    def setUp(self):
        super().setUp()
        self.open_demo_shop()
        self.open_routing_channel()
