from odoo import api, fields, models


class AmazonCarrierMapping(models.Model):
    """The carrier code Amazon gets when an order shipped with an Odoo carrier is confirmed."""

    _name = "amazon.carrier.mapping"
    _inherit = ["amazon.channel.mapping.mixin"]
    _description = "Amazon Carrier Code Mapping"
    _order = "amazon_account_id, carrier_id, id"

    carrier_id = fields.Many2one(
        "delivery.carrier",
        "Odoo Carrier",
        required=True,
        check_company=True,
        help="The carrier of the Odoo delivery.",
    )
    amazon_carrier_code = fields.Char(
        "Amazon Carrier Code",
        required=True,
        default="Other",
        help="Amazon's carrierCode (UPS, USPS, FedEx, DHL...). Other: Amazon is given the "
        "carrier name below instead.",
    )
    amazon_carrier_name = fields.Char(
        "Carrier Name",
        compute="_compute_amazon_carrier_name",
        store=True,
        readonly=False,
        help="The carrierName sent with the code Other.",
    )

    _sql_constraints = [
        (
            "carrier_unique",
            "UNIQUE(amazon_account_id, carrier_id)",
            "An Odoo carrier is mapped once per channel.",
        ),
    ]

    @api.depends("carrier_id")
    def _compute_amazon_carrier_name(self):
        for mapping in self:
            mapping.amazon_carrier_name = mapping.amazon_carrier_name or mapping.carrier_id.name
