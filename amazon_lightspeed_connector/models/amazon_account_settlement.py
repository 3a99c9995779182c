"""Settlement (flow 8): ``amazon.account._read_settlements`` closes the invoices Amazon paid.

One run of one channel:

1. getReports lists the V2 flat-file settlement reports Amazon generated since the cursor
   (the creation time of the last report read; the first run starts at "Import Orders From").
2. Each report, oldest first, is read once (``amazon.settlement`` is unique per channel and
   report): downloaded, parsed, stored with one line per amount row, then booked:
   - rows are matched to imported orders by order id and SKU (``lib.amazon.settlement``);
   - an order whose every SKU is paid in the report gets its invoice (created from the sale
     order and posted if nobody did yet, with the channel's payment term) and one payment in
     the settlement journal for what Amazon pays out, whose journal entry also books the
     fees (and the tax Amazon withholds) on their accounts, so the invoice ends paid;
   - refunds, account charges and unmatched rows stay on the report and go to the sync log.
   Each order is booked in its own savepoint: one that cannot be closed stays open on the
   report with the reason, and the rest goes on. The report and the cursor are committed
   together (never in tests).
3. Throttling, a server error or refused credentials stop the channel's run with the cursor
   at the last report read; the next run lists from there. A malformed report (or one Amazon
   refuses for itself, e.g. a document no longer there) is stored in error (with the message,
   also in the sync log) and the run goes on: re-reading it would not mend it; Retry on the
   report reads it again by hand.

An order shipped in several packages (a split order) may be paid over several settlements:
its rows stay open until the rows of every SKU are in, whichever reports they came in; the
report that completes it pays the invoice.

Why fees are booked in the payment, not as a vendor bill: Amazon never sends money and a bill
separately, it deducts its fees from each payout. A payment of the net amount with write-off
lines (Odoo's own mechanism of "mark as fully paid" in the payment wizard) reconciles the
invoice in full and books the fees in the same entry, dated like the deposit; the bank
statement then matches the payment amount to the cent. A vendor bill would need a second
reconciliation against money that never moves.
"""

from datetime import timedelta

from odoo import _, api, fields, models

from ..lib.amazon.settlement import parse_report_date
from ..lib.errors import ConnectorError
from .access_guard import MANAGER, requires
from .amazon_order import _naive_utc
from .amazon_settlement import SETTLEMENT_CRON
from .connector_connection_mixin import run_state_field
from .connector_run import DONE, ERROR, ConnectorRun, button_env, run_each

LOCK_CLASS = 0x414D53  # advisory lock namespace: one settlement run per channel at a time


class SettlementRun(ConnectorRun):
    """What one channel's run did, for the notification and the sync log."""

    COUNTS = ("read", "already", "error", "closed", "open")
    SERVICE = "Amazon"

    def figures(self):
        return self.env._(
            "%(read)s report(s) read, %(already)s already read, %(error)s in error; "
            "%(closed)s order(s) closed, %(open)s left open.",
            **self.counts,
        )


