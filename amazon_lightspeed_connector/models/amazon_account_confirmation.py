from odoo import fields, models


class AmazonAccount(models.Model):
    """Ship confirmation settings of a channel: batch size, and how a confirmed order closes
    its Odoo delivery and invoice."""

    _inherit = "amazon.account"

    confirm_batch_size = fields.Integer(
        "Confirmations per Run",
        default=50,
        minimum=1,
        help="At most this many packages are confirmed to Amazon per run of the scheduled "
        "action; the rest go on the next run.",
    )
    confirm_validate_delivery = fields.Boolean(
        "Validate Delivery on Confirmation",
        default=True,
        help="When every part of an Amazon order is confirmed to Amazon, validate the open "
        "deliveries of its sale order with all quantities done (the stores shipped them).",
    )
    confirm_invoice_policy = fields.Selection(
        [
            ("none", "No invoice"),
            ("draft", "Create a draft invoice"),
            ("posted", "Create and post the invoice"),
        ],
        "Invoice on Confirmation",
        default="draft",
        required=True,
        help="When every part of an Amazon order is confirmed to Amazon: leave invoicing to "
        "people, create a draft invoice of the sale order, or create and post it. A failure "
        "is written to the sync log and never undoes the confirmation.",
    )
