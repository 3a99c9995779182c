"""The order's life after the sale, played on the simulators while workers run (and die).

Eight orders are sent first, the first four as completed sales (the channel deducts stock at
once), the last four as open ones (it deducts when shipped). Then, one event at a time:

- the store ticks Shipped in Lightspeed with a tracking line, or a person presses Mark
  shipped in Odoo (once followed by the store's tick of the same order: the first wins), and
  the ship confirmation goes to Amazon;
- Amazon cancels a whole order (an open sale is voided, a completed one gets a refund sale)
  or one item of two (a refund sale of that item);
- a settlement report pays the shipped orders and refunds some of their items: a credit note
  each, and a refund sale bringing the units back to the store that shipped.

``AfterSale.remaining`` says what a further clean cycle would still act on; the checks of what
must have happened exactly once are in ``drill_checks.assert_after_sale_once``.
"""

from drill_checks import remaining_work

# The jobs a worker of the after-sale drills runs: the forward ones, then the after-sale ones
# (drills/worker.py), and those the kills aim at (Amazon's cancellations arrive by the import).
KILL_JOBS = "import,readback,confirm,reverse,settle"
ALL_JOBS = "stock,import,route,send,readback,confirm,reverse,settle"
# High-stock demo SKUs of the first store, so that routing keeps an order in one part.
SKUS = ("LTR-BELT", "CANVAS-TOTE", "WOOL-SCARF", "OXF-WHT-M")


