from odoo import api, fields, models
from odoo.tools import SQL

from .connector_run import lock_rows

# Routed orders in these states hold their quantities against their store's stock: they are
# decided but not (or not yet successfully) written to Lightspeed, so its qoh has not dropped.
RESERVING_STATES = ("to_send", "error")
# Sent or shipped with the Lightspeed sale still open: reserving too, until it is completed.
OPEN_SALE_STATES = ("sent", "shipped", "confirmed")
# Routed orders whose units no stock read can count yet: not in Lightspeed (held ones have no
# store yet) or an open sale. A few hundred among years of history: the partial index
# ``amazon_routed_order_uncounted_index`` (``amazon.routed.order._auto_init``) holds just
# these, and PostgreSQL uses it only for a query that states this very predicate. Odoo's
# ``create_index`` creates it only when no index of that name exists: a change to these states
# needs a migration that drops the index, or the reads stay right but read the history again.
UNCOUNTED_PREDICATE = (
    "state IN (%s) OR (state IN (%s) AND lightspeed_sale_completed IS NOT TRUE)"
    % tuple(
        ", ".join("'%s'" % state for state in states)
        for states in ((*RESERVING_STATES, "held"), OPEN_SALE_STATES)
    )
)
# A routed order line (``l``) of a completed sale whose stock row (``s``, of the line's store
# and product) was read before the completion: the qoh we hold does not count the sale yet.
# The line's copy of its sale's completion time (a stored related field, indexed with its
# store and product); only completed sales have one. Lightspeed's clock on both sides
# (``wire.completion_time``): a row read in the same second already counts it. The next
# refresh reads the item (its timeStamp moved).
UNREAD_COMPLETION = SQL("l.sale_completed_at > s.lightspeed_timestamp")
# The units of routed order lines (``l``, of routed order ``r``) that the qoh we hold does not
# count: uncounted orders, then the completed sales each stock row (``s``) has not read yet.
# Neither part reads the lines of sales long read: the first starts from the partial index of
# uncounted orders; the second asks, for each stock row, the index on the line's copy of the
# completion time for the lines completed after the row was read (``UNREAD_COMPLETION``), then
# their routed orders by id. The OFFSET 0 keep PostgreSQL from turning these into joins over
# every line and order of the products. ``%(since)s``, the oldest of those rows' read times as
# a constant, says the same again in a form the planner can estimate: without it, it guesses a
# third of each row's lines, and a plan that costly gets JIT-compiled, which takes longer than
# the query. ``%(lines)s``: the caller's condition on ``l`` and ``r``; ``%(stock)s``: on ``s``,
# the rows of the stores and products asked about.
UNCOUNTED_LINES = """
    SELECT l.warehouse_id, l.product_id, l.quantity
      FROM (SELECT id, state, account_id FROM amazon_routed_order
             WHERE %(uncounted)s) r
      JOIN amazon_routed_order_line l ON l.routed_order_id = r.id
     WHERE %(lines)s
    UNION ALL
    SELECT l.warehouse_id, l.product_id, l.quantity
      FROM lightspeed_stock s
     CROSS JOIN LATERAL (
           SELECT l.routed_order_id, l.warehouse_id, l.product_id, l.quantity
             FROM amazon_routed_order_line l
            WHERE l.product_id = s.product_id AND l.warehouse_id = s.warehouse_id
              AND %(unread)s AND l.sale_completed_at > %(since)s
           OFFSET 0) l
     CROSS JOIN LATERAL (
           SELECT id, state, account_id
             FROM amazon_routed_order
            WHERE id = l.routed_order_id
              AND state IN %(open_states)s AND lightspeed_sale_completed
           OFFSET 0) r
     WHERE %(stock)s AND %(lines)s
"""


