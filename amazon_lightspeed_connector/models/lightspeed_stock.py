from odoo import api, fields, models

from .connector_run import lock_rows

# Routed orders in these states hold their quantities against their store's stock: they are
# decided but not (or not yet successfully) written to Lightspeed, so its qoh has not dropped.
RESERVING_STATES = ("to_send", "error")
# Sent or shipped with the Lightspeed sale still open: reserving too, until it is completed.
OPEN_SALE_STATES = ("sent", "shipped", "confirmed")


class LightspeedStock(models.Model):
    """Quantity on hand of one product in one store, as Lightspeed last reported it.

    One row per (store warehouse, product), written only by the stock refresh
    (``lightspeed.account._refresh_stock``) in batched upserts. ``reserved_qty`` is what routed
    orders not yet in Lightspeed hold against it; routing hands the engine ``available_qty``.
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
        help="Units routed to this store by orders not yet written to Lightspeed.",
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
        in Lightspeed as a sale still open (not yet deducted from its qoh)."""
        if not warehouses or not products:
            return {}
        groups = (
            self.env["amazon.routed.order.line"]
            .sudo()
            ._read_group(
                [
                    "|",
                    ("routed_order_id.state", "in", RESERVING_STATES),
                    # an open sale ("deduct inventory when shipped") has not lowered qoh yet
                    "&",
                    ("routed_order_id.state", "in", OPEN_SALE_STATES),
                    ("routed_order_id.lightspeed_sale_completed", "=", False),
                    ("warehouse_id", "in", warehouses.ids),
                    ("product_id", "in", products.ids),
                ],
                ["warehouse_id", "product_id"],
                ["quantity:sum"],
            )
        )
        return {(warehouse.id, product.id): units for warehouse, product, units in groups}

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
