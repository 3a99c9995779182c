from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import geo
from .access_guard import requires


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

    routing_latitude = fields.Float(
        "Latitude",
        digits=(10, 6),
        help="Where the store is, for routing's distance tie-break. Locate from Address fills "
        "it offline from the warehouse address's postal code; you may type it.",
    )
    routing_longitude = fields.Float(
        "Longitude", digits=(10, 6), help="East is positive (New York: -73.99). See Latitude."
    )

    _sql_constraints = [
        (
            "lightspeed_shop_unique",
            "UNIQUE(lightspeed_account_id, lightspeed_shop_id)",
            "A Lightspeed shop can be bound to one warehouse only.",
        ),
    ]

    def _routing_location(self):
        """(latitude, longitude) for the routing engine, or None when unset (0, 0) or invalid:
        the store then counts as farther than any located one."""
        self.ensure_one()
        if geo.valid_point(self.routing_latitude, self.routing_longitude):
            return (self.routing_latitude, self.routing_longitude)
        return None

    @requires("write")
    def action_locate_from_address(self):
        """Fill the coordinates from the warehouse address's postal code (offline: the
        zipcodes data set, else the state's or the country's centre). Written as the user:
        who cannot edit the warehouse cannot locate it."""
        located = []
        for warehouse in self:
            address = warehouse.partner_id
            where = geo.locate(
                address.country_id.code or "", address.zip or "", address.state_id.code or ""
            )
            if where is None:
                raise UserError(
                    _(
                        "%(store)s: its address has no country Odoo can place; type the "
                        "coordinates instead.",
                        store=warehouse.name,
                    )
                )
            warehouse.write(
                {"routing_latitude": where.latitude, "routing_longitude": where.longitude}
            )
            located.append("%s (%s)" % (warehouse.name, PRECISIONS[where.precision]))
        return self.env["amazon.account"]._notification(
            _("Located from the address: %s", ", ".join(located)), "success"
        )


PRECISIONS = {
    geo.PRECISION_POSTAL_CODE: "postal code",
    geo.PRECISION_STATE: "centre of the state",
    geo.PRECISION_COUNTRY: "centre of the country",
}
