"""Undoing a routed order's Lightspeed sale after the sale: a void or a refund sale.

One ``amazon.sale.reversal`` per undo the connector owes Lightspeed: Amazon cancelled the
order (all of it, or one item) after it was sent, or refunded a return the channel restocks.
It is created in the transaction that decides it, with its number (the refund sale's
reference is the original's plus "-R<number>"), and done by the scheduled action
``_cron_reverse_in_lightspeed``, each in its own savepoint:

- an open sale (never completed) is voided; a void read back as done is done;
- a completed sale gets a refund sale at the shop that shipped (or the channel's returns
  store), returning the units of the reversal (``lib/lightspeed/refunds``); the reference is
  looked up before any POST, so a worker killed after the write or a lost answer never makes
  a second refund sale.

Throttling, an unreachable Lightspeed or refused credentials leave the rest for the next run;
Lightspeed's refusal is an error on the reversal, in the sync log, and waits for Retry. Retry
(and "Undo in Lightspeed now" on the routed order) runs a button's short run and says what it
left to the scheduled action and when that runs, as every button does (``_run_notification``).
"""

import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.errors import AuthError, ConnectorError, ThrottledError, TransientError
from ..lib.lightspeed.refunds import (
    NOTHING,
    REFUND,
    VOID,
    RefundRequest,
    after_sale_action,
    refund_payload,
    send_refund,
    void_sale,
)
from ..lib.lightspeed.sale_reader import read_sale_detail, refund_reference
from ..lib.lightspeed.sale_sender import complete_sale
from .access_guard import USER, requires
from .amazon_routed_order_lightspeed import SendRun
from .connector_run import CONFLICTS, ConnectorRun, button_env, lock_rows

_logger = logging.getLogger(__name__)

CRON_XMLID = "amazon_lightspeed_connector.ir_cron_lightspeed_reverse_sales"


class ReverseRun(ConnectorRun):
    SERVICE = "Lightspeed"

    def figures(self):
        return self.env._(
            "%(done)s undone in Lightspeed, %(error)s refused by Lightspeed, %(busy)s taken by "
            "another worker.",
            **self.counts,
        )


