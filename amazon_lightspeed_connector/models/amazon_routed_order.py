from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .access_guard import USER, requires
from .lightspeed_stock import RESERVING_STATES

STATES = [
    ("to_send", "To send"),
    ("held", "Held"),
    ("sent", "Sent"),
    ("shipped", "Shipped"),
    ("confirmed", "Confirmed"),
    ("voided", "Voided"),
    ("error", "Error"),
]
# Never written to Lightspeed: a person may still void these.
VOIDABLE_STATES = ("held", "to_send", "error")
RECALL_PARCEL_ACTIVITY = "amazon_lightspeed_connector.mail_activity_type_recall_parcel"


class AmazonRoutedOrder(models.Model):
    """The part of an Amazon order one store ships, or the whole order while it is held.

    Created by routing (``amazon.order._route``), one per store part: its store, lines and
    quantities, the engine's explanation in words, the virtual-inventory flag and missing
    quantities. A held one has no store until a person pushes it to one, re-routes it or voids
    it (the Held Queue). Its quantities are reserved against the store's stock until the
    Lightspeed sale exists (state sent) or it is voided.
    """

    _name = "amazon.routed.order"
    _description = "Routed Amazon Order"
    _inherit = ["mail.thread", "mail.activity.mixin", "connector.flow.fields"]
    _order = "held_since, id desc"
    _check_company_auto = True
    # the shipment a person enters (Shipments list, the order's form); the rest is the flows'
    _user_fields = frozenset({"tracking_number", "carrier_id", "shipping_method", "ship_date"})

    name = fields.Char(
        required=True,
        readonly=True,
        index=True,
        help="The Amazon order id, with the part number when the order is split: the "
        "reference the Lightspeed sale carries.",
    )
    amazon_order_id = fields.Many2one(
        "amazon.order",
        "Amazon Order",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    account_id = fields.Many2one(
        related="amazon_order_id.account_id", store=True, index=True, string="Amazon Channel"
    )
    company_id = fields.Many2one(related="amazon_order_id.company_id", store=True, index=True)
    sale_order_id = fields.Many2one(
        related="amazon_order_id.sale_order_id", store=True, string="Sale Order"
    )
    purchase_date = fields.Datetime(related="amazon_order_id.purchase_date")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Store",
        readonly=True,
        index=True,
        check_company=True,
        tracking=True,
        help="The store that ships this part; empty while the order is held.",
    )
    line_ids = fields.One2many(
        "amazon.routed.order.line", "routed_order_id", "Lines", readonly=True
    )
    state = fields.Selection(
        STATES,
        required=True,
        default="to_send",
        readonly=True,
        index=True,
        tracking=True,
        help="To send: routed, waiting to be written to Lightspeed. Held: waits for a person. "
        "Sent: the Lightspeed sale exists. Voided: never sent to Lightspeed, abandoned.",
    )
    part_number = fields.Integer(readonly=True, default=1)
    part_count = fields.Integer(readonly=True, default=1)
    routing_mode = fields.Selection(
        [
            ("single_store", "Single store"),
            ("best_store", "Best store"),
            ("queue", "Best store, else hold"),
            ("split", "Split across stores"),
            ("manual", "Pushed by hand"),
        ],
        readonly=True,
    )
    explanation = fields.Text(readonly=True, help="Why this store (or why held), in words.")
    virtual_inventory = fields.Boolean(
        readonly=True,
        help="The store lacks some units: Lightspeed will go negative or auto-add stock.",
    )
    proven_minimal = fields.Boolean(
        default=True,
        readonly=True,
        help="Split: the fewest stores was proven; unticked when the search ran out of budget.",
    )
    missing_summary = fields.Char(
        "Missing Items", compute="_compute_missing_summary", help="Units short, per product."
    )
    total_quantity = fields.Integer("Units", compute="_compute_missing_summary")
    held_since = fields.Datetime(readonly=True, help="When the order was held.")
    held_days = fields.Integer("Held for (days)", compute="_compute_held_days")
    reserves_stock = fields.Boolean(compute="_compute_reserves_stock")
    decided_by_id = fields.Many2one(
        "res.users", "Decided by", readonly=True, help="Who pushed or voided it by hand."
    )
    void_reason = fields.Text(readonly=True)
    voided_date = fields.Datetime(readonly=True)
    lightspeed_sale_id = fields.Char("Lightspeed Sale ID", readonly=True, copy=False)
    error_message = fields.Text(readonly=True)

    @api.depends("line_ids.missing_qty", "line_ids.quantity")
    def _compute_missing_summary(self):
        for routed in self:
            routed.missing_summary = ", ".join(
                "%s x %s" % (line.missing_qty, line.product_id.display_name)
                for line in routed.line_ids
                if line.missing_qty
            )
            routed.total_quantity = sum(routed.line_ids.mapped("quantity"))

    @api.depends("held_since", "state")
    def _compute_held_days(self):
        now = fields.Datetime.now()
        for routed in self:
            routed.held_days = (
                (now - routed.held_since).days
                if routed.state == "held" and routed.held_since
                else 0
            )

    @api.depends("state")
    def _compute_reserves_stock(self):
        for routed in self:
            routed.reserves_stock = routed.state in RESERVING_STATES

    # --- the hold queue ---------------------------------------------------------------------

    def _check_held(self):
        for routed in self:
            if routed.state != "held":
                raise UserError(_("%s is not held any more.", routed.name))

    @requires("write", USER)
    def action_open_push_wizard(self):
        self.ensure_one()
        self._check_held()
        return {
            "type": "ir.actions.act_window",
            "name": _("Push to Store"),
            "res_model": "amazon.routed.order.push",
            "view_mode": "form",
            "target": "new",
            "context": {"default_routed_order_id": self.id},
        }

    @requires("write", USER)
    def action_open_void_wizard(self):
        self.ensure_one()
        if self.state not in VOIDABLE_STATES:
            raise UserError(_("Only orders never sent to Lightspeed can be voided here."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Void"),
            "res_model": "amazon.routed.order.void",
            "view_mode": "form",
            "target": "new",
            "context": {"default_routed_order_id": self.id},
        }

    @requires("write", USER)
    def action_reroute(self):
        """Route the held order again with today's stock (after a stock refresh)."""
        self._check_held()
        for routed in self.sudo():  # checked above: routed as the scheduled action routes
            routed.amazon_order_id._route(held=routed)
        return True

    def _push_to(self, warehouse):
        """Send the held order to ``warehouse`` as a person decided (the wizard)."""
        self.ensure_one()
        self._check_held()
        order = self.amazon_order_id
        products = self.line_ids.product_id
        Stock = self.env["lightspeed.stock"]
        # a conflict with another worker raises; Odoo retries the whole request in a new
        # transaction (LockNotAvailable and serialization failures are retried by the server)
        order._lock_stock(products)
        available = Stock._available(warehouse, products).get(warehouse.id, {})
        lines = []
        for line in self.line_ids:
            short = max(line.quantity - max(available.get(line.product_id.id, 0), 0), 0)
            lines.append((line, short))
        missing = ", ".join(
            "%s x %s" % (short, line.product_id.display_name) for line, short in lines if short
        )
        explanation = _(
            "%(store)s: pushed by hand by %(user)s.", store=warehouse.name, user=self.env.user.name
        )
        if missing:
            explanation += " " + _("Virtual inventory, short %s there.", missing)
        self.sudo().write(
            {
                "warehouse_id": warehouse.id,
                "state": "to_send",
                "routing_mode": "manual",
                "explanation": explanation,
                "virtual_inventory": bool(missing),
                "decided_by_id": self.env.uid,
            }
        )
        for line, short in lines:
            line.sudo().missing_qty = short
        Stock._mark_reserved((warehouse.id, p.id) for p in products)
        self._close_activities(_("Pushed to %s", warehouse.name))
        order._follow_route()
        order._post_routing_note(explanation)
        return True

    def _void(self, reason):
        """Abandon parts never sent to Lightspeed; their reservations are released."""
        if not (reason or "").strip():
            raise UserError(_("Say why the order is voided."))
        for routed in self:
            if routed.state not in VOIDABLE_STATES:
                raise UserError(_("%s was sent to Lightspeed: void the sale there.", routed.name))
        now = fields.Datetime.now()
        for routed in self:
            routed.sudo().write(
                {
                    "state": "voided",
                    "void_reason": reason,
                    "voided_date": now,
                    "decided_by_id": self.env.uid,
                }
            )
            routed._close_activities(_("Voided: %s", reason))
            routed.amazon_order_id._post_routing_note(
                _(
                    "%(name)s voided by %(user)s: %(reason)s",
                    name=routed.name,
                    user=self.env.user.name,
                    reason=reason,
                )
            )
        return True

    # --- notifications ----------------------------------------------------------------------

    def _notify_held(self):
        """An e-mail to the channel's addresses and an activity per member of its group."""
        template = self.env.ref("amazon_lightspeed_connector.mail_template_order_held")
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for routed in self:
            account = routed.account_id
            if account.queue_notify_emails:
                template.sudo().send_mail(routed.id, email_layout_xmlid=False)
            group = account.queue_activity_group_id
            if not group:
                continue
            users = group.sudo().users.filtered(
                lambda u, c=routed.company_id: c in u.company_ids and u.has_group(USER)
            )
            for user in users:
                routed.sudo().activity_schedule(
                    activity_type_id=activity_type.id,
                    summary=_("Push or void held Amazon order %s", routed.amazon_order_id.name),
                    note=routed.explanation,
                    user_id=user.id,
                )

    def _close_activities(self, feedback):
        """Mark done the connector's activities on these orders, once what they asked for
        happened; a parcel to recall stays open until a person says it is dealt with."""
        recall = self.env.ref(RECALL_PARCEL_ACTIVITY, raise_if_not_found=False)
        activities = self.sudo().activity_ids.filtered(lambda a: a.activity_type_id != recall)
        if activities:
            activities.action_feedback(feedback=feedback)

    @api.model
    def _cron_remind_held(self):
        """Daily while orders wait: one e-mail per channel listing its held orders by age."""
        template = self.env.ref("amazon_lightspeed_connector.mail_template_held_reminder")
        held = self.search([("state", "=", "held")])
        for account in held.account_id:
            if account.queue_notify_emails:
                template.sudo().send_mail(account.id, email_layout_xmlid=False)
        return True
