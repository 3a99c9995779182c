from odoo import fields, models


class AmazonAccountRouting(models.Model):
    """The channel's held orders, for the daily reminder e-mail and the Held Queue button."""

    _inherit = "amazon.account"

    held_order_ids = fields.Many2many(
        "amazon.routed.order",
        compute="_compute_held_orders",
        string="Held Orders",
        help="This channel's orders waiting in the Held Queue, oldest first.",
    )
    held_order_count = fields.Integer(
        "Held", compute="_compute_held_orders", help="How many orders wait in the Held Queue."
    )

    def _compute_held_orders(self):
        held = self.env["amazon.routed.order"].search(
            [("account_id", "in", self.ids), ("state", "=", "held")], order="held_since, id"
        )
        for account in self:
            mine = held.filtered(lambda r, a=account: r.account_id == a)
            account.held_order_ids = mine
            account.held_order_count = len(mine)

    def _log_routing_problem(self, message, order):
        """One open sync-log row per channel and problem, however many orders wait on it."""
        self.ensure_one()
        Log = self.env["amazon.sync.log"].sudo()
        if Log.search_count(
            [
                ("flow", "=", "routing"),
                ("message", "=", message),
                ("res_model", "=", "amazon.account"),
                ("res_id", "=", self.id),
                ("resolved", "=", False),
            ],
            limit=1,
        ):
            return
        Log.log_event("routing", message, reference=order.name, record=self)
