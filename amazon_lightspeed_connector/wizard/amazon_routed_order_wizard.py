from odoo import api, fields, models

from ..models.access_guard import USER, check_rights


class AmazonRoutedOrderWizard(models.AbstractModel):
    """A dialog about one routed order (Push to store..., Void): opened only by who may act on
    the order, since its form shows the order's routing and stores."""

    _name = "amazon.routed.order.wizard"
    _description = "Dialog on a Routed Order"

    routed_order_id = fields.Many2one(
        "amazon.routed.order", "Order", required=True, ondelete="cascade"
    )

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        check_rights(wizards.routed_order_id, "write", USER)
        return wizards
