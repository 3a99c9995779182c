from odoo import fields, models

SHIP_SERVICE_LEVELS = [
    ("Standard", "Standard"),
    ("Expedited", "Expedited"),
    ("SecondDay", "Second Day"),
    ("NextDay", "Next Day"),
    ("SameDay", "Same Day"),
    ("Scheduled", "Scheduled"),
    ("FreeEconomy", "Free Economy"),
    ("Priority", "Priority"),
]


class AmazonShippingMapping(models.Model):
    """Which Odoo carrier ships an Amazon service level, and how Lightspeed shows it."""

    _name = "amazon.shipping.mapping"
    _inherit = ["amazon.channel.mapping.mixin"]
    _description = "Amazon Shipping Method Mapping"
    _order = "amazon_account_id, ship_service_level, id"

    ship_service_level = fields.Selection(
        SHIP_SERVICE_LEVELS,
        "Amazon Ship Service Level",
        required=True,
        help="The ShipmentServiceLevelCategory the buyer chose on Amazon.",
    )
    carrier_id = fields.Many2one(
        "delivery.carrier",
        "Odoo Carrier",
        check_company=True,
        help="The delivery method set on the Odoo order.",
    )
    lightspeed_label = fields.Char(
        "Label in Lightspeed",
        help="The shipping text written in the Lightspeed sale's notes for the store staff, "
        'e.g. "UPS 2nd Day Air". Empty: the Amazon service level.',
    )

    _sql_constraints = [
        (
            "service_level_unique",
            "UNIQUE(amazon_account_id, ship_service_level)",
            "A ship service level is mapped once per channel.",
        ),
    ]
