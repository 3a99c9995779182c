"""One package confirmed to Amazon: its body (this part's items, the carrier), the call, and
what each outcome writes on the routed order.

The body is built by ``lib/amazon/shipment.build_confirmation``. A ship date in the future waits
until it has come. A package whose last call has an unknown outcome (a lost answer, a killed
worker) is looked up on Amazon first and only sent again when Amazon does not have it; when
Amazon's packages cannot be read, nothing is sent and the package shows "Outcome unknown: will
be checked again" until a later run (or "Retry confirmation") reads them. A refusal stays on
the record for "Retry confirmation".
"""

import json
import logging
from datetime import timedelta, timezone

from odoo import _, fields, models

from ..lib.amazon.shipment import (
    CarrierChoice,
    allocate_package_items,
    build_confirmation,
    ship_date_ready,
)
from ..lib.errors import AuthError, PermanentError, ThrottledError, TransientError
from .amazon_routed_order_confirmation import CONFIRM_CRON
from .connector_run import commit, trigger

_logger = logging.getLogger(__name__)

# Amazon's answer when a package id was already recorded: our earlier call went through.
ALREADY_USED = "already used"
# Amazon's packages could not be read back: read again this much later (a malformed or
# lagging order read rarely lasts; the scheduled action is woken for that moment).
READ_BACK_AGAIN_AFTER = timedelta(minutes=15)


def _naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


class AmazonRoutedOrder(models.Model):
    _inherit = "amazon.routed.order"

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
        if self.confirmation_outcome_unknown and self.package_reference_id:
            found = self._found_on_amazon(client)
            if found:
                return found
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
        # looks the package up on Amazon instead of sending a second one
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
                # recorded since it was looked up (Amazon's order read lags its writes)
                self._confirmed(_("Amazon already had this package (an earlier answer was lost)."))
                return "confirmed"
            self._refused(error)
            return "failed"
        self._confirmed(_("Confirmed to Amazon."))
        return "confirmed"

    def _found_on_amazon(self, client):
        """Before sending again a package whose last call has an unknown outcome: "confirmed"
        when Amazon has it, "unknown" when its packages cannot be read, None to send it."""
        try:
            recorded = client.find_package(self.amazon_order_id.name, self.package_reference_id)
        except PermanentError as error:
            if error.status in (401, 403):
                raise AuthError(error.message, status=error.status, code=error.code) from error
            self._read_back_failed(error)
            return "unknown"
        if not recorded:
            return None  # the call never reached Amazon: send it (same package id)
        self._confirmed(_("Amazon already had this package (an earlier answer was lost)."))
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
        self.env["amazon.sync.log"]._resolve_errors("shipment", self)
        self._post_confirmation_note(
            _(
                "%(note)s Package %(package)s, tracking %(tracking)s.",
                note=note,
                package=self.package_reference_id,
                tracking=self.tracking_number,
            )
        )
        self.env["amazon.sync.log"]._log_event(
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
        self.env["amazon.sync.log"]._log_event(
            "shipment",
            _("%(name)s: %(error)s", name=self.name, error=error.message),
            level="error",
            reference=self.amazon_order_id.name,
            payload=error.payload,
            record=self,
        )

    def _read_back_failed(self, error):
        """Amazon's packages could not be read: nothing is sent (it may have the package). The
        outcome stays unknown, not refused: a run reads them again at the date shown (the
        scheduled action is woken for it), or "Retry confirmation" does now."""
        when = self._confirmation_now() + READ_BACK_AGAIN_AFTER
        why = _(
            "Amazon's packages for this order could not be read, so the package was not sent "
            "again (Amazon may have it already): %s",
            error.message,
        )
        self.write(
            {
                "confirmation_state": "unknown",
                "confirmation_error": why,
                "confirmation_scheduled_date": when,
            }
        )
        trigger(self.env, CONFIRM_CRON, when)
        self._post_confirmation_note(
            _("%(why)s. Checked again on %(when)s (UTC).", why=why.rstrip("."), when=when)
        )
        self.env["amazon.sync.log"]._log_event(
            "shipment",
            _("%(name)s: %(error)s", name=self.name, error=why),
            level="warning",
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
        self.env["amazon.sync.log"]._log_event(
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
