"""Sending routed orders to Lightspeed (the scheduled action, the per-order loop) and
completing the open sales of shipped orders: both on the shared run loop
(``connector_run``): a time budget, a savepoint per order, another worker's conflict counted
"taken by another worker", never an error nor a lost sale id.

What a sale holds is built in ``amazon_routed_order_sale_request.py``
(``_prepare_lightspeed_sale_request``, ``_prepare_lightspeed_sale_payload``)."""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from psycopg2.errors import LockNotAvailable, SerializationFailure

from ..lib.errors import PermanentError
from ..lib.lightspeed.sale_payload import payload_total, shipment_note, total_difference
from ..lib.lightspeed.sale_reader import read_sale_detail
from ..lib.lightspeed.sale_sender import SalesByReference, complete_sale, ship_note_payload
from .amazon_routed_order_lightspeed import (
    CRON_XMLID,
    SHIPPED_STATES,
    SaleNotPossible,
    SendRun,
)
from .connector_run import BUSY, DONE, ERROR, commit, lock_rows, schedule_earliest

_logger = logging.getLogger(__name__)

SEND_LOCK = 0x4C5353  # advisory lock namespace: one sender of sales per Lightspeed account


class AmazonRoutedOrderSend(models.Model):
    _inherit = "amazon.routed.order"

    # --- the scheduled action -----------------------------------------------------------------

    @api.model
    def _cron_send_to_lightspeed(self, limit=None):
        """Complete the open sales of shipped orders, send the oldest orders to send, then mail
        each channel that asks for it one summary of the run."""
        limit = self._send_batch_size if limit is None else limit
        channels = self.env["amazon.account"].search([("sync_log_email", "!=", False)])
        started = {channel: channel._run_started() for channel in channels}
        runs = self._send_oldest(limit)
        sent = self.browse([i for run in runs for i in run.sent_ids])
        for channel, marks in started.items():
            channel._mail_run_summary(
                "lightspeed", marks, sent=sent.filtered(lambda r, c=channel: r.account_id == c)
            )
        return runs

    def _send_oldest(self, limit):
        completions = self._cron_complete_shipped()
        deadline = completions[-1].deadline if completions else None
        self.flush_model(["state"])
        self.env.cr.execute(
            """
            SELECT id FROM amazon_routed_order
             WHERE state = 'to_send'
             ORDER BY id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            (limit,),
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        runs = self.browse(ids)._send_to_lightspeed(deadline=deadline)
        self._notify_send_progress(completions + runs)
        return runs

    def _notify_send_progress(self, runs):
        """Tell the cron worker what this run did and what can still go now; while something
        can, it runs the action again at once, each run in a new transaction.

        Orders of a Lightspeed account whose run stopped (throttled, down, credentials refused)
        are not counted: they wait for the next interval. Orders in error wait for Retry.
        """
        done = sum(run.counts["sent"] + run.counts["adopted"] + run.counts["error"] for run in runs)
        stopped = [
            run.lightspeed_account.id for run in runs if run.stopped and run.stop_kind != "budget"
        ]
        domain = [("state", "=", "to_send")]
        if stopped:
            domain.append(("account_id.lightspeed_account_id", "not in", stopped))
        remaining = self.sudo().search_count(domain)
        self.env["ir.cron"].sudo()._notify_progress(done=done, remaining=remaining)
        # the time is up, or Lightspeed's bucket needs time: the next run is asked for then
        schedule_earliest(self.env, CRON_XMLID, runs)

    @api.model
    def _cron_complete_shipped(self, deadline=None):
        shipped = self.search(
            [
                ("state", "in", SHIPPED_STATES),
                ("lightspeed_sale_id", "!=", False),
                ("lightspeed_sale_completed", "=", False),
                ("error_message", "=", False),
            ],
            order="id",
        )
        return shipped._complete_lightspeed_sales(deadline=deadline)

    # --- sending ------------------------------------------------------------------------------

    def _send_to_lightspeed(self, client=None, deadline=None):
        """Send these routed orders (to send), account by account, within one run's budget
        (``deadline``: the end of a budget shared with work done before); the SendRuns."""
        runs = []
        routed = self.sudo().filtered(lambda r: r.state == "to_send").sorted("id")
        no_account = routed.filtered(lambda r: not r.account_id.lightspeed_account_id)
        for order in no_account:
            order._record_send_error(
                SaleNotPossible(
                    _(
                        "The Amazon channel %s has no Lightspeed account: set one, then Retry.",
                        order.account_id.name,
                    )
                )
            )
            commit(self.env)
        for account in (routed - no_account).account_id.lightspeed_account_id:
            mine = (routed - no_account).filtered(
                lambda r, a=account: r.account_id.lightspeed_account_id == a
            )
            run = mine._send_account_orders(account, client, deadline)
            deadline = run.deadline
            runs.append(run)
        return runs

    def _send_account_orders(self, account, client=None, deadline=None):
        run = self._open_send_run(account, client, deadline)
        if run.client is None:
            return run
        if not run.lock(SEND_LOCK, account.id):
            # another worker (the scheduled action, a button) sends this account's orders now.
            # One sender at a time: its look-up of the sales already written, read before its
            # first POST, must not miss a sale another worker wrote but could not record
            run.counts["busy"] += len(self)
            return run
        run.limit_waits(run.client.pacer)
        outcome, error = run.attempt(lambda: self._prepare_send_run(run), label=account.name)
        if outcome != DONE:
            self._stop_send_run(run, error)
            return run
        for routed in run.items(self, run.client.pacer):
            routed._send_one(run)
        if run.stopped:
            self._stop_send_run(run, run.error)
        return run

    def _open_send_run(self, account, client=None, deadline=None):
        """A SendRun on ``account`` with its Lightspeed client; without credentials the run is
        stopped on these orders and its client stays None."""
        run = SendRun(account, None, deadline=deadline)
        try:
            run.client = client or account._lightspeed_client()
        except UserError as error:  # credentials missing: nothing can be sent yet
            self._stop_send_run(run, PermanentError(str(error)))
        return run

    def _prepare_send_run(self, run):
        """Before the first POST: the sales an earlier run wrote but could not record, and the
        run's new buyers searched together."""
        run.known_sales = SalesByReference(run.client, self.mapped("name"))
        self._prepare_send_customers(run)

    def _stop_send_run(self, run, error):
        """Say in the sync log why this account's run stopped (nothing when its time was up or
        it ended rather than wait for the bucket: the next run is already asked for)."""
        if error is not None and run.error is not error:
            run.stop(error)
        if run.stop_kind == "budget" or run.waits_for_quota:
            return
        account = run.lightspeed_account
        if run.stop_kind == "credentials":
            account._connection_failed(error, _("Sending sales to Lightspeed"))
        self.env["amazon.sync.log"]._log_event(
            "lightspeed",
            _("%(account)s: %(why)s", account=account.name, why=run.stopped),
            level="warning" if run.stop_kind == "throttled" else "error",
            reference=account.account_number,
            payload=getattr(error, "payload", None),
            record=account,
        )
        commit(self.env)

    def _lock_for_send(self):
        """This order's row lock, or False when another worker holds it or sent it already."""
        self.flush_recordset(["state"])  # a Retry just wrote it: the query must see it
        try:
            with self.env.cr.savepoint(flush=False):
                lock_rows(
                    self.env.cr,
                    "SELECT id FROM amazon_routed_order "
                    "WHERE id = %s AND state = 'to_send' FOR UPDATE SKIP LOCKED",
                    (self.id,),
                )
                return bool(self.env.cr.fetchone())
        except (LockNotAvailable, SerializationFailure):
            return False  # changed by a worker that committed after this transaction began

    def _send_one(self, run):
        """Write this routed order as one Lightspeed sale. The POST and recording its id are
        two steps: a conflict with another worker while recording (the stock row, a buyer
        kept at the same moment) never loses the sale id obtained, and until it is recorded
        the order's row stays locked (no commit between), so no one else sends it."""
        self.ensure_one()
        self.invalidate_recordset(["state"])
        if not self._lock_for_send():
            run.counts["busy"] += 1
            return
        outcome, posted = run.attempt(lambda: self._post_sale(run), label=self.name)
        if outcome == DONE:
            outcome, posted = self._record_posted_sale(run, posted)
        if outcome == DONE:
            run.counts["adopted" if posted else "sent"] += 1
            run.sent_ids.append(self.id)
        elif outcome == ERROR:
            self._record_send_error(posted)
            run.counts["error"] += 1
        run.commit()
        if outcome == DONE and posted:
            self._read_adopted_sale(run)

    def _read_adopted_sale(self, run):
        """A sale found rather than written was written by an attempt that could not record
        it: the store may have shipped or voided it since, and the sales read back passed it
        over then (no order held it yet). What it says now is applied once (one GET)."""
        account, client = run.lightspeed_account, run.client
        outcome, error = run.attempt(
            lambda: self._apply_lightspeed_sale(
                account, read_sale_detail(client, int(self.lightspeed_sale_id)), client
            ),
            label=self.name,
        )
        if outcome != DONE:
            _logger.info("%s: the sale found was not read back (%s)", self.name, error)
        run.commit()

    def _record_posted_sale(self, run, posted):
        """Record the sale posted; once more when another worker's write collided (a buyer
        kept at the same moment): the sale exists, only its recording is tried again."""
        outcome, adopted = run.attempt(lambda: self._record_sale(run, *posted), label=self.name)
        if outcome == BUSY:
            run.counts["busy"] -= 1
            outcome, adopted = run.attempt(lambda: self._record_sale(run, *posted), self.name)
        return outcome, adopted

    def _post_sale(self, run):
        """POST the sale (or find the one already there): (request, payload, SendResult)."""
        request = self._prepare_lightspeed_sale_request(run)
        payload = self._prepare_lightspeed_sale_payload(request)
        known = run.known_sales.get(self.name) if run.known_sales is not None else True
        self.env.flush_all()  # a conflict on what is written so far comes before the POST
        return self._send_sale_for_buyer(run, request, payload, known)

    def _record_sale(self, run, request, payload, result):
        """Record the sale written; True if it was adopted (found, not created)."""
        difference = total_difference(request, payload)
        self.write(
            {
                **self._sale_completion_values(request.complete_now, result.completed_at),
                "lightspeed_sale_id": str(result.sale_id),
                "lightspeed_account_id": run.lightspeed_account.id,
                "lightspeed_register_id": self._sale_register().id,
                "lightspeed_sent_date": fields.Datetime.now(),
                "lightspeed_total": float(payload_total(payload)),
                "lightspeed_total_difference": float(difference),
                "state": "sent",
                "error_message": False,
            }
        )
        self.env["amazon.sync.log"]._resolve_errors("lightspeed", self)
        if result.answer_lost:
            self.env["amazon.sync.log"]._log_event(
                "lightspeed",
                _(
                    "%(name)s: Lightspeed's answer to the sale was lost or unreadable "
                    "(%(why)s); sale %(sale)s, found by its reference, is kept: no second sale.",
                    name=self.name,
                    why=result.answer_lost,
                    sale=result.sale_id,
                ),
                level="warning",
                reference=self.name,
                record=self,
            )
        if difference:
            self.env["amazon.sync.log"]._log_event(
                "lightspeed",
                _(
                    "%(name)s: Lightspeed sale %(sale)s totals %(total)s, Amazon's part %(diff)s "
                    "more (shipping kept as a note, or taxes computed by Lightspeed).",
                    name=self.name,
                    sale=result.sale_id,
                    total=payload_total(payload),
                    diff=difference,
                ),
                level="warning",
                reference=self.name,
                record=self,
            )
        return not result.created

    def _record_send_error(self, error):
        self.write(
            {"state": "error", "error_message": str(error), "send_attempts": self.send_attempts + 1}
        )
        self.env["amazon.sync.log"]._log_event(
            "lightspeed",
            "%s: %s" % (self.name, error),
            reference=self.name,
            payload=getattr(error, "payload", None),
            record=self,
        )

    # --- completing the sales of shipped orders ----------------------------------------------

    def _complete_lightspeed_sales(self, update_notes=False, client=None, deadline=None):
        """Complete the open Lightspeed sales of these shipped orders (stock drops now), with
        the tracking number in the shipment note; ``update_notes``: also write the note of
        sales completed when sent. Errors are logged on the order; the SendRuns."""
        runs = []
        routed = self.sudo().filtered(
            lambda r: (
                r.lightspeed_sale_id
                and r.lightspeed_account_id
                and (not r.lightspeed_sale_completed or (update_notes and r.tracking_number))
            )
        )
        for account in routed.lightspeed_account_id:
            mine = routed.filtered(lambda r, a=account: r.lightspeed_account_id == a)
            run = mine._open_send_run(account, client, deadline)
            deadline = run.deadline
            runs.append(run)
            if run.client is None:
                continue
            for order in run.items(mine, run.client.pacer):
                order._complete_one(run)
            if run.stopped:
                mine._stop_send_run(run, run.error)
        return runs

    def _complete_one(self, run):
        note = None
        try:
            note = shipment_note(self._prepare_lightspeed_sale_request())
        except PermanentError:
            note = None  # the note is a courtesy: the sale is completed all the same
        sale_id = int(self.lightspeed_sale_id)
        outcome, error = run.attempt(lambda: self._complete_sale_now(run, sale_id, note), self.name)
        if outcome == ERROR:
            message = _(
                "%(name)s: Lightspeed sale %(sale)s could not be completed: %(error)s",
                name=self.name,
                sale=sale_id,
                error=error,
            )
            self.write({"error_message": message})
            self.env["amazon.sync.log"]._log_event(
                "lightspeed", message, reference=self.name, payload=error.payload, record=self
            )
            run.counts["error"] += 1
        run.commit()

    def _complete_sale_now(self, run, sale_id, note):
        if not self.lightspeed_sale_completed:
            completion = complete_sale(run.client, sale_id, note)
            self.write(
                {
                    **self._sale_completion_values(True, completion.completed_at),
                    "error_message": False,
                }
            )
            self.env["amazon.sync.log"]._resolve_errors("lightspeed", self)
            run.counts["sent"] += 1
        elif note:
            run.client.put("Sale", sale_id, ship_note_payload(note))
