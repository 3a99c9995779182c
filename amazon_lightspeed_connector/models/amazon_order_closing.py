"""Closing an Amazon order's Odoo sale once every part is confirmed to Amazon: its deliveries
validated and its invoice created (or posted), as the channel says.

The worker that confirms the last part closes the sale at once. Two workers confirming the two
parts of a split order together each see the other part still unconfirmed (each in its own
snapshot), so neither closes it; a worker can also die between the two, or the last open part
be voided. The confirmation run therefore also closes the orders whose parts were all confirmed
lately and whose sale is still open (``_close_confirmed_orders``). ``sale_close_state`` says it
is done, and the order's row is locked before closing: two closers never invoice twice.
"""

import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .connector_run import CONFLICTS, ConnectorRun, lock_rows

_logger = logging.getLogger(__name__)

SALE_CLOSE_STATES = [("closed", "Closed"), ("failed", "Could not be closed")]
# How long after a part's confirmation the run still looks for a sale left open: a run that
# missed it (another worker, a killed worker, a part voided later) is rarely a day late.
CLOSE_LOOKBACK = timedelta(days=7)
# Orders closed per channel and run; more are closed by the runs that follow at once.
CLOSE_BATCH = 50


class AmazonOrder(models.Model):
    _inherit = "amazon.order"

    sale_close_state = fields.Selection(
        SALE_CLOSE_STATES,
        "Sale Order Closing",
        readonly=True,
        copy=False,
        help="Closed: every part is confirmed to Amazon and the sale order's deliveries and "
        "invoice were handled as the channel says. Could not be closed: see the sync log; "
        "finish the sale order by hand.",
    )

    def _close_if_confirmed(self):
        """Every part confirmed: close the delivery and invoice as the channel says. True when
        this call closed it.

        Runs in its own savepoint: a failure is logged and never undoes the confirmation. The
        order's row is locked first (NOWAIT): another worker closing it, or one that changed
        the order since this transaction began, leaves it to them (or to the next run).
        """
        self.ensure_one()
        if self.sale_close_state or not self.sale_order_id or not self._every_part_confirmed():
            return False
        sale = self.sale_order_id.sudo()
        try:
            with self.env.cr.savepoint():
                if not self._lock_for_closing():
                    return False
                sale = sale.with_company(sale.company_id)
                if self.account_id.confirm_validate_delivery:
                    self._validate_deliveries(sale)
                if self.account_id.confirm_invoice_policy != "none":
                    self._invoice_confirmed(sale)
                self.sale_close_state = "closed"
                self.flush_recordset(["sale_close_state"])
        except CONFLICTS as error:
            _logger.info("Closing %s taken by another worker (%s)", self.name, type(error).__name__)
            return False
        except Exception as error:
            _logger.warning("Closing sale order of %s failed", self.name, exc_info=True)
            self.sale_close_state = "failed"
            self.env["amazon.sync.log"]._log_event(
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

    def _every_part_confirmed(self):
        parts = self.routed_order_ids.filtered(lambda r: r.state != "voided")
        return bool(parts) and all(part.state == "confirmed" for part in parts)

    def _lock_for_closing(self):
        """Lock the order's row; False when it is closed already. Raises LockNotAvailable when
        another worker holds it, SerializationFailure when one changed it since this
        transaction began."""
        lock_rows(
            self.env.cr,
            "SELECT sale_close_state FROM amazon_order WHERE id = %s FOR UPDATE NOWAIT",
            (self.id,),
        )
        row = self.env.cr.fetchone()
        return bool(row) and not row[0]

    @api.model
    def _close_confirmed_orders(self, account, deadline=None):
        """Close the sales of ``account``'s orders confirmed lately but left open, each
        committed on its own. Returns (orders closed, the run, orders still to look at): an
        order another worker holds is looked at again by the next scheduled run."""
        run = ConnectorRun(self.env, deadline=deadline)
        # one more than a batch: whether another run is due at once
        ids = self._orders_to_close_ids(account, CLOSE_BATCH + 1)
        closed = looked_at = 0
        batch = self.browse(ids[:CLOSE_BATCH]).with_company(account.company_id)
        for order in run.items(batch):
            closed += order._close_if_confirmed()
            looked_at += 1
            run.commit()
        return closed, run, len(ids) - looked_at

    def _orders_to_close_ids(self, account, limit):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT o.id
                  FROM amazon_routed_order part
                  JOIN amazon_order o ON o.id = part.amazon_order_id
                 WHERE part.account_id = %(account)s
                   AND part.state = 'confirmed'
                   AND part.confirmation_date >= %(since)s
                   AND o.sale_close_state IS NULL
                   AND o.sale_order_id IS NOT NULL
                   AND NOT EXISTS (
                       SELECT 1 FROM amazon_routed_order other
                        WHERE other.amazon_order_id = o.id
                          AND other.state NOT IN ('confirmed', 'voided'))
                 ORDER BY o.id
                 LIMIT %(limit)s
                """,
                account=account.id,
                since=fields.Datetime.now() - CLOSE_LOOKBACK,
                limit=limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

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
