"""Reading the connector's sales back from Lightspeed: shipments marked in the store.

The scheduled action ``_cron_read_sales_back`` reads, per Lightspeed account whose channels
mark shipments in Lightspeed, the sales the connector wrote whose timeStamp moved since the
account's cursor (``lib/lightspeed/sale_reader.changed_sale_pages``: one GET per 100 sales,
oldest change first) and hands each to its routed order (``_apply_lightspeed_sale``), each in
its own savepoint. The cursor moves past what was handled (never past a sale left for the next
run), so a sale is read again rather than missed; handling one twice does nothing the second
time. A run that stops before the walk's end keeps the link to the page after the last one it
handled whole, and the next run goes on from there: a second holding more sales than one run
reads is read over several runs, not from its start by each. A sale that cannot be read or
applied is an error in the sync log and is passed over: it is read again when it changes, and
never holds up the shipments after it.
"""

import logging
import zlib
from datetime import timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.errors import AuthError, ConnectorError, ThrottledError, TransientError
from ..lib.lightspeed.sale_reader import UnreadableSale, changed_sale_pages, next_cursor
from .connector_run import BUSY, ERROR, STOPPED, ConnectorRun

_logger = logging.getLogger(__name__)

READ_BACK_CRON = "amazon_lightspeed_connector.ir_cron_lightspeed_read_sales_back"
LOCK_NAMESPACE = zlib.crc32(b"lightspeed_sales_read_back") & 0x7FFFFFFF


def _naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else None