class LightspeedStock(models.Model):
    """Quantity on hand of one product in one store, as Lightspeed last reported it.

    One row per (store warehouse, product), written only by the stock refresh
    (``lightspeed.account._refresh_stock``) in batched upserts. ``reserved_qty`` is what routed
    orders hold against it that Lightspeed's qoh as last read does not count: not yet in
    Lightspeed, an open sale, or a sale completed after the row was read; routing hands the
    engine ``available_qty``.
    """

    _name = "lightspeed.stock"
    _description = "Lightspeed Store Stock"
    _order = "product_id, warehouse_id"
    _rec_name = "product_id"

    warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Store",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
        help="The Odoo warehouse bound to the Lightspeed shop.",
    )
    product_id = fields.Many2one(
        "product.product",
        "Product",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
        help="The Odoo product the Lightspeed item was matched to (internal reference = "
        "customSku or systemSku, else barcode = UPC).",
    )
    lightspeed_account_id = fields.Many2one(
        "lightspeed.account", "Lightspeed Account", readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    lightspeed_item_id = fields.Char("Lightspeed Item ID", readonly=True)
    qoh = fields.Integer(
        "On Hand in Lightspeed",
        readonly=True,
        help="ItemShop.qoh as last read; negative when the store sold more than it had.",
    )
    lightspeed_timestamp = fields.Datetime(
        "Lightspeed Time Stamp", readonly=True, help="The item's timeStamp at the last read."
    )
    last_routed_at = fields.Datetime(
        readonly=True,
        help="When an order last reserved this stock. Routing writes it under a row lock, so "
        "that a concurrent routing that read the stock before sees its reservation conflict.",
    )
    reserved_qty = fields.Integer(
        "Reserved",
        compute="_compute_reserved_qty",
        help="Units of this store's Amazon orders that the figure on hand does not count yet: "
        "not yet in Lightspeed, an open sale, or a sale completed after the stock was read.",
    )
    available_qty = fields.Integer(
        "Available to Route",
        compute="_compute_reserved_qty",
        help="On hand minus reserved: what routing may still give to new orders.",
    )

    _sql_constraints = [
        (
            "warehouse_product_unique",
            "UNIQUE(warehouse_id, product_id)",
            "A product has one stock row per store.",
        ),
    ]

    @api.depends("qoh")
    def _compute_reserved_qty(self):
        reserved = self._reservations(self.warehouse_id, self.product_id)
        for row in self:
            row.reserved_qty = reserved.get((row.warehouse_id.id, row.product_id.id), 0)
            row.available_qty = row.qoh - row.reserved_qty

    @api.model
    def _reservations(self, warehouses, products):
        """{(warehouse id, product id): units} held by routed orders not yet in Lightspeed, or
        in Lightspeed as a sale whose units the qoh we hold does not count: still open ("deduct
        inventory when shipped"), or completed after the row was read."""
        if not warehouses or not products:
            return {}
        lines = SQL(
            "r.state <> 'held' AND l.warehouse_id = ANY(%s) AND l.product_id = ANY(%s)",
            warehouses.ids,
            products.ids,
        )
        stock = SQL(
            "s.warehouse_id = ANY(%s) AND s.product_id = ANY(%s)", warehouses.ids, products.ids
        )
        self.env.cr.execute(
            SQL(
                "SELECT warehouse_id, product_id, SUM(quantity) FROM (%s) held"
                " GROUP BY warehouse_id, product_id",
                self._uncounted_lines(lines, stock),
            )
        )
        return {(warehouse, product): units for warehouse, product, units in self.env.cr.fetchall()}

    def _uncounted_lines(self, lines, stock):
        """``UNCOUNTED_LINES`` for the lines meeting ``lines`` (SQL on ``l`` and ``r``) and the
        stock rows meeting ``stock`` (SQL on ``s``)."""
        self._flush_routed_orders()
        self.env.cr.execute(
            SQL("SELECT MIN(s.lightspeed_timestamp) FROM lightspeed_stock s WHERE %s", stock)
        )
        return SQL(
            UNCOUNTED_LINES,
            uncounted=SQL(UNCOUNTED_PREDICATE),
            unread=UNREAD_COMPLETION,
            lines=lines,
            stock=stock,
            since=self.env.cr.fetchone()[0],
            open_states=OPEN_SALE_STATES,
        )

    def _flush_routed_orders(self):
        """The reservation queries read routed orders and their lines in SQL."""
        self.env["amazon.routed.order"].flush_model()
        self.env["amazon.routed.order.line"].flush_model()

    @api.model
    def _completions_not_read(self, routed_ids):
        """The ids among ``routed_ids`` of routed orders whose completed sale some stock row of
        theirs was read before (``UNREAD_COMPLETION``)."""
        routed_ids = [rid for rid in routed_ids if isinstance(rid, int)]
        if not routed_ids:
            return set()
        self._flush_routed_orders()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT l.routed_order_id
                  FROM amazon_routed_order_line l
                  JOIN lightspeed_stock s
                    ON s.warehouse_id = l.warehouse_id AND s.product_id = l.product_id
                 WHERE l.routed_order_id = ANY(%s) AND %s
                """,
                routed_ids,
                UNREAD_COMPLETION,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _committed_units(self, lightspeed_account, products):
        """{product id: units} sold on Amazon that the qoh we hold of the stores of
        ``lightspeed_account`` does not count yet, held orders (no store yet) included: the
        orders of every channel selling from that account, since they share its stock.
        Archived channels and stores too: their orders still hold units."""
        if not products:
            return {}
        lines = SQL(
            """l.product_id = ANY(%s)
               AND (l.warehouse_id IN (SELECT id FROM stock_warehouse
                                        WHERE lightspeed_account_id = %s)
                    OR r.account_id IN (SELECT id FROM amazon_account
                                         WHERE lightspeed_account_id = %s))""",
            products.ids,
            lightspeed_account.id,
            lightspeed_account.id,
        )
        self.env.cr.execute(
            SQL(
                "SELECT product_id, SUM(quantity) FROM (%s) held GROUP BY product_id",
                self._uncounted_lines(lines, SQL("s.product_id = ANY(%s)", products.ids)),
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _available(self, warehouses, products):
        """{warehouse id: {product id: on hand minus reserved}} for routing (absent: 0)."""
        rows = self.sudo().search(
            [("warehouse_id", "in", warehouses.ids), ("product_id", "in", products.ids)]
        )
        reserved = self._reservations(warehouses, products)
        available = {warehouse.id: {} for warehouse in warehouses}
        for row in rows:
            available[row.warehouse_id.id][row.product_id.id] = row.qoh
        for (warehouse_id, product_id), units in reserved.items():
            per_product = available.setdefault(warehouse_id, {})
            per_product[product_id] = per_product.get(product_id, 0) - units
        return available

    @api.model
    def _lock_for_routing(self, warehouses, products):
        """Lock the stock rows an order is routed from, or fail at once.

        ``FOR NO KEY UPDATE NOWAIT``: another transaction routing the same products (or
        refreshing their stock) makes this raise LockNotAvailable at once; one that reserved
        them and committed after this transaction's snapshot makes it raise a serialization
        failure (Odoo runs in REPEATABLE READ), since every reservation writes
        ``last_routed_at`` on the rows it takes from (``_mark_reserved``). Either way the
        caller routes the order again in a later transaction, which sees the reservation.
        """
        if not warehouses or not products:
            return
        lock_rows(
            self.env.cr,
            """
            SELECT id FROM lightspeed_stock
             WHERE warehouse_id = ANY(%s) AND product_id = ANY(%s)
               FOR NO KEY UPDATE NOWAIT
            """,
            (warehouses.ids, products.ids),
        )

    @api.model
    def _mark_reserved(self, pairs):
        """Write ``last_routed_at`` on the rows of the (warehouse id, product id) pairs taken."""
        pairs = list(pairs)
        if not pairs:
            return
        self.env.cr.execute(
            """
            UPDATE lightspeed_stock
               SET last_routed_at = (now() at time zone 'UTC')
             WHERE (warehouse_id, product_id) IN %s
            """,
            (tuple(pairs),),
        )
        self.invalidate_model(["last_routed_at"])
