"""Erasing Amazon buyers' personal data (flow 9): ``amazon.order._cron_erase_personal_data``.

Amazon's Data Protection Policy allows keeping a buyer's personal data at most 30 days after
the order shipped or was cancelled. Daily, for each channel, the orders whose
``shipped_or_cancelled_date`` is older than the channel's ``pii_retention_days`` (never more
than 30) and not yet erased lose, wherever the connector copied them:

- on the Amazon order: buyer name and e-mail, recipient name and company, street lines,
  phone, and the buyer's own free text (delivery instructions, gift messages);
- on its routed orders and its sale order: every text that repeats one of those values
  (routing explanations, error messages, Lightspeed shipment notes, the sale order's note);
- on its partners (buyer and delivery contact) when nothing else uses them: name, street
  lines, phone, mobile, e-mail (``_amazon_partners_free`` says what counts as another use);
- in the chatter of all those records (message bodies, subjects, record names, tracking
  values, activities, queued e-mails) and in the sync log rows about the order.

Everything else stays: amounts, products, city, region, postal code, country, dates. Each
order is erased in its own savepoint (one bad record never stops the batch) and the run
commits after each chunk, so a crash loses at most one chunk, which the next run takes again:
an erased order is marked by ``pii_erased_date`` and never selected twice.

Which date counts as "shipped or cancelled": ``shipped_or_cancelled_date``, set once, when the
import first reads the order Shipped or Cancelled, to Amazon's LastUpdateDate of that read
(the moment Amazon changed the status), or earlier when every routed part of the order has a
ship date of its own (the parcel left before Amazon heard of it). Later updates by Amazon
(refunds, adjustments) never move it, so they cannot postpone the erasure past 30 days.
Orders stored before the field existed fall back to ``cancelled_date``, else LastUpdateDate.
"""

import logging
from datetime import timedelta

from markupsafe import Markup
from odoo import _, api, fields, models
from odoo.tools import split_every

from ..lib import privacy
from ..lib.amazon import order_data
from .amazon_order import NO_MAIL
from .connector_run import ConnectorRun

_logger = logging.getLogger(__name__)

CLOSED_STATUSES = (order_data.SHIPPED, order_data.CANCELED)
ORDER_FIELDS = {
    "buyer_name": privacy.NAME,
    "buyer_email": privacy.EMAIL,
    "ship_name": privacy.NAME,
    # a private buyer often types their own name there; a business name is not needed after
    # shipment either
    "ship_company": privacy.NAME,
    "ship_street": privacy.STREET,
    "ship_street2": privacy.STREET,
    "ship_phone": privacy.PHONE,
}
# Free text the buyer typed: replaced whole, since nobody can tell what it mentions.
ORDER_FREE_TEXT = ("buyer_note",)
LINE_FREE_TEXT = ("gift_message",)
# Identifiers and tokens, never personal: not scrubbed even if a short name matched inside.
NOT_SCRUBBED = frozenset(
    ("name", "access_token", "client_order_ref", "reference", "origin", "lightspeed_sale_id")
)
ERASING = "amazon_privacy_erasing"


