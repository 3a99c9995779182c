from odoo import api, models

from ..lib import privacy
from .amazon_order import NO_MAIL


class ResPartnerPrivacy(models.Model):
    """Erasing an Amazon buyer's contact once none of its orders needs it any more."""

    _inherit = "res.partner"

    @api.model
    def _amazon_partners_free(self, partners, orders):
        """The partners among ``partners`` that only ``orders`` (being erased) use.

        Never free: a contact the import did not create (``amazon_buyer`` unset), a user's or
        a company's contact, one used by an Amazon order not erased yet, by a sale order,
        invoice or delivery of anything but erased Amazon orders. A buyer whose delivery
        contact is still in use stays too (the contact hangs under it).
        """
        partners = partners.sudo().filtered("amazon_buyer")
        if not partners:
            return self.browse()
        family = partners | partners.child_ids
        ids = family.ids
        busy = set()
        env = self.sudo().with_context(active_test=False).env
        # Amazon orders still holding personal data, other than those being erased
        busy.update(
            env["amazon.order"]
            .search(
                [
                    ("partner_id", "in", ids),
                    ("id", "not in", orders.ids),
                    ("pii_erased_date", "=", False),
                ]
            )
            .partner_id.ids
        )
        # sale orders, invoices and deliveries of anything else than erased Amazon orders
        done_sales = orders.sale_order_id | env["sale.order"].search(
            [("partner_id", "in", ids), ("amazon_order_id.pii_erased_date", "!=", False)]
        )
        for name in ("partner_id", "partner_invoice_id", "partner_shipping_id"):
            others = env["sale.order"].search([(name, "in", ids), ("id", "not in", done_sales.ids)])
            busy.update(others[name].ids)
        done_moves = _moves_of(done_sales.invoice_ids)
        moves = env["account.move"].search(
            [("partner_id", "in", ids), ("id", "not in", done_moves.ids)]
        )
        busy.update(moves.partner_id.ids)
        pickings = env["stock.picking"].search(
            [("partner_id", "in", ids), ("id", "not in", done_sales.picking_ids.ids)]
        )
        busy.update(pickings.partner_id.ids)
        busy.update(env["res.users"].search([("partner_id", "in", ids)]).partner_id.ids)
        busy.update(env["res.company"].search([("partner_id", "in", ids)]).partner_id.ids)
        free = partners.filtered(lambda p: p.id not in busy)
        # a contact in use keeps its parent (it is shown and addressed through it)
        return free.filtered(lambda p: not (set(p.child_ids.ids) & busy))

    def _amazon_erase(self):
        """Replace the personal fields; no tracking message (it would keep the old values)."""
        for partner in self.sudo().with_context(**NO_MAIL):
            record = partner.read(list(privacy.PARTNER_FIELDS) + ["comment"])[0]
            values = privacy.erase_fields(record, privacy.PARTNER_FIELDS)
            if record["comment"]:
                values["comment"] = privacy.REPLACEMENT
            if values:
                partner.write(values)


def _moves_of(invoices):
    """The invoices, their credit notes and the payments reconciled with them (a settlement
    pays an Amazon invoice with a payment to the buyer's contact)."""
    lines = invoices.line_ids
    counterparts = (
        lines.matched_debit_ids.debit_move_id.move_id
        | lines.matched_credit_ids.credit_move_id.move_id
        | invoices.matched_payment_ids.move_id
    )
    return invoices | invoices.reversal_move_ids | counterparts
