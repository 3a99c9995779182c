"""Booking a settlement: the invoices and payments of the orders it pays (see
amazon_account_settlement.py for the run and why fees are booked in the payment)."""

from odoo import _, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_amount

from ..lib import money
from ..lib.errors import PermanentError
from .amazon_order import NO_MAIL

PAID_STATES = ("paid", "in_payment")


class AmazonSettlementBooking(models.Model):
    """The booking half of a settlement: invoices and payments of the orders it pays."""

    _inherit = "amazon.settlement"

    def _book_open_orders(self):
        """Close every order whose rows are all here and still open; log the rest."""
        self.ensure_one()
        open_lines = self.line_ids.filtered(lambda x: x.state == "open")
        for order in open_lines.amazon_order_id:
            self._book_order(order, open_lines.filtered(lambda x, o=order: x.amazon_order_id == o))
        self._refresh_state()

    def _refresh_state(self):
        """Closed once every row paid an invoice; else to check."""
        for settlement in self.filtered(lambda s: s.state != "error"):
            lines = settlement.line_ids
            paid = lines and all(x.state == "paid" for x in lines)
            settlement.state = "done" if paid else "to_check"

    def _book_order(self, order, lines):
        """Pay the order's invoice from its open rows of every settlement (a split order is
        paid package by package), in a savepoint; the rows say what happened."""
        lines |= self.env["amazon.settlement.line"].search(
            [
                ("amazon_order_id", "=", order.id),
                ("state", "=", "open"),
                ("settlement_id.account_id", "=", self.account_id.id),
                ("settlement_id.state", "!=", "error"),
            ]
        )
        missing = set(order.line_ids.mapped("seller_sku")) - set(lines.mapped("sku"))
        if missing:
            note = _("Waiting for SKU %s: not paid in this settlement.", ", ".join(sorted(missing)))
            lines.note = note
            self._log(_("Order %(order)s: %(note)s", order=order.name, note=note), "warning", order)
            return
        try:
            with self.env.cr.savepoint():
                invoices, payment = self._pay_order(order, lines)
        except (UserError, ValidationError, PermanentError) as error:
            message = getattr(error, "message", None) or str(error.args[0] if error.args else error)
            lines.note = message[:250]
            self._log(
                _("Order %(order)s not closed: %(error)s", order=order.name, error=message),
                "error",
                order,
            )
            return
        lines.write(
            {
                "state": "paid",
                "note": False,
                "invoice_id": invoices[:1].id,
                "payment_id": payment.id,
            }
        )
        self.env["amazon.sync.log"]._resolve_errors("settlement", order)
        (lines.settlement_id - self)._refresh_state()  # earlier reports of a split order

    def _pay_order(self, order, lines):
        sale = order.sale_order_id
        if not sale:
            raise UserError(_("The order has no sale order yet (see its import error)."))
        invoices = self._order_invoices(sale)
        if all(inv.payment_state in PAID_STATES for inv in invoices):
            earlier = self.env["amazon.settlement.line"].search(
                [
                    ("amazon_order_id", "=", order.id),
                    ("state", "=", "paid"),
                    ("id", "not in", lines.ids),
                ],
                limit=1,
            )
            if earlier:  # Amazon paying an order twice is for a person to look into
                raise UserError(
                    _(
                        "Its invoice is already paid by settlement %s: a second payout of the "
                        "same order? Check it with Amazon before booking anything.",
                        earlier.settlement_id.display_name,
                    )
                )
            return invoices, invoices.matched_payment_ids[:1]  # paid by hand: nothing to add
        amounts = _amounts(lines)
        currency = invoices.currency_id
        if lines.currency_id != self.currency_id or currency != self.currency_id:
            raise UserError(
                _(
                    "The invoice is in %(invoice)s, the settlement in %(settlement)s.",
                    invoice=currency.name,
                    settlement=self.currency_id.name,
                )
            )
        residual = sum(invoices.mapped("amount_residual"))
        if currency.compare_amounts(residual, amounts["charged"]):
            raise UserError(
                _(
                    "Amazon settled %(charged)s for it, its invoice is open for %(residual)s: "
                    "check the order before booking it by hand.",
                    charged=format_amount(self.env, amounts["charged"], currency),
                    residual=format_amount(self.env, residual, currency),
                )
            )
        return invoices, self._register_payment(order, invoices, amounts)

    def _order_invoices(self, sale):
        """The posted customer invoices of the sale order, created and posted if needed."""
        if sale.state != "sale":
            raise UserError(_("Sale order %s is not confirmed: it cannot be invoiced.", sale.name))
        sale = sale.with_context(**NO_MAIL)
        if sale.invoice_status == "to invoice":
            sale._create_invoices()
        invoices = sale.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state != "cancel"
        )
        drafts = invoices.filtered(lambda m: m.state == "draft")
        if drafts:
            term = self.account_id.invoice_payment_term_id
            if term:
                drafts.filtered(
                    lambda m: not m.invoice_payment_term_id
                ).invoice_payment_term_id = term
            drafts.action_post()
        if not invoices:
            raise UserError(
                _(
                    "Sale order %s has nothing to invoice (products invoiced on delivery not "
                    "delivered yet?).",
                    sale.name,
                )
            )
        return invoices

    def _register_payment(self, order, invoices, amounts):
        """One payment of what Amazon pays out, fees and withheld tax written off, reconciled
        with the invoices so that they end paid."""
        account = self.account_id
        journal = order.payment_mapping_id.journal_id or account.settlement_journal_id
        if not journal:
            raise UserError(_("Choose a settlement journal on the Amazon channel."))
        if invoices.currency_id.round(amounts["payout"]) <= 0:
            raise UserError(_("Amazon pays out nothing for it: book it by hand."))
        company = self.company_id
        currency = invoices.currency_id
        payout = currency.round(amounts["payout"])
        date = (self.deposit_date or fields.Datetime.now()).date()
        partner = invoices.commercial_partner_id
        write_offs = []
        fee_account = account.settlement_fee_account_id
        withheld_account = account.settlement_withheld_tax_account_id or self._tax_income_account()
        for amount, target, label in (
            (-amounts["fees"], fee_account, _("Amazon fees")),
            (
                -amounts["withheld_tax"],
                withheld_account or fee_account,
                _("Tax withheld by Amazon"),
            ),
        ):
            if currency.is_zero(amount):
                continue
            if not target:
                raise UserError(_("Choose the Amazon fees account on the Amazon channel."))
            write_offs.append(
                {
                    "name": "%s %s" % (label, order.name),
                    "account_id": target.id,
                    "partner_id": partner.id,
                    "currency_id": currency.id,
                    "amount_currency": amount,
                    "balance": currency._convert(amount, company.currency_id, company, date),
                }
            )
        payment = (
            self.env["account.payment"]
            .with_context(**NO_MAIL)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": partner.id,
                    "amount": payout,
                    "currency_id": currency.id,
                    "journal_id": journal.id,
                    "company_id": company.id,
                    "date": date,
                    "memo": _(
                        "Amazon settlement %(settlement)s, order %(order)s",
                        settlement=self.name,
                        order=order.name,
                    ),
                    "write_off_line_vals": write_offs,
                }
            )
        )
        payment.action_post()
        receivable = ("account_type", "in", ("asset_receivable", "liability_payable"))
        to_match = (payment.move_id.line_ids + invoices.line_ids).filtered_domain(
            [receivable, ("reconciled", "=", False), ("parent_state", "=", "posted")]
        )
        for target in to_match.account_id:
            to_match.filtered(lambda x, t=target: x.account_id == t).reconcile()
        invoices.matched_payment_ids += payment
        return payment

    def _tax_income_account(self):
        product = self.env.ref("amazon_lightspeed_connector.product_amazon_tax", False)
        if not product:
            return self.env["account.account"]
        accounts = product.product_tmpl_id.with_company(self.company_id)._get_product_accounts()
        return accounts.get("income") or self.env["account.account"]

    def _log_rows_not_booked(self):
        """Refunds, account charges and unmatched rows: one sync log row per order or kind."""
        groups = {}
        for line in self.line_ids.filtered(lambda x: x.state in ("refund", "unmatched", "account")):
            key = (line.state, line.order_reference, line.note)
            groups.setdefault(key, self.env["amazon.settlement.line"])
            groups[key] |= line
        for (state, reference, note), lines in groups.items():
            total = sum(lines.mapped("amount"))
            text = {
                "refund": _("Refund of order %(order)s (%(total)s): %(note)s"),
                "unmatched": _("Unmatched rows (%(total)s): %(note)s"),
                "account": _("Account charges (%(total)s): %(note)s"),
            }[state]
            message = _("Settlement %s: ", self.name) + text % {
                "order": reference,
                "total": format_amount(self.env, total, self.currency_id),
                "note": note,
            }
            level = "info" if state == "account" else "warning"
            self._log(message, level, reference=reference)

    def _log(self, message, level, record=None, reference=None, payload=None):
        self.env["amazon.sync.log"]._log_event(
            "settlement",
            message,
            level=level,
            reference=reference or (record.name if record else self.name or self.report_id),
            payload=payload,
            record=record or self,
        )


def _amounts(lines):
    """Charged, fees, withheld tax and payout of an order's rows, rounded by the one money rule
    (the rule the sale order, hence the invoice compared with "charged", is built with)."""
    places = lines[:1].currency_id.decimal_places if lines[:1].currency_id else money.CENTS

    def total(categories):
        found = lines.filtered(lambda x: x.category in categories)
        return float(sum((money.to_currency(x.amount, places) for x in found), money.ZERO))

    charged = total(("principal", "tax", "shipping", "gift_wrap", "promotions"))
    fees = total(("fees", "other"))
    withheld = total(("withheld_tax",))
    return {
        "charged": charged,
        "fees": fees,
        "withheld_tax": withheld,
        "payout": charged + fees + withheld,
    }
