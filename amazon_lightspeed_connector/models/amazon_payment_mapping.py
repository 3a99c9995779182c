from odoo import fields, models


class AmazonPaymentMapping(models.Model):
    """How an Amazon payment method is paid in Lightspeed and booked in Odoo."""

    _name = "amazon.payment.mapping"
    _inherit = ["amazon.channel.mapping.mixin"]
    _description = "Amazon Payment Method Mapping"
    _order = "amazon_account_id, payment_method, id"

    lightspeed_account_id = fields.Many2one(
        related="amazon_account_id.lightspeed_account_id",
        string="Lightspeed Account",
        help="The Lightspeed account of the channel, whose payment types can be chosen.",
    )
    payment_method = fields.Char(
        "Amazon Payment Method",
        required=True,
        help="The PaymentMethod (Other, COD, CVS) or PaymentMethodDetails value (Standard, "
        "CreditCard, GiftCertificate...) of the Amazon order.",
    )
    lightspeed_payment_type_id = fields.Many2one(
        "lightspeed.payment.type",
        "Lightspeed Payment Type",
        required=True,
        domain="[('lightspeed_account_id', '=', lightspeed_account_id)]",
        help="The payment type of the Lightspeed sale for orders paid this way.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        "Odoo Journal",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="The journal the settlement of such orders is booked in.",
    )

    _sql_constraints = [
        (
            "payment_method_unique",
            "UNIQUE(amazon_account_id, payment_method)",
            "An Amazon payment method is mapped once per channel.",
        ),
    ]
