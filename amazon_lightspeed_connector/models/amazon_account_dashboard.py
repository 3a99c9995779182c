from collections import Counter, defaultdict
from datetime import datetime, time

import pytz
from odoo import _, api, fields, models

from .access_guard import requires

# The documents a sync-log row can point at, and the SQL that reads their channel: a row counts
# on a channel's card when it is about the channel itself, one of its orders, routed orders or
# settlement reports.
SYNC_LOG_CHANNEL_SQL = """
    SELECT channel.id, log.id
      FROM amazon_sync_log log
 LEFT JOIN amazon_order amazon_order
        ON log.res_model = 'amazon.order' AND amazon_order.id = log.res_id
 LEFT JOIN amazon_routed_order routed
        ON log.res_model = 'amazon.routed.order' AND routed.id = log.res_id
 LEFT JOIN amazon_settlement settlement
        ON log.res_model = 'amazon.settlement' AND settlement.id = log.res_id
      JOIN amazon_account channel
        ON channel.id = CASE log.res_model
                            WHEN 'amazon.account' THEN log.res_id
                            WHEN 'amazon.order' THEN amazon_order.account_id
                            WHEN 'amazon.routed.order' THEN routed.account_id
                            WHEN 'amazon.settlement' THEN settlement.account_id
                        END
     WHERE log.level = 'error'
       AND NOT COALESCE(log.resolved, FALSE)
       AND channel.id IN %s
"""


