"""Amazon cancels an order, or one item, after it was sent to a store.

The whole order cancelled: every part already in Lightspeed owes a reversal of its whole sale
(void if open, refund sale if completed: ``amazon.sale.reversal``); parts never sent are voided
as before; the Odoo sale order is cancelled, and a posted invoice is reversed by a posted credit
note reconciled with it.

One item cancelled (v2026 ``cancellation.cancellationExecution`` on an item of an order still
open): its units are taken from the parts that hold them, parts not yet sent first (their lines
shrink; a part left empty is voided), then sent parts (a refund sale of those units, or a void
when it was the sale's last); the sale order line shrinks, or, invoiced, is credited.
"""

import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.amazon.cancellation import allocate
from ..lib.amazon.order_data import CANCELED
from .access_guard import USER, requires

SENT_STATES = ("sent", "shipped")
UNSENT_STATES = ("held", "to_send", "error")


class AmazonOrderLineAfterSale(models.Model):
    _inherit = "amazon.order.line"

    cancelled = fields.Boolean(
        readonly=True, help="Amazon cancelled this item after the order was placed."
    )


class AmazonOrderAfterSale(models.Model):
    _inherit = "amazon.order"

    # --- the whole order ------------------------------------------------------------------------

    def _on_cancelled(self, previous_status):
        invoices = self.sale_order_id.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        result = super()._on_cancelled(previous_status)
        if invoices:
            self._credit_invoices(invoices, _("Cancelled by Amazon"))
        return result

    def _void_routed_orders(self):
        result = super()._void_routed_orders()
        Reversal = self.env["amazon.sale.reversal"]
        for order in self:
            for part in order.routed_order_ids.filtered(
                lambda r: r.state in SENT_STATES and r.lightspeed_sale_id
            ):
                if not part._owes_whole_reversal():
                    Reversal._owe(part, "cancellation")
        return result

    def _credit_invoices(self, invoices, reason):
        """Posted credit notes reversing ``invoices`` whole, reconciled with them."""
        credit_notes = invoices.sudo()._reverse_moves(
            default_values_list=[{"ref": reason} for _invoice in invoices], cancel=True
        )
        self._post_routing_note(
            _(
                "Credit note %(notes)s: %(reason)s",
                notes=", ".join(credit_notes.mapped("name")),
                reason=reason,
            )
        )
        return credit_notes

    # --- one item ------------------------------------------------------------------------------

    def _import_from_amazon(self, account, data, existing=None, payment_method=None):
        order, outcome = super()._import_from_amazon(
            account, data, existing=existing, payment_method=payment_method
        )
        if order and data.status != CANCELED and outcome != "unchanged":
            cancelled_ids = {line.order_item_id for line in data.lines if line.cancelled}
            newly = order.line_ids.filtered(
                lambda x: x.order_item_id in cancelled_ids and not x.cancelled
            )
            if newly:
                newly.write({"cancelled": True})
                order._on_items_cancelled(newly)
        return order, outcome

    def _on_items_cancelled(self, lines):
        """Undo the units of these cancelled Amazon lines wherever they went."""
        self.ensure_one()
        units = {}
        for line in lines.filtered("product_id"):
            units[line.product_id.id] = units.get(line.product_id.id, 0) + line.quantity
        if not units:
            return
        parts = self.routed_order_ids.filtered(lambda r: r.state in UNSENT_STATES + SENT_STATES)
        for part in parts:
            # a sender writing this part's sale holds its row: shrinking its lines under that
            # POST would lose the units; the conflict makes the import read the order again
            part._lock_row()
        ordered = parts.sorted(lambda r: (r.state in SENT_STATES, r.id))
        holdings = [(part.id, part._units_held()) for part in ordered]
        try:
            taken = allocate(units, holdings)
        except ValueError as error:
            self._post_routing_note(str(error))
            return
        Reversal = self.env["amazon.sale.reversal"]
        for part in ordered.filtered(lambda r: r.id in taken):
            take = taken[part.id]
            if part.state in UNSENT_STATES:
                part._shrink(take)
            elif take == part._units_held():
                Reversal._owe(part, "cancellation")
            else:
                Reversal._owe(part, "cancellation", units=take)
        self._credit_or_shrink_sale(units)
        self._post_routing_note(
            _(
                "Amazon cancelled %s after the order was placed.",
                ", ".join("%s x %s" % (line.quantity, line.seller_sku) for line in lines),
            )
        )

    def _credit_or_shrink_sale(self, units):
        """The sale order follows: not invoiced, its lines shrink; invoiced, a credit note."""
        sale = self.sale_order_id.sudo()
        if not sale or sale.state == "cancel":
            return
        invoices = sale.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not invoices:
            for line in sale.order_line.filtered(lambda x: x.product_id.id in units):
                cut = min(units[line.product_id.id], line.product_uom_qty - line.qty_delivered)
                if cut > 0:
                    line.product_uom_qty -= cut
            return
        credit = invoices[:1]._reverse_moves(
            default_values_list=[{"ref": _("Cancelled by Amazon: %s", self.name)}]
        )
        for move_line in credit.invoice_line_ids:
            wanted = units.get(move_line.product_id.id, 0)
            if wanted:
                move_line.quantity = min(wanted, move_line.quantity)
            else:
                move_line.unlink()
        credit.action_post()
        receivable = (credit | invoices[:1]).line_ids.filtered(
            lambda x: x.account_id.account_type == "asset_receivable" and not x.reconciled
        )
        receivable.reconcile()


