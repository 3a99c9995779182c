"""Closing an Amazon order's Odoo sale once every part is confirmed to Amazon: its deliveries
validated and its invoice created (or posted), as the channel says.
"""

import logging

from odoo import _, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class AmazonOrder(models.Model):
    _inherit = "amazon.order"

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
