"""Marks the start of each pass of a cron worker through the ready jobs (connector_run)."""

from odoo import models

from .connector_run import CronPass


class IrCron(models.Model):
    _inherit = "ir.cron"

    @classmethod
    def _process_job(cls, db, cron_cr, job):
        # One cursor per pass (``_process_jobs``), and Odoo's time limit counts the whole pass:
        # the runs of every job in it share what is left (connector_run.run_budget).
        CronPass.enter(cron_cr)
        return super()._process_job(db, cron_cr, job)
