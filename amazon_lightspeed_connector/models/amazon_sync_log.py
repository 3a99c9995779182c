import logging
from datetime import timedelta

from odoo import api, fields, models

from ..lib.redaction import redact, redact_text
from .access_guard import USER, requires

_logger = logging.getLogger(__name__)

FLOWS = [
    ("import", "Order import"),
    ("routing", "Routing"),
    ("lightspeed", "Lightspeed sales"),
    ("reference", "Reference data"),
    ("stock", "Store stock"),
    ("shipment", "Ship confirmation"),
    ("listings", "Inventory and prices"),
    ("settlement", "Settlement"),
    ("privacy", "Personal data erasure"),
    ("connection", "Connection"),
    ("after_sale", "After the sale"),
]


MAX_REFERENCE_CHARS = 250  # an index entry must fit in a PostgreSQL page, whatever was sent
KEEP_DAYS_PARAM = "amazon_lightspeed_connector.sync_log_days"
DEFAULT_KEEP_DAYS = 90


def _short_reference(reference):
    """A reference as stored: a SKU or id from outside may carry NUL or be 100 kB long."""
    if not reference:
        return reference
    text = str(reference).replace("\x00", "")
    return text if len(text) <= MAX_REFERENCE_CHARS else text[: MAX_REFERENCE_CHARS - 1] + "\u2026"


def _stored_message(message):
    """A message as ``_log_event`` stores it."""
    return redact_text(message).replace("\x00", "")


class AmazonSyncLog(models.Model):
    """One row per failed or notable event of a connector flow, for the back office to act on.

    Rows are written by the scheduled actions (as superuser), never by hand; users only mark
    them resolved. Payload excerpts are redacted before they are stored.
    """

    _name = "amazon.sync.log"
    _inherit = ["connector.flow.fields"]
    _description = "Connector Sync Log"
    _user_fields = frozenset({"resolved"})  # the rest is what the flow said
    _order = "create_date desc, id desc"
    _rec_name = "message"
    _vacuum_batch_size = 50000  # rows deleted per night at most: a backlog clears over nights

    flow = fields.Selection(FLOWS, required=True, readonly=True, index=True)
    level = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("error", "Error")],
        required=True,
        default="error",
        readonly=True,
        index=True,
    )
    reference = fields.Char(
        "External Reference",
        readonly=True,
        index=True,
        help="The identifier on the other side: Amazon order id, Lightspeed sale id, SKU...",
    )
    message = fields.Text(required=True, readonly=True)
    payload_excerpt = fields.Text(
        readonly=True,
        help="The start of the payload involved, with every credential masked.",
    )
    res_model = fields.Char("Related Document Model", readonly=True, index=True)
    res_id = fields.Many2oneReference("Related Document", model_field="res_model", readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    resolved = fields.Boolean(
        help="Tick once the cause is dealt with, to keep the open list short.",
    )

    @api.model
    @requires("read", USER)
    def _log_event(self, flow, message, level="error", reference=None, payload=None, record=None):
        """Record an event of ``flow``; ``record`` links the row to the Odoo document involved."""
        values = {
            "flow": flow,
            "level": level,
            # PostgreSQL refuses NUL in text: a hostile payload must not lose the error report
            "message": _stored_message(message),
            "reference": _short_reference(reference),
            "payload_excerpt": redact(payload).replace("\x00", "")
            if payload is not None
            else False,
        }
        if record:
            values.update(
                res_model=record._name,
                res_id=record.id,
                company_id=record["company_id"].id
                if "company_id" in record and record["company_id"]
                else self.env.company.id,
            )
        # The row is the error report; the server log only mirrors it (as a warning, so that
        # an expected failure in a run is not mistaken for a crash of the server).
        log_method = _logger.info if level == "info" else _logger.warning
        log_method("%s: %s%s", flow, reference and "[%s] " % reference or "", values["message"])
        return self.sudo().create(values)

    @api.model
    def _resolve_errors(self, flow, records, messages=None):
        """Mark resolved the open error rows of ``flow`` about ``records``: the flow just
        succeeded on them, so the cause is gone. ``messages`` (as ``_log_event`` was given them)
        narrows it to the rows that said one of them, for a record a flow fails on in several
        independent ways (one undo of an order done, another still refused)."""
        if not records:
            return self.browse()
        domain = [
            ("flow", "=", flow),
            ("level", "=", "error"),
            ("res_model", "=", records._name),
            ("res_id", "in", records.ids),
            ("resolved", "=", False),
        ]
        if messages is not None:
            domain.append(("message", "in", [_stored_message(m) for m in messages]))
        rows = self.sudo().search(domain)
        rows.write({"resolved": True})
        return rows

    @api.model
    def _logged_before(self, flow, record, message):
        """Whether ``message`` of ``flow`` about ``record`` is in the log already (resolved or
        not): for what is said once however often its cause is seen again."""
        return bool(
            self.sudo().search_count(
                [
                    ("flow", "=", flow),
                    ("res_model", "=", record._name),
                    ("res_id", "=", record.id),
                    ("message", "=", _stored_message(message)),
                ],
                limit=1,
            )
        )

    @api.autovacuum
    def _gc_old_rows(self):
        """Nightly, with Odoo's auto-vacuum: delete the rows older than the setting "Keep Sync
        Log" (``KEEP_DAYS_PARAM``; 0 keeps every row), oldest first and at most
        ``_vacuum_batch_size`` a night, so that the auto-vacuum keeps inside its time limit.
        An unresolved error stays, whatever its age: it is work still to do. Returns how many
        rows went."""
        days = self._keep_days()
        if not days:
            return 0
        # one statement rather than unlink(): nothing refers to these rows, and a busy shop
        # writes thousands a day
        self.env.cr.execute(
            """
            DELETE FROM amazon_sync_log WHERE id IN (
                SELECT id FROM amazon_sync_log
                 WHERE create_date < %s AND (resolved OR level != 'error')
                 ORDER BY id LIMIT %s)
            """,
            (fields.Datetime.now() - timedelta(days=days), self._vacuum_batch_size),
        )
        deleted = self.env.cr.rowcount
        if deleted:
            self.invalidate_model()
            _logger.info("Sync log: %s rows older than %s days deleted", deleted, days)
        return deleted

    @api.model
    def _keep_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param(KEEP_DAYS_PARAM)
        try:
            return max(0, int(value)) if value not in (None, False, "") else DEFAULT_KEEP_DAYS
        except ValueError:
            return DEFAULT_KEEP_DAYS

    @requires("read")
    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    @requires("write")
    def action_mark_resolved(self):
        self.resolved = True
