from odoo import _, api, fields, models

from ..models.access_guard import USER, requires


class AmazonRoutedOrderPush(models.TransientModel):
    """Push to store...: a person sends a held order to the store of their choice."""

    _name = "amazon.routed.order.push"
    _inherit = ["amazon.routed.order.wizard"]
    _description = "Push a Held Order to a Store"

    routed_order_id = fields.Many2one(string="Held Order")
    explanation = fields.Text(related="routed_order_id.explanation")
    allowed_warehouse_ids = fields.Many2many(
        "stock.warehouse", compute="_compute_allowed_warehouse_ids"
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Store",
        required=True,
        domain="[('id', 'in', allowed_warehouse_ids)]",
        help="The store that ships the whole order.",
    )
    missing_warning = fields.Text(
        "Missing Stock",
        compute="_compute_missing_warning",
        help="What the chosen store lacks: Lightspeed will go negative or auto-add stock.",
    )

    @api.depends("routed_order_id")
    def _compute_allowed_warehouse_ids(self):
        for wizard in self:
            stores = wizard.routed_order_id.account_id.lightspeed_account_id.sudo().warehouse_ids
            wizard.allowed_warehouse_ids = stores.filtered(
                lambda w: w.lightspeed_shop_id and not w.lightspeed_shop_archived
            )

    @api.depends("warehouse_id", "routed_order_id")
    def _compute_missing_warning(self):
        Stock = self.env["lightspeed.stock"]
        for wizard in self:
            lines = wizard.routed_order_id.line_ids
            if not wizard.warehouse_id or not lines:
                wizard.missing_warning = False
                continue
            available = Stock._available(wizard.warehouse_id, lines.product_id).get(
                wizard.warehouse_id.id, {}
            )
            short = [
                "%s x %s"
                % (
                    line.quantity - max(available.get(line.product_id.id, 0), 0),
                    line.product_id.display_name,
                )
                for line in lines
                if line.quantity > available.get(line.product_id.id, 0)
            ]
            wizard.missing_warning = (
                _(
                    "%(store)s lacks %(short)s: Lightspeed will sell it on virtual inventory "
                    "(negative stock or auto-added).",
                    store=wizard.warehouse_id.name,
                    short=", ".join(short),
                )
                if short
                else False
            )

    @requires("write", USER, also="routed_order_id")
    def action_push(self):
        self.ensure_one()
        self.routed_order_id._push_to(self.warehouse_id)
        return {"type": "ir.actions.act_window_close"}
