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

from ..lib import money
from ..lib.amazon.order_data import AmazonAddress, AmazonBuyer, AmazonOrder, AmazonOrderLine
from ..lib.amazon.payment import payment_label
from ..lib.errors import PermanentError
from ..lib.lightspeed.sale_payload import (
    MISC_CHARGE_ITEM_ID,
    PartLine,
    SaleRequest,
)
from ..lib.lightspeed.sale_sender import (
    CustomerCache,
    customer_id_for,
)
from .access_guard import USER, requires
from .connector_run import (
    ConnectorRun,
    button_env,
    hand_over,
)
from .lightspeed_stock import OPEN_SALE_STATES

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
        self.stock_later = []  # orders whose local stock a conflict kept from lowering
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
