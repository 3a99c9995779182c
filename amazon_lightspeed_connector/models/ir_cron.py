"""Marks the start of each pass of a cron worker through the ready jobs (connector_run).

Odoo's watchdog kills a cron worker ``limit_time_real_cron`` seconds after its last ping, and
the worker pings just before it sleeps until a job is due (``WorkerCron.sleep``), so the sleep
counts against the pass. Odoo offers no way to read that moment: its ``sleep`` is wrapped to
note it (``CronPass.pinged``), and the runs of the pass count their time from there. Without
the wrapper (threaded mode has no such watchdog), a pass counts from its first job.
"""

import functools

from odoo import models
from odoo.service import server as odoo_server

from .connector_budget import CronPass


def _noting_the_ping(sleep):
    if getattr(sleep, "notes_the_ping", False):  # the module loaded again (tests, reloads)
        return sleep

    @functools.wraps(sleep)
    def sleep_after_ping(worker):
        CronPass.pinged()  # Worker._runloop pings right before it sleeps
        return sleep(worker)

    sleep_after_ping.notes_the_ping = True
    return sleep_after_ping


odoo_server.WorkerCron.sleep = _noting_the_ping(odoo_server.WorkerCron.sleep)


class IrCron(models.Model):
    _inherit = "ir.cron"

    @classmethod
    def _process_job(cls, db, cron_cr, job):
        # One cursor per pass (``_process_jobs``), and Odoo's time limit counts the whole pass:
        # the runs of every job in it share what is left (connector_budget.run_budget).
        CronPass.enter(cron_cr)
        return super()._process_job(db, cron_cr, job)
