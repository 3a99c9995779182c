"""Store stock refresh of a Lightspeed account (flow 2): ``lightspeed.account._refresh_stock``.

Incremental (the scheduled action): the Items whose timeStamp is after the account's stock
cursor, with their ItemShops, paged and paced within the shared bucket by the client. Full (the
"Refresh Stock" button): every item; the stock rows of this account that the full read did not
report are set to 0.

Matching an item to a product, by the account's "Match Items by" setting: the product whose
internal reference is the item's customSku, else its systemSku, else whose barcode is its UPC
(or only one of these keys); products of the account's company or shared.
These are the keys Lightspeed's own import and the SKU bindings use; an item matching no product
is counted, not stored: routing only ever asks about products Amazon orders contain.

Writes are batched: per batch of ``_stock_batch_size`` items (whole pages of ``_stock_page_size``),
one read of the existing rows and one ``INSERT ... ON CONFLICT DO UPDATE``; a zero quantity
creates no row. The cursor advances (``wire.stock_cursor``) and is committed with each batch
(never in tests), with the link to the walk's next page, so an interrupted refresh resumes at
that page: a second holding more items than one run reads (a store's stock count) is read over
several runs instead of from its start by each. A link Lightspeed no longer takes falls back
to the cursor.
"""

import logging
from datetime import timezone

from odoo import _, api, fields, models

from ..lib.errors import ConnectorError, ThrottledError
from ..lib.lightspeed.client import MAX_LIMIT
from ..lib.lightspeed.wire import stock_cursor
from .access_guard import MANAGER, requires
from .connector_connection_mixin import run_state_field
from .connector_run import ConnectorRun, button_env, commit, hand_over, run_each

_logger = logging.getLogger(__name__)

LOGGED_SKIPPED_ITEMS = 20  # per refresh: beyond it one summary row
LOCK_CLASS = 0x4C5352  # advisory lock namespace: one stock refresh per Lightspeed account
STOCK_CRON = "amazon_lightspeed_connector.ir_cron_lightspeed_refresh_stock"


def _naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else False


class StockRefresh(ConnectorRun):
    """The counters of one refresh of one account."""

    SERVICE = "Lightspeed"

    def __init__(self, env, full, deadline=None):
        super().__init__(env, deadline=deadline)
        self.full = full
        self.items = 0
        self.unmatched = 0
        self.rows = 0
        self.zeroed = 0
        self.skipped = 0  # items whose record cannot be trusted: their stock is left as it was
        self.busy = False  # another worker holds the account's refresh: nothing was read
        self.stock_ids = []  # the lightspeed.stock rows written (or set to 0) by this refresh


