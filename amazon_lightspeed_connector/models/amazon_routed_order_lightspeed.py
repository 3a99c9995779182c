"""Routed orders written into Lightspeed as Sales (flow 4), and shipped (flow 5).

Sending (the scheduled action ``_cron_send_to_lightspeed``, the "Send to Lightspeed now" and
"Retry" buttons): the routed orders to send are grouped by Lightspeed account, one client (one
paced bucket, one customer cache) per account and run. Before the first POST, one batch search
by referenceNumber (a GET per hundred orders) finds the sales an earlier run wrote but could
not record (a crash between the POST and the commit); those are adopted, never written twice.
Each routed order then, in its own savepoint under its row lock (``FOR UPDATE SKIP LOCKED``,
so two workers never send the same one):

1. its SaleRequest is built from the Amazon order and the routed lines: Lightspeed item per
   product (the store's stock row, else any stock row of the account, else a search by the
   account's item key), customer by e-mail, the register (``_sale_register``), the channel's
   employee and payment type (the payment mapping first), shipping as a line or a note, the
   shipment notes;
2. ``send_sale`` writes it (one POST; a lost answer is looked up by referenceNumber before any
   retry);
3. the sale id and state "sent" are written and committed together (never in tests); the
   local stock drops at once for a completed sale, so routing does not promise the same units
   again before the next stock refresh. An open sale ("deduct inventory when shipped") keeps
   reserving its units until it is completed.

A permanent error (unknown item, closed register, Lightspeed's 4xx message) puts that routed
order in "error" with the message, in the sync log, and the run goes on. Throttling, a server
error or refused credentials stop that account's run; its orders stay "to send" for the next.

Shipping: "Mark shipped" (the Shipments screen) moves a sent order to "shipped" with who and
when, completes its open Lightspeed sale (stock drops now) and writes the tracking number in the
sale's shipment note. The ship confirmation to Amazon reads ``tracking_number``, ``carrier_id``,
``ship_date`` and ``shipping_method`` of shipped routed orders (another flow).
"""

import logging
from datetime import timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.modules import module
from psycopg2.errors import LockNotAvailable, SerializationFailure

from ..lib import money
from ..lib.amazon.order_data import AmazonAddress, AmazonBuyer, AmazonOrder, AmazonOrderLine
from ..lib.amazon.payment import payment_label
from ..lib.errors import AuthError, ConnectorError, PermanentError, ThrottledError
from ..lib.lightspeed.sale_payload import (
    MISC_CHARGE_ITEM_ID,
    PartLine,
    SaleRequest,
    payload_total,
    sale_payload,
    shipment_note,
    total_difference,
)
from ..lib.lightspeed.sale_sender import (
    CustomerCache,
    SalesByReference,
    complete_sale,
    customer_id_for,
)
from .access_guard import USER, requires
from .lightspeed_stock import OPEN_SALE_STATES

_logger = logging.getLogger(__name__)

SEND_BATCH = 200  # routed orders per scheduled run; the cron worker runs it again if more wait
CRON_XMLID = "amazon_lightspeed_connector.ir_cron_lightspeed_send_sales"
SHIPPED_STATES = ("shipped", "confirmed")


class SaleNotPossible(PermanentError):
    """The routed order cannot become a Sale as things are set up (a person must act)."""


class SendRun:
    """One Lightspeed account's share of a run: its client, caches and counters."""

    def __init__(self, lightspeed_account, client):
        self.lightspeed_account = lightspeed_account
        self.client = client
        self.customers = CustomerCache()
        self.item_ids = {}  # (field, value) -> Lightspeed item id or None: searched once a run
        self.known_sales = None  # SalesByReference of the run's references
        self.counts = dict.fromkeys(("sent", "adopted", "error", "busy"), 0)
        self.sent_ids = []  # routed orders this run wrote (or adopted) in Lightspeed
        self.stopped = None  # why the account's run stopped early


