from odoo import fields, models, tools

from .access_guard import requires

HELD_AGES = [
    ("0_1", "Under a day"),
    ("1_3", "1 to 3 days"),
    ("3_7", "3 to 7 days"),
    ("7_plus", "Over a week"),
]


class AmazonRoutingReport(models.Model):
    """Routing Analysis: one row per routed order (store part), read-only, for pivot and graph.

    A SQL view rather than stored fields on the routed order because the held-queue age changes
    every day without anything being written: the view computes it when it is read. It also
    brings the purchase date and the units of the lines onto each row, so that parts can be
    grouped by store, state, routing mode and day in one place.
    """

    _name = "amazon.routing.report"
    _description = "Routing Analysis"
    _auto = False
    _rec_name = "name"
    _order = "purchase_date desc, id desc"
    # what the view reads: flushed before every search, so a row is never behind its order
    _depends = {
        "amazon.routed.order": [
            "name",
            "amazon_order_id",
            "account_id",
            "company_id",
            "warehouse_id",
            "state",
            "routing_mode",
            "held_since",
            "virtual_inventory",
            "confirmation_state",
        ],
        "amazon.routed.order.line": ["routed_order_id", "quantity"],
        "amazon.order": ["purchase_date"],
    }

    name = fields.Char("Routed Order", readonly=True)
    routed_order_id = fields.Many2one("amazon.routed.order", "Routed Order Record", readonly=True)
    amazon_order_id = fields.Many2one("amazon.order", "Amazon Order", readonly=True)
    account_id = fields.Many2one("amazon.account", "Amazon Channel", readonly=True)
    company_id = fields.Many2one("res.company", "Company", readonly=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", "Store", readonly=True, help="Empty while the order is held."
    )
    state = fields.Selection(selection="_selection_state", readonly=True)
    routing_mode = fields.Selection(selection="_selection_routing_mode", readonly=True)
    confirmation_state = fields.Selection(
        selection="_selection_confirmation_state", string="Amazon Confirmation", readonly=True
    )
    purchase_date = fields.Datetime(readonly=True)
    held_since = fields.Datetime(readonly=True)
    units = fields.Integer(readonly=True, aggregator="sum", help="Units of the part's lines.")
    virtual_inventory_count = fields.Integer(
        "Virtual Inventory Parts",
        readonly=True,
        aggregator="sum",
        help="Parts sent to a store that lacked some units.",
    )
    held_age_days = fields.Float(
        "Held for (days)",
        readonly=True,
        digits=(16, 1),
        aggregator="max",
        help="Days a held order has waited so far; grouped, the oldest of the group.",
    )
    held_age = fields.Selection(
        HELD_AGES,
        "Held Age",
        readonly=True,
        help="How long a held order has waited so far, in brackets; empty when not held.",
    )

    @requires("read")
    def action_open_routed_order(self):
        """A row of the list opens the routed order itself (the report is read-only)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "amazon.routed.order",
            "res_id": self.routed_order_id.id,
            "view_mode": "form",
        }

    def _selection_state(self):
        # follows the routed order's states, including those other flows add
        return self.env["amazon.routed.order"]._fields["state"].selection

    def _selection_routing_mode(self):
        return self.env["amazon.routed.order"]._fields["routing_mode"].selection

    def _selection_confirmation_state(self):
        return self.env["amazon.routed.order"]._fields["confirmation_state"].selection

    def _held_age_sql(self):
        waited = "(NOW() AT TIME ZONE 'UTC' - routed.held_since)"
        return f"""
            CASE
                WHEN routed.state != 'held' OR routed.held_since IS NULL THEN NULL
                WHEN {waited} < INTERVAL '1 day' THEN '0_1'
                WHEN {waited} < INTERVAL '3 days' THEN '1_3'
                WHEN {waited} < INTERVAL '7 days' THEN '3_7'
                ELSE '7_plus'
            END
        """

    def _query(self):
        return f"""
            SELECT routed.id AS id,
                   routed.id AS routed_order_id,
                   routed.name AS name,
                   routed.amazon_order_id AS amazon_order_id,
                   routed.account_id AS account_id,
                   routed.company_id AS company_id,
                   routed.warehouse_id AS warehouse_id,
                   routed.state AS state,
                   routed.routing_mode AS routing_mode,
                   routed.confirmation_state AS confirmation_state,
                   amazon_order.purchase_date AS purchase_date,
                   routed.held_since AS held_since,
                   COALESCE(lines.units, 0) AS units,
                   CASE WHEN routed.virtual_inventory THEN 1 ELSE 0 END
                       AS virtual_inventory_count,
                   CASE WHEN routed.state = 'held' AND routed.held_since IS NOT NULL
                        THEN EXTRACT(EPOCH FROM NOW() AT TIME ZONE 'UTC' - routed.held_since)
                             / 86400.0
                   END AS held_age_days,
                   {self._held_age_sql()} AS held_age
              FROM amazon_routed_order routed
              JOIN amazon_order amazon_order ON amazon_order.id = routed.amazon_order_id
         LEFT JOIN (
                    SELECT routed_order_id, SUM(quantity) AS units
                      FROM amazon_routed_order_line
                  GROUP BY routed_order_id
                   ) lines ON lines.routed_order_id = routed.id
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"CREATE OR REPLACE VIEW {self._table} AS ({self._query()})")
