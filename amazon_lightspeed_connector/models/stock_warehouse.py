from odoo import fields, models


class StockWarehouse(models.Model):
    """A store: the Odoo warehouse bound to one Lightspeed shop.

    The binding is created by the Lightspeed reference-data sync (a shop without a warehouse
    gets one) or set by hand on an existing warehouse. A shop that disappears from Lightspeed
    is flagged, not archived: archiving a warehouse would also archive its locations and
    routes, which the back office may still need for stock already there.
    """

    _inherit = "stock.warehouse"

    lightspeed_account_id = fields.Many2one(
        "lightspeed.account",
        "Lightspeed Account",
        index=True,
        ondelete="set null",
        help="The Lightspeed Retail account this store belongs to.",
    )
    lightspeed_shop_id = fields.Char(
        "Lightspeed Shop ID",
        copy=False,
        help="The shopID of this store in Lightspeed Retail. Orders routed to this warehouse "
        "are written as Sales in that shop.",
    )
    lightspeed_shop_archived = fields.Boolean(
        "Archived in Lightspeed",
        copy=False,
        help="The shop was archived or deleted in Lightspeed: no order is routed to it any more.",
    )
    lightspeed_timezone = fields.Char(
        "Lightspeed Time Zone", help="The shop's time zone as Lightspeed reports it."
    )
    lightspeed_routing_priority = fields.Integer(
        "Routing Priority",
        default=10,
        help="When several stores can fulfil an order, the one with the lowest number gets it.",
    )
    lightspeed_register_id = fields.Many2one(
        "lightspeed.register",
        "Default Register",
        domain="[('warehouse_id', '=', id)]",
        help="The register Amazon orders routed to this store are rung up on, unless the "
        "channel's Default Register belongs to this store: that one wins.",
    )

    _sql_constraints = [
        (
            "lightspeed_shop_unique",
            "UNIQUE(lightspeed_account_id, lightspeed_shop_id)",
            "A Lightspeed shop can be bound to one warehouse only.",
        ),
    ]
