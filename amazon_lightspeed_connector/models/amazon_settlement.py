from odoo import _, api, fields, models

from .access_guard import MANAGER, requires
from .connector_run import queued_sentence, trigger

SETTLEMENT_CRON = "amazon_lightspeed_connector.ir_cron_amazon_settlements"

SETTLEMENT_STATES = [
    ("done", "Closed"),
    ("to_check", "To Check"),
    ("error", "Error"),
]


def summary_figure(field_type, string, **options):
    """A figure summing up the rows (``_compute_summary``), stored for lists and filters."""
    return field_type(string, compute="_compute_summary", store=True, **options)


class AmazonSettlement(models.Model):
    """One Amazon settlement report (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) as read.

    Written by ``amazon.account._read_settlements``, once per Amazon report (unique per
    channel): its summary, every amount row as a line, and what the rows did to the invoices.
    To check: some rows are refunds, account fees or could not be matched (also in the sync
    log). Error: the report could not be read; the message says why.
    """

    _name = "amazon.settlement"
    _inherit = ["amazon.channel.record.mixin", "connector.flow.fields"]
    _description = "Amazon Settlement Report"
    _order = "end_date desc, id desc"

    name = fields.Char(
        "Settlement ID",
        readonly=True,
        index=True,
        help="Amazon's settlement id; empty when the report could not be read.",
    )
    account_id = fields.Many2one(readonly=True, help="The Amazon channel whose settlement this is.")
    report_id = fields.Char(
        "Report ID",
        required=True,
        readonly=True,
        help="Amazon's id of the report the settlement was read from (read once).",
    )
    report_document_id = fields.Char("Report Document ID", readonly=True)
    report_created = fields.Datetime(
        "Generated On", readonly=True, help="When Amazon generated the report."
    )
    start_date = fields.Datetime("Period Start", readonly=True)
    end_date = fields.Datetime("Period End", readonly=True)
    deposit_date = fields.Datetime(
        readonly=True, help="When Amazon pays the settlement out; the payments are dated so."
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    total_amount = fields.Monetary(
        "Deposit", readonly=True, help="What Amazon pays out for this settlement, as it says."
    )
    state = fields.Selection(
        SETTLEMENT_STATES,
        required=True,
        default="to_check",
        readonly=True,
        index=True,
        help="Closed: every order row paid its invoice. To check: refunds, account fees or "
        "unmatched rows are listed below (and in the sync log). Error: the report could not "
        "be read or booked; see the message, fix the cause and press Retry.",
    )
    error_message = fields.Text(readonly=True)
    retry_requested = fields.Boolean(
        "Queued for Retry",
        readonly=True,
        copy=False,
        index=True,
        help="Retry was pressed: the settlement scheduled action reads the report again and "
        "books the orders still open, then clears this.",
    )
    line_ids = fields.One2many(
        "amazon.settlement.line", "settlement_id", "Report Rows", readonly=True
    )
    payment_ids = fields.Many2many(
        "account.payment",
        compute="_compute_payments",
        string="Payments",
        help="The payments this settlement registered on the invoices of its orders.",
    )
    row_count = summary_figure(fields.Integer, "Row Count")
    paid_count = summary_figure(fields.Integer, "Rows Paid", help="Rows of orders now paid.")
    open_count = summary_figure(
        fields.Integer,
        "Rows Open",
        help="Rows of known orders whose invoice could not be closed yet (see each row).",
    )
    refund_count = summary_figure(fields.Integer, "Refund Rows")
    unmatched_count = summary_figure(
        fields.Integer,
        "Unmatched Rows",
        help="Rows of orders or SKUs the connector never imported.",
    )
    sales_amount = summary_figure(
        fields.Monetary,
        "Sales",
        help="Charged to buyers: goods, tax, shipping and gift wrap, less promotions.",
    )
    fee_amount = summary_figure(
        fields.Monetary,
        "Amazon Fees",
        help="Commissions and other fees of the orders (negative: what Amazon keeps).",
    )
    withheld_tax_amount = summary_figure(
        fields.Monetary,
        "Tax Withheld",
        help="Marketplace-facilitator tax Amazon collects and remits itself (negative).",
    )
    refund_amount = summary_figure(fields.Monetary, "Refunds", help="Net of the refund rows.")
    account_fee_amount = summary_figure(
        fields.Monetary,
        "Account Charges",
        help="Rows about the seller account rather than an order (subscription, storage...).",
    )
    unmatched_amount = summary_figure(
        fields.Monetary, "Unmatched", help="Net of the unmatched rows."
    )

    _sql_constraints = [
        (
            "report_unique",
            "UNIQUE(account_id, report_id)",
            "An Amazon settlement report is read once per channel.",
        ),
        (
            "settlement_unique",
            "UNIQUE(account_id, name)",
            "An Amazon settlement is recorded once per channel.",
        ),
    ]

    @api.depends("line_ids.state", "line_ids.category", "line_ids.amount")
    def _compute_summary(self):
        for settlement in self:
            lines = settlement.line_ids
            orders = lines.filtered(lambda x: x.state in ("paid", "open"))

            def total(rows):
                return sum(rows.mapped("amount"))

            settlement.row_count = len(lines)
            settlement.paid_count = len(lines.filtered(lambda x: x.state == "paid"))
            settlement.open_count = len(lines.filtered(lambda x: x.state == "open"))
            refunds = lines.filtered(lambda x: x.state in ("refund", "refund_booked"))
            settlement.refund_count = len(refunds)
            settlement.unmatched_count = len(lines.filtered(lambda x: x.state == "unmatched"))
            settlement.sales_amount = total(
                orders.filtered(lambda x: x.category in CHARGED_CATEGORIES)
            )
            settlement.fee_amount = total(orders.filtered(lambda x: x.category in FEE_CATEGORIES))
            settlement.withheld_tax_amount = total(
                orders.filtered(lambda x: x.category == "withheld_tax")
            )
            settlement.refund_amount = total(refunds)
            settlement.account_fee_amount = total(lines.filtered(lambda x: x.state == "account"))
            settlement.unmatched_amount = total(lines.filtered(lambda x: x.state == "unmatched"))

    @api.depends("line_ids.payment_id")
    def _compute_payments(self):
        for settlement in self:
            settlement.payment_ids = settlement.line_ids.payment_id

    def _compute_display_name(self):
        for settlement in self:
            settlement.display_name = settlement.name or _("Report %s", settlement.report_id or "?")

    # ------------------------------------------------------------ buttons

    @requires("write", MANAGER)
    def action_retry(self):
        """Queue these reports to be read again and their open orders booked (after fixing
        a setting). Reading and booking a report can outlast a request: the settlement
        scheduled action does it at once, in its own worker and time budget (also for a
        channel whose schedule is off); the notification says when."""
        self.sudo().write({"retry_requested": True})
        at = trigger(self.env, SETTLEMENT_CRON, fields.Datetime.now(), only_active=True)
        return self.env["amazon.account"]._notification(
            _(
                "Read again and booked by the settlement scheduled action: %s",
                queued_sentence(self.env, len(self), at),
            ),
            "info" if at else "warning",
        )

    @requires("read")
    def action_view_payments(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Settlement Payments"),
            "res_model": "account.payment",
            "view_mode": "list,form",
            "domain": [("id", "in", self.payment_ids.ids)],
        }


CHARGED_CATEGORIES = ("principal", "tax", "shipping", "gift_wrap", "promotions")
FEE_CATEGORIES = ("fees", "other")
