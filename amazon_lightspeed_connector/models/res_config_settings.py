"""The connector's settings kept in ir.config_parameter: how long a run may work, how long
the sync log keeps its rows."""

from odoo import api, fields, models

from .amazon_sync_log import DEFAULT_KEEP_DAYS, KEEP_DAYS_PARAM
from .connector_budget import BUDGET_PARAM, DEFAULT_BUDGET, cron_time_limit


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    connector_run_budget = fields.Integer(
        "Run Budget (seconds)",
        config_parameter=BUDGET_PARAM,
        default=int(DEFAULT_BUDGET),
        help="How long one run of a connector's scheduled action takes new work before it "
        "commits and schedules the next run. Always kept below 3/4 of the server's time limit "
        "for scheduled actions (120 s by default).",
    )
    connector_sync_log_days = fields.Integer(
        "Keep Sync Log (days)",
        config_parameter=KEEP_DAYS_PARAM,
        default=DEFAULT_KEEP_DAYS,
        help="Sync log rows older than this are deleted each night (Odoo's auto-vacuum), "
        "except unresolved errors: they stay until resolved. 0 keeps every row.",
    )
    connector_run_budget_ceiling = fields.Integer(
        "Longest Run Allowed",
        compute="_compute_connector_run_budget_ceiling",
        help="3/4 of the server's time limit for scheduled actions: a longer budget is cut "
        "to this.",
    )

    @api.depends("connector_run_budget")
    def _compute_connector_run_budget_ceiling(self):
        for settings in self:
            settings.connector_run_budget_ceiling = int(cron_time_limit() * 0.75)
