from odoo import fields, models


class LightspeedPaymentType(models.Model):
    """A Lightspeed payment type, copied by the reference-data sync; Sales are paid with one."""

    _name = "lightspeed.payment.type"
    _description = "Lightspeed Payment Type"
    _order = "name, id"

    name = fields.Char(required=True, readonly=True, help="The payment type's name in Lightspeed.")
    lightspeed_id = fields.Char(
        "Lightspeed Payment Type ID",
        required=True,
        readonly=True,
        help="The paymentTypeID in Lightspeed.",
    )
    lightspeed_account_id = fields.Many2one(
        "lightspeed.account",
        "Lightspeed Account",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
        help="The Lightspeed account the payment type was read from.",
    )
    active = fields.Boolean(
        default=True,
        help="Cleared when the payment type is archived or no longer listed in Lightspeed.",
    )
    company_id = fields.Many2one(
        related="lightspeed_account_id.company_id",
        store=True,
        index=True,
        string="Company",
        help="The company of the Lightspeed account this payment type belongs to.",
    )

    _sql_constraints = [
        (
            "lightspeed_id_unique",
            "UNIQUE(lightspeed_account_id, lightspeed_id)",
            "A Lightspeed payment type is recorded once per account.",
        ),
    ]
