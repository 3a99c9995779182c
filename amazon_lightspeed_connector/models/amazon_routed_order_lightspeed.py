"""Routed orders written into Lightspeed as Sales (flow 4), and shipped (flow 5).

Sending (the scheduled action ``_cron_send_to_lightspeed``, the "Send to Lightspeed now" and
"Retry" buttons): the routed orders to send are grouped by Lightspeed account, one client (one
paced bucket, one customer cache) per account and run. Before the first POST, one batch search
by referenceNumber (a GET per hundred orders) finds the sales an earlier run wrote but could
not record (a crash between the POST and the commit); those are adopted, never written twice.
Each routed order then, in its own savepoint under its row lock (``FOR UPDATE SKIP LOCKED``,
so two workers never send the same one):

1. its SaleRequest is built from the Amazon order and the routed lines, and the body of the
   POST from it (``_prepare_lightspeed_sale_request`` and ``_prepare_lightspeed_sale_payload``,
   ``amazon_routed_order_sale_request.py``);
2. ``send_sale`` writes it (one POST; a lost answer is looked up by referenceNumber before any
   retry; ``amazon_routed_order_send.py``);
3. the sale id and state "sent" are written and committed together (never in tests), with
   Lightspeed's time of the completion for a completed sale: its units stay reserved until the
   stock refresh reads the items at that time or later (``lightspeed.stock``), so routing does
   not promise them again meanwhile, nor count them twice. An open sale ("deduct inventory
   when shipped") keeps reserving its units until it is completed.

A permanent error (unknown item, closed register, Lightspeed's 4xx message) puts that routed
order in "error" with the message, in the sync log, and the run goes on. Throttling, a server
error or refused credentials stop that account's run; its orders stay "to send" for the next.

Shipping: "Mark shipped" (the Shipments screen) moves a sent order to "shipped" with who and
when, completes its open Lightspeed sale (stock drops now) and writes the tracking number in the
sale's shipment note. The ship confirmation to Amazon reads ``tracking_number``, ``carrier_id``,
``ship_date`` and ``shipping_method`` of shipped routed orders (another flow).
"""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import create_index

from ..lib.errors import PermanentError
from ..lib.lightspeed.sale_sender import CustomerCache
from .access_guard import USER, requires
from .amazon_order import _naive_utc
from .connector_run import (
    ConnectorRun,
    button_env,
    hand_over,
)
from .lightspeed_stock import OPEN_SALE_STATES, UNCOUNTED_PREDICATE

_logger = logging.getLogger(__name__)

CRON_XMLID = "amazon_lightspeed_connector.ir_cron_lightspeed_send_sales"
SHIPPED_STATES = ("shipped", "confirmed")


class SaleNotPossible(PermanentError):
    """The routed order cannot become a Sale as things are set up (a person must act)."""


class SendRun(ConnectorRun):
    """One Lightspeed account's share of a run: its client, caches and counters."""

    COUNTS = ("sent", "adopted", "error", "busy")
    SERVICE = "Lightspeed"

    def __init__(self, lightspeed_account, client, deadline=None):
        super().__init__(lightspeed_account.env, deadline=deadline)
        self.lightspeed_account = lightspeed_account
        self.client = client
        self.customers = CustomerCache()
        self.item_ids = {}  # (field, value) -> Lightspeed item id or None: searched once a run
        self.known_sales = None  # SalesByReference of the run's references
        self.sent_ids = []  # routed orders this run wrote (or adopted) in Lightspeed