class LightspeedAccountStock(models.Model):
    _inherit = "lightspeed.account"

    _stock_batch_size = 500  # items written per batch, one read and one write of their rows
    _stock_page_size = MAX_LIMIT  # items per page read: a batch is whole pages

    last_stock_refresh = run_state_field(
        fields.Datetime, "stock", "last_run", "Last Stock Refresh", help="When it last ran."
    )
    stock_refresh_message = run_state_field(
        fields.Char, "stock", "last_result", "Stock Refresh Result", help="What it did."
    )
    stock_count = fields.Integer(
        "Stock Rows",
        compute="_compute_stock_count",
        help="Store quantities read from this account (one per store and product in stock).",
    )

    def _compute_stock_count(self):
        counts = self._count_per_account("lightspeed.stock", account_field="lightspeed_account_id")
        for account in self:
            account.stock_count = counts.get(account, 0)

    # --- buttons and schedule -------------------------------------------------------------------

    @requires("write", MANAGER)
    def action_refresh_stock(self):
        """Read every item's stock again (the scheduled refresh reads only what changed)."""
        self.ensure_one()
        try:
            refresh = self.with_env(button_env(self.env))._refresh_stock(full=True)
        except ConnectorError as error:
            return self._notification(
                self._connection_failed(error, _("Lightspeed stock refresh")), "danger", True
            )
        if refresh.busy:
            return self._notification(
                _("A scheduled refresh of this account is running; try again in a minute."),
                "warning",
            )
        if refresh.stopped:  # its time is up, or Lightspeed needs time: the schedule goes on
            handed = hand_over(self.env, STOCK_CRON, [refresh])
            message = " ".join(filter(None, [self.stock_refresh_message, handed]))
            return self._notification(message, "warning")
        return self._notification(self.stock_refresh_message, "success")

    @requires("read")
    def action_view_stock(self):
        return self._records_action("lightspeed_stock_action", "lightspeed_account_id")

    @api.model
    def _cron_refresh_stock(self):
        """Incremental refresh of every connected account, within one run's budget; a failure
        stops that account only. A refresh whose time was up asks for the next run."""
        connected = self.search([]).filtered(
            lambda account: account.sudo().refresh_token and account.warehouse_ids
        )
        run_each(connected, type(self)._scheduled_refresh, STOCK_CRON, "stock")

    def _scheduled_refresh(self, deadline):
        """This account's share of the scheduled refresh; None when it could not start."""
        try:
            return self._refresh_stock(deadline=deadline)
        except ConnectorError as error:
            self._connection_failed(error, _("Lightspeed stock refresh"))
            return None

    # --- the refresh ----------------------------------------------------------------------------

    def _refresh_stock(self, full=False, client=None, deadline=None):
        """Read stock from Lightspeed into ``lightspeed.stock`` within the run's budget (a
        refresh stopped between two batches goes on from its cursor); returns a
        StockRefresh."""
        self.ensure_one()
        refresh = StockRefresh(self.env, full, deadline=deadline)
        # commit first, so the lock is taken with a fresh snapshot: a refresh that waited for
        # another must see what that one wrote
        commit(self.env)
        if not refresh.lock(LOCK_CLASS, self.id):
            refresh.busy = True
            _logger.info("Lightspeed %s: stock refresh left to the worker running it", self.name)
            return refresh
        shops = {
            int(w.lightspeed_shop_id): w.id
            for w in self.sudo().warehouse_ids
            if w.lightspeed_shop_id and w.lightspeed_shop_id.isdigit()
        }
        client = client or self._lightspeed_client()
        refresh.limit_waits(client.pacer)
        read_started_at = fields.Datetime.now().replace(tzinfo=timezone.utc)
        state = self._run_state("stock")
        since = None if full else (state.cursor or None)
        resume_from = None if full else (state.page_token or None)
        seen = set()
        batch = []
        stopped = None
        try:
            for page in self._stock_walk(client, since, resume_from):
                batch += page.records
                if len(batch) < self._stock_batch_size or not page.next_link:
                    continue
                # more may follow in the batch's last second: the cursor stays before it, and
                # the next run reads on from the next page
                since = self._store_stock_batch(
                    batch, shops, refresh, seen, since, read_started_at, page.next_link
                )
                batch = []
                if refresh.out_of_time():
                    refresh.stop_for_budget()
                    break
                refresh.limit_waits(client.pacer)
            else:  # the walk's end: its last page
                if batch:
                    since = self._store_stock_batch(
                        batch, shops, refresh, seen, since, read_started_at
                    )
                else:
                    self._save_run_state("stock", page_token=False)
        except ThrottledError as error:
            # the batches stored so far stay, with their cursor: the next run continues
            stopped = error
            refresh.stop(error)
        if full and not refresh.stopped:
            zeroed = self._zero_unreported(seen)
            refresh.zeroed = len(zeroed)
            refresh.stock_ids += zeroed
        message = _(
            "%(kind)s stock refresh: %(items)s items read, %(rows)s store quantities written, "
            "%(unmatched)s items without an Odoo product%(skipped)s%(zeroed)s.",
            kind=_("Full") if full else _("Incremental"),
            items=refresh.items,
            rows=refresh.rows,
            unmatched=refresh.unmatched,
            skipped=_(", %s unreadable items left as they were (see the sync log)", refresh.skipped)
            if refresh.skipped
            else "",
            zeroed=_(", %s no longer reported set to 0", refresh.zeroed) if refresh.zeroed else "",
        )
        if refresh.skipped > LOGGED_SKIPPED_ITEMS:
            self._log_skipped_item(
                _(
                    "%(more)s more unreadable items of Lightspeed account %(account)s were left "
                    "as they were.",
                    more=refresh.skipped - LOGGED_SKIPPED_ITEMS,
                    account=self.name,
                ),
                self.account_number,
            )
        if refresh.stop_kind == "budget":
            message += " " + _("The run's time was up: the next run continues.")
        if stopped is not None:
            message += " " + _("Lightspeed throttled the read: the next run continues.")
            self.env["amazon.sync.log"]._log_event(
                "stock", message, level="warning", reference=self.account_number, record=self
            )
        self._save_run_state("stock", last_run=fields.Datetime.now(), last_result=message)
        self._stock_batch_stored()
        self._after_stock_refresh(self.env["lightspeed.stock"].browse(refresh.stock_ids))
        refresh.commit()
        return refresh

    def _stock_walk(self, client, since, resume_from):
        """The pages of the items changed since ``since``, going on from the page link an
        earlier run saved (see ``_read_on``)."""
        page_size = self._stock_page_size
        return self._read_on(
            "stock",
            lambda link: client.stock_pages(since, resume_from=link, page_size=page_size),
            resume_from,
            since,
        )

    def _store_stock_batch(
        self, batch, shops, refresh, seen, since, read_started_at, next_link=None
    ):
        """Upsert one batch of ItemStock in two queries; returns the cursor after it.
        ``next_link``: the page the walk goes on with (None: the batch ends the walk, see
        ``wire.stock_cursor``), saved with the cursor."""
        refresh.items += len(batch)
        products = self._match_products(batch)
        Stock = self.env["lightspeed.stock"]
        wanted = {}
        for stock, product_id in zip(batch, products, strict=True):
            if stock.problem:
                self._skip_item(stock, product_id, shops, refresh, seen)
                continue
            if not product_id:
                refresh.unmatched += 1
                continue
            for shop_id, warehouse_id in shops.items():
                qoh = 0 if stock.archived else stock.qoh_by_shop.get(shop_id, 0)
                wanted[(warehouse_id, product_id)] = (
                    str(stock.item_id),
                    qoh,
                    _naive_utc(stock.timestamp) or None,
                )
        seen.update(wanted)
        existing = set()
        if wanted:
            self.env.cr.execute(
                """
                SELECT warehouse_id, product_id FROM lightspeed_stock
                 WHERE warehouse_id = ANY(%s) AND product_id = ANY(%s)
                """,
                (list({k[0] for k in wanted}), list({k[1] for k in wanted})),
            )
            existing = set(self.env.cr.fetchall())
        uid = self.env.uid
        rows = [
            (warehouse_id, product_id, self.id, self.company_id.id, item_id, qoh, stamp, uid, uid)
            for (warehouse_id, product_id), (item_id, qoh, stamp) in wanted.items()
            if qoh or (warehouse_id, product_id) in existing
        ]
        if rows:
            written = self.env.cr.execute_values(
                """
                INSERT INTO lightspeed_stock
                    (warehouse_id, product_id, lightspeed_account_id, company_id,
                     lightspeed_item_id, qoh, lightspeed_timestamp, create_uid, write_uid,
                     create_date, write_date)
                VALUES %s
                ON CONFLICT (warehouse_id, product_id) DO UPDATE
                   SET qoh = EXCLUDED.qoh,
                       lightspeed_item_id = EXCLUDED.lightspeed_item_id,
                       lightspeed_timestamp = EXCLUDED.lightspeed_timestamp,
                       lightspeed_account_id = EXCLUDED.lightspeed_account_id,
                       company_id = EXCLUDED.company_id,
                       write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date
                RETURNING id
                """,
                rows,
                template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "now() at time zone 'UTC', now() at time zone 'UTC')",
                page_size=len(rows),
                fetch=True,
            )
            refresh.stock_ids += [row[0] for row in written]
            refresh.rows += len(rows)
            Stock.invalidate_model()
        since = stock_cursor(since, batch, read_started_at, complete=not next_link)
        self._save_run_state(
            "stock", cursor=_naive_utc(since) if since else False, page_token=next_link or False
        )
        self._stock_batch_stored()
        refresh.commit()
        return since

    def _skip_item(self, stock, product_id, shops, refresh, seen):
        """An item whose record cannot be trusted keeps the stock rows it has (a full refresh
        does not zero them either); it is read again once it changes in Lightspeed."""
        refresh.skipped += 1
        if product_id:
            seen.update((warehouse_id, product_id) for warehouse_id in shops.values())
        if refresh.skipped > LOGGED_SKIPPED_ITEMS:
            return
        item = stock.custom_sku or stock.system_sku or stock.item_id or "?"
        self._log_skipped_item(
            _(
                "Lightspeed item %(item)s of account %(account)s was not read: %(problem)s. Its "
                "store stock is left as it was; fix the item in Lightspeed.",
                item=item,
                account=self.name,
                problem=stock.problem,
            ),
            str(item),
        )

    def _log_skipped_item(self, message, reference):
        self.env["amazon.sync.log"]._log_event(
            "stock", message, level="warning", reference=reference, record=self
        )

    def _match_products(self, batch):
        """The product id (or None) of each item of ``batch``, in order, by the account's
        "Match Items by": internal reference = customSku, else systemSku, else barcode = UPC
        (or only one of them); at most two searches per batch, none per item."""
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        company_domain = [("company_id", "in", [False, self.company_id.id])]
        codes = {s.custom_sku for s in batch if s.custom_sku} | {
            s.system_sku for s in batch if s.system_sku
        }
        upcs = {s.upc for s in batch if s.upc}
        by_code, by_barcode = {}, {}
        if codes:
            for product in Product.search(
                [("default_code", "in", list(codes))] + company_domain,
                order="company_id, id",
            ):
                by_code.setdefault(product.default_code, product.id)
        if upcs:
            for product in Product.search(
                [("barcode", "in", list(upcs))] + company_domain, order="company_id, id"
            ):
                by_barcode.setdefault(product.barcode, product.id)
        keys = {
            "auto": lambda s: (
                by_code.get(s.custom_sku) or by_code.get(s.system_sku) or by_barcode.get(s.upc)
            ),
            "custom_sku": lambda s: by_code.get(s.custom_sku),
            "system_sku": lambda s: by_code.get(s.system_sku),
            "upc": lambda s: by_barcode.get(s.upc),
        }
        product_of = keys[self.item_match or "auto"]
        return [product_of(stock) for stock in batch]

    def _zero_unreported(self, seen):
        """After a full read: rows of this account Lightspeed no longer reports go to 0; their
        ids."""
        self.env.cr.execute(
            "SELECT id, warehouse_id, product_id FROM lightspeed_stock "
            "WHERE lightspeed_account_id = %s AND qoh != 0",
            (self.id,),
        )
        gone = [row_id for row_id, w, p in self.env.cr.fetchall() if (w, p) not in seen]
        if gone:
            self.env.cr.execute(
                "UPDATE lightspeed_stock SET qoh = 0, write_date = now() at time zone 'UTC' "
                "WHERE id = ANY(%s)",
                (gone,),
            )
            self.env["lightspeed.stock"].invalidate_model()
        return gone

    def _after_stock_refresh(self, updated_stock):
        """Hook, called once at the end of each stock refresh of this account that ran (not
        when another worker held it), in its last transaction, before its commit.
        ``updated_stock``: the ``lightspeed.stock`` rows the refresh created, updated or set to
        0 (empty when nothing changed; those of this run only when the run's time was up or
        Lightspeed throttled it: the next run goes on). Returns True; an override returns
        what ``super()`` returns. See README, "Extending the connector"."""
        return True

    def _stock_batch_stored(self):
        """Hook: a batch of store stock is written, in the transaction about to be committed
        with its cursor (one refresh per account at a time: the run's lock)."""
        return True