class AmazonOrderPrivacy(models.Model):
    _inherit = "amazon.order"

    _erase_chunk_size = 100  # orders per transaction
    _erase_batch_size = 1000  # per scheduled run; the cron worker runs it again while more are due

    shipped_or_cancelled_date = fields.Datetime(
        "Shipped or Cancelled On",
        readonly=True,
        copy=False,
        index=True,
        help="When Amazon's status first read Shipped or Cancelled (Amazon's update time of "
        "that status, or the ship date of the routed parts when earlier). The buyer's personal "
        "data is erased the channel's retention days after it.",
    )
    pii_erasure_date = fields.Datetime(
        "Personal Data Erased On",
        compute="_compute_pii_erasure_date",
        help="When the buyer's personal data will be (or was due to be) erased.",
    )
    pii_erased_date = fields.Datetime(
        "Personal Data Erased",
        readonly=True,
        copy=False,
        index=True,
        help="When the buyer's name, street lines, phone and e-mail were replaced with \"Amazon "
        'Replaced" here and wherever the connector copied them. Amounts, products, city, '
        "region, postal code and country are kept.",
    )

    pii_erasure_error = fields.Char(
        "Erasure Error",
        readonly=True,
        copy=False,
        help="Why the last erasure of the buyer's personal data failed (see the sync log). "
        "Every daily run tries again, after the orders that never failed.",
    )

    @api.depends("shipped_or_cancelled_date", "account_id.pii_retention_days")
    def _compute_pii_erasure_date(self):
        for order in self:
            closed = order._closed_date()
            order.pii_erasure_date = (
                closed + timedelta(days=order.account_id._pii_retention_days())
                if closed and order.status in CLOSED_STATUSES
                else False
            )

    # --- the closing date, and erased orders staying erased ------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders._mark_closed()
        return orders

    def write(self, vals):
        result = super().write(vals)
        if "status" in vals:
            self._mark_closed()
        if not self.env.context.get(ERASING):
            # Amazon re-read an erased order (a refund, a late update): what it sent back
            # must not undo the erasure
            reread = self.filtered("pii_erased_date")
            if reread and set(vals) & (set(ORDER_FIELDS) | set(ORDER_FREE_TEXT) | {"line_ids"}):
                reread._erase_order_fields()
        return result

    def _mark_closed(self):
        for order in self:
            if order.status in CLOSED_STATUSES and not order.shipped_or_cancelled_date:
                order.shipped_or_cancelled_date = order._status_date()

    def _status_date(self):
        """Amazon's date of the Shipped/Cancelled status; the routed parts' ship date when
        every part has one and the latest is earlier."""
        amazon_date = self.last_update_date or self.cancelled_date or fields.Datetime.now()
        parts = self.routed_order_ids.filtered(lambda r: r.state != "voided")
        if self.status == order_data.SHIPPED and parts and "ship_date" in parts._fields:
            ship_dates = parts.mapped("ship_date")
            if all(ship_dates):
                return min(amazon_date, max(ship_dates))
        return amazon_date

    def _closed_date(self):
        return self.shipped_or_cancelled_date or self.cancelled_date or self.last_update_date

    # --- the scheduled action -----------------------------------------------------------------

    @api.model
    def _cron_erase_personal_data(self, chunk_size=None, limit=None):
        """Erase up to ``limit`` due orders of every channel, a chunk per transaction; one info
        row per channel says how many. Returns how many were erased.

        The cron worker is told what was done and what is still due, and runs the action again
        at once while orders are due: a backlog larger than ``limit`` is erased the same day.
        Orders whose erasure failed before are not counted as due (they would fail again at
        once): each run takes them after the others, with what is left of ``limit``.
        """
        chunk_size = chunk_size or self._erase_chunk_size
        limit = self._erase_batch_size if limit is None else limit
        accounts = self.env["amazon.account"].with_context(active_test=False).search([])
        batches = self._erasure_batches(accounts, limit)
        total = remaining = 0
        run = ConnectorRun(self.env)
        for account in accounts:
            erased = 0
            for ids in run.items(split_every(chunk_size, batches.get(account, self.browse()).ids)):
                erased += self.browse(ids)._erase_personal_data()
                run.commit()
            if erased:
                self.env["amazon.sync.log"]._log_event(
                    "privacy",
                    _(
                        "%(account)s: the buyers' personal data of %(count)s shipped or "
                        "cancelled order(s) was erased (retention %(days)s days).",
                        account=account.name,
                        count=erased,
                        days=account._pii_retention_days(),
                    ),
                    level="info",
                    record=account,
                )
                run.commit()
            total += erased
            remaining += self.search_count(
                self._erasure_domain(account) + [("pii_erasure_error", "=", False)]
            )
        # an attempted order counts as done even when it fails: it leaves the due orders that
        # never failed, so their count shrinks every run and the catch-up always ends
        attempted = sum(len(batch) for batch in batches.values())
        if run.stop_kind == "budget":  # the rest of the batches go with the next run, now
            run.schedule("amazon_lightspeed_connector.ir_cron_amazon_erase_personal_data")
        run.report(attempted, remaining)
        return total

    @api.model
    def _erasure_batches(self, accounts, limit):
        """``{account: orders}`` to erase this run, at most ``limit`` in all: the due orders
        that never failed first (every channel), then those whose erasure failed before."""
        batches = {}
        for failed_before in (False, True):
            for account in accounts:
                if limit <= 0:
                    return batches
                found = self.search(
                    self._erasure_domain(account)
                    + [("pii_erasure_error", "!=" if failed_before else "=", False)],
                    order="id",
                    limit=limit,
                )
                batches[account] = batches.get(account, self.browse()) | found
                limit -= len(found)
        return batches

    @api.model
    def _erasure_domain(self, account, now=None):
        """The channel's orders shipped or cancelled more than its retention days ago and not
        erased yet."""
        limit = (now or fields.Datetime.now()) - timedelta(days=account._pii_retention_days())
        return [
            ("account_id", "=", account.id),
            ("pii_erased_date", "=", False),
            ("status", "in", CLOSED_STATUSES),
            "|",
            ("shipped_or_cancelled_date", "<=", limit),
            "&",
            ("shipped_or_cancelled_date", "=", False),
            "|",
            ("cancelled_date", "<=", limit),
            "&",
            ("cancelled_date", "=", False),
            ("last_update_date", "<=", limit),
        ]

    # --- one order ----------------------------------------------------------------------------

    def _erase_personal_data(self):
        """Erase each order in its own savepoint; returns how many were erased. A failure is
        logged (without the personal data) and the order is taken again by the next run."""
        erased = 0
        for order in self:
            try:
                with self.env.cr.savepoint():
                    order._erase_one()
                self.env["amazon.sync.log"]._resolve_errors("privacy", order)
                erased += 1
            except Exception as error:  # one bad record never stops the batch
                _logger.warning("Amazon order %s: erasure failed", order.name, exc_info=True)
                # the type only: the message may quote the very data being erased
                order.with_context(**{ERASING: True}).sudo().pii_erasure_error = _(
                    "The erasure failed (%s); the next daily run tries again.",
                    type(error).__name__,
                )
                self.env["amazon.sync.log"]._log_event(
                    "privacy",
                    _(
                        "Amazon order %(order)s: the buyer's personal data could not be "
                        "erased (%(error)s); the next run tries again.",
                        order=order.name,
                        error=type(error).__name__,
                    ),
                    level="error",
                    reference=order.name,
                    record=order,
                )
        return erased

    def _erase_one(self):
        self.ensure_one()
        sales = self.sale_order_id
        partners = (
            self.partner_id
            | sales.partner_id
            | sales.partner_invoice_id
            | sales.partner_shipping_id
        )
        partners |= partners.parent_id.filtered("amazon_buyer")
        free = self.env["res.partner"]._amazon_partners_free(partners, self)
        secrets = self._personal_values(partners)
        related = {
            "amazon.order": self,
            "amazon.routed.order": self.routed_order_ids,
            "sale.order": sales,
            "account.move": sales.invoice_ids,
            "stock.picking": sales.picking_ids,
            "res.partner": free,
        }
        self._erase_order_fields()
        _scrub_text_fields(self.routed_order_ids, secrets)
        _scrub_text_fields(sales, secrets)
        free._amazon_erase()
        self._scrub_chatter(related, secrets)
        self._scrub_sync_logs(related, secrets)
        self.with_context(**{ERASING: True}).sudo().write(
            {"pii_erased_date": fields.Datetime.now(), "pii_erasure_error": False}
        )

    def _personal_values(self, partners):
        """Every personal string to hunt down in free text about this order."""
        values = privacy.personal_values(self.read(list(ORDER_FIELDS))[0], ORDER_FIELDS)
        values += [self[name] for name in ORDER_FREE_TEXT if self[name]]
        values += [line[name] for line in self.line_ids for name in LINE_FREE_TEXT if line[name]]
        for record in partners.sudo().read(list(privacy.PARTNER_FIELDS)):
            values += privacy.personal_values(record, privacy.PARTNER_FIELDS)
        return [v for v in dict.fromkeys(values) if not privacy.is_erased(v)]

    def _erase_order_fields(self):
        """Replace the order's (and its lines') personal fields; the rest is kept."""
        Erasing = {ERASING: True, **NO_MAIL}
        for order in self.sudo().with_context(**Erasing):
            values = privacy.erase_fields(order.read(list(ORDER_FIELDS))[0], ORDER_FIELDS)
            values.update(_replaced_text(order, ORDER_FREE_TEXT))
            if values:
                order.write(values)
            for line in order.line_ids:
                line_values = _replaced_text(line, LINE_FREE_TEXT)
                if line_values:
                    line.write(line_values)

    def _scrub_chatter(self, related, secrets):
        """Message bodies, subjects, record names, tracking values, activities and queued
        e-mails of every record the order's data reached."""
        Message = self.env["mail.message"].sudo()
        messages = Message
        activities = self.env["mail.activity"].sudo()
        for model, records in related.items():
            if not records:
                continue
            messages |= Message.search([("model", "=", model), ("res_id", "in", records.ids)])
            activities |= activities.search(
                [("res_model", "=", model), ("res_id", "in", records.ids)]
            )
        quiet = {**NO_MAIL, ERASING: True}
        _scrub_fields(messages.with_context(**quiet), ("body", "subject", "record_name"), secrets)
        trackings = messages.tracking_value_ids.with_context(**quiet)
        _scrub_fields(
            trackings,
            ("old_value_char", "new_value_char", "old_value_text", "new_value_text"),
            secrets,
        )
        _scrub_fields(activities.with_context(**quiet), ("summary", "note"), secrets)
        if messages:
            mails = self.env["mail.mail"].sudo().search([("mail_message_id", "in", messages.ids)])
            _scrub_fields(mails.with_context(**quiet), ("body_html", "email_to"), secrets)

    def _scrub_sync_logs(self, related, secrets):
        """Sync log rows about the order: by reference, by linked record, or naming it."""
        names = [self.name] + self.routed_order_ids.mapped("name")
        domain = ["|", ("reference", "in", names), ("message", "ilike", self.name)]
        for model, records in related.items():
            if records:
                link = ["&", ("res_model", "=", model), ("res_id", "in", records.ids)]
                domain = ["|"] + link + domain
        logs = self.env["amazon.sync.log"].sudo().search(domain)
        _scrub_fields(logs, ("message", "payload_excerpt"), secrets)


