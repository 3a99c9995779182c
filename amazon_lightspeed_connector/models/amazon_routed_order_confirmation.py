"""Ship confirmation: a shipped routed order (a whole order or one part of a split order) is
confirmed to Amazon as one package (Orders v0 confirmShipment).

The body is built by ``lib/amazon/shipment.build_confirmation``: package reference id, carrier
code from the carrier mapping (or "Other" with the carrier's name), shipping method, tracking
number, ship date in UTC, and the order items and quantities of this package only. A ship
date in the future waits until it has come; throttling and server errors keep the package for
the next run; Amazon's refusal stays on the record with a "Retry confirmation" button. When
every part of the Amazon order is confirmed, its Odoo delivery and invoice are closed as the
channel says.
"""

import json
import logging
from datetime import timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.amazon import order_data
from ..lib.amazon.shipment import (
    CarrierChoice,
    allocate_package_items,
    build_confirmation,
    ship_date_ready,
)
from ..lib.errors import AuthError, PermanentError, ThrottledError, TransientError
from .access_guard import USER, requires
from .connector_run import (
    CONFLICTS,
    ConnectorRun,
    button_env,
    commit,
    hand_over,
    schedule_earliest,
)

_logger = logging.getLogger(__name__)

CONFIRMATION_STATES = [
    ("to_confirm", "To confirm"),
    ("waiting", "Waiting for ship date"),
    ("failed", "Refused by Amazon"),
    ("confirmed", "Confirmed"),
]
# Picked up by the scheduled action (a refused one waits for "Retry confirmation").
DUE_STATES = ("to_confirm", "waiting")
CONFIRM_CRON = "amazon_lightspeed_connector.ir_cron_amazon_confirm_shipments"


class ConfirmRun(ConnectorRun):
    SERVICE = "Amazon"


# Amazon's answer when a package id was already recorded: our earlier call went through.
ALREADY_USED = "already used"


def _naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