class AmazonRoutedOrderLightspeed(models.Model):
    _inherit = "amazon.routed.order"

    _send_batch_size = 200  # per scheduled run; the cron worker runs it again if more wait

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
    lightspeed_completed_at = fields.Datetime(
        "Sale Completed At",
        readonly=True,
        copy=False,
        help="When the completed Lightspeed sale lowered the store's stock, by Lightspeed's "
        "clock. Until the stock refresh reads the items at that time or later, their units "
        "count as reserved for this order.",
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

    def _auto_init(self):
        result = super()._auto_init()
        # the few orders whose units no stock read counts yet (lightspeed_stock.UNCOUNTED_LINES)
        create_index(
            self.env.cr,
            "amazon_routed_order_uncounted_index",
            self._table,
            ["id"],
            where=UNCOUNTED_PREDICATE,
        )
        return result

    @api.depends("state", "lightspeed_sale_completed", "lightspeed_completed_at")
    def _compute_reserves_stock(self):  # pylint: disable=missing-return
        super()._compute_reserves_stock()
        unread = self.env["lightspeed.stock"]._completions_not_read(self.ids)
        for routed in self:
            if routed.state in OPEN_SALE_STATES and (
                not routed.lightspeed_sale_completed or routed.id in unread
            ):
                routed.reserves_stock = True  # Lightspeed's qoh as we know it lacks the sale

    def _sale_completion_values(self, completed, completed_at):
        """The values that record the sale's state: ``completed_at`` is Lightspeed's time of
        the completion (``SendResult.completed_at``, ``Completion.completed_at``)."""
        return {
            "lightspeed_sale_completed": completed,
            "lightspeed_completed_at": completed and _naive_utc(completed_at) or False,
        }

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
        runs = waiting.with_env(button_env(self.env))._send_to_lightspeed()
        return self._run_notification(runs, waiting)

    @requires("write", USER)
    def action_retry_send(self):
        """After fixing the cause (an item, the register...): send the order in error again,
        or complete the Lightspeed sale of a shipped one whose completion failed."""
        for routed in self:
            if routed.state != "error" and not routed._completion_failed():
                raise UserError(_("%s is not in error.", routed.name))
        unsent = self.filtered(lambda r: r.state == "error")
        unsent.sudo().write({"state": "to_send", "error_message": False})
        runs = unsent.with_env(button_env(self.env))._send_to_lightspeed()
        shipped = self - unsent
        if shipped:
            shipped.sudo().write({"error_message": False})
            runs += shipped.with_env(button_env(self.env))._complete_lightspeed_sales()
        return self._run_notification(runs, unsent)

    @requires("write", USER)
    def action_mark_shipped(self):
        """The parcel left: shipped, with who and when; the open Lightspeed sale is completed
        and the tracking number goes in its shipment note. Amazon is told by the next flow."""
        for routed in self:
            if routed.state != "sent":
                raise UserError(
                    _("%s cannot be marked shipped: it is not in Lightspeed yet.", routed.name)
                )
            if not (routed.tracking_number or "").strip():
                # marked shipped, it would only fail at Amazon's ship confirmation
                raise UserError(
                    _(
                        "%s cannot be marked shipped without its tracking number: Amazon "
                        "refuses a ship confirmation without one. Enter it first.",
                        routed.name,
                    )
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
        runs = self.with_env(button_env(self.env))._complete_lightspeed_sales(update_notes=True)
        if any(run.stopped or run.counts["error"] or run.counts["busy"] for run in runs):
            return self._run_notification(runs)
        return True

    def _run_notification(self, runs, selection=None):
        """What a button did: sent, found, in error, taken by another worker, and the orders of
        ``selection`` still to send, handed to the scheduled action (when it runs). "success"
        only when the whole selection was done."""
        counts = dict.fromkeys(("sent", "adopted", "error", "busy"), 0)
        for run in runs:
            for key, value in run.counts.items():
                counts[key] = counts.get(key, 0) + value
        message = _(
            "%(sent)s written to Lightspeed, %(adopted)s found there already, %(error)s in "
            "error, %(busy)s taken by another worker.",
            **counts,
        )
        stopped = [run.stopped for run in runs if run.stopped]
        if stopped:
            message += " " + " ".join(dict.fromkeys(stopped))
        queued = 0
        if selection:
            selection.invalidate_recordset(["state"])
            queued = len(selection.sudo().filtered(lambda r: r.state == "to_send"))
        handed = hand_over(self.env, CRON_XMLID, runs, queued)
        if handed:
            message += " " + handed
        undone = stopped or queued or counts["error"] or counts["busy"]
        kind = "warning" if undone else "success"
        return self.env["amazon.account"]._notification(message, kind, sticky=bool(stopped))

    # --- shipping -----------------------------------------------------------------------------

    def _completion_failed(self):
        self.ensure_one()
        return bool(
            self.state in SHIPPED_STATES
            and self.lightspeed_sale_id
            and not self.lightspeed_sale_completed
            and self.error_message
        )
