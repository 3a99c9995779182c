"""Booking the refunds of a settlement: credit note, its payout, restocking.

Each refund of the report (rows of one order, SKU and adjustment id: Amazon's unit of a
refund) is booked once, whichever report lists it and however often it is read:

1. a credit note for the refunded units of that product, reversing the order's invoice at the
   price Amazon refunded (the principal rows), posted;
2. reconciled: with the invoice when Amazon has not settled it yet (it owes less), else with a
   payment of the same amount out of the channel's settlement journal (the money left with
   the payout);
3. restocked as the channel says (``restock_policy``): a refund sale at the store that shipped,
   or at the channel's returns store (``amazon.sale.reversal``, reason "return"), or nothing.

A refund that cannot be booked (no posted invoice yet, no journal) stays "Refund" on the report
with the reason, in the sync log; the next read of a report listing it tries again.
"""

from collections import defaultdict

from odoo import Command, _, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.money import split_unit_prices, to_currency
from .amazon_order import NO_MAIL

BOOKED = "refund_booked"


class AmazonSettlementLineRefund(models.Model):
    _inherit = "amazon.settlement.line"

    state = fields.Selection(
        selection_add=[(BOOKED, "Refund booked")],
        ondelete={BOOKED: lambda lines: lines.write({"state": "refund"})},
    )
    credit_note_id = fields.Many2one("account.move", "Credit Note", readonly=True, index=True)


class AmazonSettlementRefunds(models.Model):
    _inherit = "amazon.settlement"

    def _book_open_orders(self):
        result = super()._book_open_orders()
        self._book_refunds()
        self._refresh_state()
        return result

    def _refresh_state(self):  # pylint: disable=missing-return
        super()._refresh_state()
        for settlement in self.filtered(lambda s: s.state == "to_check"):
            if all(x.state in ("paid", BOOKED) for x in settlement.line_ids):
                settlement.state = "done"

    def _book_refunds(self):
        self.ensure_one()
        groups = defaultdict(lambda: self.env["amazon.settlement.line"])
        for line in self.line_ids.filtered(lambda x: x.state == "refund" and x.amazon_order_id):
            groups[(line.amazon_order_id, line.sku, line.adjustment_id)] |= line
        for (order, sku, adjustment), lines in groups.items():
            key = "%s/%s/%s" % (order.name, sku, adjustment)
            booked = self.env["amazon.settlement.line"].search(
                [
                    ("amazon_order_id", "=", order.id),
                    ("sku", "=", sku),
                    ("adjustment_id", "=", adjustment),
                    ("state", "=", BOOKED),
                ],
                limit=1,
            )
            if booked:  # another report (or this one, read before) booked it
                lines.write({"state": BOOKED, "credit_note_id": booked.credit_note_id.id})
                continue
            try:
                with self.env.cr.savepoint():
                    credit = self._book_refund(order, sku, lines)
                    lines.write({"state": BOOKED, "credit_note_id": credit.id, "note": False})
                    order._restock_refund(sku, _refunded_units(lines), key)
                self._log(
                    _("Refund %(key)s booked: credit note %(credit)s", key=key, credit=credit.name),
                    "info",
                    order,
                )
            except (UserError, ValidationError) as error:
                message = str(error.args[0] if error.args else error)
                lines.note = message[:250]
                self._log(
                    _("Refund %(key)s not booked: %(error)s", key=key, error=message),
                    "warning",
                    order,
                )

    def _book_refund(self, order, sku, lines):
        """The posted credit note of this refund, paid out of the settlement journal."""
        sale = order.sale_order_id
        invoices = sale.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not invoices:
            raise UserError(_("Order %s has no posted invoice to credit yet.", order.name))
        product = order.line_ids.filtered(lambda x: x.seller_sku == sku).product_id[:1]
        units = _refunded_units(lines)
        principal = -sum(lines.filtered(lambda x: x.category == "principal").mapped("amount"))
        if principal <= 0:
            raise UserError(_("Amazon refunded no principal for %s: book it by hand.", sku))
        credit = (
            invoices[:1]
            .with_context(**NO_MAIL)
            ._reverse_moves(
                default_values_list=[
                    {"ref": _("Amazon refund %(order)s %(sku)s", order=order.name, sku=sku)}
                ]
            )
        )
        kept = credit.invoice_line_ids.filtered(lambda x: x.product_id == product)[:1]
        if not kept:
            credit.unlink()
            raise UserError(
                _("The invoice of %(order)s has no line for %(sku)s.", order=order.name, sku=sku)
            )
        (credit.invoice_line_ids - kept).unlink()
        _credit_exactly(credit, kept, principal, units)
        credit.action_post()
        # an invoice Amazon has not settled yet owes less; the rest left with a payout
        open_lines = (credit | invoices[:1]).line_ids.filtered(
            lambda x: x.account_id.account_type == "asset_receivable" and not x.reconciled
        )
        if len(open_lines.move_id) == 2:
            open_lines.reconcile()
        if not credit.currency_id.is_zero(credit.amount_residual):
            self._pay_out_credit(order, credit)
        return credit

    def _pay_out_credit(self, order, credit):
        journal = order.payment_mapping_id.journal_id or self.account_id.settlement_journal_id
        if not journal:
            raise UserError(_("Choose a settlement journal on the Amazon channel."))
        date = (self.deposit_date or fields.Datetime.now()).date()
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=credit.ids, **NO_MAIL)
            .create({"journal_id": journal.id, "payment_date": date})
        )
        wizard._create_payments()


class AmazonOrderRestock(models.Model):
    _inherit = "amazon.order"

    def _restock_refund(self, sku, units, key):
        """Bring the refunded units back to a store, as the channel says (once per refund)."""
        policy = self.account_id.restock_policy
        if policy == "none":
            return
        product = self.line_ids.filtered(lambda x: x.seller_sku == sku).product_id[:1]
        part = self.routed_order_ids.filtered(
            lambda r: (
                r.lightspeed_sale_id
                and r.state in ("sent", "shipped", "confirmed")
                and product in r.line_ids.product_id
            )
        )[:1]
        if not part:
            return
        warehouse = self.account_id.returns_warehouse_id if policy == "returns_store" else None
        held = part._units_held().get(product.id, 0)
        if held <= 0:
            return
        self.env["amazon.sale.reversal"]._owe(
            part, "return", units={product.id: min(units, held)}, warehouse=warehouse, event_key=key
        )


def _credit_exactly(credit, line, principal, units):
    """The credit note's line for ``units`` totals ``principal`` to the cent (the one money
    rule): one unit price when it divides, else the same product on two lines one cent apart
    (10.00 for 3 units: 2 x 3.33 and 1 x 3.34), never 3 x 3.33 = 9.99."""
    places = credit.currency_id.decimal_places
    pairs = split_unit_prices(to_currency(principal, places), units, places)
    (price, count), extra = pairs[0], pairs[1:]
    commands = [Command.update(line.id, {"quantity": count, "price_unit": float(price)})]
    for price, count in extra:
        commands.append(
            Command.create(
                {
                    "product_id": line.product_id.id,
                    "name": line.name,
                    "account_id": line.account_id.id,
                    "product_uom_id": line.product_uom_id.id,
                    "tax_ids": [Command.set(line.tax_ids.ids)],
                    "sale_line_ids": [Command.set(line.sale_line_ids.ids)],
                    "quantity": count,
                    "price_unit": float(price),
                }
            )
        )
    credit.write({"invoice_line_ids": commands})


def _refunded_units(lines):
    return max(lines.mapped("quantity") or [0]) or 1
