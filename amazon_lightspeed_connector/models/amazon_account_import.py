"""The order import of an Amazon channel (flow 1): ``amazon.account._import_orders``.

One run of one channel:

1. Orders waiting for a SKU binding that now exists are retried.
2. Amazon is searched for orders updated since the cursor minus ``OVERLAP`` (the first run
   starts at "Import Orders From"), up to two minutes ago (the client clamps the bound),
   through the adapter of the channel's Orders API version (``lib/amazon/orders_adapter``):
   the model never reads an order's JSON.
3. Each order is mapped and stored in its own savepoint (``amazon_account_import_order``:
   ``amazon.order._import_from_amazon`` upserts by (channel, order id) so a re-read never
   duplicates), then the transaction is committed (never in tests). A malformed order or
   one the sale order cannot be built for is an error on that order and in the sync log; the
   run goes on.
4. The cursor moves only when a search is read to its end (to the search's upper bound):
   Amazon promises no order of a search's results. A run that stops before (throttling, a
   server error, an unreadable page, refused credentials, its time) keeps the token of the
   next page on its status row, and the next run goes on from that page; a token Amazon no
   longer takes restarts the search from the cursor over half its window.
5. After ``import_max_pages`` pages a long backfill stops and reports its progress; the
   scheduled action takes the channel again at once (its status row's ``backlog``), so a
   backfill never waits for the interval between its runs.
"""

import logging
from datetime import timedelta

from odoo import _, api, fields, models

from ..lib.amazon.client import MAX_PAGE_SIZE
from ..lib.amazon.orders_adapter import orders_adapter
from ..lib.errors import ConnectorError, PermanentError
from .access_guard import MANAGER, requires
from .amazon_import_run import ImportRun
from .amazon_order import _naive_utc
from .connector_connection_mixin import run_state_field
from .connector_run import DONE, button_env, run_each

_logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=5)  # re-read the end of the last window: late-indexed orders
MIN_WINDOW = timedelta(hours=1)  # a restarted search's window is never halved below this
LOCK_CLASS = 0x414D5A  # advisory lock namespace: one import per channel at a time


IMPORT_CRON = "amazon_lightspeed_connector.ir_cron_amazon_import_orders"