class AmazonAccountDashboard(models.Model):
    """The Overview: one card per channel with what needs doing today, and a button per figure
    to the list behind it; the channel form's order counters are the same figures. Every figure
    is computed when the card is shown (nothing stored that would go stale overnight)."""

    _inherit = "amazon.account"

    amazon_order_count = fields.Integer(
        "Amazon Orders",
        compute="_compute_dashboard_orders",
        help="How many Amazon orders of this channel are in Odoo.",
    )
    dashboard_orders_today = fields.Integer(
        "Orders Today",
        compute="_compute_dashboard_orders",
        help="Amazon orders of this channel purchased since midnight (your time zone).",
    )
    dashboard_to_route = fields.Integer(
        "To Route",
        compute="_compute_dashboard_orders",
        help="Imported merchant-fulfilled orders not yet placed in a store.",
    )
    dashboard_import_errors = fields.Integer(
        "Import Errors",
        compute="_compute_dashboard_orders",
        help="Amazon orders that could not become a sale order (e.g. a SKU without binding).",
    )
    dashboard_to_send = fields.Integer(
        "To Send",
        compute="_compute_dashboard_routed",
        help="Routed orders waiting to be written to their store in Lightspeed.",
    )
    dashboard_routed_errors = fields.Integer(
        "Routed in Error",
        compute="_compute_dashboard_routed",
        help="Routed orders the connector failed to write to Lightspeed.",
    )
    dashboard_oldest_held_days = fields.Integer(
        "Oldest Held (days)",
        compute="_compute_dashboard_routed",
        help="How many days the oldest order of the Held Queue has been waiting.",
    )
    dashboard_to_confirm = fields.Integer(
        "To Confirm to Amazon",
        compute="_compute_dashboard_confirmation",
        help="Shipped packages whose ship confirmation goes to Amazon with the next run or on "
        "their ship date.",
    )
    dashboard_confirm_refused = fields.Integer(
        "Refused by Amazon",
        compute="_compute_dashboard_confirmation",
        help="Ship confirmations Amazon refused: fix the cause, then retry them.",
    )
    dashboard_confirm_unknown = fields.Integer(
        "Confirmation Outcome Unknown",
        compute="_compute_dashboard_confirmation",
        help="Ship confirmations whose answer was lost and whose packages could not be read "
        "back from Amazon: a later run reads them again (or Retry confirmation); nothing is "
        "sent twice.",
    )
    dashboard_sync_errors = fields.Integer(
        "Open Sync Errors",
        compute="_compute_dashboard_sync_errors",
        help="Unresolved error rows of the sync log about this channel, its orders, routed "
        "orders or settlement reports.",
    )

    # ------------------------------------------------------------ figures

    def _today_start_utc(self):
        """Midnight of today in the user's time zone, as naive UTC (how Odoo stores dates)."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        today = datetime.now(tz).date()
        midnight = tz.localize(datetime.combine(today, time.min))
        return midnight.astimezone(pytz.utc).replace(tzinfo=None)

    def _compute_dashboard_orders(self):
        today = self._count_per_account(
            "amazon.order", [("purchase_date", ">=", self._today_start_utc())]
        )
        # one grouped count gives the channel form's counter and two of the card's figures
        figures = defaultdict(Counter)
        for account, import_state, routing_state, count in self.env["amazon.order"]._read_group(
            [("account_id", "in", self.ids)],
            ["account_id", "import_state", "routing_state"],
            ["__count"],
        ):
            figures[account]["all"] += count
            figures[account]["to_route"] += count if routing_state == "to_route" else 0
            figures[account]["in_error"] += count if import_state != "imported" else 0
        for account in self:
            account.amazon_order_count = figures[account]["all"]
            account.dashboard_orders_today = today.get(account, 0)
            account.dashboard_to_route = figures[account]["to_route"]
            account.dashboard_import_errors = figures[account]["in_error"]

    def _compute_dashboard_routed(self):
        groups = self.env["amazon.routed.order"]._read_group(
            [("account_id", "in", self.ids), ("state", "in", ("to_send", "held", "error"))],
            ["account_id", "state"],
            ["__count", "held_since:min"],
        )
        counts = {(account, state): (count, oldest) for account, state, count, oldest in groups}
        now = fields.Datetime.now()
        for account in self:
            account.dashboard_to_send = counts.get((account, "to_send"), (0, None))[0]
            account.dashboard_routed_errors = counts.get((account, "error"), (0, None))[0]
            oldest = counts.get((account, "held"), (0, None))[1]
            account.dashboard_oldest_held_days = (now - oldest).days if oldest else 0

    def _compute_dashboard_confirmation(self):
        counts = {
            (account, state): count
            for account, state, count in self.env["amazon.routed.order"]._read_group(
                [
                    ("account_id", "in", self.ids),
                    ("confirmation_state", "in", ("to_confirm", "waiting", "unknown", "failed")),
                ],
                ["account_id", "confirmation_state"],
                ["__count"],
            )
        }
        for account in self:
            account.dashboard_to_confirm = counts.get((account, "to_confirm"), 0) + counts.get(
                (account, "waiting"), 0
            )
            account.dashboard_confirm_refused = counts.get((account, "failed"), 0)
            account.dashboard_confirm_unknown = counts.get((account, "unknown"), 0)

    def _sync_error_ids(self):
        """{channel id: [open error rows about it]}; rows of other companies never count."""
        if not self.ids:
            return {}
        self.env["amazon.sync.log"].flush_model()
        self.env["amazon.order"].flush_model(["account_id"])
        self.env["amazon.routed.order"].flush_model(["account_id"])
        self.env["amazon.settlement"].flush_model(["account_id"])
        self.env.cr.execute(
            SYNC_LOG_CHANNEL_SQL + " AND log.company_id IN %s",
            (tuple(self.ids), tuple(self.env.companies.ids)),
        )
        rows = {}
        for channel_id, log_id in self.env.cr.fetchall():
            rows.setdefault(channel_id, []).append(log_id)
        return rows

    def _compute_dashboard_sync_errors(self):
        rows = self._sync_error_ids()
        for account in self:
            account.dashboard_sync_errors = len(rows.get(account.id, []))

    # ------------------------------------------------------------ the Overview's own cards

    @api.model
    @requires("read")
    def overview_late_risk_count(self):
        """The card "At risk of shipping late", above the channels' cards: held orders of every
        channel the user sees whose Amazon latest ship date is closer than their channel's
        warning threshold (or past). One figure, so that none hides on a channel's card."""
        return self.env["amazon.routed.order"].search_count([("late_risk", "=", True)])

    @api.model
    @requires("read")
    def action_overview_late_risk(self):
        """The Held Queue with its at-risk filter on (a facet the user may remove), sorted by its
        own order: the latest ship date first."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_lightspeed_connector.amazon_routed_order_held_action"
        )
        action["context"] = {"search_default_late_risk": 1, "create": False}
        action["display_name"] = _("At Risk of Shipping Late")
        return action

    # ------------------------------------------------------------ buttons to the lists

    def _dashboard_action(self, xmlid, domain, name=None, context=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_lightspeed_connector.%s" % xmlid
        )
        action["domain"] = domain
        action["context"] = dict(context or {}, create=False)
        action["display_name"] = "%s: %s" % (self.name, name or action["name"])
        return action

    @requires("read")
    def action_view_amazon_orders(self):
        """The channel form's Orders button: every order of the channel."""
        return self._records_action("amazon_order_action", context={"default_account_id": self.id})

    @requires("read")
    def action_dashboard_orders_today(self):
        return self._dashboard_action(
            "amazon_order_action",
            [("account_id", "=", self.id), ("purchase_date", ">=", self._today_start_utc())],
            _("Orders Today"),
        )

    @requires("read")
    def action_dashboard_to_route(self):
        return self._dashboard_action(
            "amazon_order_action",
            [("account_id", "=", self.id), ("routing_state", "=", "to_route")],
            _("To Route"),
        )

    @requires("read")
    def action_dashboard_import_errors(self):
        return self._dashboard_action(
            "amazon_order_action",
            [("account_id", "=", self.id), ("import_state", "!=", "imported")],
            _("Import Errors"),
        )

    @requires("read")
    def action_dashboard_held(self):
        return self._dashboard_action(
            "amazon_routed_order_held_action",
            [("account_id", "=", self.id), ("state", "=", "held")],
        )

    @requires("read")
    def action_dashboard_to_send(self):
        return self._dashboard_action(
            "amazon_routed_order_action",
            [("account_id", "=", self.id), ("state", "=", "to_send")],
            _("To Send"),
        )

    @requires("read")
    def action_dashboard_routed_errors(self):
        return self._dashboard_action(
            "amazon_routed_order_action",
            [("account_id", "=", self.id), ("state", "=", "error")],
            _("Routed in Error"),
        )

    @requires("read")
    def action_dashboard_to_confirm(self):
        return self._dashboard_action(
            "amazon_routed_order_action",
            [
                ("account_id", "=", self.id),
                ("confirmation_state", "in", ("to_confirm", "waiting")),
            ],
            _("To Confirm to Amazon"),
        )

    @requires("read")
    def action_dashboard_confirm_refused(self):
        return self._dashboard_action(
            "amazon_routed_order_action",
            [("account_id", "=", self.id), ("confirmation_state", "=", "failed")],
            _("Refused by Amazon"),
        )

    @requires("read")
    def action_dashboard_confirm_unknown(self):
        return self._dashboard_action(
            "amazon_routed_order_action",
            [("account_id", "=", self.id), ("confirmation_state", "=", "unknown")],
            _("Confirmation Outcome Unknown"),
        )

    @requires("read")
    def action_dashboard_sync_errors(self):
        log_ids = self._sync_error_ids().get(self.id, [])
        return self._dashboard_action(
            "amazon_sync_log_action",
            [("id", "in", log_ids)],
            _("Open Sync Errors"),
            context={"search_default_open": 1},
        )

    @requires("read")
    def action_dashboard_analysis(self):
        return self._dashboard_action(
            "amazon_routing_report_action",
            [("account_id", "=", self.id)],
        )
