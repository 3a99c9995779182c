from odoo import fields, models

from .amazon_account_dashboard import DashboardFigure, dashboard_figure


class AmazonAccountRouting(models.Model):
    """The channel's routing rules beyond the mode (tie-break order, cap on parts), and its
    held orders, for the daily reminder e-mail and the Held Queue button."""

    _inherit = "amazon.account"

    routing_tie_break = fields.Selection(
        [
            ("priority_distance", "Fewest stores, then priority, then distance"),
            ("distance_priority", "Fewest stores, then distance, then priority"),
        ],
        "Tie-break",
        required=True,
        default="priority_distance",
        help="How stores (or sets of stores) equal on the number of parts are ranked. Distance "
        "is from the buyer's postal code to the store's coordinates (Locate from Address on "
        "the store), computed offline; a store without coordinates counts as the farthest.",
    )
    routing_max_parts = fields.Integer(
        "Maximum Parts per Order",
        default=0,
        minimum=0,
        help="Split: an order is shipped from at most this many stores (0: no cap). One that "
        "needs more follows 'When a Split Cannot Fulfil'.",
    )

    held_order_ids = fields.Many2many(
        "amazon.routed.order",
        compute="_compute_held_orders",
        string="Held Orders",
        help="This channel's orders waiting in the Held Queue, the most urgent first (Amazon's "
        "latest ship date, then the oldest).",
    )
    held_order_count = fields.Integer(
        "Held", compute="_compute_held_orders", help="How many orders wait in the Held Queue."
    )

    late_ship_warning_hours = fields.Integer(
        "Warn Before Ship-By (hours)",
        default=24,
        minimum=0,
        help="A held order whose Amazon latest ship date is closer than this is at risk of "
        "shipping late: the Overview counts it and the connector managers get an activity.",
    )
    dashboard_late_risk = dashboard_figure(
        "At Risk of Shipping Late",
        help="Held orders whose latest ship date is closer than the warning threshold.",
    )

    def _dashboard_figures(self):
        return {
            **super()._dashboard_figures(),
            "dashboard_late_risk": DashboardFigure(
                "amazon.routed.order",
                [("late_risk", "=", True)],
                "amazon_routed_order_held_action",
            ),
        }

    def _compute_held_orders(self):
        held = self.env["amazon.routed.order"].search(
            [("account_id", "in", self.ids), ("state", "=", "held")],
            order="latest_ship_date, held_since, id",
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
        Log._log_event("routing", message, reference=order.name, record=self)
