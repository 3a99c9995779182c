from odoo import fields, models

CATEGORIES = [
    ("principal", "Goods"),
    ("tax", "Tax"),
    ("shipping", "Shipping"),
    ("gift_wrap", "Gift Wrap"),
    ("promotions", "Promotion"),
    ("fees", "Amazon Fee"),
    ("withheld_tax", "Tax Withheld by Amazon"),
    ("other", "Other"),
]
LINE_STATES = [
    ("paid", "Paid"),
    ("open", "Open"),
    ("refund", "Refund"),
    ("account", "Account Charge"),
    ("unmatched", "Unmatched"),
]


class AmazonSettlementLine(models.Model):
    """One amount row of a settlement report and what became of it.

    Paid: the row's order is fully settled and its invoice paid. Open: the order is known
    but its invoice could not be closed yet (the note says why). Refund and Account Charge:
    logged for a person to book. Unmatched: an order or SKU the connector never imported.
    """

    _name = "amazon.settlement.line"
    _inherit = ["connector.flow.fields"]
    _description = "Amazon Settlement Row"
    _order = "settlement_id, line_number, id"

    settlement_id = fields.Many2one(
        "amazon.settlement", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(
        related="settlement_id.company_id", store=True, index=True, string="Company"
    )
    currency_id = fields.Many2one(related="settlement_id.currency_id", string="Currency")
    line_number = fields.Integer("File Line", readonly=True, help="Line number in the report.")
    transaction_type = fields.Char(readonly=True, help="Order, Refund, Chargeback Refund...")
    order_reference = fields.Char(
        "Amazon Order", readonly=True, index=True, help="The order id of the row, if any."
    )
    sku = fields.Char("SKU", readonly=True)
    amount_type = fields.Char(readonly=True, help="ItemPrice, ItemFees, Promotion...")
    amount_description = fields.Char(readonly=True, help="Principal, Tax, Commission...")
    category = fields.Selection(CATEGORIES, readonly=True, index=True)
    amount = fields.Monetary(readonly=True, help="As in the report: charges +, fees -.")
    quantity = fields.Integer(readonly=True)
    adjustment_id = fields.Char("Adjustment ID", readonly=True)
    posted_date = fields.Datetime(readonly=True)
    amazon_order_id = fields.Many2one(
        "amazon.order", "Imported Order", readonly=True, ondelete="set null", index=True
    )
    sale_order_id = fields.Many2one(related="amazon_order_id.sale_order_id", string="Sale Order")
    invoice_id = fields.Many2one("account.move", "Invoice", readonly=True, ondelete="set null")
    payment_id = fields.Many2one(
        "account.payment", "Payment", readonly=True, ondelete="set null", index=True
    )
    state = fields.Selection(LINE_STATES, required=True, readonly=True, index=True)
    note = fields.Char(readonly=True, help="Why the row is open, a refund or unmatched.")