class AfterSale:
    def __init__(self, database, simulators, workers, rng):
        self.database = database
        self.simulators = simulators
        self.workers = workers
        self.rng = rng
        self.completed = []  # Amazon order ids sent as completed sales
        self.open = []  # ... as open sales
        self.shipped = set()  # orders the store or Odoo shipped: confirmed to Amazon once each
        self.cancelled = set()
        self.item_cancelled = {}  # order id -> the SKU Amazon cancelled
        self.refunds = []  # (order id, sku, units) in a settlement report
        self.marked_in_odoo = []

    # --- the orders ----------------------------------------------------------------------------

    def new_order(self, two_items):
        from amazon_lightspeed_connector.tests.simulators.amazon import line

        skus = self.rng.sample(SKUS, 2 if two_items else 1)
        order = self.simulators.amazon.add_order(
            [line(sku, 1) for sku in skus], created=self.simulators.amazon.clock.now() - 125
        )
        return order.order_id

    def prepare(self, settle):
        """Eight orders in Lightspeed: four completed sales, four open ones; settings that
        mark shipments in both places, invoice at confirmation and read settlements."""
        self.workers.setup(
            {
                "amazon": {
                    "shipment_source": "both",
                    "confirm_invoice_policy": "posted",
                    "settlement_enabled": True,
                    "restock_policy": "shipping_store",
                },
                "lightspeed": {},
                "settlement": True,
            }
        )
        self.completed = [self.new_order(two_items=n % 2 == 1) for n in range(4)]
        settle()
        self.workers.setup({"amazon": {"inventory_deduction": "when_shipped"}, "lightspeed": {}})
        self.open = [self.new_order(two_items=n % 2 == 1) for n in range(4)]
        settle()

    def events(self):
        """What happens to the eight orders, in a random order where order does not matter;
        each event returns False when it cannot happen yet (it is tried again later)."""
        c, o = self.completed, self.open
        first = [
            lambda: self.ship_in_store(c[0]),
            lambda: self.ship_in_store(o[0]),
            lambda: self.mark_in_odoo(o[2]),
            lambda: self.cancel(c[2]),
            lambda: self.cancel(o[1]),
            lambda: self.cancel_item(c[1]),
            lambda: self.cancel_item(o[3]),
        ]
        self.rng.shuffle(first)
        later = [
            lambda: self.ship_in_store(o[2]),  # Odoo marked it first: changes nothing
            lambda: self.ship_in_store(c[3]),
            lambda: self.settlement_with_refunds([c[0], o[0], c[3]]),
        ]
        return first + later

    # --- the events ----------------------------------------------------------------------------

    def parts(self, order_id, states=("sent",)):
        return self.database.rows(
            """SELECT r.id, r.lightspeed_sale_id FROM amazon_routed_order r
                 JOIN amazon_order o ON o.id = r.amazon_order_id
                WHERE o.name = %s AND r.state IN %s AND r.lightspeed_sale_id IS NOT NULL""",
            (order_id, tuple(states)),
        )

    def ship_in_store(self, order_id):
        parts = self.parts(order_id, ("sent", "shipped", "confirmed"))
        if not parts:
            return False
        for routed_id, sale_id in parts:
            note = "Tracking: 1Z999AA1%08d UPS" % routed_id
            self.simulators.lightspeed.ship_in_store(int(sale_id), note)
        self.shipped.add(order_id)
        return True

    def mark_in_odoo(self, order_id):
        if not self.parts(order_id):
            return False
        self.workers.run("--mark-shipped", order_id)
        self.shipped.add(order_id)
        self.marked_in_odoo.append(order_id)
        return True

    def cancel(self, order_id):
        self.simulators.amazon.cancel_order(order_id)
        self.cancelled.add(order_id)
        return True

    def cancel_item(self, order_id):
        order = self.simulators.amazon.orders[order_id]
        sku = order.lines[0].sku
        self.simulators.amazon.cancel_item(order_id, sku)
        self.item_cancelled[order_id] = sku
        return True

    def settlement_with_refunds(self, order_ids):
        """Once Amazon has these orders' shipments: a report paying them and refunding one
        unit of each one's first item."""
        amazon = self.simulators.amazon
        if any(amazon.orders[order_id].status != "Shipped" for order_id in order_ids):
            return False
        refunds = [(order_id, amazon.orders[order_id].lines[0].sku, 1) for order_id in order_ids]
        amazon.generate_settlement_report(refunds=refunds)
        self.refunds.extend(refunds)
        return True

    def happen(self, events, at_most=None):
        """Let the events that can happen now happen (``at_most`` of them); the rest, later."""
        left = []
        for event in events:
            if (at_most is None or at_most > 0) and event():
                at_most = None if at_most is None else at_most - 1
            else:
                left.append(event)
        return left

    # --- what is left ---------------------------------------------------------------------------

    def remaining(self, database, simulators):
        """What a further clean cycle would still act on, forward and after the sale, by kind,
        and the shipments whose outcome is still unknown (no cycle reads them again before
        their date); the after-sale kinds name the Amazon orders they wait on."""
        shipped_sales = [
            str(sale.sale_id)
            for sale in simulators.lightspeed.sales()
            if sale.ship_to and sale.ship_to.get("shipped") == "true" and not sale.voided
        ]
        store_ticks_unread = (
            database.rows(
                """SELECT name FROM amazon_routed_order
                    WHERE state = 'sent' AND error_message IS NULL
                      AND lightspeed_shipped IS NOT TRUE AND lightspeed_sale_id IN %s""",
                (tuple(shipped_sales),),
            )
            if shipped_sales
            else []
        )
        cancelled_unread = [
            order_id
            for order_id in self.cancelled
            if database.value("SELECT status FROM amazon_order WHERE name = %s", (order_id,))
            != "canceled"
        ]
        items_unread = [
            order_id
            for order_id, sku in self.item_cancelled.items()
            if database.value(
                """SELECT count(*) FROM amazon_order_line l JOIN amazon_order o ON o.id = l.order_id
                    WHERE o.name = %s AND l.seller_sku = %s AND l.cancelled IS NOT TRUE""",
                (order_id, sku),
            )
        ]
        read = {r for (r,) in database.rows("SELECT report_id FROM amazon_settlement")}
        reports = [r for r in simulators.amazon.reports.values() if "SETTLEMENT" in r.report_type]
        undos_to_do = database.rows(
            """SELECT o.name, r.action, r.error_message FROM amazon_sale_reversal r
                 JOIN amazon_routed_order o ON o.id = r.routed_order_id WHERE r.state = 'to_do'"""
        )
        to_confirm = database.rows(
            """SELECT name, confirmation_state, error_message FROM amazon_routed_order
                WHERE state = 'shipped' AND confirmation_state IN ('to_confirm', 'waiting')"""
        )
        # Amazon's packages could not be read back: a run reads them again at the date shown
        # (15 minutes on), so a drill that stops here has not seen whether Amazon has them
        outcome_unknown = database.rows(
            """SELECT name, confirmation_scheduled_date, confirmation_error FROM amazon_routed_order
                WHERE state = 'shipped' AND confirmation_state = 'unknown'"""
        )
        after_sale = {
            "store ticks unread": store_ticks_unread,
            "cancellations unread": cancelled_unread,
            "item cancellations unread": items_unread,
            "settlement reports unread": [r.report_id for r in reports if r.report_id not in read],
            "undos to do": undos_to_do,
            "shipments to confirm": to_confirm,
            "shipments of unknown outcome": outcome_unknown,
        }
        return {
            **remaining_work(database, simulators),
            **{"%s %s" % (kind, rows): len(rows) for kind, rows in after_sale.items() if rows},
        }