class AmazonRoutedOrderLightspeed(models.Model):
    _inherit = "amazon.routed.order"

    currency_id = fields.Many2one(related="amazon_order_id.currency_id")
    lightspeed_account_id = fields.Many2one(
        "lightspeed.account",
        "Lightspeed Account",
        readonly=True,
        index=True,
        copy=False,
        help="The Lightspeed account the sale was written in.",
    )
    lightspeed_register_id = fields.Many2one(
        "lightspeed.register",
        "Register",
        readonly=True,
        copy=False,
        help="The Lightspeed register the sale was rung up on: the channel's Default Register "
        "in its own store, else the store's Default Register.",
    )
    lightspeed_sale_completed = fields.Boolean(
        "Sale Completed",
        readonly=True,
        copy=False,
        help="The Lightspeed sale is completed: the store's stock has dropped. With "
        '"deduct inventory when shipped" the sale stays open until the order is marked shipped.',
    )
    lightspeed_sent_date = fields.Datetime(
        "Sent to Lightspeed",
        readonly=True,
        copy=False,
        help="When the Lightspeed sale was written.",
    )
    lightspeed_total = fields.Monetary(
        "Lightspeed Sale Total", readonly=True, copy=False, help="The total of the sale written."
    )
    lightspeed_total_difference = fields.Monetary(
        "Difference to Amazon",
        readonly=True,
        copy=False,
        help="Amazon's total for this part minus the Lightspeed sale's total (shipping kept as "
        "a note, for instance). Anything but zero is in the sync log.",
    )
    send_attempts = fields.Integer(
        readonly=True, copy=False, help="How many times sending this order to Lightspeed failed."
    )

    # --- shipment: tracking_number, carrier_id, ship_date and shipping_method are defined
    # with the ship confirmation to Amazon (amazon_routed_order_confirmation.py), which reads them
    shipped_by_id = fields.Many2one(
        "res.users", "Marked Shipped by", readonly=True, copy=False, help="Who marked it shipped."
    )
    shipped_on = fields.Datetime(
        "Marked Shipped on", readonly=True, copy=False, help="When it was marked shipped."
    )
    can_retry = fields.Boolean(
        compute="_compute_can_retry",
        help="In error, or shipped with a Lightspeed sale that could not be completed.",
    )
    is_shipped = fields.Boolean(
        "Shipped",
        compute="_compute_is_shipped",
        search="_search_is_shipped",
        help="Marked shipped (and maybe already confirmed to Amazon).",
    )

    # --- what the Shipments screen shows -------------------------------------------------------
    amazon_status = fields.Selection(related="amazon_order_id.status", string="Amazon Status")
    buyer_name = fields.Char(related="amazon_order_id.buyer_name", string="Customer")
    ship_name = fields.Char(related="amazon_order_id.ship_name", string="Recipient")
    ship_address = fields.Char(
        "Ship To", compute="_compute_ship_address", help="The recipient's address on one line."
    )
    ship_service_level = fields.Char(
        related="amazon_order_id.ship_service_level", string="Service Level"
    )
    lines_summary = fields.Char(
        "Items", compute="_compute_lines_summary", help="What the store ships: units x product."
    )

    _sql_constraints = [
        (
            "lightspeed_sale_unique",
            "UNIQUE(lightspeed_account_id, lightspeed_sale_id)",
            "A Lightspeed sale belongs to one routed order only.",
        ),
    ]

    @api.depends("state", "lightspeed_sale_completed")
    def _compute_reserves_stock(self):  # pylint: disable=missing-return
        super()._compute_reserves_stock()
        for routed in self:
            if routed.state in OPEN_SALE_STATES and not routed.lightspeed_sale_completed:
                routed.reserves_stock = True  # the open sale has not lowered qoh yet

    @api.depends("state", "error_message", "lightspeed_sale_completed")
    def _compute_can_retry(self):
        for routed in self:
            routed.can_retry = routed.state == "error" or routed._completion_failed()

    @api.depends("state")
    def _compute_is_shipped(self):
        for routed in self:
            routed.is_shipped = routed.state in SHIPPED_STATES

    def _search_is_shipped(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on Shipped."))
        shipped = (operator == "=") == value
        return [("state", "in" if shipped else "not in", SHIPPED_STATES)]

    @api.depends(
        "amazon_order_id.ship_street",
        "amazon_order_id.ship_street2",
        "amazon_order_id.ship_city",
        "amazon_order_id.ship_state",
        "amazon_order_id.ship_zip",
        "amazon_order_id.ship_country_code",
    )
    def _compute_ship_address(self):
        for routed in self:
            order = routed.amazon_order_id
            parts = (
                order.ship_street,
                order.ship_street2,
                " ".join(p for p in (order.ship_zip, order.ship_city) if p),
                order.ship_state,
                order.ship_country_code,
            )
            routed.ship_address = ", ".join(p for p in parts if p)

    @api.depends("line_ids.quantity", "line_ids.product_id")
    def _compute_lines_summary(self):
        for routed in self:
            routed.lines_summary = ", ".join(
                "%s x %s" % (line.quantity, line.product_id.default_code or line.product_id.name)
                for line in routed.line_ids
            )

    # --- the scheduled action is woken when there is something to send ------------------------

    @api.model_create_multi
    def create(self, vals_list):
        routed = super().create(vals_list)
        if any(r.state == "to_send" for r in routed):
            self._trigger_send()
        return routed

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") == "to_send":
            self._trigger_send()
        return result

    @api.model
    def _trigger_send(self):
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        if cron and cron.active:
            cron.sudo()._trigger()

    # --- buttons ------------------------------------------------------------------------------

    @requires("write", USER)
    def action_send_to_lightspeed(self):
        """Send the selected orders waiting to be sent, now."""
        waiting = self.filtered(lambda r: r.state == "to_send")
        if not waiting:
            raise UserError(_("None of these orders waits to be sent to Lightspeed."))
        runs = waiting._send_to_lightspeed()
        return self._run_notification(runs)

    @requires("write", USER)
    def action_retry_send(self):
        """After fixing the cause (an item, the register...): send the order in error again,
        or complete the Lightspeed sale of a shipped one whose completion failed."""
        for routed in self:
            if routed.state != "error" and not routed._completion_failed():
                raise UserError(_("%s is not in error.", routed.name))
        unsent = self.filtered(lambda r: r.state == "error")
        unsent.sudo().write({"state": "to_send", "error_message": False})
        runs = unsent._send_to_lightspeed()
        shipped = self - unsent
        if shipped:
            shipped.sudo().write({"error_message": False})
            runs += shipped._complete_lightspeed_sales()
        return self._run_notification(runs)

    @requires("write", USER)
    def action_mark_shipped(self):
        """The parcel left: shipped, with who and when; the open Lightspeed sale is completed
        and the tracking number goes in its shipment note. Amazon is told by the next flow."""
        for routed in self:
            if routed.state != "sent":
                raise UserError(
                    _("%s cannot be marked shipped: it is not in Lightspeed yet.", routed.name)
                )
        now = fields.Datetime.now()
        for routed in self:
            routed.sudo().write(
                {
                    "state": "shipped",
                    "shipped_by_id": self.env.uid,
                    "shipped_on": now,
                    "ship_date": routed.ship_date or now,
                }
            )
        runs = self._complete_lightspeed_sales(update_notes=True)
        if any(run.stopped or run.counts["error"] for run in runs):
            return self._run_notification(runs)
        return True

    def _run_notification(self, runs):
        counts = dict.fromkeys(("sent", "adopted", "error", "busy"), 0)
        for run in runs:
            for key, value in run.counts.items():
                counts[key] += value
        message = _(
            "%(sent)s written to Lightspeed, %(adopted)s found there already, %(error)s in "
            "error, %(busy)s taken by another worker.",
            **counts,
        )
        stopped = [run.stopped for run in runs if run.stopped]
        if stopped:
            message += " " + " ".join(stopped)
        kind = "warning" if stopped or counts["error"] else "success"
        return self.env["amazon.account"]._notification(message, kind, sticky=bool(stopped))

    # --- the scheduled action -----------------------------------------------------------------

    @api.model
    def _cron_send_to_lightspeed(self, limit=SEND_BATCH):
        """Complete the open sales of shipped orders, send the oldest orders to send, then mail
        each channel that asks for it one summary of the run."""
        channels = self.env["amazon.account"].search([("sync_log_email", "!=", False)])
        started = {channel: channel._run_started() for channel in channels}
        runs = self._send_oldest(limit)
        sent = self.browse([i for run in runs for i in run.sent_ids])
        for channel, marks in started.items():
            channel._mail_run_summary(
                "lightspeed", marks, sent=sent.filtered(lambda r, c=channel: r.account_id == c)
            )
        return runs

    def _send_oldest(self, limit):
        self._cron_complete_shipped()
        self.flush_model(["state"])
        self.env.cr.execute(
            """
            SELECT id FROM amazon_routed_order
             WHERE state = 'to_send'
             ORDER BY id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            (limit,),
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        runs = self.browse(ids)._send_to_lightspeed()
        self._notify_send_progress(runs)
        return runs

    def _notify_send_progress(self, runs):
        """Tell the cron worker what this run did and what can still go now; while something
        can, it runs the action again at once, each run in a new transaction.

        Orders of a Lightspeed account whose run stopped (throttled, down, credentials refused)
        are not counted: they wait for the next interval. Orders in error wait for Retry.
        """
        done = sum(run.counts["sent"] + run.counts["adopted"] + run.counts["error"] for run in runs)
        stopped = [run.lightspeed_account.id for run in runs if run.stopped]
        domain = [("state", "=", "to_send")]
        if stopped:
            domain.append(("account_id.lightspeed_account_id", "not in", stopped))
        remaining = self.sudo().search_count(domain)
        self.env["ir.cron"].sudo()._notify_progress(done=done, remaining=remaining)

    @api.model
    def _cron_complete_shipped(self):
        shipped = self.search(
            [
                ("state", "in", SHIPPED_STATES),
                ("lightspeed_sale_id", "!=", False),
                ("lightspeed_sale_completed", "=", False),
                ("error_message", "=", False),
            ],
            order="id",
        )
        return shipped._complete_lightspeed_sales()

    # --- sending ------------------------------------------------------------------------------

    def _send_to_lightspeed(self, client=None):
        """Send these routed orders (to send), account by account; the SendRuns."""
        runs = []
        routed = self.sudo().filtered(lambda r: r.state == "to_send").sorted("id")
        no_account = routed.filtered(lambda r: not r.account_id.lightspeed_account_id)
        for order in no_account:
            order._record_send_error(
                SaleNotPossible(
                    _(
                        "The Amazon channel %s has no Lightspeed account: set one, then Retry.",
                        order.account_id.name,
                    )
                )
            )
            order._send_commit()
        for account in (routed - no_account).account_id.lightspeed_account_id:
            mine = (routed - no_account).filtered(
                lambda r, a=account: r.account_id.lightspeed_account_id == a
            )
            runs.append(mine._send_account_orders(account, client))
        return runs

    def _send_account_orders(self, account, client=None):
        try:
            client = client or account._lightspeed_client()
        except UserError as error:  # credentials missing: nothing can be sent yet
            run = SendRun(account, None)
            self._stop_send_run(run, PermanentError(str(error)))
            return run
        run = SendRun(account, client)
        try:
            run.known_sales = SalesByReference(client, self.mapped("name"))
            self._prepare_send_customers(run)
        except ConnectorError as error:
            self._stop_send_run(run, error)
            return run
        for routed in self:
            try:
                routed._send_one(run)
            except ConnectorError as error:  # throttled, server trouble, credentials
                self._stop_send_run(run, error)
                break
        return run

    def _stop_send_run(self, run, error):
        account = run.lightspeed_account
        if isinstance(error, ThrottledError):
            run.stopped = _("Lightspeed throttled the run: the rest is sent by the next run.")
            level = "warning"
        elif isinstance(error, AuthError):
            run.stopped = _("Lightspeed refused the credentials: %s", error)
            account._connection_failed(error, _("Sending sales to Lightspeed"))
            level = "error"
        else:
            run.stopped = _("Stopped by an error; the next run sends the rest: %s", error)
            level = "error"
        self.env["amazon.sync.log"].log_event(
            "lightspeed",
            _("%(account)s: %(why)s", account=account.name, why=run.stopped),
            level=level,
            reference=account.account_number,
            payload=error.payload,
            record=account,
        )
        self._send_commit()

    def _lock_for_send(self):
        """This order's row lock, or False when another worker holds it or sent it already."""
        self.flush_recordset(["state"])  # a Retry just wrote it: the query must see it
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM amazon_routed_order "
                    "WHERE id = %s AND state = 'to_send' FOR UPDATE SKIP LOCKED",
                    (self.id,),
                )
                return bool(self.env.cr.fetchone())
        except (LockNotAvailable, SerializationFailure):
            return False  # changed by a worker that committed after this transaction began

    def _send_one(self, run):
        """Write this routed order as one Lightspeed sale; ConnectorErrors that must stop the
        account's run propagate, with this order left "to send"."""
        self.ensure_one()
        self.invalidate_recordset(["state"])
        if not self._lock_for_send():
            run.counts["busy"] += 1
            return
        try:
            with self.env.cr.savepoint():
                adopted = self._write_sale(run)
        except PermanentError as error:
            self._record_send_error(error)
            run.counts["error"] += 1
        except ConnectorError:
            raise
        except Exception as error:  # one bad order never stops the batch
            _logger.warning("Routed order %s could not be sent", self.name, exc_info=True)
            self._record_send_error(
                PermanentError(
                    _(
                        "%(name)s could not be sent: %(error)s",
                        name=self.name,
                        error="%s: %s" % (type(error).__name__, error),
                    )
                )
            )
            run.counts["error"] += 1
        else:
            run.counts["adopted" if adopted else "sent"] += 1
            run.sent_ids.append(self.id)
        self._send_commit()

    def _write_sale(self, run):
        """POST the sale (or adopt the one already there) and record it; True if adopted."""
        request = self._sale_request(run)
        payload = sale_payload(request)
        known = run.known_sales.get(self.name) if run.known_sales is not None else True
        request, payload, result = self._send_sale_for_buyer(run, request, payload, known)
        difference = total_difference(request, payload)
        self.write(
            {
                "lightspeed_sale_id": str(result.sale_id),
                "lightspeed_account_id": run.lightspeed_account.id,
                "lightspeed_register_id": self._sale_register().id,
                "lightspeed_sale_completed": request.complete_now,
                "lightspeed_sent_date": fields.Datetime.now(),
                "lightspeed_total": float(payload_total(payload)),
                "lightspeed_total_difference": float(difference),
                "state": "sent",
                "error_message": False,
            }
        )
        if request.complete_now:
            self._lower_local_stock()
        if result.answer_lost:
            self.env["amazon.sync.log"].log_event(
                "lightspeed",
                _(
                    "%(name)s: Lightspeed's answer to the sale was lost or unreadable "
                    "(%(why)s); sale %(sale)s, found by its reference, is kept: no second sale.",
                    name=self.name,
                    why=result.answer_lost,
                    sale=result.sale_id,
                ),
                level="warning",
                reference=self.name,
                record=self,
            )
        if difference:
            self.env["amazon.sync.log"].log_event(
                "lightspeed",
                _(
                    "%(name)s: Lightspeed sale %(sale)s totals %(total)s, Amazon's part %(diff)s "
                    "more (shipping kept as a note, or taxes computed by Lightspeed).",
                    name=self.name,
                    sale=result.sale_id,
                    total=payload_total(payload),
                    diff=difference,
                ),
                level="warning",
                reference=self.name,
                record=self,
            )
        return not result.created

    def _record_send_error(self, error):
        self.write(
            {"state": "error", "error_message": str(error), "send_attempts": self.send_attempts + 1}
        )
        self.env["amazon.sync.log"].log_event(
            "lightspeed",
            "%s: %s" % (self.name, error),
            reference=self.name,
            payload=getattr(error, "payload", None),
            record=self,
        )

    def _lower_local_stock(self):
        """The completed sale lowered qoh in Lightspeed: lower our copy now, so routing does
        not promise the same units before the next stock refresh reads the real figure."""
        for line in self.line_ids:
            self.env.cr.execute(
                "UPDATE lightspeed_stock SET qoh = qoh - %s "
                "WHERE warehouse_id = %s AND product_id = %s",
                (line.quantity, self.warehouse_id.id, line.product_id.id),
            )
        self.env["lightspeed.stock"].invalidate_model(["qoh"])

    def _send_commit(self):
        """Commit one order's outcome, except in tests (their transaction is rolled back)."""
        if self.env.registry.in_test_mode() or module.current_test:
            return
        self.env.cr.commit()  # pylint: disable=invalid-commit

    # --- the sale request -----------------------------------------------------------------------

    def _sale_request(self, run=None, **options):
        """The SaleRequest of this part; without ``run``, for its notes only (item ids 0)."""
        self.ensure_one()
        order = self.amazon_order_id
        account = order.account_id
        data, sku_of = _amazon_order_data(order)
        parts = self._sibling_parts()
        item_ids = self._lightspeed_item_ids(run) if run else {}
        all_parts = []
        for part in parts:
            lines = []
            for line in part.line_ids:
                sku = sku_of.get(line.product_id.id)
                if not sku:
                    raise SaleNotPossible(
                        _(
                            "%(name)s: %(product)s is not on Amazon order %(order)s any more.",
                            name=self.name,
                            product=line.product_id.display_name,
                            order=order.name,
                        )
                    )
                item_id = item_ids.get(line.product_id.id, 0) if part == self else 0
                lines.append(PartLine(sku, line.quantity, item_id))
            all_parts.append(tuple(lines))
        values = {
            "order": data,
            "parts": tuple(all_parts),
            "part_index": list(parts).index(self),
            "shop_id": 0,
            "register_id": 0,
            "employee_id": 0,
            "payment_type_id": 0,
            "complete_now": account.inventory_deduction != "when_shipped",
            "shipping_item_id": MISC_CHARGE_ITEM_ID if account.lightspeed_shipping_line else None,
            "ship_service_label": order.shipping_mapping_id.lightspeed_label or None,
            "payment_label": payment_label(order.payment_method) or _("Paid on Amazon"),
            "tracking_number": self.tracking_number or None,
        }
        if run:
            values.update(self._lightspeed_targets())
            values["customer_id"] = customer_id_for(run.client, data, run.customers)
        values.update(options)
        try:
            request = SaleRequest(**values)
        except ValueError as error:
            raise SaleNotPossible(str(error)) from None
        if request.reference_number != self.name:
            raise SaleNotPossible(
                _(
                    "%(name)s: its parts changed (the sale would be %(reference)s); void and "
                    "route the order again.",
                    name=self.name,
                    reference=request.reference_number,
                )
            )
        return request

    def _sibling_parts(self):
        """Every part of the Amazon order in part order (this one included), as routed."""
        parts = self.amazon_order_id.routed_order_ids.filtered(
            lambda r: r.state not in ("voided", "held") and r.part_count == self.part_count
        ).sorted("part_number")
        if self not in parts or len(parts) != self.part_count:
            raise SaleNotPossible(
                _(
                    "%(name)s is part %(number)s of %(count)s, but the order has %(found)s "
                    "parts: void it and route the order again.",
                    name=self.name,
                    number=self.part_number,
                    count=self.part_count,
                    found=len(parts),
                )
            )
        return parts

    def _lightspeed_targets(self):
        """shop, register, employee and payment type ids, or SaleNotPossible naming the gap."""
        order = self.amazon_order_id
        account = order.account_id
        store = self.warehouse_id
        if not store.lightspeed_shop_id or not store.lightspeed_shop_id.isdigit():
            raise SaleNotPossible(
                _("%s: the store is not bound to a Lightspeed shop.", store.name or self.name)
            )
        register = self._sale_register()
        if not register:
            raise SaleNotPossible(
                _("%s has no default register: set one on the store, then Retry.", store.name)
            )
        if not account.default_employee_id:
            raise SaleNotPossible(
                _("The channel %s has no default employee: set one, then Retry.", account.name)
            )
        payment_type = (
            order.payment_mapping_id.lightspeed_payment_type_id or account.default_payment_type_id
        )
        if not payment_type:
            raise SaleNotPossible(
                _(
                    "The channel %(channel)s has no default payment type (and no mapping for "
                    "%(method)s): set one, then Retry.",
                    channel=account.name,
                    method=order.payment_method or "-",
                )
            )
        return {
            "shop_id": int(store.lightspeed_shop_id),
            "register_id": int(register.lightspeed_id),
            "employee_id": int(account.default_employee_id.lightspeed_id),
            "payment_type_id": int(payment_type.lightspeed_id),
        }

    def _sale_register(self):
        """The register the sale is rung up on: the channel's Default Register in its own
        store (the administrator picked it for Amazon sales there, while Sync gives every store
        a register of its own), the store's Default Register in any other store."""
        channel_register = self.amazon_order_id.account_id.default_register_id
        if channel_register and channel_register.warehouse_id == self.warehouse_id:
            return channel_register
        return self.warehouse_id.lightspeed_register_id

    def _lightspeed_item_ids(self, run):
        """{product id: Lightspeed item id} of this part's lines.

        The store's stock row first (the refresh matched it with the account's item key), else
        any stock row of the account (item ids are account-wide; a store holding none has no
        row), else one search in Lightspeed by the account's item key, cached for the run.
        """
        account = run.lightspeed_account
        products = self.line_ids.product_id
        rows = (
            self.env["lightspeed.stock"]
            .sudo()
            .search(
                [("lightspeed_account_id", "=", account.id), ("product_id", "in", products.ids)],
                order="id",
            )
        )
        found = {}
        for row in rows.sorted(lambda r: r.warehouse_id != self.warehouse_id):
            if row.lightspeed_item_id and row.lightspeed_item_id.isdigit():
                found.setdefault(row.product_id.id, int(row.lightspeed_item_id))
        missing = []
        for product in products - self.env["product.product"].browse(list(found)):
            item_id = None
            for field, value in account._item_keys(product):
                if (field, value) not in run.item_ids:
                    run.item_ids[(field, value)] = run.client.find_item_id(field, value)
                item_id = run.item_ids[(field, value)]
                if item_id:
                    break
            if item_id:
                found[product.id] = item_id
            else:
                missing.append(product)
        if missing:
            raise SaleNotPossible(
                _(
                    "%(name)s: no Lightspeed item for %(products)s (matched by %(key)s): create "
                    "it in Lightspeed or fix the product's reference, then Retry.",
                    name=self.name,
                    products=", ".join(p.display_name for p in missing),
                    key=account._item_match_label(),
                )
            )
        return found

    # --- shipping -----------------------------------------------------------------------------

    def _completion_failed(self):
        self.ensure_one()
        return bool(
            self.state in SHIPPED_STATES
            and self.lightspeed_sale_id
            and not self.lightspeed_sale_completed
            and self.error_message
        )

    def _complete_lightspeed_sales(self, update_notes=False, client=None):
        """Complete the open Lightspeed sales of these shipped orders (stock drops now), with
        the tracking number in the shipment note; ``update_notes``: also write the note of
        sales completed when sent. Errors are logged on the order; the SendRuns."""
        runs = []
        routed = self.sudo().filtered(
            lambda r: (
                r.lightspeed_sale_id
                and r.lightspeed_account_id
                and (not r.lightspeed_sale_completed or (update_notes and r.tracking_number))
            )
        )
        for account in routed.lightspeed_account_id:
            mine = routed.filtered(lambda r, a=account: r.lightspeed_account_id == a)
            try:
                account_client = client or account._lightspeed_client()
            except UserError as error:
                run = SendRun(account, None)
                mine._stop_send_run(run, PermanentError(str(error)))
                runs.append(run)
                continue
            run = SendRun(account, account_client)
            runs.append(run)
            for order in mine:
                try:
                    order._complete_one(run)
                except ConnectorError as error:
                    mine._stop_send_run(run, error)
                    break
        return runs

    def _complete_one(self, run):
        note = None
        try:
            note = shipment_note(self._sale_request())
        except PermanentError:
            note = None  # the note is a courtesy: the sale is completed all the same
        sale_id = int(self.lightspeed_sale_id)
        try:
            with self.env.cr.savepoint():
                if not self.lightspeed_sale_completed:
                    complete_sale(run.client, sale_id, note)
                    self.write({"lightspeed_sale_completed": True, "error_message": False})
                    self._lower_local_stock()
                    run.counts["sent"] += 1
                elif note:
                    run.client.put(
                        "Sale",
                        sale_id,
                        {
                            "ShipTo": {"shipped": True, "shipNote": note},
                            "SaleNotes": {"InternalNote": {"note": note}},
                        },
                    )
        except PermanentError as error:
            message = _(
                "%(name)s: Lightspeed sale %(sale)s could not be completed: %(error)s",
                name=self.name,
                sale=sale_id,
                error=error,
            )
            self.write({"error_message": message})
            self.env["amazon.sync.log"].log_event(
                "lightspeed", message, reference=self.name, payload=error.payload, record=self
            )
            run.counts["error"] += 1
        self._send_commit()


def _money(value):
    return money.to_currency(value or 0)  # the one money rule's rounding (half up)


def _aware(moment):
    return moment.replace(tzinfo=timezone.utc) if moment else None


def _amazon_order_data(order):
    """The ``AmazonOrder`` of an amazon.order as stored, and {product id: the SKU key}.

    Lines of one product share one SKU key (its first SKU), as routing merged them by product:
    the payload then shares their amounts out over the parts the same way.
    """
    sku_of = {}
    lines = []
    for line in order.line_ids.sorted("id"):
        sku = line.seller_sku or line.order_item_id
        if line.product_id:
            sku = sku_of.setdefault(line.product_id.id, sku)
        lines.append(
            AmazonOrderLine(
                order_item_id=line.order_item_id,
                seller_sku=sku,
                asin=line.asin or None,
                title=line.title or None,
                quantity_ordered=line.quantity,
                quantity_shipped=line.quantity_shipped,
                item_price=_money(line.item_price),
                item_tax=_money(line.item_tax),
                promotion_discount=_money(line.promotion_discount),
                promotion_discount_tax=_money(line.promotion_discount_tax),
                shipping_price=_money(line.shipping_price),
                shipping_tax=_money(line.shipping_tax),
                shipping_discount=_money(line.shipping_discount),
                shipping_discount_tax=_money(line.shipping_discount_tax),
                gift_wrap_price=_money(line.gift_wrap_price),
                gift_wrap_tax=_money(line.gift_wrap_tax),
                gift_message=line.gift_message or None,
            )
        )
    streets = tuple(s for s in (order.ship_street, order.ship_street2) if s)
    address = None
    if order.ship_name or streets or order.ship_city:
        address = AmazonAddress(
            name=order.ship_name or None,
            company=order.ship_company or None,
            street_lines=streets,
            city=order.ship_city or None,
            state=order.ship_state or None,
            postal_code=order.ship_zip or None,
            country_code=order.ship_country_code or None,
            phone=order.ship_phone or None,
        )
    data = AmazonOrder(
        amazon_order_id=order.name,
        marketplace_id=order.marketplace_id or "",
        status=order.status or "",
        status_raw=order.status_raw or "",
        fulfillment_channel=order.fulfillment_channel or "MFN",
        purchase_date=_aware(order.purchase_date),
        last_update_date=_aware(order.last_update_date),
        currency=order.currency_id.name or None,
        order_total=_money(order.order_total),
        ship_service_level=order.ship_service_level or None,
        is_prime=order.is_prime,
        is_business=order.is_business,
        buyer=AmazonBuyer(order.buyer_name or None, order.buyer_email or None),
        shipping_address=address,
        buyer_note=order.buyer_note or None,
        lines=tuple(lines),
        seller_order_id=order.seller_order_id or None,
    )
    return data, sku_of
