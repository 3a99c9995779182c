import dataclasses

from odoo import models
from odoo.addons.amazon_lightspeed_connector.lib.routing import (
    RoutingMode,
    RoutingRequest,
    TieBreak,
    route,
)


class AmazonOrder(models.Model):
    _inherit = "amazon.order"

    def _prepare_sale_order_values(self, partner, shipping, products):
        values = super()._prepare_sale_order_values(partner, shipping, products)
        values["origin"] = "Amazon %s" % self.marketplace_id
        return values

    def _prepare_routing_request(self, stores, default, lines, available, keys):
        kept = stores.filtered(lambda store: store == default or not store.example_no_amazon)
        return super()._prepare_routing_request(kept, default, lines, available, keys)

    def _route_nearest(self, request):
        """The nearest store holding everything, whatever the channel's tie-break; else the
        default store on virtual inventory (as best store does)."""
        request = dict(request, tie_break=TieBreak.DISTANCE_THEN_PRIORITY)
        decision = route(RoutingRequest(**request, mode=RoutingMode.BEST_STORE))
        return dataclasses.replace(decision, mode="nearest")