class LightspeedAccountAfterSale(models.Model):
    _inherit = "lightspeed.account"

    _sales_read_limit = 500  # sales handled per account and run; the next run goes on from there
    _sales_read_page_size = 100  # sales a read asks Lightspeed for (its most)

    @api.model
    def _cron_read_sales_back(self):
        """Every Lightspeed account holding sales still to ship for a channel that marks its
        shipments in Lightspeed (nothing waiting: no call)."""
        waiting = (
            self.env["amazon.routed.order"]
            .sudo()
            .search([("state", "=", "sent"), ("lightspeed_account_id", "!=", False)])
        )
        reading = waiting.filtered(lambda r: r.account_id._reads_lightspeed_shipments())
        handled = left = 0
        run = ConnectorRun(self.env)  # the accounts share one run's budget
        for account in reading.lightspeed_account_id:
            done, more = account._read_sales_back(run=run)
            handled += done
            left += int(more)
        if run.next_run_at():
            run.schedule(READ_BACK_CRON)
        # an account stopped at its limit has more to read now: the cron worker runs it again
        run.report(handled, left)
        return True

    def _read_sales_back(self, run=None):
        """Read this account's changed sales and apply them, within the run's budget: (the
        number handled, whether it stopped at its limit with more to read)."""
        self.ensure_one()
        run = run or ConnectorRun(self.env)
        if not run.lock(LOCK_NAMESPACE, self.id):
            return 0, False  # another worker reads this account now
        Log = self.env["amazon.sync.log"].sudo()
        try:
            client = self._lightspeed_client()
        except UserError as error:  # credentials missing: said in the log
            Log._log_event("after_sale", str(error), reference=self.name)
            return 0, False
        started = fields.Datetime.now()
        # the first read goes through the account's Amazon sales once (a limit's worth a run):
        # Lightspeed's clock, not ours, stamps them, so no local date is a safe start
        state = self._run_state("sales_read")
        read_before = state.cursor
        since = read_before or None
        handled = []
        complete = False  # the walk read to its end: else the cursor stays before its last second
        more = False  # stopped at the limit between two pages: the rest can go now
        run.limit_waits(client.pacer)
        try:
            for page in self._sales_walk(client, since, state.page_token or None):
                if not self._apply_sales_page(page.records, client, run, handled):
                    break  # another worker, a stop or the budget: this page is read again
                if page.next_link:
                    # the page is handled whole: a run that stops from here goes on after it
                    self._save_run_state("sales_read", page_token=page.next_link)
                    if len(handled) >= self._sales_read_limit:
                        more = True
                        break
            else:
                complete = not run.stopped
        except (ThrottledError, TransientError, AuthError) as error:
            # the rest waits for the next run; what was handled keeps its progress
            if run.error is not error:
                run.stop(error)
            Log._log_event(
                "after_sale",
                _(
                    "Reading sales back from %(account)s stopped: %(error)s",
                    account=self.name,
                    error=error,
                ),
                level="warning",
                reference=self.name,
            )
        except ConnectorError as error:
            Log._log_event("after_sale", str(error), reference=self.name, payload=error.payload)
        # not ``cursor``: a local of that name is what Odoo's ``_()`` takes for the database
        # cursor when the context has no language (a scheduled action)
        read_up_to = next_cursor(since, handled, started.replace(tzinfo=timezone.utc), complete)
        values = {"last_run": fields.Datetime.now()}
        if complete:
            values["page_token"] = False
        if read_up_to and _naive_utc(read_up_to) != read_before:
            values["cursor"] = _naive_utc(read_up_to)
        self._save_run_state("sales_read", **values)
        run.commit()
        return len(handled), more

    def _sales_walk(self, client, since, resume_from):
        """The pages of the connector's sales changed since ``since``, going on from the page
        link an earlier run saved (see ``_read_on``)."""
        page_size = self._sales_read_page_size
        return self._read_on(
            "sales_read",
            lambda link: changed_sale_pages(client, since, resume_from=link, page_size=page_size),
            resume_from,
            since,
            log_flow="after_sale",
        )

    def _apply_sales_page(self, sales, client, run, handled):
        """Apply one page's sales, each in its own savepoint, adding them to ``handled``;
        whether the whole page was handled (not when another worker changes one of its
        orders, or the run stops or runs out of time: the next run reads the page again)."""
        done = 0
        for sale in run.items(sales, client.pacer):
            outcome, error = self._apply_sale_read_back(sale, client, run)
            if outcome == BUSY:
                return False  # another worker changes the same order: the next run reads it
            if outcome == STOPPED:
                raise error  # said in the sync log by the caller; the cursor stays before it
            handled.append(sale)  # applied, or its error logged: the walk goes on
            done += 1
        return done == len(sales)

    def _apply_sale_read_back(self, sale, client, run):
        """One sale read back, applied in its own savepoint: (outcome, error) as
        ``ConnectorRun.attempt`` says. A sale that cannot be read or applied (ERROR) is an error
        in the sync log, on its routed order, and is passed over: one bad sale must not stop the
        reading of every shipment after it; it is read again when it changes in Lightspeed."""
        if isinstance(sale, UnreadableSale):
            outcome, error = ERROR, sale.problem
        else:
            Routed = self.env["amazon.routed.order"]
            outcome, error = run.attempt(
                lambda: Routed._apply_lightspeed_sale(self, sale, client), label=self.name
            )
        if outcome == ERROR:
            run.counts["error"] += 1
            self._log_sale_not_applied(sale, error)
        return outcome, error

    def _log_sale_not_applied(self, sale, error):
        routed = self.env["amazon.routed.order"].sudo()
        if sale.sale_id:
            routed = routed._of_lightspeed_sale(self, sale.sale_id)
        message = _(
            "Lightspeed sale %(sale)s could not be read back (%(error)s). It is passed over and "
            "read again when it changes in Lightspeed; if the store shipped it, mark its order "
            "shipped in Odoo.",
            sale=sale.sale_id or "?",
            error=error,
        )
        Log = self.env["amazon.sync.log"]
        if not Log._logged_before("after_sale", routed or self, message):
            Log._log_event(
                "after_sale",
                message,
                reference=routed.name or str(sale.sale_id or self.name),
                record=routed or self,
            )
