from odoo import fields, models

from ..models.access_guard import USER, requires


class AmazonRoutedOrderVoid(models.TransientModel):
    """Void: a person abandons an order never sent to Lightspeed, saying why."""

    _name = "amazon.routed.order.void"
    _inherit = ["amazon.routed.order.wizard"]
    _description = "Void a Routed Order"

    reason = fields.Text(required=True, help="Kept on the order and in its chatter.")

    @requires("write", USER, also="routed_order_id")
    def action_void(self):
        self.ensure_one()
        self.routed_order_id._void(self.reason)
        return {"type": "ir.actions.act_window_close"}
