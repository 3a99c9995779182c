"""A routed order hears what the store did with its Lightspeed sale (read back by
``lightspeed.account._read_sales_back``).

Shipped in Lightspeed (the ShipTo's Shipped box ticked) on a channel that marks shipments in
Lightspeed: the order becomes shipped with the tracking number and carrier of the shipment
note's ``Tracking: <number> <carrier>`` line, its open sale is completed (stock drops now) and
the ship confirmation to Amazon follows as for "Mark shipped". Without a tracking line the
order stays sent, flagged "Shipped in Lightspeed", with an activity asking for the number;
Mark shipped then finishes it. The first of Odoo and Lightspeed wins: only a sent order moves,
so a shipment is never confirmed twice. A sale voided in the store is an error on the order.
"""

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib.errors import PermanentError
from ..lib.lightspeed.sale_sender import complete_sale
from .access_guard import USER, requires
from .amazon_routed_order import RECALL_PARCEL_ACTIVITY
from .connector_run import lock_rows


class AmazonRoutedOrderAfterSale(models.Model):
    _inherit = "amazon.routed.order"

    lightspeed_shipped = fields.Boolean(
        "Shipped in Lightspeed",
        readonly=True,
        copy=False,
        help="Store staff ticked Shipped for this sale in Lightspeed (Inventory > Shipping).",
    )
    lightspeed_carrier = fields.Char(
        "Carrier in Lightspeed",
        readonly=True,
        copy=False,
        help="The carrier the shipment note named, as typed in the store.",
    )

    # --- Odoo's side of "the first wins" -----------------------------------------------------

    @requires("write", USER)
    def action_mark_shipped(self):
        cancelled = self.sudo().filtered("cancelled_by_amazon")
        if cancelled:
            raise UserError(
                _(
                    "%s: Amazon cancelled it after the sale; it must not ship. Its sale is being "
                    "undone in Lightspeed (the order's Undone in Lightspeed list).",
                    ", ".join(cancelled.mapped("name")),
                )
            )
        lightspeed_only = self.filtered(
            lambda r: r.account_id.shipment_source == "lightspeed" and not r.lightspeed_shipped
        )
        if lightspeed_only:
            raise UserError(
                _(
                    "%s: this channel's shipments are marked in Lightspeed (Inventory > "
                    "Shipping), with the tracking number in the shipment note.",
                    ", ".join(lightspeed_only.mapped("name")),
                )
            )
        return super().action_mark_shipped()

    # --- a sale read back ---------------------------------------------------------------------

    def _of_lightspeed_sale(self, lightspeed_account, sale_id):
        """The routed order written as Lightspeed sale ``sale_id`` of that account (or none)."""
        return self.sudo().search(
            [
                ("lightspeed_account_id", "=", lightspeed_account.id),
                ("lightspeed_sale_id", "=", str(sale_id)),
            ],
            limit=1,
        )

    def _apply_lightspeed_sale(self, lightspeed_account, sale, client):
        """What a sale read back (sale_reader.ConnectorSale) changes; never twice the same."""
        routed = self._of_lightspeed_sale(lightspeed_account, sale.sale_id)
        if not routed:
            return  # not ours (a refund sale, another database's), or not recorded yet
        # another worker holding the order raises (a conflict): the sale is read again, never
        # passed over while that worker may leave the order as it was
        routed._lock_row()
        if sale.voided:
            routed._voided_in_lightspeed(sale)
        elif sale.shipped and routed.account_id._reads_lightspeed_shipments():
            routed._shipped_in_lightspeed(sale, client)

    def _lock_row(self):
        """Lock the order's row, or raise LockNotAvailable when another worker holds it."""
        self.ensure_one()
        lock_rows(
            self.env.cr,
            "SELECT id FROM amazon_routed_order WHERE id = %s FOR UPDATE NOWAIT",
            (self.id,),
        )
        self.invalidate_recordset()

    def _shipped_in_lightspeed(self, sale, client):
        if self.state != "sent":
            return  # Odoo marked it first (or it is done): the first wins
        if self.cancelled_by_amazon:
            self._shipped_although_cancelled(sale)
            return
        tracking = sale.tracking
        if tracking is None:
            if not self.lightspeed_shipped:
                self.write({"lightspeed_shipped": True})
                self._ask_for_tracking()
            return
        values = {
            "state": "shipped",
            "lightspeed_shipped": True,
            "lightspeed_carrier": tracking.carrier or False,
            "tracking_number": tracking.number,
            "shipped_on": fields.Datetime.now(),
            "ship_date": self.ship_date or _naive(sale.timestamp) or fields.Datetime.now(),
        }
        carrier = self._carrier_named(tracking.carrier)
        if carrier and not self.carrier_id:
            values["carrier_id"] = carrier.id
        self.write(values)
        self._close_activities(_("Shipped in Lightspeed, tracking %s", tracking.number))
        self.amazon_order_id._post_routing_note(
            _(
                "%(name)s shipped in Lightspeed: tracking %(number)s %(carrier)s",
                name=self.name,
                number=tracking.number,
                carrier=tracking.carrier,
            )
        )
        if not sale.completed:
            self._complete_shipped_sale(client)
        elif not self.lightspeed_sale_completed:
            self.write(self._sale_completion_values(True, sale.completed_at))

    def _complete_shipped_sale(self, client):
        """Complete the open sale the store shipped (stock drops now), inside the read's
        savepoint: a throttled or unreachable Lightspeed undoes the shipment and the next read
        does it again; Lightspeed refusing it is an error on the order, which stays shipped,
        logged as the send flow's completion failure (its Retry completes it and resolves it).
        (The send flow's completion commits per order, which the read's savepoint cannot
        survive.) The store's shipment note is left as typed."""
        try:
            completion = complete_sale(client, int(self.lightspeed_sale_id))
        except PermanentError as error:
            message = _(
                "%(name)s: Lightspeed sale %(sale)s could not be completed: %(error)s",
                name=self.name,
                sale=self.lightspeed_sale_id,
                error=error,
            )
            self.write({"error_message": message})
            self.env["amazon.sync.log"].sudo()._log_event(
                "lightspeed", message, reference=self.name, payload=error.payload, record=self
            )
            return
        self.write(self._sale_completion_values(True, completion.completed_at))

    def _ask_for_tracking(self):
        self._ask_back_office(
            _("Enter the tracking number of %s, then Mark shipped", self.name),
            _(
                "The store ticked Shipped in Lightspeed, but the shipment note has no line "
                '"Tracking: <number> <carrier>".'
            ),
        )

    def _shipped_although_cancelled(self, sale):
        """The store shipped an order Amazon cancelled after the sale: nothing is marked and
        nothing goes to Amazon (it would refuse, or charge a buyer who cancelled); a person
        must see it, once however often the sale is read back."""
        summary = _("%s shipped in Lightspeed although Amazon cancelled it", self.name)
        note = _(
            "Amazon cancelled this order after its sale in Lightspeed (sale %(sale)s), and the "
            "store ticked Shipped before the sale was undone. Nothing is confirmed to Amazon. "
            "Stop or recall the parcel; undoing the sale in Lightspeed puts its units back in "
            "the store's stock.",
            sale=sale.sale_id,
        )
        Log = self.env["amazon.sync.log"]
        if not Log._logged_before("after_sale", self, _back_office_line(summary, note)):
            self.amazon_order_id._post_routing_note("%s. %s" % (summary, note))
            self._ask_back_office(summary, note, RECALL_PARCEL_ACTIVITY)

    def _ask_back_office(self, summary, note, activity_xmlid="mail.mail_activity_data_todo"):
        """An activity for the channel's queue group (else the order's follower admins), and a
        warning in the sync log."""
        activity_type = self.env.ref(activity_xmlid)
        group = self.account_id.queue_activity_group_id
        users = group.sudo().users if group else self.env["res.users"]
        for user in users or self.env.ref("base.user_admin"):
            self.activity_schedule(
                activity_type_id=activity_type.id, summary=summary, note=note, user_id=user.id
            )
        self.env["amazon.sync.log"].sudo()._log_event(
            "after_sale",
            _back_office_line(summary, note),
            level="warning",
            reference=self.name,
            record=self,
        )

    def _carrier_named(self, text):
        """The Odoo carrier the note names: by name, else by the channel's Amazon code."""
        if not text:
            return self.env["delivery.carrier"]
        Carrier = self.env["delivery.carrier"].sudo()
        carrier = Carrier.search([("name", "=ilike", text)], limit=1)
        if carrier:
            return carrier
        mapping = (
            self.env["amazon.carrier.mapping"]
            .sudo()
            .search(
                [
                    ("amazon_account_id", "=", self.account_id.id),
                    ("amazon_carrier_code", "=ilike", text),
                ],
                limit=1,
            )
        )
        return mapping.carrier_id

    def _voided_in_lightspeed(self, sale):
        if self.state not in ("sent", "shipped") or self.error_message:
            return
        if self._owes_whole_reversal_still():
            return  # the connector's own void (Amazon cancelled), its run not yet recorded
        error = PermanentError(
            _(
                "Lightspeed sale %(sale)s of %(name)s was voided in the store: the order is no "
                "longer in Lightspeed. Cancel it on Amazon, or send it again after checking.",
                sale=sale.sale_id,
                name=self.name,
            )
        )
        self.write({"error_message": str(error)})
        self.env["amazon.sync.log"].sudo()._log_event(
            "after_sale", str(error), reference=self.name, record=self
        )


def _back_office_line(summary, note):
    """What the sync log says of a question to the back office."""
    return "%s: %s" % (summary, note)


def _naive(moment):
    return moment.replace(tzinfo=None) if moment else None
