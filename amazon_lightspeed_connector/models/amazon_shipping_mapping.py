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
    _description = "Amazon Shipping Method Mapping"
    _order = "amazon_account_id, ship_service_level, id"
    _check_company_auto = True

    amazon_account_id = fields.Many2one(
        "amazon.account",
        "Amazon Channel",
        required=True,
        ondelete="cascade",
        index=True,
        help="The Amazon channel this mapping applies to.",
    )
    company_id = fields.Many2one(
        related="amazon_account_id.company_id",
        store=True,
        index=True,
        string="Company",
        help="The company of the Amazon channel.",
    )
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
