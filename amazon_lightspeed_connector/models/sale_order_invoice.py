from odoo import models


class SaleOrderInvoice(models.Model):
    """Invoices of Amazon orders get the channel's payment term, whoever creates them (the
    settlement, the shipment flow or a person), so that overdue means "Amazon is late"."""

    _inherit = "sale.order"

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        term = self.amazon_order_id.account_id.invoice_payment_term_id
        if term:
            values["invoice_payment_term_id"] = term.id
        return values
