from odoo import fields, models


class LightspeedPaymentType(models.Model):
    """A Lightspeed payment type, copied by the reference-data sync; Sales are paid with one."""

    _name = "lightspeed.payment.type"
    _inherit = ["lightspeed.reference.mixin"]
    _description = "Lightspeed Payment Type"

    lightspeed_id = fields.Char(
        "Lightspeed Payment Type ID", help="The paymentTypeID in Lightspeed."
    )
