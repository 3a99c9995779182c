"""The Overview in the browser: a connector user opens the app, follows the card "At risk of
shipping late" to the Held Queue, then two figures of a channel's card (Orders Today, Held) to
the lists behind them, then opens the Routing Analysis pivot and graph."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import run_tour, tour_user
from .reporting_common import create_channel_data, create_order, create_routed


@tagged("post_install", "-at_install")
class TestReportingTour(HttpCase):
    def setUp(self):
        super().setUp()
        company, self.user = tour_user(self.env, "overview_user", "Overview Retail")
        channel, stores, product = create_channel_data(self.env, company, "Tour")
        now = fields.Datetime.now()
        today = create_order(self.env, channel, "111-0000001-0000001", now, "routed")
        create_order(self.env, channel, "111-0000002-0000002", now, "to_route")
        held = create_order(
            self.env, channel, "111-0000003-0000003", now - timedelta(days=5), "routed"
        )
        create_routed(self.env, today, stores[0], "to_send", "best_store", [(product, 1)])
        create_routed(
            self.env,
            held,
            None,
            "held",
            "queue",
            [(product, 2)],
            held_since=now - timedelta(days=4, hours=1),
        )
        # held too, and Amazon wants it shipped within 5 h (the threshold is 24 h): at risk
        # bought yesterday: the channel's card still counts 2 orders today
        yesterday = now - timedelta(days=1)
        urgent = create_order(self.env, channel, "111-0000004-0000004", yesterday, "routed")
        urgent.latest_ship_date = now + timedelta(hours=5)
        create_routed(self.env, urgent, None, "held", "queue", [(product, 1)], held_since=now)

    def test_user_opens_the_overview_and_the_routing_analysis(self):
        run_tour(self, "amazon_account_dashboard_action", "amazon_lightspeed_overview", self.user)
