"""One order read by the import, stored: ``amazon.account._import_raw_order``.

The order is mapped (through the channel's Orders adapter) and stored in its own savepoint;
what goes wrong is classified once: bad data or a refusal about this order is its error (on
the order, or in the sync log when nothing can be stored under it) and the run goes on;
another worker storing the same order ends the run quietly ("taken"); throttling, a server
error or the database's state stops the run (re-raised).
"""

import logging

import psycopg2
from odoo import _, models
from psycopg2.errors import ProgramLimitExceeded

from ..lib.amazon.order_data import AMAZON_FULFILLED
from ..lib.errors import ConnectorError, PayloadError, PermanentError
from .amazon_order import _naive_utc
from .connector_run import CONFLICTS

_logger = logging.getLogger(__name__)


class AmazonAccountImportOrder(models.Model):
    _inherit = "amazon.account"

    def _import_raw_order(self, orders, raw, run):
        """Map and store one order in its own savepoint, then move the cursor past it."""
        Order = self.env["amazon.order"]
        # None: nothing can be stored under it, the error goes to the sync log
        order_id = orders.order_id(raw)
        updated = orders.last_updated(raw)  # as the search result says; None: unreadable
        if self.fba_policy == "skip" and orders.is_amazon_fulfilled(raw):
            # recognised before any further call (v0: getOrderItems)
            run.counts["skipped"] += 1
            self._advance(run, updated)
            return
        existing = None
        if order_id:
            existing = Order.search([("account_id", "=", self.id), ("name", "=", order_id)])
        if orders.reading_costs_calls and self._unchanged(existing, updated):
            # an order of the overlap window Amazon has not touched since: no getOrderItems
            # call (one per order, at 0.5/s) only to learn that nothing changed
            run.counts["unchanged"] += 1
            self._advance(run, updated)
            return
        data = None
        try:
            with self.env.cr.savepoint():
                # a further call's throttling or 5xx (v0 getOrderItems) stops the run (re-raised)
                data = orders.read_order(raw)
                if data.fulfillment_channel == AMAZON_FULFILLED and self.fba_policy == "skip":
                    run.counts["skipped"] += 1
                    outcome, order = "skipped", existing
                else:
                    order, outcome = Order._import_from_amazon(
                        self, data, existing, data.payment_method
                    )
        except PermanentError as error:
            if not isinstance(error, PayloadError) and error.status in (401, 403):
                raise
            outcome, order = "error", self._order_error(order_id, error, raw)
        except CONFLICTS:
            outcome, order = "busy", None
        except ProgramLimitExceeded as error:
            # a value too big for an index (an OperationalError, but about this order's data,
            # not the database's state): this order's error, the batch goes on
            outcome, order = "error", self._unexpected_order_error(order_id, error, raw)
        except (ConnectorError, psycopg2.OperationalError):
            raise  # throttling, a server error, the database's state: stop the run
        except Exception as error:  # one bad order never stops the batch
            outcome, order = "error", self._unexpected_order_error(order_id, error, raw)
        else:
            if outcome == "error":
                self._log_order_error(order, order.import_error, raw)
        if outcome == "error" and order is None:
            outcome = "busy"  # recording the error collided with another worker's write
        if outcome == "busy":
            # another worker stores the same order (two imports, or an order they both read):
            # its cursor stays before it and the run ends here, no error anywhere
            run.counts["busy"] += 1
            run.stop_taken()
            return
        if outcome != "skipped":
            run.counts[outcome] += 1
        if outcome != "unchanged" and order_id:
            run.last_order = order_id
        self._advance(run, data.last_update_date if data else updated)

    @staticmethod
    def _unchanged(existing, updated):
        """``amazon.order._unchanged_since`` from the search result's date alone (None:
        unreadable: the order is read, and its mapping reports it)."""
        return bool(existing and updated) and existing._unchanged_since(_naive_utc(updated))

    def _unexpected_order_error(self, order_id, error, raw):
        _logger.warning("Amazon order %s could not be imported", order_id, exc_info=True)
        failure = PermanentError(
            _(
                "Amazon order %(order)s could not be imported: %(error)s",
                order=order_id or "?",
                error="%s: %s" % (type(error).__name__, str(error)[:300]),
            )
        )
        return self._order_error(order_id, failure, raw)

    def _order_error(self, order_id, error, raw):
        """The order's error, recorded; None when another worker wrote the same order at
        that moment (a unique violation or a lock: not this order's error)."""
        Order = self.env["amazon.order"]
        try:
            with self.env.cr.savepoint():
                order = Order._record_payload_error(self, order_id, error)
        except CONFLICTS:
            return None
        self._log_order_error(order, str(error), raw, reference=order_id)
        return order

    def _log_order_error(self, order, message, raw, reference=None):
        self.env["amazon.sync.log"]._log_event(
            "import",
            message,
            level="error",
            reference=reference or order.name,
            payload=raw,
            record=order or self,
        )