class AmazonSaleReversal(models.Model):
    _name = "amazon.sale.reversal"
    _inherit = ["connector.flow.fields"]
    _description = "Lightspeed Sale Reversal"
    _order = "id desc"
    _check_company_auto = True

    _reversal_batch_size = 100  # reversals per scheduled call

    routed_order_id = fields.Many2one(
        "amazon.routed.order",
        "Routed Order",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="routed_order_id.company_id", store=True, index=True)
    account_id = fields.Many2one(related="routed_order_id.account_id", store=True)
    number = fields.Integer(readonly=True, required=True, help="The n of the refund's -R<n>.")
    reason = fields.Selection(
        [("cancellation", "Cancelled by Amazon"), ("return", "Returned and refunded")],
        required=True,
        readonly=True,
    )
    units_json = fields.Text(
        "Units",
        readonly=True,
        help="Product id -> units to return, as JSON; empty: the whole sale (every line, "
        "charges too).",
    )
    units_summary = fields.Char("Returned", compute="_compute_units_summary")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Restock at",
        readonly=True,
        check_company=True,
        help="The store whose register makes the refund sale (its stock comes back there); "
        "empty: the store that shipped.",
    )
    state = fields.Selection(
        [("to_do", "To do"), ("done", "Done"), ("error", "Error")],
        default="to_do",
        required=True,
        readonly=True,
        index=True,
    )
    action = fields.Selection(
        [("void", "Sale voided"), ("refund", "Refund sale"), ("nothing", "Nothing to undo")],
        readonly=True,
        help="What was done in Lightspeed.",
    )
    reference = fields.Char("Refund Reference", readonly=True, index=True)
    refund_sale_id = fields.Char("Refund Sale ID", readonly=True, copy=False)
    returned_lines_json = fields.Text(
        readonly=True, help="saleLineID -> units this refund sale returned, as JSON."
    )
    event_key = fields.Char(
        readonly=True,
        index=True,
        help="The Amazon refund this reversal books (order/SKU/adjustment): booked once.",
    )
    error_message = fields.Text(readonly=True)
    done_date = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("number_unique", "UNIQUE(routed_order_id, number)", "A refund number is used once."),
        ("event_unique", "UNIQUE(routed_order_id, event_key)", "An Amazon refund is booked once."),
    ]

    @api.depends("units_json")
    def _compute_units_summary(self):
        for reversal in self:
            units = reversal._units()
            if units is None:
                reversal.units_summary = _("Everything")
                continue
            products = self.env["product.product"].browse(list(units))
            reversal.units_summary = ", ".join(
                "%s x %s" % (units[p.id], p.display_name) for p in products
            )

    def _units(self):
        """{product id: units}, or None for the whole sale."""
        if not self.units_json:
            return None
        return {int(product_id): units for product_id, units in json.loads(self.units_json).items()}

    # --- creating -----------------------------------------------------------------------------

    @api.model
    def _owe(self, routed, reason, units=None, warehouse=None, event_key=None):
        """Record an undo ``routed`` owes Lightspeed (None: the whole sale); wake the action."""
        routed.ensure_one()
        if event_key and self.sudo().search_count(
            [("routed_order_id", "=", routed.id), ("event_key", "=", event_key)]
        ):
            return self.browse()
        last = self.sudo().search(
            [("routed_order_id", "=", routed.id)], order="number desc", limit=1
        )
        reversal = self.sudo().create(
            {
                "routed_order_id": routed.id,
                "number": last.number + 1,
                "reason": reason,
                "units_json": json.dumps(units, sort_keys=True) if units is not None else False,
                "warehouse_id": warehouse.id if warehouse else False,
                "event_key": event_key,
            }
        )
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
        return reversal

    # --- buttons ------------------------------------------------------------------------------

    @requires("write", USER)
    def action_retry(self):
        """Lightspeed refused it; the cause is fixed: try again (same reference)."""
        failed = self.filtered(lambda r: r.state == "error")
        if not failed:
            raise UserError(_("Only reversals in error can be retried."))
        return failed._reverse_now()

    def _reverse_now(self):
        """A button's short run of these reversals (those in error go back to do); what it
        could not do now is handed to the scheduled action, and the notification says so."""
        reversals = self.sudo()
        # the refusal's message stays until the undo is done: then its sync-log row is resolved
        reversals.filtered(lambda r: r.state == "error").write({"state": "to_do"})
        run = ReverseRun(button_env(reversals.env))
        reversals.with_env(run.env)._reverse(run)
        reversals.invalidate_recordset(["state"])
        queued = len(reversals.filtered(lambda r: r.state == "to_do"))
        return self.env["amazon.account"]._run_notification(
            run, CRON_XMLID, trouble=run.counts["error"] or queued, queued=queued
        )

    # --- the scheduled action -----------------------------------------------------------------

    @api.model
    def _cron_reverse_in_lightspeed(self):
        due = self.sudo().search(
            [("state", "=", "to_do")], order="id", limit=self._reversal_batch_size
        )
        run = ReverseRun(self.env)
        done = due._reverse(run)
        remaining = self.sudo().search_count([("state", "=", "to_do")]) if done == len(due) else 0
        if run.next_run_at():  # the time is up, or Lightspeed's bucket needs time
            run.schedule(CRON_XMLID)
            remaining = self.sudo().search_count([("state", "=", "to_do")])
        run.report(done, remaining)
        return True

    def _reverse(self, run=None):
        """Do these reversals, per Lightspeed account, within the run's budget; the number
        handled."""
        run = run or ReverseRun(self.env)
        handled = 0
        Log = self.env["amazon.sync.log"].sudo()
        for account in self.routed_order_id.lightspeed_account_id:
            mine = self.filtered(lambda r, a=account: r.routed_order_id.lightspeed_account_id == a)
            try:
                client = account._lightspeed_client()
            except UserError as error:
                Log._log_event("after_sale", str(error), reference=account.name)
                continue
            run.limit_waits(client.pacer)
            for reversal in run.items(mine, client.pacer):
                if not reversal._lock_row():
                    run.counts["busy"] += 1  # another worker is doing it
                    continue
                try:
                    with self.env.cr.savepoint():
                        reversal._reverse_one(client)
                except CONFLICTS:
                    run.counts["busy"] += 1  # another worker: the next run does it
                    continue
                except (ThrottledError, TransientError, AuthError) as error:
                    run.stop(error)
                    Log._log_event(
                        "after_sale",
                        _(
                            "%(name)s: left for the next run: %(error)s",
                            name=reversal.routed_order_id.name,
                            error=error,
                        ),
                        level="warning",
                        reference=reversal.routed_order_id.name,
                    )
                    break
                except (ConnectorError, ValueError) as error:
                    reversal._fail(error)
                    run.counts["error"] += 1
                else:
                    run.counts["done"] += 1
                handled += 1
                run.commit()
        return handled

    def _lock_row(self):
        self.flush_recordset(["state"])
        lock_rows(
            self.env.cr,
            "SELECT id FROM amazon_sale_reversal WHERE id = %s AND state = 'to_do' "
            "FOR UPDATE SKIP LOCKED",
            (self.id,),
        )
        return bool(self.env.cr.fetchone())

    def _reverse_one(self, client):
        routed = self.routed_order_id
        sale_id = int(routed.lightspeed_sale_id)
        original = read_sale_detail(client, sale_id)
        action = after_sale_action(original)
        if action == VOID and self._units() is not None:
            # one item of an open sale: voiding would take the items that still ship out of
            # the store too, and the connector never edits an open sale's lines. The sale is
            # completed (its stock drops now rather than at shipping) and the item refunded.
            # Its ShipTo stays unshipped: the other items are still in the store's to-ship list.
            completion = complete_sale(client, sale_id, shipped=False)
            routed.write(routed._sale_completion_values(True, completion.completed_at))
            original = read_sale_detail(client, sale_id)
            action = after_sale_action(original)
        if original.completed and not routed.lightspeed_sale_completed:
            # completed by an earlier try whose worker died before its commit, or in the store
            routed.write(routed._sale_completion_values(True, original.completed_at))
        values = {"state": "done", "action": action, "done_date": fields.Datetime.now()}
        if action == REFUND:
            payload = refund_payload(self._refund_request(original, client))
            result = send_refund(client, payload)
            returned = {
                str(line["parentSaleLineID"]): -line["unitQuantity"]
                for line in payload["SaleLines"]["SaleLine"]
            }
            values.update(
                refund_sale_id=str(result.sale_id),
                reference=payload["referenceNumber"],
                returned_lines_json=json.dumps(returned, sort_keys=True),
            )
        elif action != NOTHING:  # an open sale: nothing moved yet, void it whole
            if self.reason == "return":
                raise ValueError(
                    _("Lightspeed sale %s is still open: nothing shipped, nothing to restock.")
                    % sale_id
                )
            void_sale(client, sale_id)
        if self.error_message:  # Lightspeed refused it before: that error is dealt with now
            self.env["amazon.sync.log"].sudo()._resolve_errors(
                "after_sale", routed, [self._failure_message(self.error_message)]
            )
            values["error_message"] = False
        self.write(values)
        routed._after_reversal(self)

    def _refund_request(self, original, client):
        routed = self.routed_order_id
        units = self._units()
        item_units = None
        if units is not None:
            run = SendRun(routed.lightspeed_account_id, client)
            item_ids = routed._lightspeed_item_ids(run)
            item_units = {}
            for product_id, quantity in units.items():
                if product_id not in item_ids:
                    raise ValueError(_("No Lightspeed item for product %s", product_id))
                item_id = item_ids[product_id]
                item_units[item_id] = item_units.get(item_id, 0) + quantity
        warehouse = self.warehouse_id
        register = warehouse.lightspeed_register_id
        return RefundRequest(
            original=original,
            reference_number=refund_reference(original.reference_number, self.number),
            units=item_units,
            shop_id=int(warehouse.lightspeed_shop_id) if warehouse.lightspeed_shop_id else 0,
            register_id=int(register.lightspeed_id) if register.lightspeed_id else 0,
            include_charges=units is None,
            note=_(
                "%(reason)s: Amazon order %(order)s",
                reason=dict(self._fields["reason"].selection)[self.reason],
                order=routed.amazon_order_id.name,
            ),
            returned=routed._lightspeed_units_returned(exclude=self),
        )

    def _failure_message(self, error):
        return "%s: %s" % (self.routed_order_id.name, error)

    def _fail(self, error):
        self.write({"state": "error", "error_message": str(error)})
        self.env["amazon.sync.log"].sudo()._log_event(
            "after_sale",
            self._failure_message(error),
            reference=self.routed_order_id.name,
            record=self.routed_order_id,
            payload=getattr(error, "payload", None),
        )
