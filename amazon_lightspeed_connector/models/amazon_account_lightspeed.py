from odoo import fields, models


class AmazonAccountLightspeed(models.Model):
    """How the channel's orders are written as Lightspeed sales (flow 4)."""

    _inherit = "amazon.account"

    lightspeed_shipping_line = fields.Boolean(
        "Shipping as a Sale Line",
        default=True,
        help="Ticked: the shipping the buyer paid is a miscellaneous charge line of the "
        "Lightspeed sale, so the sale totals what Amazon charged. Unticked: it is only written "
        "in the shipment note, and the sale is that much smaller (the difference is logged).",
    )
