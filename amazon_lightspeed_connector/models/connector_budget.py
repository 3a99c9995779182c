"""How long a run may work: Odoo's time limit, the cron worker's pass, the setting.

Odoo kills a scheduled action's worker after ``limit_time_real_cron`` (by default
``limit_time_real``, 120 s), counted from the worker's last ping to Odoo's watchdog over its
whole pass through the ready jobs. A run's budget (``run_budget``) is the setting "Run budget"
(``amazon_lightspeed_connector.run_budget``, 60 s by default), or a button's (the context key
``connector_run_budget``, ``BUTTON_BUDGET``), never more than what is left of the pass
(``CronPass``), which is itself kept to ``PASS_SHARE`` of Odoo's limit.
"""

import threading
import time
import weakref

from odoo.tools import config

BUDGET_PARAM = "amazon_lightspeed_connector.run_budget"
DEFAULT_BUDGET = 60.0
BUTTON_BUDGET = 10.0
BUDGET_CONTEXT_KEY = "connector_run_budget"

# What a worker's pass through the ready jobs may use of Odoo's limit: the rest covers the
# call in flight when a budget ends and Odoo's own jobs.
PASS_SHARE = 0.75
# Below this, a run does not start: it asks for the next pass instead.
MIN_RUN = 1.0
ODOO_DEFAULT_LIMIT = 120.0


def cron_time_limit():
    """Seconds Odoo gives a cron worker's pass (``limit_time_real_cron``, else the request
    limit); Odoo's default when unlimited, as a run must end some time."""
    limit = config.get("limit_time_real_cron")
    if limit is None or limit < 0:
        limit = config.get("limit_time_real")
    return float(limit) if limit and limit > 0 else ODOO_DEFAULT_LIMIT


class CronPass:
    """The pass of this thread's cron worker through the ready jobs (one cursor of Odoo's
    ``_process_jobs``, marked by ``ir.cron._process_job``): when it started.

    Odoo's watchdog counts from the worker's last ping, which comes before the worker sleeps
    until a job is due (up to 69 s): a pass woken late has that much less. ``pinged`` marks
    the ping (models/ir_cron.py), and the pass counts from it when there is one."""

    _local = threading.local()
    _pinged = None  # when this process's cron worker last told Odoo's watchdog it was alive

    @classmethod
    def pinged(cls):
        cls._pinged = time.monotonic()

    @classmethod
    def enter(cls, cron_cursor):
        known = getattr(cls._local, "cursor", None)
        if known is None or known() is not cron_cursor:
            cls._local.cursor = weakref.ref(cron_cursor)
            cls._local.started = min(time.monotonic(), cls._pinged or float("inf"))

    @classmethod
    def remaining(cls):
        """Seconds left to this thread's pass, or None outside a cron worker's pass."""
        if getattr(cls._local, "cursor", None) is None or cls._local.cursor() is None:
            return None
        return cron_time_limit() * PASS_SHARE - (time.monotonic() - cls._local.started)


def run_budget(env):
    """Seconds a run may take new work: the context's (a button's), else the setting; never
    more than what is left of the cron worker's pass."""
    seconds = env.context.get(BUDGET_CONTEXT_KEY)
    if seconds is None:
        value = env["ir.config_parameter"].sudo().get_param(BUDGET_PARAM)
        try:
            seconds = float(value) if value else DEFAULT_BUDGET
        except ValueError:
            seconds = DEFAULT_BUDGET
    seconds = min(max(float(seconds), MIN_RUN), cron_time_limit() * PASS_SHARE)
    left = CronPass.remaining()
    return seconds if left is None else max(0.0, min(seconds, left))