class AmazonRoutedOrderCancellation(models.Model):
    _inherit = "amazon.routed.order"

    state = fields.Selection(
        selection_add=[("cancelled", "Cancelled after the sale")],
        ondelete={"cancelled": "set default"},
    )
    reversal_ids = fields.One2many(
        "amazon.sale.reversal", "routed_order_id", "Undone in Lightspeed", readonly=True
    )
    undo_waiting = fields.Boolean(
        "Undo Waiting",
        compute="_compute_undo_waiting",
        help="A void or refund sale this order owes Lightspeed is still to do, or Lightspeed "
        "refused it.",
    )

    @api.depends("reversal_ids.state")
    def _compute_undo_waiting(self):
        for routed in self:
            routed.undo_waiting = any(r.state in ("to_do", "error") for r in routed.reversal_ids)

    cancelled_by_amazon = fields.Boolean(
        "Cancelled by Amazon",
        compute="_compute_cancelled_by_amazon",
        search="_search_cancelled_by_amazon",
        help="Amazon cancelled everything this order holds after its sale; the void or refund "
        "sale in Lightspeed is still to do, or Lightspeed refused it. It must not ship.",
    )

    @api.depends("reversal_ids.state", "reversal_ids.reason", "reversal_ids.units_json")
    def _compute_cancelled_by_amazon(self):
        for routed in self:
            routed.cancelled_by_amazon = routed._cancellation_waiting()

    def _search_cancelled_by_amazon(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValueError("cancelled_by_amazon is searched with = or != and a boolean")
        # the routed order stays sent until its undo is done: few rows wait, check each
        waiting = (
            self.env["amazon.sale.reversal"]
            .sudo()
            .search([("reason", "=", "cancellation"), ("state", "!=", "done")])
        )
        cancelled = waiting.routed_order_id.filtered(lambda r: r._cancellation_waiting())
        return [("id", "in" if (operator == "=") == value else "not in", cancelled.ids)]

    def _cancellation_waiting(self):
        """Amazon's cancellation took all this part holds, and its undo in Lightspeed is not
        done yet: nothing of it is left to ship."""
        self.ensure_one()
        return self._cancels_whole_part(self.reversal_ids.filtered(lambda r: r.state != "done"))

    def _cancels_whole_part(self, reversals):
        """Whether Amazon's cancellations among ``reversals`` take all this part holds: the
        whole sale, or its last units."""
        cancellations = reversals.filtered(lambda r: r.reason == "cancellation")
        return bool(cancellations) and (
            any(r._units() is None for r in cancellations) or not self._units_held()
        )

    @requires("write", USER)
    def action_undo_in_lightspeed(self):
        """Do now what these orders owe Lightspeed (those refused, again): a short run; the
        rest goes to the scheduled action, and the notification says when."""
        waiting = self.reversal_ids.filtered(lambda r: r.state in ("to_do", "error"))
        if not waiting:
            raise UserError(_("Nothing of these orders waits to be undone in Lightspeed."))
        return waiting._reverse_now()

    def _units_held(self):
        """{product id: units} this part holds, less what reversals already took back."""
        held = {}
        for line in self.line_ids:
            held[line.product_id.id] = held.get(line.product_id.id, 0) + line.quantity
        for reversal in self.reversal_ids:
            units = reversal._units()
            if units is None:
                return {}
            for product_id, quantity in units.items():
                held[product_id] = held.get(product_id, 0) - quantity
        return {product: units for product, units in held.items() if units > 0}

    def _owes_whole_reversal(self):
        return any(r._units() is None for r in self.reversal_ids)

    def _owes_whole_reversal_still(self):
        """A void or refund of the whole sale is owed and not done yet: a void read back now
        is the connector's own (a worker that died, or lost its answer, before recording it)."""
        return any(r._units() is None and r.state == "to_do" for r in self.reversal_ids)

    def _shrink(self, units):
        """Units Amazon cancelled of a part not yet sent: fewer units, voided when none left."""
        for line in self.line_ids:
            cut = min(units.get(line.product_id.id, 0), line.quantity)
            if cut:
                units[line.product_id.id] -= cut
                if cut == line.quantity:
                    line.sudo().unlink()
                else:
                    line.sudo().quantity -= cut
        if not self.line_ids:
            self._void(_("Cancelled by Amazon."))

    def _lightspeed_units_returned(self, exclude=None):
        """{saleLineID: units} the done refund sales of this part returned."""
        returned = {}
        for reversal in self.reversal_ids - (exclude or self.env["amazon.sale.reversal"]):
            if reversal.state == "done" and reversal.returned_lines_json:
                for line_id, units in json.loads(reversal.returned_lines_json).items():
                    returned[int(line_id)] = returned.get(int(line_id), 0) + units
        return returned

    def _after_reversal(self, reversal):
        """Say what was done; a part whose sale is undone whole is cancelled."""
        what = {
            "void": _("sale %s voided in Lightspeed", self.lightspeed_sale_id),
            "refund": _(
                "refund sale %(sale)s (%(reference)s) in Lightspeed, %(units)s",
                sale=reversal.refund_sale_id,
                reference=reversal.reference,
                units=reversal.units_summary,
            ),
            "nothing": _("its Lightspeed sale was already voided"),
        }[reversal.action]
        reason = dict(reversal._fields["reason"].selection)[reversal.reason]
        message = _("%(name)s: %(reason)s: %(what)s.", name=self.name, reason=reason, what=what)
        if self._cancels_whole_part(reversal):
            self.write(
                {
                    "state": "cancelled",
                    "void_reason": message,
                    "voided_date": fields.Datetime.now(),
                }
            )
            self._close_activities(message)
            order = self.amazon_order_id
            if order.routing_state == "void_requested" and not order.routed_order_ids.filtered(
                lambda r: r.state in SENT_STATES
            ):
                order.routing_state = "none"
        self.amazon_order_id._post_routing_note(message)
