from datetime import timedelta

from odoo import _, api, fields, models
from odoo.osv import expression

from .access_guard import MANAGER


def _duration(delta):
    """'1 d 4 h', '3 h 20 min', '12 min': what a person reads at a glance."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return "%d d %d h" % (days, hours)
    return "%d h %d min" % (hours, minutes) if hours else "%d min" % minutes


class AmazonRoutedOrderDeadline(models.Model):
    """How close a held order is to Amazon's latest ship date, and its escalation: under the
    channel's warning threshold it is "at risk of shipping late" (the Overview counts it) and
    the connector managers get an activity, once per held order (the scheduled action marks
    it, so later runs skip it)."""

    _inherit = "amazon.routed.order"

    _escalation_batch_size = 200  # held orders escalated per scheduled call, committed together

    latest_ship_date = fields.Datetime(
        related="amazon_order_id.latest_ship_date", store=True, index=True, string="Ship By"
    )
    time_left = fields.Char(
        compute="_compute_time_left",
        help="Until Amazon's latest ship date, while the order is held; 'late by' once past it.",
    )
    time_left_phrase = fields.Char(
        "Ship-By Countdown",
        compute="_compute_time_left",
        help="Time left as a phrase ('1 d 6 h left'), or 'late by' once Amazon's latest ship date "
        "is past: what the Held Queue's cards show.",
    )
    late_risk = fields.Boolean(
        "At Risk of Shipping Late",
        compute="_compute_time_left",
        search="_search_late_risk",
        help="Held, and Amazon's latest ship date is closer than the channel's warning "
        "threshold (or past).",
    )
    late_risk_escalated = fields.Boolean(
        readonly=True,
        copy=False,
        help="The connector managers were given an activity about the deadline (once).",
    )

    @api.depends("state", "latest_ship_date", "account_id.late_ship_warning_hours")
    def _compute_time_left(self):
        now = fields.Datetime.now()
        for routed in self:
            deadline = routed.latest_ship_date
            if routed.state != "held" or not deadline:
                routed.time_left = routed.time_left_phrase = routed.late_risk = False
                continue
            left = deadline - now
            if left > timedelta(0):
                routed.time_left = _duration(left)
                routed.time_left_phrase = _("%s left", routed.time_left)
            else:
                routed.time_left = routed.time_left_phrase = _("late by %s", _duration(-left))
            routed.late_risk = left < timedelta(hours=routed.account_id.late_ship_warning_hours)

    def _search_late_risk(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(_("At Risk of Shipping Late: search with = or != only."))
        return self._late_risk_domain(fields.Datetime.now(), (operator == "=") == value)

    @api.model
    def _late_risk_domain(self, now, at_risk=True):
        # One term per threshold in use: each channel's orders compared with its own limit.
        channels = self.env["amazon.account"].sudo().with_context(active_test=False).search([])
        by_hours = {}
        for channel in channels:
            by_hours.setdefault(channel.late_ship_warning_hours, []).append(channel.id)
        risky = expression.OR(
            [
                [
                    ("account_id", "in", ids),
                    ("latest_ship_date", "<", now + timedelta(hours=hours)),
                ]
                for hours, ids in by_hours.items()
            ]
            or [expression.FALSE_DOMAIN]
        )
        domain = expression.AND([[("state", "=", "held")], risky])
        return domain if at_risk else ["!", *domain]

    # --- escalation -----------------------------------------------------------------------------

    @api.model
    def _cron_escalate_late_risk(self):
        """Held orders at risk of shipping late, most urgent first, each escalated once.
        ``_escalation_batch_size`` per call; the cron worker calls again at once while more wait."""
        pending = self.search(
            [("late_risk", "=", True), ("late_risk_escalated", "=", False)],
            order="latest_ship_date, id",
        )
        batch = pending[: self._escalation_batch_size]
        batch._escalate_late_risk()
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=len(pending) - len(batch))

    def _escalate_late_risk(self):
        """An activity per connector manager of the order's company, due on the ship-by day."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        managers = self.env.ref(MANAGER).sudo().users
        for routed in self:
            # no manager in the company: the administrator, as for a missing tracking number
            users = (
                managers.filtered(lambda u, c=routed.company_id: c in u.company_ids and not u.share)
                or self.env.ref("base.user_admin", raise_if_not_found=False)
                or managers.browse()
            )
            note = _(
                "Amazon expects it shipped by %(deadline)s UTC (%(left)s). Push it to a store "
                "or void it. %(why)s",
                deadline=fields.Datetime.to_string(routed.latest_ship_date),
                left=routed.time_left,
                why=routed.explanation or "",
            )
            for user in users:
                routed.sudo().activity_schedule(
                    activity_type_id=activity_type.id,
                    summary=_("At risk of shipping late: %s", routed.amazon_order_id.name),
                    note=note,
                    user_id=user.id,
                    date_deadline=routed.latest_ship_date.date(),
                )
        self.sudo().write({"late_risk_escalated": True})
