"""Inventory and prices of a SKU binding (flow 7): what Amazon should show, and whether to tell it.

``amazon.offer`` gets the reserve rule, the backorderable flag, the need-sync flag and what
Amazon last accepted. ``_desired_listings`` computes, in a few grouped queries for any number
of bindings, the quantity and price Amazon should show now; the push
(``amazon.account._push_listings``) sends only what differs from the last accepted push.

The need-sync flag is a cheap pre-filter, set in one SQL statement per event by whatever can
change the result (``_flag_products``): store stock, reservations of routed orders, pricelists,
list prices, the binding itself. The comparison with the last accepted values is the real
guard, so flagging a few too many costs a computation, never an Amazon call.
"""

from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.inventory import ListingUpdate, available_to_sell, parse_reserve_rule
from .access_guard import MANAGER, requires
from .amazon_account_listings import LISTINGS_CRON
from .connector_run import button_env, hand_over

# A change of these fields changes what the binding sends.
SYNC_FIELDS = {
    "seller_sku",
    "marketplace_id",
    "product_id",
    "active",
    "reserve_rule",
    "backorderable",
    "fulfillment_channel",
    "amazon_product_type",
}


class AmazonOfferSync(models.Model):
    _inherit = "amazon.offer"

    fulfillment_channel = fields.Selection(
        [("MFN", "Merchant (you ship)"), ("AFN", "Amazon (FBA)")],
        "Fulfilled by",
        required=True,
        default="MFN",
        help="Only merchant-fulfilled SKUs get their quantity and price from Odoo; Amazon "
        "counts the stock of FBA SKUs itself.",
    )
    amazon_product_type = fields.Char(
        "Amazon Product Type",
        default="PRODUCT",
        required=True,
        help='The product type of the listing on Amazon (e.g. SHIRT, PANTS). "PRODUCT" works '
        "for quantity and price updates of any listing.",
    )
    reserve_rule = fields.Char(
        help="Units kept back from Amazon, written Value:Calculation. "
        '"2:fixed" sends 2 units less than available; "10:percent" sends 10 % less, rounded '
        "down (15 available: 13 sent). Never below 0. Empty: everything available is sent.",
    )
    backorderable = fields.Boolean(
        help="You can always reorder this product: Amazon is told 1000 units whatever the "
        "stores hold.",
    )
    need_sync = fields.Boolean(
        "Needs Sync",
        default=True,
        index=True,
        copy=False,
        help="Set when stock, reservations, price, reserve rule or the binding changed since "
        "the last accepted push; cleared once Amazon accepted the current values.",
    )
    # Why a counter and not the flag alone: a push reads the values, sends them, then clears
    # the flag; a change between the read and the clear must keep it. Every flagging bumps
    # the counter (even of a binding already flagged) and the push clears only the bindings
    # whose counter is still the one it read.
    sync_seq = fields.Integer(
        "Sync Changes",
        readonly=True,
        copy=False,
        default=0,
        help="Counts the changes that flagged the binding for a push.",
    )
    available_to_send = fields.Integer(
        "Quantity to Send",
        compute="_compute_listing_preview",
        help="On hand in all stores of the channel's Lightspeed account, minus units of "
        "Amazon orders the stores do not count yet (not yet in Lightspeed, an open sale, a sale "
        "completed since the stock was read), minus the reserve rule (1000 if backorderable).",
    )
    price_to_send = fields.Float(
        "Price to Send",
        compute="_compute_listing_preview",
        digits="Product Price",
        help="The price from the channel's pricelist for this marketplace (0: no pricelist, "
        "the price is not managed from Odoo).",
    )
    last_pushed_qty = fields.Integer(
        "Last Quantity Accepted", readonly=True, copy=False, help="What Amazon last accepted."
    )
    last_pushed_price = fields.Float(
        "Last Price Accepted",
        readonly=True,
        copy=False,
        digits="Product Price",
        help="The price Amazon last accepted (0: none sent yet).",
    )
    last_pushed_currency = fields.Char("Last Currency Accepted", readonly=True, copy=False)
    last_push_date = fields.Datetime(
        "Last Accepted Push", readonly=True, copy=False, help="When Amazon last accepted values."
    )
    last_push_error = fields.Text(
        "Push Error",
        readonly=True,
        copy=False,
        help="Why Amazon refused the last push of this SKU (patch issues or the feed's "
        "processing report). The SKU is sent again by the next run.",
    )
    pending_feed_id = fields.Many2one(
        "amazon.listings.feed",
        "Waiting in Feed",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The listings feed Amazon is processing with this SKU in it.",
    )
    feed_message_id = fields.Integer(readonly=True, copy=False)
    pending_qty = fields.Integer(readonly=True, copy=False)
    pending_price = fields.Float(readonly=True, copy=False, digits="Product Price")
    pending_currency = fields.Char(readonly=True, copy=False)

    _sql_constraints = [
        (
            "amazon_product_type_set",
            "CHECK(amazon_product_type IS NOT NULL AND amazon_product_type != '')",
            "A binding needs an Amazon product type.",
        ),
    ]

    @api.constrains("reserve_rule")
    def _check_reserve_rule(self):
        for offer in self:
            try:
                parse_reserve_rule(offer.reserve_rule or None)
            except ValueError as error:
                raise ValidationError(str(error)) from None

    def _compute_listing_preview(self):
        desired = self._desired_listings()
        for offer in self:
            update = desired.get(offer.id)
            offer.available_to_send = update.quantity if update else 0
            offer.price_to_send = float(update.price) if update and update.price else 0.0

    def write(self, vals):
        if SYNC_FIELDS & set(vals) and "need_sync" not in vals:
            vals = dict(vals, need_sync=True)
        result = super().write(vals)
        if vals.get("need_sync") and self.ids:
            self._flag_where("id = ANY(%s)", [self.ids])  # counted like every other flagging
        return result

    # ------------------------------------------------------------ what Amazon should show

    def _desired_listings(self):
        """{offer id: ListingUpdate} of the full quantity and price Amazon should show now.

        Merchant-fulfilled bindings of channels with a Lightspeed account only; a few grouped
        queries per channel, whatever the number of bindings.
        """
        desired = {}
        offers = self.filtered(
            lambda o: o.id and o.fulfillment_channel == "MFN" and o.account_id.lightspeed_account_id
        )
        for account in offers.account_id:
            mine = offers.filtered(lambda o, a=account: o.account_id == a)
            on_hand, committed = self._stock_figures(account, mine.product_id)
            prices = {
                marketplace: account._listing_prices(marketplace, group.product_id)
                for marketplace, group in mine.grouped("marketplace_id").items()
            }
            for offer in mine:
                product = offer.product_id.id
                quantity = available_to_sell(
                    [on_hand.get(product, 0)],
                    committed.get(product, 0),
                    offer.backorderable,
                    offer.reserve_rule or None,
                )
                price, currency = prices[offer.marketplace_id].get(product, (None, None))
                desired[offer.id] = ListingUpdate(
                    offer.seller_sku, offer.marketplace_id, quantity, price, currency
                )
        return desired

    @api.model
    def _stock_figures(self, account, products):
        """({product id: units on hand}, {product id: units committed}) for a channel.

        On hand: every store of the channel's Lightspeed account, a store below zero counting
        0. Committed: what routed orders of any channel selling from that account hold and
        the on-hand does not count yet (``lightspeed.stock._committed_units``): not yet in
        Lightspeed (to send, in error, held), an open sale, a sale completed since the stock
        was last read. The same units routing keeps from the stores.
        """
        lightspeed = account.lightspeed_account_id
        if not products:
            return {}, {}
        self.env.cr.execute(
            """
            SELECT product_id, SUM(GREATEST(qoh, 0))
              FROM lightspeed_stock
             WHERE lightspeed_account_id = %s AND product_id = ANY(%s)
             GROUP BY product_id
            """,
            (lightspeed.id, products.ids),
        )
        on_hand = dict(self.env.cr.fetchall())
        committed = self.env["lightspeed.stock"]._committed_units(lightspeed, products)
        return on_hand, committed

    def _last_accepted(self):
        """The ListingUpdate Amazon last accepted for this binding, None if never pushed."""
        self.ensure_one()
        if not self.last_push_date:
            return None
        price = None
        if self.last_pushed_currency:
            price = Decimal(str(self.last_pushed_price))
        return ListingUpdate(
            self.seller_sku,
            self.marketplace_id,
            self.last_pushed_qty,
            price,
            self.last_pushed_currency or None,
        )

    # ------------------------------------------------------------ need-sync flag

    @api.model
    def _flag_where(self, condition, params):
        """Flag the bindings matching the SQL ``condition`` for a push, in one statement. Every
        flagging goes through here: it also counts the change (``sync_seq``), even on a binding
        already flagged, which is what keeps a push from clearing a flag set after its read."""
        self.env.cr.execute(
            "UPDATE amazon_offer SET need_sync = TRUE, sync_seq = sync_seq + 1 WHERE " + condition,
            params,
        )
        self.invalidate_model(["need_sync", "sync_seq"])

    @api.model
    def _flag_products(self, product_ids, account_ids=None):
        """Flag the active bindings of these products (of these channels) in one statement."""
        product_ids = list(product_ids or ())
        if not product_ids:
            return
        condition, params = "active AND product_id = ANY(%s)", [product_ids]
        if account_ids is not None:
            condition += " AND account_id = ANY(%s)"
            params.append(list(account_ids))
        self._flag_where(condition, params)

    @api.model
    def _flag_accounts(self, account_ids):
        """Flag every active binding of these channels (e.g. their pricelist changed)."""
        if account_ids:
            self._flag_where("active AND account_id = ANY(%s)", [list(account_ids)])

    @requires("write", MANAGER)
    def action_push_now(self):
        """Push these bindings' quantity and price at once (a manager's button)."""
        self.write({"need_sync": True})
        notifications = []
        deadline = None  # about ten seconds for them all; the scheduled push sends the rest
        runs = []
        for account in self.account_id.sudo():
            mine = self.sudo().filtered(lambda o, a=account: o.account_id == a)
            account = account.with_env(button_env(account.env))
            run = account._push_listings(offers=mine, deadline=deadline)
            deadline = run.deadline
            notifications.append(run.summary())
            runs.append(run)
        handed = hand_over(self.env, LISTINGS_CRON, runs)
        if handed:
            notifications.append(handed)
        undone = any(run.stopped or run.counts["refused"] for run in runs)
        return self.account_id[:1]._notification(
            "\n".join(notifications) or _("Nothing to push."), "warning" if undone else "info"
        )