class AmazonRoutedOrder(models.Model):
    _inherit = "amazon.routed.order"

    # --- what the store shipped (set by "Mark shipped", issue 7) ----------------------------
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
        "it goes on that date. Refused by Amazon: see Amazon's message; fix the cause, then "
        "Retry confirmation. Confirmed: Amazon has the package.",
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
        help="The ship date is in the future: the confirmation will be sent on this date.",
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
    confirmation_date = fields.Datetime("Confirmed On", readonly=True, copy=False)
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
            cron = self.env.ref(
                "amazon_lightspeed_connector.ir_cron_amazon_confirm_shipments",
                raise_if_not_found=False,
            )
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
        """Amazon refused it: the cause is fixed, send it again (same package id)."""
        failed = self.filtered(lambda r: r.state == "shipped" and r.confirmation_state == "failed")
        if not failed:
            raise UserError(_("Only confirmations refused by Amazon can be retried."))
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
        undone = counts["failed"] or counts["busy"] or queued or stopped
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
        wait for Retry), nor are those whose ship date is still to come.
        """
        now = self._confirmation_now()
        done = remaining = 0
        deadline = None
        runs = []
        for account in self.env["amazon.account"].search([]):
            ids = self._due_confirmation_ids(account, now)
            if not ids:
                continue
            packages = self.browse(ids).with_company(account.company_id)
            counts = packages._confirm_shipments(deadline=deadline)
            deadline = counts["deadline"]
            runs += counts["runs"]
            done += counts["confirmed"] + counts["waiting"] + counts["failed"]
            if not counts["stopped"]:
                remaining += self._due_confirmation_count(account, now)
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
                    OR (confirmation_state = 'waiting' AND confirmation_scheduled_date <= %s))""",
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
        counts = dict.fromkeys(("confirmed", "waiting", "failed", "kept", "stopped", "busy"), 0)
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
                self.env.cr.execute(
                    "SELECT id FROM amazon_routed_order WHERE id = %s FOR UPDATE SKIP LOCKED",
                    (self.id,),
                )
                if not self.env.cr.fetchone():
                    return False
        except CONFLICTS:
            return False  # changed by a worker that committed after this transaction began
        self.invalidate_recordset()
        return self.state == "shipped" and self.confirmation_state in DUE_STATES

    def _confirm_one(self, client):
        """One package: build, wait or send. Returns its outcome; raises what stops the run."""
        self.ensure_one()
        now = self._confirmation_now()
        ship_date = self.ship_date or now
        readiness = ship_date_ready(ship_date, now)
        if not readiness:
            when = _naive_utc(readiness.not_before)
            if self.confirmation_state != "waiting" or self.confirmation_scheduled_date != when:
                self.write({"confirmation_state": "waiting", "confirmation_scheduled_date": when})
                self._post_confirmation_note(
                    _("The ship date is in the future: Amazon is told on %s (UTC).", when)
                )
            return "waiting"
        try:
            with self.env.cr.savepoint():
                body = self._confirmation_body(ship_date)
        except PermanentError as error:  # what Amazon would refuse anyway: nothing is sent
            self._refused(error)
            return "failed"
        except Exception as error:  # a bad record never stops the batch
            _logger.warning("Confirmation of %s could not be built", self.name, exc_info=True)
            self._refused(PermanentError("%s: %s" % (type(error).__name__, error)))
            return "failed"
        # committed before the call: a worker killed after Amazon recorded the package (or a
        # lost answer) leaves its package id and "outcome unknown" to the next run, which then
        # reads Amazon's "already used" as done instead of sending a second package
        was_unknown = self.confirmation_outcome_unknown
        self.write(
            {
                "confirmation_payload": json.dumps(body, indent=1),
                "confirmation_attempts": self.confirmation_attempts + 1,
                "confirmation_outcome_unknown": True,
            }
        )
        self._confirmation_commit()
        if not self._lock_for_confirmation():
            return "kept"  # another worker took it while the lock was released
        try:
            client.confirm_shipment(self.amazon_order_id.name, body)
        except (ThrottledError, TransientError, AuthError) as error:
            if not getattr(error, "outcome_unknown", False):
                self.confirmation_outcome_unknown = was_unknown  # it never reached Amazon
            raise
        except PermanentError as error:
            if error.status in (401, 403):
                self.confirmation_outcome_unknown = was_unknown
                raise AuthError(error.message, status=error.status, code=error.code) from error
            if self.confirmation_outcome_unknown and ALREADY_USED in (error.message or ""):
                # the lost answer of our last call: Amazon has this package already
                self._confirmed(_("Amazon already had this package (an earlier answer was lost)."))
                return "confirmed"
            self._refused(error)
            return "failed"
        self._confirmed(_("Confirmed to Amazon."))
        return "confirmed"

    def _confirmation_body(self, ship_date):
        order = self.amazon_order_id
        if not self.package_reference_id:
            sequence = self.env["ir.sequence"].sudo()
            self.package_reference_id = sequence.next_by_code("amazon.package.reference")
        return build_confirmation(
            order._confirmation_data(),
            self._package_items(),
            self._carrier_choice(),
            self.tracking_number,
            ship_date,
            self.package_reference_id,
            shipping_method=self.shipping_method,
            already_shipped=self._confirmed_elsewhere(),
        )

    def _parts_in_order(self):
        """Every part of this Amazon order that ships (not voided), in part order."""
        parts = self.amazon_order_id.routed_order_ids.filtered(
            lambda r: r.state not in ("voided", "held")
        )
        return parts.sorted(lambda r: (r.part_number, r.id))

    def _item_allocation(self):
        order = self.amazon_order_id
        items = [(line.order_item_id, line.product_id.id, line.quantity) for line in order.line_ids]
        packages = [
            (part.id, [(line.product_id.id, line.quantity) for line in part.line_ids])
            for part in self._parts_in_order()
        ]
        return allocate_package_items(items, packages)

    def _package_items(self):
        """This package's (order item id, quantity): a split part names only its own items."""
        return self._item_allocation().get(self.id, [])

    def _confirmed_elsewhere(self):
        """Units of each order item in this order's packages Amazon already confirmed."""
        allocation = self._item_allocation()
        shipped = {}
        for part in self._parts_in_order():
            if part != self and part.confirmation_state == "confirmed":
                for item_id, quantity in allocation.get(part.id, []):
                    shipped[item_id] = shipped.get(item_id, 0) + quantity
        return shipped

    def _carrier_choice(self):
        """The channel's mapping of the carrier; unmapped: "Other" with the carrier's name."""
        if not self.carrier_id:
            # shipped in Lightspeed naming a carrier Odoo does not know: Amazon gets "Other"
            # and the name the store typed (the buyer sees it); nothing named: refused
            return CarrierChoice(None, self.lightspeed_carrier or None)
        mapping = self.env["amazon.carrier.mapping"].search(
            [
                ("amazon_account_id", "=", self.account_id.id),
                ("carrier_id", "=", self.carrier_id.id),
            ],
            limit=1,
        )
        if mapping:
            return CarrierChoice(mapping.amazon_carrier_code, mapping.amazon_carrier_name)
        return CarrierChoice(None, self.carrier_id.name)

    # --- outcomes -----------------------------------------------------------------------------

    def _confirmed(self, note):
        self.write(
            {
                "state": "confirmed",
                "confirmation_state": "confirmed",
                "confirmation_date": fields.Datetime.now(),
                "confirmation_error": False,
                "confirmation_outcome_unknown": False,
                "confirmation_scheduled_date": False,
            }
        )
        self._post_confirmation_note(
            _(
                "%(note)s Package %(package)s, tracking %(tracking)s.",
                note=note,
                package=self.package_reference_id,
                tracking=self.tracking_number,
            )
        )
        self.env["amazon.sync.log"].log_event(
            "shipment",
            _(
                "%(name)s confirmed to Amazon (package %(package)s).",
                name=self.name,
                package=self.package_reference_id,
            ),
            level="info",
            reference=self.amazon_order_id.name,
            record=self,
        )
        self.amazon_order_id._close_if_confirmed()

    def _refused(self, error):
        self.write(
            {
                "confirmation_state": "failed",
                "confirmation_error": error.message,
                "confirmation_outcome_unknown": False,
            }
        )
        self._post_confirmation_note(_("Amazon refused the confirmation: %s", error.message))
        self.env["amazon.sync.log"].log_event(
            "shipment",
            _("%(name)s: %(error)s", name=self.name, error=error.message),
            level="error",
            reference=self.amazon_order_id.name,
            payload=error.payload,
            record=self,
        )

    def _keep_for_next_run(self, error):
        """Throttled, a server error, or refused credentials: this package goes next run."""
        self.ensure_one()
        outcome_unknown = isinstance(error, TransientError) and error.outcome_unknown
        if isinstance(error, ThrottledError):
            why = _("Amazon throttled the confirmations: the rest go on the next run.")
        elif isinstance(error, AuthError):
            why = _("Amazon refused the channel's credentials: %s", error.message)
        else:
            why = _("Amazon could not be reached; the next run tries again: %s", error.message)
        self.write(
            {
                "confirmation_state": "to_confirm",
                "confirmation_error": why,
                "confirmation_outcome_unknown": self.confirmation_outcome_unknown
                or outcome_unknown,
            }
        )
        self.env["amazon.sync.log"].log_event(
            "shipment",
            _("%(account)s: %(why)s", account=self.account_id.name, why=why),
            level="error" if isinstance(error, AuthError) else "warning",
            reference=self.amazon_order_id.name,
            payload=error.payload,
            record=self,
        )

    def _confirmation_commit(self):
        """The package id committed before the call goes out (the run loop's commit policy:
        never in tests, which patch this to see what a killed worker leaves)."""
        commit(self.env)

    def _post_confirmation_note(self, body):
        self.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")