class AmazonAccountImport(models.Model):
    _inherit = "amazon.account"

    import_enabled = fields.Boolean(
        "Import Orders",
        help="Import this channel's orders on schedule. Untick to pause the import.",
    )
    import_from = fields.Datetime(
        "Import Orders From",
        default=lambda self: fields.Datetime.now() - timedelta(days=1),
        help="Orders last updated after this moment are imported on the first run only; later "
        "runs continue from where the previous one stopped.",
    )
    import_interval = fields.Integer(
        "Import Every (minutes)",
        default=15,
        minimum=1,
        help="How often the import runs. The scheduled action runs as often as the most "
        "frequent enabled channel needs.",
    )
    # the import's status row (connector.run.state), shown on the channel
    import_cursor = run_state_field(
        fields.Datetime,
        "import",
        "cursor",
        "Imported Up To",
        help="The LastUpdateDate of the latest order read: the next run starts here.",
    )
    last_run = run_state_field(
        fields.Datetime, "import", "last_run", "Last Import", help="When the import last ran."
    )
    import_progress = run_state_field(
        fields.Char, "import", "last_result", "Last Run Result", help="What the last import did."
    )

    orders_api_version = fields.Selection(
        [("2026-01-01", "2026-01-01 (searchOrders)"), ("v0", "v0 (getOrders, until 2027-03-27)")],
        "Orders API Version",
        required=True,
        default="2026-01-01",
        help="2026-01-01 reads up to 100 orders with their items in one call. v0 is kept for "
        "sellers whose application is not yet migrated; Amazon stops serving it on 2027-03-27.",
    )
    fba_policy = fields.Selection(
        [("skip", "Do not import"), ("report", "Import for reporting only")],
        "FBA Orders",
        required=True,
        default="skip",
        help="Orders fulfilled by Amazon ship from Amazon's warehouses. Reporting only: they "
        'are named "FBA Orders", keep no address, are not routed and move no stock.',
    )
    import_max_pages = fields.Integer(
        "Pages per Run",
        default=10,
        minimum=1,
        help="A run reads at most this many pages of up to 100 orders, then stops and the next "
        "run continues: a long backfill never holds a worker for hours. Amazon allows a burst "
        "of 20 searches, then one every three minutes.",
    )
    _sql_constraints = [
        ("import_max_pages_positive", "CHECK(import_max_pages > 0)", "Read at least one page."),
        ("import_interval_positive", "CHECK(import_interval > 0)", "Import at least every minute."),
    ]

    # ------------------------------------------------------------ the schedule

    @api.model_create_multi
    def create(self, vals_list):
        accounts = super().create(vals_list)
        accounts._sync_import_cron()
        return accounts

    def write(self, vals):
        result = super().write(vals)
        if {"import_enabled", "import_interval", "active"} & set(vals):
            self._sync_import_cron()
        return result

    @api.model
    def _sync_import_cron(self):
        """Run the import as often as the most frequent enabled channel asks; idle without any."""
        cron = self.env.ref(IMPORT_CRON, False)
        if not cron:
            return
        enabled = self.sudo().search([("import_enabled", "=", True)])
        values = {"active": bool(enabled)}
        if enabled:
            values.update(
                interval_number=min(enabled.mapped("import_interval")), interval_type="minutes"
            )
        cron.sudo().write(values)

    @api.model
    def _cron_import_orders(self):
        """Import for every enabled channel whose interval has passed since its last run, or
        whose backfill stopped at its page limit, within one run's budget (``run_each``).

        The cron worker is told how many orders were handled and how many channels continue a
        backfill, and runs the action again at once while one does. A run stopped by Amazon
        (throttling, an outage, refused credentials) waits for the interval.
        """
        now = fields.Datetime.now()
        due = self.search([("import_enabled", "=", True)]).filtered(
            lambda account: account._import_due(now)
        )
        runs = run_each(
            due,
            lambda account, deadline: account._import_orders(deadline=deadline),
            IMPORT_CRON,
            "import",
        )
        self.env["ir.cron"].sudo()._notify_progress(
            done=sum(run.done for run in runs),
            remaining=sum(int(run.continues) for run in runs),
        )

    def _import_due(self, now):
        """Its interval has passed since its last run, or its backfill goes on at once."""
        state = self._run_state("import")
        return (
            state.backlog
            or not state.last_run
            or state.last_run + timedelta(minutes=self.import_interval) <= now
        )

    # ------------------------------------------------------------ buttons

    @requires("write", MANAGER)
    def action_import_orders(self):
        """Import now, whatever the schedule: about ten seconds of it; the scheduled action
        takes the rest at once, and the message says so."""
        self.ensure_one()
        account = self.sudo().with_company(self.company_id)
        run = account.with_env(button_env(account.env))._import_orders()
        if run is None:
            return self._notification(_("An import of this channel is already running."), "warning")
        trouble = run.continues or run.counts["error"] or run.counts["busy"]
        return self._run_notification(run, IMPORT_CRON, trouble, more=run.continues)

    # ------------------------------------------------------------ the run

    def _import_client(self):
        return self._amazon_client()

    def _import_orders(self, client=None, deadline=None):
        """One import run of this channel within the run's budget (``deadline``: shared with
        the channels before); returns its ImportRun (None: already running)."""
        self.ensure_one()
        account = self.with_company(self.company_id)
        run = ImportRun(self.env, None, deadline=deadline)
        if not run.lock(LOCK_CLASS, self.id):
            return None
        # read under the lock: a run that just ended moved it. Not named ``cursor``: Odoo's
        # ``_()`` below would take it for the database cursor (a scheduled action's context
        # has no language, so ``_()`` looks for one through its caller's locals)
        state = account._run_state("import")
        read_up_to = state.cursor
        start = read_up_to or account.import_from or fields.Datetime.now() - timedelta(days=1)
        run.cursor, run.resumed = start, bool(read_up_to)
        run.page_token, run.ceiling = state.page_token or None, state.window_end or None
        account._retry_waiting_orders(run)
        try:
            with run.api_client(client, account._import_client) as client:
                account._read_orders(account._orders_adapter(client), run)
        except ConnectorError as error:  # the client could not even be built/authorised
            account._stop_run(run, error, "import")
        # a throttled or failed run waits for the interval (or the quota's room); one whose
        # cursor did not move would only read the same pages again. A run whose time was up
        # goes on at once.
        go_on = not run.stopped or run.stop_kind == "budget"
        # a run whose time was up before it read anything (the cron pass had little left)
        # still has its backlog: the run it asked for must find the channel due
        moved = run.cursor > start or run.stop_kind == "budget"
        # a search halved after a refused token leaves the rest of its window: at once too
        run.continues = (not run.complete or run.narrowed) and go_on and moved
        # a throttled run (the quota needs longer than a run may wait, or Amazon said 429)
        # asked for a run when the quota has room: that run must find the channel due
        waits_for_room = run.stop_kind == "throttled"
        values = {
            "last_run": fields.Datetime.now(),
            "last_result": run.summary(),
            "backlog": run.continues or waits_for_room,
        }
        if run.complete:
            values.update(page_token=False, window_end=False)
            if run.cursor and (not read_up_to or run.cursor > read_up_to):
                values["cursor"] = run.cursor
        account._save_run_state("import", **values)
        if not run.complete and not run.stopped:
            self.env["amazon.sync.log"]._log_event(
                "import",
                _(
                    "%(account)s: backfill in progress, orders imported up to %(cursor)s; the "
                    "next run continues. %(summary)s",
                    account=account.name,
                    cursor=run.cursor,
                    summary=run.summary(),
                ),
                level="info",
                record=account,
            )
        run.commit()
        return run

    def _import_page_size(self):
        """Orders per search page: Amazon's maximum, so a search costs one call per hundred
        orders (tests use small pages to prove paging with few orders)."""
        return MAX_PAGE_SIZE

    def _orders_adapter(self, client):
        """The Orders API of this channel's version, as the import asks it (lib/amazon)."""
        return orders_adapter(self.orders_api_version, client)

    def _read_orders(self, orders, run):
        """Search the orders updated since the cursor, page after page, going on with the
        search an earlier run left unfinished (its saved page token).

        Amazon does not say in which order a search lists its orders, so the cursor moves
        only once a search is read to its end (to the search's upper bound); a run that stops
        before keeps the token of the next page instead, on the import's status row, with
        each page read, and the next run (or the one after a crash) goes on from that page:
        no order of the search is passed over, whatever their order.
        """
        after = run.cursor - OVERLAP if run.resumed else run.cursor
        size = self._import_page_size()
        token = saved_token = run.page_token
        while True:
            if run.out_of_time():
                run.stop_for_budget()
                return
            run.limit_waits(orders.pacer)
            try:
                page = orders.search_page(
                    after, page_token=token, page_size=size, before=run.ceiling
                )
            except PermanentError as error:
                if not (token and token == saved_token and error.status == 400):
                    self._stop_run(run, error, "import")
                    return
                self._restart_search(run, error, after)
                token = None
                continue
            except ConnectorError as error:
                self._stop_run(run, error, "import")
                return
            run.counts["pages"] += 1
            if not run.ceiling:  # an unreadable bound: the cursor is then capped by the clock
                window_end = orders.search_end(page)
                run.ceiling = window_end and _naive_utc(window_end)
            try:
                for raw in run.items(page.orders, orders.pacer):
                    self._import_raw_order(orders, raw, run)
            except ConnectorError as error:
                # only what must stop the run escapes the per-order handling: throttling,
                # a server error, refused credentials
                self._stop_run(run, error, "import")
                return
            if run.stopped:  # its time is up, or another worker imports the same orders
                return
            token = page.next_token
            if not token:
                run.complete = True
                if run.ceiling:
                    run.cursor = max(run.cursor, run.ceiling)
                return
            # every order of this page is stored: whoever reads on starts at the next one
            run.page_token = token
            self._save_run_state("import", page_token=token, window_end=run.ceiling or False)
            run.commit()
            if run.counts["pages"] >= self.import_max_pages:
                return

    def _advance(self, run, updated):
        """An order Amazon last updated at ``updated`` (aware; None: unknown) is stored: it
        is committed, and the run's cursor moves past it (kept once the search is read to
        its end, without an upper bound from Amazon: see ``_read_orders``)."""
        moment = updated and _naive_utc(updated)
        # a date in the future (a broken payload) must not move the cursor past what the
        # search covered, or every later order would be skipped
        moment = moment and min(moment, run.ceiling or fields.Datetime.now())
        if moment and moment > run.cursor:
            run.cursor = moment
        if run.last_order and run.last_order != run.saved_order:
            run.saved_order = run.last_order
            self._save_run_state("import", last_reference=run.last_order)
        run.commit()

    def _restart_search(self, run, error, after):
        """Amazon no longer takes the token of the search an earlier run left unfinished (it
        expired): the search starts again from the cursor, over the first half of its window
        (never less than ``MIN_WINDOW``). Should tokens expire before a long window can be read
        across runs, each restart halves what one search must get through, so the import
        still moves on (a run that reads that half to its end asks for the next at once)."""
        window_end = run.ceiling
        if window_end and window_end - after >= 2 * MIN_WINDOW:
            window_end = after + (window_end - after) / 2
            run.narrowed = True
        run.page_token, run.ceiling = None, window_end
        self._drop_unfinished_read("import", error, run.cursor, window_end=window_end or False)

    def _retry_waiting_orders(self, run):
        """Orders queued for a retry (their missing SKU binding now exists) get their sale
        order, each in its own savepoint."""
        waiting = self.env["amazon.order"].search(
            [("account_id", "=", self.id), ("import_state", "=", "to_retry")]
        )
        for order in run.items(waiting):
            outcome, retried = run.attempt(order._retry_import, label=order.name)
            if outcome == DONE and retried:
                run.counts["retried"] += 1
            elif outcome == DONE:
                run.counts["error"] += 1
                self._log_order_error(order, order.import_error, None)
            run.commit()
