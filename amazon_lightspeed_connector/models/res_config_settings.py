"""The connector's settings kept in ir.config_parameter: how long a run may work, how long
the sync log keeps its rows."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .amazon_sync_log import DEFAULT_KEEP_DAYS, KEEP_DAYS_PARAM
from .connector_budget import BUDGET_PARAM, DEFAULT_BUDGET, cron_time_limit

SHORTEST_BUDGET = 10  # seconds: a run must have time for at least one call and its commit


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

    @api.constrains("connector_run_budget", "connector_sync_log_days")
    def _check_connector_settings(self):
        for settings in self:
            if settings.connector_run_budget < SHORTEST_BUDGET:
                raise ValidationError(
                    _("A run needs a budget of at least %s seconds.", SHORTEST_BUDGET)
                )
            if settings.connector_sync_log_days < 0:
                raise ValidationError(
                    _("Keep the sync log 0 days (every row) or more, not a negative number.")
                )

    def set_values(self):
        # Odoo's own set_values writes parameters as superuser: refuse anyone but those who
        # may write settings before it does (execute() checks this, a direct call would not)
        self.check_access("write")
        result = super().set_values()
        # Odoo stores an integer setting of 0 as no value at all, which reads back as the
        # default: 0 ("keep every row") is stored as itself
        if any(settings.connector_sync_log_days == 0 for settings in self):
            self.env["ir.config_parameter"].sudo().set_param(KEEP_DAYS_PARAM, "0")
        return result

    @api.depends("connector_run_budget")
    def _compute_connector_run_budget_ceiling(self):
        for settings in self:
            settings.connector_run_budget_ceiling = int(cron_time_limit() * 0.75)
