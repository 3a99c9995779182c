"""The test-facing side of the Amazon simulator: build a world, then inspect what happened.

Tests describe orders in plain terms (SKU, quantity, unit price as a string) and let the
simulator invent ids, addresses and timestamps from its seeded generator, so the same seed
always gives the same world. Generators are plain loops with no per-order I/O: 10,000 orders
take well under a second or two.
"""

import gzip
from dataclasses import dataclass

from ..core import SystemClock
from ..demo_catalogue import AMAZON_DEMO, PRODUCTS
from . import returns_report, settlement, wire
from .state import (
    MARKETPLACES,
    SERVICE_LEVELS,
    Address,
    Buyer,
    Offer,
    Order,
    OrderLine,
    Report,
    dec,
)

DEMO_PRICES = {p.sku: p.price for p in PRODUCTS}
DEMO_TITLES = {p.sku: p.name for p in PRODUCTS}
_FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken")
_LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")
_CITIES = (("Seattle", "WA", "98109"), ("Austin", "TX", "73301"), ("Boston", "MA", "02108"))


@dataclass
class LineSpec:
    """One order line as a test describes it; money as strings, like the wire."""

    sku: str
    quantity: int = 1
    price: str = None  # unit price; defaults to the demo catalogue's price or 10.00
    tax: str = "0.00"  # tax for the whole line
    promotion_discount: str = "0.00"
    promotion_discount_tax: str = "0.00"
    promotion_ids: tuple = ()
    shipping_price: str = "0.00"
    shipping_tax: str = "0.00"
    shipping_discount: str = "0.00"
    shipping_discount_tax: str = "0.00"
    gift_wrap_price: str = "0.00"
    gift_wrap_tax: str = "0.00"
    gift_message: str = None
    gift_wrap_level: str = None
    title: str = None


def line(sku, quantity=1, price=None, **extra):
    """Shorthand for LineSpec: ``line("JBJ-S", 2, "59.00", tax="9.44")``."""
    return LineSpec(sku, quantity, price, **extra)