class AmazonAccountSettlement(models.Model):
    _inherit = "amazon.account"

    settlement_enabled = fields.Boolean(
        "Read Settlements",
        help="Read Amazon's settlement reports on schedule and close the invoices they pay.",
    )
    settlement_cursor = run_state_field(
        fields.Datetime,
        "settlement",
        "cursor",
        "Settlements Read Up To",
        help="When Amazon generated the last settlement report read: the next run lists the "
        "reports generated since.",
    )
    settlement_last_result = run_state_field(
        fields.Char, "settlement", "last_result", "Last Settlement Run", help="What it did."
    )
    settlement_journal_id = fields.Many2one(
        "account.journal",
        "Settlement Journal",
        compute="_compute_settlement_accounting",
        store=True,
        readonly=False,
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="The bank journal Amazon's payouts arrive in; a journal on the order's payment "
        "mapping wins. Defaults to the company's first bank journal.",
    )
    settlement_fee_account_id = fields.Many2one(
        "account.account",
        "Amazon Fees Account",
        compute="_compute_settlement_accounting",
        store=True,
        readonly=False,
        check_company=True,
        help="The expense account Amazon's commissions and other order fees are booked on "
        '(deducted from the payout). Defaults to the company\'s own "Amazon Fees" expense '
        "account, created for it when the channel is created or the first settlement is read.",
    )
    settlement_withheld_tax_account_id = fields.Many2one(
        "account.account",
        "Withheld Tax Account",
        compute="_compute_settlement_accounting",
        store=True,
        readonly=False,
        check_company=True,
        help="Where the tax Amazon collects and remits itself (marketplace facilitator) is "
        "booked when it keeps it from the payout: it cancels the tax line of the invoice. "
        'Defaults to the company\'s own "Amazon Withheld Tax" income account, created for it '
        "when the channel is created or the first settlement is read.",
    )
    invoice_payment_term_id = fields.Many2one(
        "account.payment.term",
        "Invoice Payment Terms",
        check_company=True,
        help="Given to the invoices of Amazon orders: it decides when an invoice Amazon has "
        "not settled yet is overdue (Amazon pays out every 14 days or so).",
    )
    settlement_count = fields.Integer(
        "Settlements", compute="_compute_settlement_count", help="Settlement reports read."
    )

    @api.depends("company_id")
    def _compute_settlement_accounting(self):
        for account in self:
            company = account.company_id
            if not company:
                continue
            if not account.settlement_journal_id:
                account.settlement_journal_id = self.env["account.journal"].search(
                    [*self.env["account.journal"]._check_company_domain(company)]
                    + [("type", "=", "bank")],
                    limit=1,
                )
            account._fill_dedicated_accounts()

    def _fill_dedicated_accounts(self):
        """Empty fee and withheld tax accounts get the company's dedicated ones (created the
        first time: never an account found by chance, such as the first expense account, which
        would mix Amazon's fees with something else). Nothing while the company has no chart
        of accounts: the settlement run then says what to choose."""
        for account in self:
            Account = self.env["account.account"].sudo().with_company(account.company_id)
            if not account.settlement_fee_account_id:
                account.settlement_fee_account_id = Account._amazon_dedicated_account("fees")
            if not account.settlement_withheld_tax_account_id:
                withheld = Account._amazon_dedicated_account("withheld_tax")
                account.settlement_withheld_tax_account_id = withheld
                account._book_amazon_tax_on(withheld)

    def _book_amazon_tax_on(self, withheld):
        """The invoices' "Amazon Tax" line goes to the withheld tax account too (unless the
        product has its own account): the settlement's write-off cancels it there, instead of
        leaving the tax in the sales income."""
        product = self.env.ref("amazon_lightspeed_connector.product_amazon_tax", False)
        if not (withheld and product):
            return
        template = product.product_tmpl_id.sudo().with_company(self.company_id)
        if not template.property_account_income_id:
            template.property_account_income_id = withheld

    def _compute_settlement_count(self):
        counts = self._count_per_account("amazon.settlement")
        for account in self:
            account.settlement_count = counts.get(account, 0)

    # ------------------------------------------------------------ schedule and buttons

    @api.model
    def _cron_read_settlements(self):
        """Every channel that reads settlements, and every channel with a report queued by
        Retry (its schedule off: that alone), within one run's budget; a channel whose time
        was up, or whose quota needs time, asks for the next run."""
        retried = self.env["amazon.settlement"].search([("retry_requested", "=", True)])
        run_each(
            self.search(
                ["|", ("settlement_enabled", "=", True), ("id", "in", retried.account_id.ids)]
            ),
            lambda account, deadline: account._read_settlements(
                deadline=deadline, retries_only=not account.settlement_enabled
            ),
            SETTLEMENT_CRON,
            "settlement",
        )

    @requires("write", MANAGER)
    def action_read_settlements(self):
        """Read the settlement reports now, whatever the schedule."""
        self.ensure_one()
        account = self.sudo().with_company(self.company_id)
        run = account.with_env(button_env(account.env))._read_settlements()
        if run is None:
            return self._notification(
                _("A settlement run of this channel is already going on."), "warning"
            )
        trouble = run.counts["error"] or run.counts["open"]
        return self._run_notification(run, SETTLEMENT_CRON, trouble)

    @requires("read")
    def action_view_settlements(self):
        return self._records_action("amazon_settlement_action")

    # ------------------------------------------------------------ the run

    def _settlement_client(self):
        return self._amazon_client()

    def _read_settlements(self, client=None, deadline=None, retries_only=False):
        """One settlement run of this channel within the run's budget: the reports queued by
        Retry, then (unless ``retries_only``) the new ones; its SettlementRun (None: already
        running)."""
        self.ensure_one()
        account = self.with_company(self.company_id)
        run = SettlementRun(self.env, deadline=deadline)
        if not run.lock(LOCK_CLASS, self.id):
            return None
        account._fill_dedicated_accounts()
        if not account.settlement_fee_account_id:
            run.stopped = _(
                "No settlement is read until the channel has an Amazon Fees Account (the "
                "company has no chart of accounts to create one in): choose it on the "
                "channel's Settlement tab."
            )
            self.env["amazon.sync.log"]._log_event(
                "settlement",
                _("%(account)s: %(why)s", account=self.name, why=run.stopped),
                level="warning",
                record=self,
            )
            account._settlement_run_done(run)
            return run
        since = (
            account._run_state("settlement").cursor
            or account.import_from
            or fields.Datetime.now() - timedelta(days=30)
        )
        try:
            with run.api_client(client, account._settlement_client) as client:
                pacer = getattr(client, "pacer", None)
                account._read_queued_reports(client, run, pacer)
                if not (retries_only or run.stopped):
                    reports = client.list_settlement_reports(since)
                    for info in run.items(sorted(reports, key=lambda r: r.created or ""), pacer):
                        account._read_listed_report(client, info, run)
        except ConnectorError as error:
            account._stop_run(run, error, "settlement")
        account._settlement_run_done(run)
        return run

    @staticmethod
    def _count_settlement(run, settlement):
        run.counts["error" if settlement.state == "error" else "read"] += 1
        lines = settlement.line_ids
        run.counts["open"] += len(
            set(lines.filtered(lambda x: x.state == "open").mapped("order_reference"))
        )
        run.counts["closed"] += len(
            set(lines.filtered(lambda x: x.state == "paid").mapped("order_reference"))
        )

    def _settlement_run_done(self, run):
        self._save_run_state(
            "settlement", last_run=fields.Datetime.now(), last_result=run.summary()
        )
        run.commit()

    def _read_queued_reports(self, client, run, pacer):
        """The reports Retry queued, oldest first, each read again and booked, then committed
        (its flag stays when the run stops before it: the next run takes it)."""
        queued = self.env["amazon.settlement"].search(
            [("account_id", "=", self.id), ("retry_requested", "=", True)], order="id"
        )
        for settlement in run.items(queued, pacer):
            outcome, result = run.attempt(
                lambda s=settlement: self._read_queued_report(s, client), settlement.display_name
            )
            if outcome == DONE:
                self._count_settlement(run, result)
            elif outcome == ERROR:  # not a matter of trying again: a person looks at it
                settlement.retry_requested = False
                run.counts["error"] += 1
                self.env["amazon.sync.log"]._log_event(
                    "settlement",
                    "%s: %s" % (settlement.display_name, result),
                    reference=settlement.report_id,
                    record=settlement,
                )
            run.commit()

    def _read_queued_report(self, settlement, client):
        """Unqueue and read one report (a savepoint around it: throttled, or another worker
        writing the report at the same moment, it stays queued for the next run)."""
        settlement.retry_requested = False
        return self._process_settlement_report(settlement.report_id, client=client)

    def _read_listed_report(self, client, info, run):
        """Read one listed report unless it was read before; the cursor moves past it."""
        settlement = self.env["amazon.settlement"].search(
            [("account_id", "=", self.id), ("report_id", "=", info.report_id)]
        )
        if settlement:
            run.counts["already"] += 1
        else:
            settlement = self._process_settlement_report(info.report_id, info, client)
            self._count_settlement(run, settlement)
        created = parse_report_date(info.created or "")
        created = _naive_utc(created) if created else None
        cursor = self._run_state("settlement").cursor
        if created and (not cursor or created > cursor):
            self._save_run_state("settlement", cursor=created)
        run.commit()
