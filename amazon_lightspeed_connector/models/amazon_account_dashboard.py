from datetime import datetime, time
from typing import NamedTuple

import pytz
from odoo import _, api, fields, models
from odoo.exceptions import UserError

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


def dashboard_figure(string, **options):
    """A counted figure of a channel's card (an entry of ``_dashboard_figures``), computed
    when the card is shown."""
    return fields.Integer(string, compute="_compute_dashboard_figures", **options)


class DashboardFigure(NamedTuple):
    """A figure of a channel's card: how many ``model`` records of the channel match
    ``domain``; its button opens ``action`` (a window action of this addon) on them, titled
    with the figure's label."""

    model: str
    domain: list
    action: str


class AmazonAccountDashboard(models.Model):
    """The Overview: one card per channel with what needs doing today, and a button per figure
    to the list behind it; the channel form's order counters are the same figures. Every figure
    is computed when the card is shown (nothing stored that would go stale overnight)."""

    _inherit = "amazon.account"

    amazon_order_count = dashboard_figure(
        "Amazon Orders", help="How many Amazon orders of this channel are in Odoo."
    )
    dashboard_orders_today = dashboard_figure(
        "Orders Today",
        help="Amazon orders of this channel purchased since midnight (your time zone).",
    )
    dashboard_to_route = dashboard_figure(
        "To Route", help="Imported merchant-fulfilled orders not yet placed in a store."
    )
    dashboard_import_errors = dashboard_figure(
        "Import Errors",
        help="Amazon orders that could not become a sale order (e.g. a SKU without binding).",
    )
    dashboard_to_send = dashboard_figure(
        "To Send", help="Routed orders waiting to be written to their store in Lightspeed."
    )
    dashboard_routed_errors = dashboard_figure(
        "Routed in Error", help="Routed orders the connector failed to write to Lightspeed."
    )
    dashboard_oldest_held_days = fields.Integer(
        "Oldest Held (days)",
        compute="_compute_dashboard_oldest_held",
        help="How many days the oldest order of the Held Queue has been waiting.",
    )
    dashboard_to_confirm = dashboard_figure(
        "To Confirm to Amazon",
        help="Shipped packages whose ship confirmation goes to Amazon with the next run or on "
        "their ship date.",
    )
    dashboard_confirm_refused = dashboard_figure(
        "Refused by Amazon",
        help="Ship confirmations Amazon refused: fix the cause, then retry them.",
    )
    dashboard_confirm_unknown = dashboard_figure(
        "Confirmation Outcome Unknown",
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

    def _dashboard_figures(self):
        """The card's counted figures: {field: DashboardFigure}. The card counts each figure's
        records and its button opens the list of the same records, so a figure and its list
        never disagree. To add one: a ``dashboard_figure`` field, an entry here (super() and
        add) and, on the card, a button calling ``action_open_dashboard_figure`` with the
        field's name as ``dashboard_figure`` in its context. A file that adds figures imports
        them from this one, which so defines the base table before any extension of it."""
        return {
            "amazon_order_count": DashboardFigure("amazon.order", [], "amazon_order_action"),
            "dashboard_orders_today": DashboardFigure(
                "amazon.order",
                [("purchase_date", ">=", self._today_start_utc())],
                "amazon_order_action",
            ),
            "dashboard_to_route": DashboardFigure(
                "amazon.order", [("routing_state", "=", "to_route")], "amazon_order_action"
            ),
            "dashboard_import_errors": DashboardFigure(
                "amazon.order", [("import_state", "!=", "imported")], "amazon_order_action"
            ),
            "dashboard_to_send": DashboardFigure(
                "amazon.routed.order", [("state", "=", "to_send")], "amazon_routed_order_action"
            ),
            "dashboard_routed_errors": DashboardFigure(
                "amazon.routed.order", [("state", "=", "error")], "amazon_routed_order_action"
            ),
            "dashboard_to_confirm": DashboardFigure(
                "amazon.routed.order",
                [("confirmation_state", "in", ("to_confirm", "waiting"))],
                "amazon_routed_order_action",
            ),
            "dashboard_confirm_refused": DashboardFigure(
                "amazon.routed.order",
                [("confirmation_state", "=", "failed")],
                "amazon_routed_order_action",
            ),
            "dashboard_confirm_unknown": DashboardFigure(
                "amazon.routed.order",
                [("confirmation_state", "=", "unknown")],
                "amazon_routed_order_action",
            ),
        }

    def _compute_dashboard_figures(self):
        # one indexed count per figure for all the cards shown: a dozen small queries
        for field_name, figure in self._dashboard_figures().items():
            counts = self._count_per_account(figure.model, figure.domain)
            for account in self:
                account[field_name] = counts.get(account, 0)

    def _compute_dashboard_oldest_held(self):
        oldest = dict(
            self.env["amazon.routed.order"]._read_group(
                [("account_id", "in", self.ids), ("state", "=", "held")],
                ["account_id"],
                ["held_since:min"],
            )
        )
        now = fields.Datetime.now()
        for account in self:
            since = oldest.get(account)
            account.dashboard_oldest_held_days = (now - since).days if since else 0

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

    def _open_dashboard_figure(self, field_name):
        """The list behind the figure ``field_name``: the records it counts, titled with the
        figure's label in the user's language."""
        figure = isinstance(field_name, str) and self._dashboard_figures().get(field_name)
        if not figure:
            raise UserError(_("The Overview has no figure %s.", field_name))
        title = self._fields[field_name]._description_string(self.env)
        return self._dashboard_action(
            figure.action, [("account_id", "=", self.id), *figure.domain], title
        )

    @requires("read")
    def action_open_dashboard_figure(self):
        """The list behind the figure the button names (``dashboard_figure`` in its context,
        as Odoo's journal dashboard names its lists): the records the figure counts."""
        return self._open_dashboard_figure(self.env.context.get("dashboard_figure"))

    @requires("read")
    def action_dashboard_held(self):
        return self._dashboard_action(
            "amazon_routed_order_held_action",
            [("account_id", "=", self.id), ("state", "=", "held")],
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
