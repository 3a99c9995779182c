"""Reading the connector's sales back from Lightspeed: shipments marked in the store.

The scheduled action ``_cron_read_sales_back`` reads, per Lightspeed account whose channels
mark shipments in Lightspeed, the sales the connector wrote whose timeStamp moved since the
account's cursor (``lib/lightspeed/sale_reader.changed_sales``: one GET per 100 sales, oldest
change first) and hands each to its routed order (``_apply_lightspeed_sale``), each in its own
savepoint. The cursor moves past what was handled (never past a sale left for the next run),
so a sale is read again rather than missed; handling one twice does nothing the second time.
"""

import logging
import zlib
from datetime import timezone

from odoo import _, api, fields, models, modules
from odoo.exceptions import UserError

from ..lib.errors import AuthError, ConnectorError, ThrottledError, TransientError
from ..lib.lightspeed.sale_reader import changed_sales, next_cursor

_logger = logging.getLogger(__name__)

READ_LIMIT = 500  # sales handled per account and run; the cursor makes the next run go on
LOCK_NAMESPACE = zlib.crc32(b"lightspeed_sales_read_back") & 0x7FFFFFFF


def _naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else None


class LightspeedAccountAfterSale(models.Model):
    _inherit = "lightspeed.account"

    sales_read_cursor = fields.Datetime(
        "Sales Read Back Until",
        readonly=True,
        copy=False,
        help="Lightspeed changes to the connector's sales up to this moment have been read "
        "(shipments marked in the store). The next read asks for later changes only.",
    )

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
        handled = 0
        for account in reading.lightspeed_account_id:
            handled += account._read_sales_back()
        self.env["ir.cron"].sudo()._notify_progress(done=handled, remaining=0)
        return True

    def _read_sales_back(self, limit=READ_LIMIT):
        """Read this account's changed sales and apply them; the number handled."""
        self.ensure_one()
        if not self._lock_sales_read():
            return 0  # another worker reads this account now
        Log = self.env["amazon.sync.log"].sudo()
        try:
            client = self._lightspeed_client()
        except UserError as error:  # credentials missing: said in the log
            Log.log_event("after_sale", str(error), reference=self.name)
            return 0
        started = fields.Datetime.now()
        # the first read goes through the account's Amazon sales once (READ_LIMIT a run):
        # Lightspeed's clock, not ours, stamps them, so no local date is a safe start
        since = self.sales_read_cursor or None
        handled = []
        Routed = self.env["amazon.routed.order"]
        try:
            for sale in changed_sales(client, since):
                if len(handled) >= limit:
                    break
                with self.env.cr.savepoint():
                    Routed._apply_lightspeed_sale(self, sale, client)
                handled.append(sale)
        except (ThrottledError, TransientError, AuthError) as error:
            # the rest waits for the next run; what was handled keeps its progress
            Log.log_event(
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
            Log.log_event("after_sale", str(error), reference=self.name, payload=error.payload)
        cursor = next_cursor(since, handled, started.replace(tzinfo=timezone.utc))
        if cursor and _naive_utc(cursor) != self.sales_read_cursor:
            self.sudo().sales_read_cursor = _naive_utc(cursor)
        self._commit_read_back()
        return len(handled)

    def _lock_sales_read(self):
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, self.id))
        return self.env.cr.fetchone()[0]

    def _commit_read_back(self):
        if self.env.registry.in_test_mode() or modules.module.current_test:
            return
        self.env.cr.commit()  # pylint: disable=invalid-commit
