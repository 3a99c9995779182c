from odoo import fields, models

SHIPMENT_SOURCES = [
    ("odoo", "In Odoo"),
    ("lightspeed", "In Lightspeed"),
    ("both", "In Odoo or Lightspeed (first wins)"),
]


class AmazonAccountAfterSale(models.Model):
    """Where a channel's shipments are marked (see amazon_routed_order_after_sale)."""

    _inherit = "amazon.account"

    shipment_source = fields.Selection(
        SHIPMENT_SOURCES,
        "Shipments Marked",
        required=True,
        default="both",
        help="In Odoo: Mark shipped on the Shipments screen. In Lightspeed: store staff tick "
        "Shipped under Inventory > Shipping with a shipment note line "
        '"Tracking: <number> <carrier>"; the connector reads it back. Both: whichever comes '
        "first marks the order shipped; Amazon is told once.",
    )

    def _reads_lightspeed_shipments(self):
        self.ensure_one()
        return self.shipment_source in ("lightspeed", "both")
