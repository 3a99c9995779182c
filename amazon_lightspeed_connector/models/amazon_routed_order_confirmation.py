"""Ship confirmation: a shipped routed order (a whole order or one part of a split order) is
confirmed to Amazon as one package (Orders v0 confirmShipment).

This file holds what the store shipped, the confirmation's state, the buttons and the scheduled
action that picks the due packages channel by channel; one package's body, call and outcome are
in ``amazon_routed_order_package``. Throttling and server errors keep the package for the next
run; Amazon's refusal stays on the record with a "Retry confirmation" button. When every part of
the Amazon order is confirmed, its Odoo delivery and invoice are closed as the channel says
(``amazon_order_closing``).
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.errors import AuthError, ThrottledError, TransientError
from .access_guard import USER, requires
from .connector_run import (
    CONFLICTS,
    ConnectorRun,
    button_env,
    hand_over,
    lock_rows,
    schedule_earliest,
    time_label,
)

CONFIRMATION_STATES = [
    ("to_confirm", "To confirm"),
    ("waiting", "Waiting for ship date"),
    ("unknown", "Outcome unknown: will be checked again"),
    ("failed", "Refused by Amazon"),
    ("confirmed", "Confirmed"),
]
# Picked up by the scheduled action (a refused one waits for "Retry confirmation"; waiting
# and unknown ones once their confirmation_scheduled_date has come).
DUE_STATES = ("to_confirm", "waiting", "unknown")
CONFIRM_CRON = "amazon_lightspeed_connector.ir_cron_amazon_confirm_shipments"


class ConfirmRun(ConnectorRun):
    SERVICE = "Amazon"


class AmazonRoutedOrder(models.Model):
    _inherit = "amazon.routed.order"

    # --- what the store shipped (set by "Mark shipped") ----------------------------------------
    tracking_number = fields.Char(
        copy=False, tracking=True, help="The parcel's tracking number, sent to Amazon."
    )
    carrier_id = fields.Many2one(
        "delivery.carrier",
        "Carrier",
        copy=False,
        tracking=True,
        help="Who carries the parcel; its Amazon carrier code comes from the channel's carrier "
        'mapping (unmapped: Amazon gets "Other" and this carrier\'s name).',
    )
    ship_date = fields.Datetime(
        copy=False,
        tracking=True,
        help="When the parcel left the store. Amazon refuses a date in the future, so a "
        "confirmation waits until this moment.",
    )
    shipping_method = fields.Char(
        copy=False, help="The carrier's service (Ground, Express...), sent as shippingMethod."
    )

    # --- the confirmation to Amazon ----------------------------------------------------------
    confirmation_state = fields.Selection(
        CONFIRMATION_STATES,
        "Amazon Confirmation",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="To confirm: goes with the next run. Waiting: the ship date is in the future; "
        "it goes on that date. Outcome unknown: Amazon may already have the package but it "
        "could not be read back; the run at the date shown reads it again (or press Retry "
        "confirmation), and sends it only if Amazon does not have it. Refused by Amazon: see "
        "Amazon's message; fix the cause, then Retry confirmation. Confirmed: Amazon has the "
        "package.",
    )
    package_reference_id = fields.Char(
        "Package Reference ID",
        readonly=True,
        copy=False,
        help="The package's number for Amazon (a positive whole number, unique per channel). "
        "Kept across retries: Amazon refuses the same number twice, so a lost answer is "
        "never confirmed twice.",
    )
    confirmation_scheduled_date = fields.Datetime(
        "Confirmation Due",
        readonly=True,
        copy=False,
        help="The ship date is in the future: the confirmation will be sent on this date. "
        "Outcome unknown: Amazon's packages are read again on this date.",
    )
    confirmation_error = fields.Text(
        "Amazon's Message", readonly=True, copy=False, help="Why the last attempt failed."
    )
    confirmation_attempts = fields.Integer(
        "Attempts", readonly=True, copy=False, help="Calls to Amazon for this package."
    )
    confirmation_outcome_unknown = fields.Boolean(
        readonly=True,
        copy=False,
        help="The answer to the last call was lost: Amazon may already have the package.",
    )
    # indexed: the confirmation run looks for orders confirmed lately whose sale is still open
    confirmation_date = fields.Datetime("Confirmed On", readonly=True, copy=False, index=True)
    confirmation_payload = fields.Text(
        "Confirmation Sent",
        readonly=True,
        copy=False,
        help="The confirmShipment body sent (or about to be sent) to Amazon.",
    )

    _sql_constraints = [
        (
            "package_reference_unique",
            "UNIQUE(account_id, package_reference_id)",
            "A package reference id is used once per Amazon channel.",
        ),
    ]

    # --- becoming shipped ---------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for values in vals_list:
            if values.get("state") == "shipped" and not values.get("confirmation_state"):
                values["confirmation_state"] = "to_confirm"
                values.setdefault("ship_date", fields.Datetime.now())
        routed = super().create(vals_list)
        routed.filtered(lambda r: r.confirmation_state == "to_confirm")._trigger_confirmation()
        return routed

    def write(self, vals):
        newly_shipped = self.browse()
        if vals.get("state") == "shipped" and "confirmation_state" not in vals:
            newly_shipped = self.filtered(lambda r: r.state != "shipped")
        result = super().write(vals)
        if newly_shipped:
            newly_shipped.write({"confirmation_state": "to_confirm", "confirmation_error": False})
            # no ship date given: it left now (kept, so every retry sends the same date)
            newly_shipped.filtered(lambda r: not r.ship_date).write(
                {"ship_date": fields.Datetime.now()}
            )
            newly_shipped._trigger_confirmation()
        return result

    def _trigger_confirmation(self):
        """Wake the scheduled action now: a shipped order is confirmed within minutes."""
        if self:
            cron = self.env.ref(CONFIRM_CRON, raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()

    # --- buttons ------------------------------------------------------------------------------

    @requires("write", USER)
    def action_confirm_to_amazon(self):
        """Confirm now, whatever the schedule (a future ship date still waits)."""
        due = self.filtered(
            lambda r: r.state == "shipped" and r.confirmation_state in (*DUE_STATES, "failed")
        )
        if not due:
            raise UserError(_("Only shipped orders not yet confirmed can be confirmed to Amazon."))
        due.sudo().write({"confirmation_state": "to_confirm"})
        counts = due.sudo().with_env(button_env(due.sudo().env))._confirm_shipments()
        return self._confirmation_notification(due, counts)

    @requires("write", USER)
    def action_retry_confirmation(self):
        """Amazon refused it (the cause is fixed): send it again, same package id; its outcome
        is unknown: read Amazon's packages again now, and send it only if Amazon lacks it."""
        failed = self.filtered(
            lambda r: r.state == "shipped" and r.confirmation_state in ("failed", "unknown")
        )
        if not failed:
            raise UserError(
                _("Only confirmations refused by Amazon or of unknown outcome can be retried.")
            )
        return failed.action_confirm_to_amazon()

    def _confirmation_notification(self, routed, counts):
        parts = [_("%s confirmed", counts["confirmed"])]
        if counts["waiting"]:
            dates = ", ".join(
                str(r.confirmation_scheduled_date)
                for r in routed
                if r.confirmation_state == "waiting"
            )
            parts.append(
                _("%(count)s will be sent on %(dates)s", count=counts["waiting"], dates=dates)
            )
        if counts["unknown"]:
            dates = ", ".join(
                time_label(self.env, r.confirmation_scheduled_date)
                for r in routed
                if r.confirmation_state == "unknown"
            )
            parts.append(
                _(
                    "%(count)s of unknown outcome (Amazon's packages could not be read): "
                    "checked again at %(dates)s",
                    count=counts["unknown"],
                    dates=dates,
                )
            )
        if counts["failed"]:
            parts.append(_("%s refused by Amazon", counts["failed"]))
        if counts["busy"]:
            parts.append(_("%s taken by another worker", counts["busy"]))
        stopped = [run.stopped for run in counts["runs"] if run.stopped]
        parts += list(dict.fromkeys(s.rstrip(".") for s in stopped))
        queued = len(routed.filtered(lambda r: r.confirmation_state == "to_confirm"))
        handed = hand_over(self.env, CONFIRM_CRON, counts["runs"], queued)
        if handed:
            parts.append(handed.rstrip("."))
        undone = counts["failed"] or counts["unknown"] or counts["busy"] or queued or stopped
        kind = "success" if counts["confirmed"] and not undone else "warning"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Amazon ship confirmation"),
                "message": "; ".join(parts) + ".",
                "type": kind,
                "sticky": kind != "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # --- the scheduled action -----------------------------------------------------------------

    @api.model
    def _cron_confirm_shipments(self):
        """Per channel, up to its batch size of due packages, each committed on its own.

        The cron worker is told what was done and what is still due, and runs the action again
        at once while packages are due: a backlog larger than a batch is confirmed in one go.
        A channel whose run stopped (throttled, Amazon down, credentials refused) counts as
        nothing remaining: it waits for the next interval. Refused packages are not due (they
        wait for Retry), nor are those whose ship date is still to come. Then the sales whose
        parts are all confirmed but which were left open are closed (``amazon_order_closing``).
        """
        now = self._confirmation_now()
        done = remaining = 0
        deadline = None
        runs = []
        for account in self.env["amazon.account"].search([]):
            ids = self._due_confirmation_ids(account, now)
            if ids:
                packages = self.browse(ids).with_company(account.company_id)
                counts = packages._confirm_shipments(deadline=deadline)
                deadline = counts["deadline"]
                runs += counts["runs"]
                done += sum(counts[key] for key in ("confirmed", "waiting", "failed", "unknown"))
                if not counts["stopped"]:
                    remaining += self._due_confirmation_count(account, now)
            # sales a run could not close when their last part was confirmed (see
            # amazon_order_closing): closed now
            closed, run, left = self.env["amazon.order"]._close_confirmed_orders(account, deadline)
            deadline = run.deadline
            done += closed
            remaining += left
        self.env["ir.cron"].sudo()._notify_progress(done=done, remaining=remaining)
        # the time is up, or Amazon's quota has room later: the next run then
        schedule_earliest(self.env, CONFIRM_CRON, runs)
        return True

    def _due_packages_where(self, account, now):
        self.flush_model(
            ["account_id", "state", "confirmation_state", "confirmation_scheduled_date"]
        )
        return SQL(
            """account_id = %s AND state = 'shipped'
               AND (confirmation_state = 'to_confirm'
                    OR (confirmation_state IN ('waiting', 'unknown')
                        AND confirmation_scheduled_date <= %s))""",
            account.id,
            now,
        )

    def _due_confirmation_ids(self, account, now):
        self.env.cr.execute(
            SQL(
                "SELECT id FROM amazon_routed_order WHERE %s ORDER BY id LIMIT %s",
                self._due_packages_where(account, now),
                max(account.confirm_batch_size, 1),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _due_confirmation_count(self, account, now):
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM amazon_routed_order WHERE %s",
                self._due_packages_where(account, now),
            )
        )
        return self.env.cr.fetchone()[0]

    def _confirmation_now(self):
        """Now, naive UTC as Odoo stores it (tests move it with their simulated clock)."""
        return fields.Datetime.now()

    def _confirmation_client(self, account):
        return account._amazon_client()

    def _confirm_shipments(self, deadline=None):
        """Confirm these packages, channel by channel; returns counts per outcome.

        Each package is locked (SKIP LOCKED: another worker's package is left to it) and
        committed on its own. Throttling, a server error or refused credentials stop the
        channel and keep its packages for the next run.
        """
        counts = dict.fromkeys(
            ("confirmed", "waiting", "unknown", "failed", "kept", "stopped", "busy"), 0
        )
        counts.update(deadline=deadline, runs=[])
        for account in self.account_id:
            packages = self.filtered(lambda r, a=account: r.account_id == a)
            run = ConfirmRun(self.env, deadline=counts["deadline"])
            counts["deadline"] = run.deadline
            counts["runs"].append(run)
            client = None
            done = 0
            try:
                for routed in run.items(packages, client and client.pacer):
                    if not routed._lock_for_confirmation():
                        counts["busy"] += 1
                        done += 1
                        continue
                    if client is None:
                        client = self._confirmation_client(account)
                        run.limit_waits(client.pacer)
                    outcome = routed._confirm_one(client)
                    counts[outcome] += 1
                    done += 1
                    run.commit()
                    run.limit_waits(client.pacer)
            except (ThrottledError, TransientError, AuthError) as error:
                # this package and the rest of the channel's wait for the next run
                counts["kept"] += len(packages) - done
                counts["stopped"] += 1
                run.stop(error)
                routed._keep_for_next_run(error)
                run.commit()
            finally:
                if client is not None:
                    client.close()
            if run.stop_kind == "budget":
                counts["kept"] += len(packages) - done
        return counts

    def _lock_for_confirmation(self):
        """Lock this package's row, or False when another worker holds it; still due?"""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                lock_rows(
                    self.env.cr,
                    "SELECT id FROM amazon_routed_order WHERE id = %s FOR UPDATE SKIP LOCKED",
                    (self.id,),
                )
                if not self.env.cr.fetchone():
                    return False
        except CONFLICTS:
            return False  # changed by a worker that committed after this transaction began
        self.invalidate_recordset()
        return self.state == "shipped" and self.confirmation_state in DUE_STATES
