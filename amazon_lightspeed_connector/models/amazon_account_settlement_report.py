"""One settlement report of a channel read and stored (step 2 of ``amazon_account_settlement``):
downloaded, parsed, stored with one line per amount row (matched to an order, refund, about the
account, or unmatched), then its open orders booked. A report that cannot be read or booked is
stored in error with the reason; reading it again by hand is the report's Retry.
"""

import logging

import psycopg2
from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib.amazon.settlement import match_settlement, parse_report_date, parse_settlement_report
from ..lib.errors import ConnectorError, PayloadError, PermanentError, ThrottledError
from .amazon_order import _naive_utc

_logger = logging.getLogger(__name__)


class AmazonAccount(models.Model):
    _inherit = "amazon.account"

    def _process_settlement_report(self, report_id, info=None, client=None):
        """Read (or read again) one report and book it; returns its amazon.settlement.

        Throttling and server errors propagate (the run stops, the cursor stays); a report
        that cannot be read is stored in error.
        """
        self.ensure_one()
        Settlement = self.env["amazon.settlement"]
        settlement = Settlement.search(
            [("account_id", "=", self.id), ("report_id", "=", report_id)]
        )
        if settlement and settlement.state != "error":
            settlement._book_open_orders()
            return settlement
        document_id = info.document_id if info else settlement.report_document_id
        values = {
            "account_id": self.id,
            "report_id": report_id,
            "report_document_id": document_id,
            "report_created": _naive_utc(parse_report_date(info.created or ""))
            if info and info.created
            else settlement.report_created,
        }
        owned = client is None
        try:
            client = client or self._settlement_client()
            if not document_id:
                raise PayloadError(_("Amazon listed report %s without a document.", report_id))
            text = client.download_report(document_id)
            report = parse_settlement_report(text)
        except PermanentError as error:
            # unreadable, or refused for this report only (e.g. a document Amazon no longer
            # has): reading it again would not help, so it is an error and the run goes on
            if not isinstance(error, PayloadError) and error.status in (401, 403):
                raise
            return self._settlement_error(settlement, values, error)
        except ConnectorError as error:
            if settlement and not isinstance(error, ThrottledError):
                settlement.error_message = str(error)
            raise
        finally:
            if owned and client is not None:
                client.close()
        try:
            with self.env.cr.savepoint():
                settlement = self._store_settlement(settlement, values, report)
                settlement._book_open_orders()
                settlement._log_rows_not_booked()
        except psycopg2.OperationalError:
            raise
        except Exception as error:  # the report must end as a clear error, not a crash
            _logger.warning("Settlement report %s could not be booked", report_id, exc_info=True)
            return self._settlement_error(
                settlement.exists() if settlement else settlement,
                values,
                PermanentError(
                    _(
                        "The settlement report could not be booked: %(error)s",
                        error="%s: %s" % (type(error).__name__, error),
                    )
                ),
            )
        return settlement

    def _store_settlement(self, settlement, values, report):
        summary = report.summary
        if not settlement:
            duplicate = self.env["amazon.settlement"].search(
                [("account_id", "=", self.id), ("name", "=", summary.settlement_id)]
            )
            if duplicate:
                raise UserError(
                    _(
                        "Settlement %(settlement)s was already read from report %(report)s.",
                        settlement=summary.settlement_id,
                        report=duplicate.report_id,
                    )
                )
        currency = self.env["amazon.order"]._currency(summary.currency)
        values = dict(
            values,
            name=summary.settlement_id,
            start_date=_naive_utc(summary.start),
            end_date=_naive_utc(summary.end),
            deposit_date=_naive_utc(summary.deposit_date),
            currency_id=currency.id,
            total_amount=float(summary.total_amount),
            state="to_check",
            error_message=False,
            line_ids=[fields.Command.clear()]
            + [fields.Command.create(v) for v in self._settlement_line_values(report.rows)],
        )
        if settlement:
            settlement.write(values)
            self.env["amazon.sync.log"]._resolve_errors("settlement", settlement)
        else:
            settlement = self.env["amazon.settlement"].create(values)
        if not report.is_balanced:
            settlement._log(
                _(
                    "Settlement %(settlement)s: the rows add up to %(rows)s, Amazon's total is "
                    "%(total)s. Rows may be missing from the file.",
                    settlement=summary.settlement_id,
                    rows=report.rows_total(),
                    total=summary.total_amount,
                ),
                "warning",
            )
        return settlement

    def _settlement_line_values(self, rows):
        """Line values of every row, sorted into matched (open), refund, account, unmatched."""
        order_ids = {row.order_id for row in rows if row.order_id}
        orders = self.env["amazon.order"].search(
            [("account_id", "=", self.id), ("name", "in", list(order_ids))]
        )
        by_name = {order.name: order for order in orders}
        known = {order.name: set(order.line_ids.mapped("seller_sku")) for order in orders}
        match = match_settlement(rows, known)
        unmatched = {item.row.line: item.reason for item in match.unmatched}
        values = []
        for row in rows:
            if not row.order_id:
                state, note = "account", _("About the seller account, not an order.")
            elif row.line in unmatched:
                state, note = "unmatched", unmatched[row.line]
            elif row.is_refund:
                state, note = "refund", _("Refunds are booked by hand (credit note).")
            else:
                state, note = "open", False
            values.append(
                {
                    "line_number": row.line,
                    "transaction_type": row.transaction_type,
                    "order_reference": row.order_id or False,
                    "sku": row.sku or False,
                    "amount_type": row.amount_type,
                    "amount_description": row.amount_description,
                    "category": row.category,
                    "amount": float(row.amount),
                    "quantity": row.quantity or 0,
                    "adjustment_id": row.adjustment_id or False,
                    "posted_date": _naive_utc(row.posted),
                    "amazon_order_id": by_name[row.order_id].id
                    if row.order_id in by_name
                    else False,
                    "state": state,
                    "note": note,
                }
            )
        return values

    def _settlement_error(self, settlement, values, error):
        values = dict(values, state="error", error_message=str(error))
        if settlement:
            settlement.write(values)
        else:
            settlement = self.env["amazon.settlement"].create(values)
        settlement._log(
            _(
                "Settlement report %(report)s could not be read: %(error)s",
                report=values["report_id"],
                error=error,
            ),
            "error",
            payload=error.payload,
        )
        return settlement