class AmazonAccountPrivacy(models.Model):
    _inherit = "amazon.account"

    def _pii_retention_days(self):
        """The channel's retention, never more than Amazon's 30 days whatever was stored."""
        return min(
            self.pii_retention_days or privacy.MAX_RETENTION_DAYS, privacy.MAX_RETENTION_DAYS
        )


def _replaced_text(record, names):
    return {
        name: privacy.REPLACEMENT
        for name in names
        if record[name] and record[name] != privacy.REPLACEMENT
    }


def _scrub_text_fields(records, secrets):
    """Scrub every stored text field of ``records`` a user or a flow can write (a related
    field would write elsewhere, a read-only computed one is derived from what is scrubbed),
    identifiers and tokens apart."""
    if not records or not secrets:
        return
    names = [
        name
        for name, field in records._fields.items()
        if field.type in ("char", "text", "html")
        and field.store
        and not field.related
        and (not field.compute or not field.readonly)
        and name not in NOT_SCRUBBED
    ]
    _scrub_fields(records.sudo().with_context(**NO_MAIL, **{ERASING: True}), names, secrets)


def _scrub_fields(records, names, secrets):
    """Write back each value of ``names`` that held a personal value, scrubbed."""
    if not records or not secrets:
        return
    scrub = privacy.scrubber(secrets)
    for record in records:
        values = {}
        for name in names:
            value = record[name]
            if not value or not isinstance(value, str):
                continue
            scrubbed = scrub(str(value))
            if scrubbed != str(value):
                # an HTML value stays HTML (Markup), plain text stays plain
                values[name] = Markup(scrubbed) if isinstance(value, Markup) else scrubbed
        if values:
            record.write(values)
