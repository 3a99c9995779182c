"""What the API pacers know, kept per account in the database for the next run and worker.

Every scheduled run builds a new client. Without this table its pacer would start blind: an
empty Lightspeed bucket, a full burst of Amazon tokens, and the first calls after a busy run
would meet a 429. Each answer's view of the quota (``lib`` pacers' ``snapshot()``) is saved
here at once, in a short transaction of its own, and the next client starts from it
(``restore()``).

The row is keyed by model and id, not by a foreign key, so saving it never locks an account
row that a running transaction writes. Two workers saving at once never wait for each other:
the second one finds the row locked (NOWAIT) and skips its save; its next answer saves again.
Their views are merged by the rule of the service (``_MERGE``).
"""

import json
import logging

from odoo import api, fields, models
from psycopg2 import errors as pg_errors

from ..lib.amazon.pacing import merge_snapshots
from ..lib.lightspeed.pacing import newer_snapshot
from .connector_run import lock_rows

_logger = logging.getLogger(__name__)

# How two saved views of one account's quota combine (``now``: the saving worker's clock).
_MERGE = {
    "amazon.account": merge_snapshots,
    "lightspeed.account": lambda stored, ours, now: newer_snapshot(stored, ours),
}
# Another worker saving the same row, or a row updated since this transaction began: skip.
_BUSY = (pg_errors.LockNotAvailable, pg_errors.SerializationFailure, pg_errors.UniqueViolation)

_READ = "SELECT state FROM connector_pacing_state WHERE res_model = %s AND res_id = %s"
_UPSERT = """
    INSERT INTO connector_pacing_state (res_model, res_id, state, create_date, write_date)
    VALUES (%s, %s, %s, now() at time zone 'UTC', now() at time zone 'UTC')
    ON CONFLICT (res_model, res_id)
    DO UPDATE SET state = EXCLUDED.state, write_date = EXCLUDED.write_date
"""


class ConnectorPacingState(models.Model):
    _name = "connector.pacing.state"
    _description = "API Pacing State"

    res_model = fields.Char("Account Model", required=True, readonly=True)
    res_id = fields.Many2oneReference("Account", model_field="res_model", required=True)
    state = fields.Text(
        readonly=True,
        help="What the pacer of this account last knew of the service's quota (JSON).",
    )

    _sql_constraints = [
        ("account_unique", "UNIQUE(res_model, res_id)", "One pacing state per account."),
    ]

    @api.model
    def _load(self, account):
        """The snapshot last saved for ``account`` (an amazon or lightspeed account), or None."""
        with self.env.registry.cursor() as cr:  # what other workers committed since we began
            cr.execute(_READ, (account._name, account.id))
            row = cr.fetchone()
        try:
            return json.loads(row[0]) if row and row[0] else None
        except ValueError:
            return None

    @api.model
    def _save(self, account, snapshot, now):
        """Keep ``snapshot`` for ``account``, merged with what another worker saved meanwhile.

        Its own transaction, committed at once; when another worker holds the row, nothing
        is saved (its view is as recent, and the next answer saves again). Never raises for
        a database conflict: pacing is advice, the run goes on.
        """
        merge = _MERGE[account._name]
        try:
            with self.env.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '1s'")
                lock_rows(cr, _READ + " FOR UPDATE NOWAIT", (account._name, account.id))
                row = cr.fetchone()
                stored = _json(row[0]) if row else None
                state = merge(stored, snapshot, now)
                cr.execute(_UPSERT, (account._name, account.id, json.dumps(state)))
        except _BUSY:
            _logger.debug("Pacing state of %s saved by another worker meanwhile", account)

    @api.model
    def _keep(self, account, pacer):
        """Start ``pacer`` from what is known of ``account``'s quota, and save every answer."""
        pacer.restore(self._load(account))
        model = self.sudo()
        account_ref = account.sudo()
        pacer.listener = lambda snapshot: model._save(account_ref, snapshot, pacer.clock.now())


def _json(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