class AmazonOrder(models.Model):
    _inherit = "amazon.order"

    def _confirmation_data(self):
        """The order as lib/amazon/shipment sees it: status, channel and items with counts."""
        self.ensure_one()
        account = self.account_id
        marketplace = self.marketplace_id or (account._marketplace_list() or [""])[0]
        return order_data.AmazonOrder(
            amazon_order_id=self.name,
            marketplace_id=marketplace,
            status=self.status,
            status_raw=self.status_raw or "",
            fulfillment_channel=self.fulfillment_channel or order_data.MERCHANT_FULFILLED,
            purchase_date=self.purchase_date,
            last_update_date=self.last_update_date,
            currency=None,
            order_total=None,
            ship_service_level=self.ship_service_level,
            is_prime=self.is_prime,
            is_business=self.is_business,
            buyer=None,
            shipping_address=None,
            buyer_note=None,
            lines=tuple(
                order_data.AmazonOrderLine(
                    line.order_item_id,
                    line.seller_sku or "",
                    None,
                    None,
                    line.quantity,
                    line.quantity_shipped,
                )
                for line in self.line_ids
            ),
        )

    def _close_if_confirmed(self):
        """Every part confirmed: close the delivery and invoice as the channel says.

        Runs in its own savepoint: a failure is logged and never undoes the confirmation.
        """
        self.ensure_one()
        parts = self.routed_order_ids.filtered(lambda r: r.state != "voided")
        if not parts or any(p.state != "confirmed" for p in parts):
            return False
        sale = self.sale_order_id.sudo()
        if not sale:
            return False
        try:
            with self.env.cr.savepoint():
                sale = sale.with_company(sale.company_id)
                if self.account_id.confirm_validate_delivery:
                    self._validate_deliveries(sale)
                if self.account_id.confirm_invoice_policy != "none":
                    self._invoice_confirmed(sale)
        except Exception as error:
            _logger.warning("Closing sale order of %s failed", self.name, exc_info=True)
            self.env["amazon.sync.log"].log_event(
                "shipment",
                _(
                    "%(order)s is confirmed to Amazon, but its sale order %(sale)s could not be "
                    "closed: %(error)s",
                    order=self.name,
                    sale=sale.name,
                    error=error,
                ),
                level="error",
                reference=self.name,
                record=sale,
            )
            return False
        return True

    def _validate_deliveries(self, sale):
        """The stores shipped everything: every open delivery is done in full, no backorder."""
        if sale.state != "sale":
            return
        for picking in sale.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        ).sorted("id"):
            if picking.state == "draft":
                picking.action_confirm()
            for move in picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
                move.quantity = move.product_uom_qty
                move.picked = True
            result = picking.with_context(
                skip_backorder=True, skip_sms=True, cancel_backorder=True
            ).button_validate()
            if isinstance(result, dict) and picking.state != "done":
                raise UserError(_("Delivery %s needs a person to validate it.", picking.name))
        sale.message_post(
            body=_("Deliveries validated: every part of the order is confirmed to Amazon."),
            subtype_xmlid="mail.mt_note",
        )

    def _invoice_confirmed(self, sale):
        if sale.state != "sale" or sale.invoice_status != "to invoice":
            return
        invoices = sale._create_invoices()
        if self.account_id.confirm_invoice_policy == "posted":
            invoices.action_post()
