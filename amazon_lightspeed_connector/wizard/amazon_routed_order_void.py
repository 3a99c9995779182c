from odoo import api, fields, models

from ..models.access_guard import USER, check_rights, requires


class AmazonRoutedOrderVoid(models.TransientModel):
    """Void: a person abandons an order never sent to Lightspeed, saying why."""

    _name = "amazon.routed.order.void"
    _description = "Void a Routed Order"

    routed_order_id = fields.Many2one(
        "amazon.routed.order", "Order", required=True, ondelete="cascade"
    )
    reason = fields.Text(required=True, help="Kept on the order and in its chatter.")

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        # the form shows the order (its routing, its stores): only to who may act on it
        check_rights(wizards.routed_order_id, "write", USER)
        return wizards

    @requires("write", USER, also="routed_order_id")
    def action_void(self):
        self.ensure_one()
        self.routed_order_id._void(self.reason)
        return {"type": "ir.actions.act_window_close"}