class ScenarioMixin:
    """Mixed into AmazonSimulator; every method works on the simulator's own state."""

    # ------------------------------------------------------------ orders

    def _order_id(self):
        return "%03d-%07d-%07d" % (
            self.random.randrange(100, 1000),
            self.random.randrange(10**7),
            self.random.randrange(10**7),
        )

    def _line(self, spec):
        return OrderLine(
            order_item_id=self.new_id("", 14),
            sku=spec.sku,
            quantity=spec.quantity,
            unit_price=dec(spec.price or DEMO_PRICES.get(spec.sku, "10.00")),
            item_tax=dec(spec.tax),
            promotion_discount=dec(spec.promotion_discount),
            promotion_discount_tax=dec(spec.promotion_discount_tax),
            promotion_ids=tuple(spec.promotion_ids),
            shipping_price=dec(spec.shipping_price),
            shipping_tax=dec(spec.shipping_tax),
            shipping_discount=dec(spec.shipping_discount),
            shipping_discount_tax=dec(spec.shipping_discount_tax),
            gift_wrap_price=dec(spec.gift_wrap_price),
            gift_wrap_tax=dec(spec.gift_wrap_tax),
            gift_message=spec.gift_message,
            gift_wrap_level=spec.gift_wrap_level,
            title=spec.title or DEMO_TITLES.get(spec.sku, "Product %s" % spec.sku),
            asin="B0" + self.new_id("", 8),
        )

    def _buyer_and_address(self, country):
        first = self.random.choice(_FIRST_NAMES)
        last = self.random.choice(_LAST_NAMES)
        city, state, postal = self.random.choice(_CITIES)
        name = "%s %s" % (first, last)
        email = "%s@marketplace.amazon.com" % self.new_id("", 12)
        street = "%d %s St" % (self.random.randrange(1, 999), last)
        return Buyer(name, email), Address(name, street, None, city, state, postal, country)

    def add_order(
        self,
        lines,
        *,
        order_id=None,
        created=None,
        status="Unshipped",
        channel="MFN",
        marketplace_id=None,
        currency=None,
        ship_service_level="Standard",
        prime=False,
        business=False,
        buyer_note=None,
        buyer=None,
        address=None,
        seller_order_id=None,
        timeline=(),
        payment_methods=("Standard",),
    ):
        """Add an order; ``timeline`` is ``[(seconds after creation, status), ...]``;
        ``payment_methods`` in the v2026 spelling (e.g. ``("CashOnDelivery",)``).

        ``created`` defaults to ten minutes ago, so the order is already past Amazon's
        two-minute settling margin and a search finds it at once.
        """
        if ship_service_level not in SERVICE_LEVELS:
            raise ValueError("ship_service_level must be one of %s" % sorted(SERVICE_LEVELS))
        marketplace_id = marketplace_id or self.marketplace_id
        marketplace = MARKETPLACES.get(marketplace_id)
        currency = currency or (marketplace.currency if marketplace else "USD")
        created = self.clock.now() - 600 if created is None else created
        default_buyer, default_address = self._buyer_and_address(
            marketplace.country if marketplace else "US"
        )
        if business and buyer is None:
            default_buyer.company = "Example Corp"
            default_buyer.purchase_order_number = "PO-" + self.new_id("", 6)
            default_address.address_type = "Commercial"
        order = Order(
            order_id=order_id or self._order_id(),
            seller_id=self.seller_id,
            marketplace_id=marketplace_id,
            currency=currency,
            purchase_date=created,
            last_update=created,
            status=status,
            channel=channel,
            lines=[
                self._line(spec if isinstance(spec, LineSpec) else line(spec)) for spec in lines
            ],
            ship_service_level=ship_service_level,
            is_prime=prime,
            is_business=business,
            buyer_note=buyer_note,
            buyer=buyer or default_buyer,
            address=address or default_address,
            seller_order_id=seller_order_id,
            payment_methods=tuple(payment_methods),
        )
        if status == "Shipped":
            for order_line in order.lines:
                order_line.quantity_shipped = order_line.quantity
        self.orders[order.order_id] = order
        for delay, new_status in timeline:
            self.schedule_status(order.order_id, new_status, created + delay)
        return order

    def schedule_status(self, order_id, status, at):
        """Amazon changes the order's status at clock time ``at`` (LastUpdateDate moves too)."""
        self.timeline.schedule(at, order_id, status)

    def set_status(self, order_id, status):
        """Change the status now, as Amazon would on its own (payment, FBA shipment, ...)."""
        order = self.orders[order_id]
        if status == "Shipped" and order.channel == "AFN":
            for order_line in order.lines:
                order_line.quantity_shipped = order_line.quantity
        self.change_status(order, status, self.clock.now())

    def cancel_order(self, order_id, reason="BuyerCanceled"):
        self.orders[order_id].cancel_reason = reason
        self.set_status(order_id, "Canceled")

    def cancel_item(self, order_id, sku, reason="BuyerCanceled"):
        """Amazon cancels one item of an order still open (the others still ship).

        The item keeps its quantity and gains v2026's ``cancellation.cancellationExecution``
        (with ``includedData=CANCELLATION``); the order's LastUpdateDate moves, so an
        incremental import reads it again. Cancelling every item cancels the order.
        """
        order = self.orders[order_id]
        for order_line in order.lines:
            if order_line.sku == sku:
                order_line.cancelled = True
        order.cancel_reason = reason
        if all(order_line.cancelled for order_line in order.lines):
            self.set_status(order_id, "Canceled")
        else:
            self.change_status(order, order.status, self.clock.now())

    def inject_malformed_order(self, kind, **order_kwargs):
        """Add an order the real Amazon should never send but the connector must survive.

        ``kind`` is one of wire.MALFORMATIONS: missing_sku, bad_money, zero_quantity,
        missing_dates, unexpected_status. It shows in searchOrders, getOrders, getOrder and
        getOrderItems alike.
        """
        if kind not in wire.MALFORMATIONS:
            raise ValueError("kind must be one of %s" % (wire.MALFORMATIONS,))
        order_kwargs.setdefault("lines", [line(PRODUCTS[1].sku)])
        order = self.add_order(**order_kwargs)
        order.malformations = frozenset({kind})
        return order

    # ------------------------------------------------------------ generators

    def generate_orders(
        self,
        count,
        *,
        skus=None,
        start=None,
        spread=7 * 86400,
        afn_share=0.1,
        multi_line_share=0.25,
        shipped_share=0.3,
        repeat_buyer_share=0.0,
    ):
        """``count`` orders spread over ``spread`` seconds ending ten minutes ago.

        Deterministic for the simulator's seed. SKUs come from ``skus`` or the demo catalogue.
        ``repeat_buyer_share`` of them (after the first) are placed by the buyer of an earlier
        one, at the same address.
        """
        skus = list(skus or DEMO_PRICES)
        start = self.clock.now() - 600 - spread if start is None else start
        step = spread / max(count, 1)
        created_orders = []
        for index in range(count):
            line_count = self.random.randint(2, 4) if self.random.random() < multi_line_share else 1
            specs = [
                line(self.random.choice(skus), self.random.randint(1, 3)) for _ in range(line_count)
            ]
            channel = "AFN" if self.random.random() < afn_share else "MFN"
            status = "Shipped" if self.random.random() < shipped_share else "Unshipped"
            returning = {}
            if repeat_buyer_share and created_orders and self.random.random() < repeat_buyer_share:
                earlier = self.random.choice(created_orders)
                returning = {"buyer": earlier.buyer, "address": earlier.address}
            order = self.add_order(
                specs,
                created=start + index * step,
                status=status,
                channel=channel,
                prime=self.random.random() < 0.4,
                **returning,
            )
            created_orders.append(order)
        return created_orders

    def add_offer(self, sku, quantity=None, price=None, marketplace_id=None):
        marketplace_id = marketplace_id or self.marketplace_id
        offer = Offer(sku, marketplace_id, quantity, price, MARKETPLACES[marketplace_id].currency)
        self.offers[(sku, marketplace_id)] = offer
        return offer

    def generate_offers(self, count, prefix="GEN-"):
        """``count`` listings ``GEN-000001``...: SKUs for large catalogue scenarios."""
        skus = ["%s%06d" % (prefix, n) for n in range(1, count + 1)]
        for sku in skus:
            self.add_offer(sku, self.random.randint(0, 50), "%d.99" % self.random.randint(5, 200))
        return skus

    def add_demo_offers(self):
        for product in PRODUCTS:
            self.add_offer(product.sku, sum(product.qoh), product.price)

    def mark_sku_invalid(self, sku):
        """Listing patches and feed messages for this SKU come back with an error issue."""
        self.invalid_skus.add(sku)

    # ------------------------------------------------------------ authorisation switches

    def issue_authorization_code(self, seller_id=None):
        """The ``spapi_oauth_code`` a seller's consent would send to the app's redirect URI."""
        return self.authority.issue_authorization_code(seller_id or self.seller_id)

    def revoke_refresh_token(self, refresh_token=AMAZON_DEMO["refresh_token"]):
        self.authority.revoked.add(refresh_token)

    def remove_role(self, role, seller_id=None):
        self.authority.sellers[seller_id or self.seller_id].roles.discard(role)

    def grant_role(self, role, seller_id=None):
        self.authority.sellers[seller_id or self.seller_id].roles.add(role)

    @property
    def rdts_issued(self):
        return self.authority.rdts_issued

    # ------------------------------------------------------------ inspection

    def shipments(self, order_id=None):
        found = [s for o in self.orders.values() for s in o.shipments]
        return [s for s in found if order_id is None or s.order_id == order_id]

    def offer(self, sku, marketplace_id=None):
        return self.offers.get((sku, marketplace_id or self.marketplace_id))

    # ------------------------------------------------------------ settlement reports

    def generate_settlement_report(
        self,
        *,
        start=None,
        end=None,
        refunds=(),
        unknown_orders=0,
        commission_rate="0.15",
        marketplace_id=None,
        compress=False,
    ):
        """A DONE settlement report from the orders shipped in ``[start, end]``.

        ``refunds`` is ``[(order_id, sku, quantity), ...]``; ``unknown_orders`` adds that many
        rows for order ids the simulator (and so the connector) never saw; ``compress`` serves
        the document gzipped, with ``compressionAlgorithm: GZIP``, as Amazon may.
        """
        now = self.clock.now()
        end = now if end is None else end
        start = end - 14 * 86400 if start is None else start
        marketplace = MARKETPLACES[marketplace_id or self.marketplace_id]
        builder = settlement.SettlementBuilder(
            self.new_id("", 11), marketplace.currency, commission_rate
        )
        for order in self.orders.values():
            posted = order.shipments[-1].confirmed_at if order.shipments else order.last_update
            if order.marketplace_id != marketplace.marketplace_id or not start <= posted <= end:
                continue
            for order_line in order.lines:
                if order_line.quantity_shipped:
                    builder.add_order_line(order, order_line, posted)
        for order_id, sku, quantity in refunds:
            order = self.orders[order_id]
            order_line = next(x for x in order.lines if x.sku == sku)
            builder.add_refund(
                order, order_line, quantity, end - 3600, self.new_id("amzn1.adj.", 8)
            )
        for _ in range(unknown_orders):
            builder.add_unknown_order(
                self._order_id(), "UNKNOWN-SKU", dec("20.00"), end - 7200, marketplace.name
            )
        document = self.new_document("amzn1.spdoc.1.4.na.", "text/tab-separated-values")
        document.content = builder.render(start, end, end + 86400).encode("utf-8")
        if compress:
            document.content = gzip.compress(document.content)
            document.compression = "GZIP"
        report = Report(
            self.new_id("", 11),
            settlement.REPORT_TYPE,
            [marketplace.marketplace_id],
            now,
            start,
            end,
            document.document_id,
        )
        self.reports[report.report_id] = report
        return report

    def generate_returns_report(self, returns, *, marketplace_id=None):
        """A DONE returns report (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE).

        ``returns`` is ``[(order_id, sku, quantity, reason, delivered), ...]``; ``delivered``
        True means the parcel reached the seller (a Return delivery date is written).
        """
        now = self.clock.now()
        marketplace = MARKETPLACES[marketplace_id or self.marketplace_id]
        rows = [
            returns_report.row(
                self.orders[order_id],
                sku,
                quantity,
                reason,
                now - 3600 if delivered else None,
                "D" + self.new_id("", 8),
                now - 86400,
            )
            for order_id, sku, quantity, reason, delivered in returns
        ]
        document = self.new_document("amzn1.spdoc.1.4.na.", "text/tab-separated-values")
        document.content = returns_report.render(rows).encode("utf-8")
        report = Report(
            self.new_id("", 11),
            returns_report.REPORT_TYPE,
            [marketplace.marketplace_id],
            now,
            now - 30 * 86400,
            now,
            document.document_id,
        )
        self.reports[report.report_id] = report
        return report

    # ------------------------------------------------------------ the demo

    @classmethod
    def demo(cls, clock=None, seed=2026, new_order_every=300, **kwargs):
        """The simulator a person trying the demo talks to: wall clock, demo credentials.

        It starts with a handful of orders (one for JBJ-S, which only store C stocks, one
        multi-line, one fulfilled by Amazon, one for two WBT-BRN-42 that no single store holds,
        so "Best store, else hold" holds it) and a new order appears every ``new_order_every``
        seconds of the clock.
        """
        sim = cls(clock=clock or SystemClock(), seed=seed, **kwargs)
        sim.add_demo_offers()
        sim.add_order([line("JBJ-S", 1, tax="4.72")], buyer_note="Leave at the back door")
        sim.add_order(
            [
                line("OXF-WHT-M", 2, tax="6.32"),
                line(
                    "LTR-BELT",
                    1,
                    tax="2.00",
                    gift_message="Happy birthday!",
                    gift_wrap_level="Classic",
                    gift_wrap_price="3.99",
                ),
            ],
            prime=True,
            ship_service_level="Expedited",
        )
        sim.add_order([line("WOOL-SCARF", 1)], channel="AFN", status="Shipped")
        sim.add_order(
            [line("CANVAS-TOTE", 3, promotion_discount="4.50", promotion_ids=("DEMO-TOTE-10",))],
            status="Pending",
            timeline=[(900, "Unshipped")],
        )
        sim.add_order([line("WBT-BRN-42", 2, tax="20.64")], ship_service_level="Expedited")
        sim.order_sources.append(_periodic_orders(new_order_every, sim.clock.now()))
        return sim


def _periodic_orders(every, since):
    """An order source adding one demo order per ``every`` seconds that pass on the clock."""
    state = {"next": since + every}

    def source(sim, now):
        while state["next"] <= now:
            product = sim.random.choice(PRODUCTS)
            sim.add_order([line(product.sku, sim.random.randint(1, 2))], created=state["next"])
            state["next"] += every

    return source
