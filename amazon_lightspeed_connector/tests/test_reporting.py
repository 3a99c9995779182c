"""Reporting: the Overview cards' figures, the Routing Analysis rows (held-queue age included)
and the pivot and graph views, on a known set of orders, read as a Connector User."""

from datetime import timedelta

from lxml import etree
from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import ADDON, click, make_user, open_figure
from .reporting_common import create_channel_data, create_order, create_routed

OVERVIEW = "%s.amazon_account_view_kanban_dashboard" % ADDON


@tagged("post_install", "-at_install")
class TestReporting(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Reporting Retail"})
        cls.user = make_user(
            cls.env, "reporting_user", "%s.group_connector_user" % ADDON, cls.company
        )
        cls.channel, cls.stores, cls.product = create_channel_data(cls.env, cls.company, "Report")
        cls.other_channel, _stores, _product = create_channel_data(
            cls.env, cls.company, "Other", account_number="2"
        )
        cls.now = fields.Datetime.now()
        day = timedelta(days=1)
        # the channel's orders: two purchased today (one routed, one to route), one yesterday
        # in error, one ten days ago held, one three days ago split in two parts
        cls.today_routed = cls._order("111-0000001-0000001", cls.now, "routed")
        cls.today_to_route = cls._order("111-0000002-0000002", cls.now, "to_route")
        cls.yesterday_error = cls._order(
            "111-0000003-0000003", cls.now - day, "none", import_state="error"
        )
        cls.old_held = cls._order("111-0000004-0000004", cls.now - 10 * day, "routed")
        cls.split = cls._order("111-0000005-0000005", cls.now - 3 * day, "routed")
        cls.recent_held = cls._order("111-0000006-0000006", cls.now - 2 * day, "routed")
        cls.channel_orders = (
            cls.today_routed
            | cls.today_to_route
            | cls.yesterday_error
            | cls.old_held
            | cls.split
            | cls.recent_held
        )
        # another channel of the same company: never counted on the first card
        cls.other_order = cls._order(
            "222-0000001-0000001", cls.now, "to_route", channel=cls.other_channel
        )
        store_a, store_b = cls.stores
        cls.routed = {
            "to_send": cls._routed(cls.today_routed, store_a, "to_send", "best_store", 2),
            "old_held": cls._routed(
                cls.old_held, None, "held", "queue", 1, held_since=cls.now - 10 * day
            ),
            "recent_held": cls._routed(
                cls.recent_held,
                None,
                "held",
                "queue",
                4,
                held_since=cls.now - 2 * day - timedelta(hours=1),
            ),
            "split_1": cls._routed(cls.split, store_a, "sent", "split", 3, part=1, virtual=True),
            "split_2": cls._routed(cls.split, store_b, "error", "split", 5, part=2),
            "voided": cls._routed(cls.yesterday_error, store_b, "voided", "best_store", 1),
        }
        cls.other_routed = cls._routed(
            cls.other_order, None, "held", "queue", 7, held_since=cls.now
        )

    @classmethod
    def _order(cls, name, purchase_date, routing_state, import_state="imported", channel=None):
        return create_order(
            cls.env, channel or cls.channel, name, purchase_date, routing_state, import_state
        )

    @classmethod
    def _routed(cls, order, store, state, mode, units, held_since=None, part=1, virtual=False):
        return create_routed(
            cls.env, order, store, state, mode, [(cls.product, units)], held_since, part, virtual
        )

    # ------------------------------------------------------------ the Overview

    def test_overview_card_counts_this_channels_work(self):
        Log = self.env["amazon.sync.log"]
        Log._log_event("import", "Unknown SKU", record=self.yesterday_error)
        Log._log_event("lightspeed", "Store B refused the sale", record=self.routed["split_2"])
        Log._log_event("connection", "Token refused", record=self.channel)
        Log._log_event("import", "Fixed already", record=self.today_routed).resolved = True
        Log._log_event("routing", "Only a warning", level="warning", record=self.channel)
        Log._log_event("import", "The other channel's", record=self.other_order)

        card = self.channel.with_user(self.user)
        self.assertEqual(card.amazon_order_count, 6)
        self.assertEqual(card.dashboard_orders_today, 2)
        self.assertEqual(card.dashboard_to_route, 1)
        self.assertEqual(card.dashboard_import_errors, 1)
        self.assertEqual(card.dashboard_to_send, 1)
        self.assertEqual(card.dashboard_routed_errors, 1)
        self.assertEqual(card.held_order_count, 2)
        self.assertEqual(card.dashboard_oldest_held_days, 10)
        self.assertEqual(card.dashboard_sync_errors, 3)
        other = self.other_channel.with_user(self.user)
        self.assertEqual(
            (
                other.amazon_order_count,
                other.dashboard_orders_today,
                other.dashboard_to_route,
                other.dashboard_import_errors,
                other.dashboard_sync_errors,
            ),
            (1, 1, 1, 0, 1),
        )

    def test_overview_card_counts_ship_confirmations(self):
        self.routed["split_1"].write({"state": "shipped", "confirmation_state": "to_confirm"})
        self.routed["to_send"].write({"state": "shipped", "confirmation_state": "waiting"})
        self.routed["split_2"].write({"state": "shipped", "confirmation_state": "failed"})
        self.routed["recent_held"].write({"state": "shipped", "confirmation_state": "unknown"})
        self.other_routed.write({"state": "shipped", "confirmation_state": "failed"})
        card = self.channel.with_user(self.user)
        self.assertEqual(
            (card.dashboard_to_confirm, card.dashboard_confirm_refused),
            (2, 1),
            "an unknown outcome is neither due now nor refused",
        )
        self.assertEqual(card.dashboard_confirm_unknown, 1)
        by_confirmation = dict(
            self.env["amazon.routing.report"]
            .with_user(self.user)
            ._read_group(
                [("account_id", "=", self.channel.id)], ["confirmation_state"], ["__count"]
            )
        )
        self.assertEqual(
            by_confirmation, {"to_confirm": 1, "waiting": 1, "unknown": 1, "failed": 1, False: 2}
        )
        for field_name, figure in (
            ("dashboard_to_confirm", 2),
            ("dashboard_confirm_refused", 1),
            ("dashboard_confirm_unknown", 1),
        ):
            action = open_figure(card, field_name)
            listed = self.env[action["res_model"]].with_user(self.user).search(action["domain"])
            self.assertEqual(len(listed), figure)

    def card_buttons(self, card):
        """{the figure a button of the Overview card shows: the button}."""
        arch = etree.fromstring(card.get_view(self.env.ref(OVERVIEW).id, "kanban")["arch"])
        return {
            button.find(".//field").get("name"): button
            for button in arch.xpath("//templates//*[@type='object'][.//field]")
        }

    def test_each_figure_opens_the_list_behind_it(self):
        """A click on a figure of the card, as the web client makes it, lists what it counts."""
        self.env["amazon.sync.log"]._log_event("connection", "Token refused", record=self.channel)
        card = self.channel.with_user(self.user)
        buttons = self.card_buttons(card)
        for field_name in (
            "dashboard_orders_today",
            "dashboard_to_route",
            "dashboard_import_errors",
            "held_order_count",
            "dashboard_to_send",
            "dashboard_routed_errors",
            "dashboard_sync_errors",
        ):
            with self.subTest(figure=field_name):
                action = click(card, buttons[field_name])
                figure = card[field_name]
                self.assertTrue(figure)
                listed = self.env[action["res_model"]].with_user(self.user).search(action["domain"])
                self.assertEqual(len(listed), figure)
        analysis = card.action_dashboard_analysis()
        rows = self.env[analysis["res_model"]].with_user(self.user).search(analysis["domain"])
        self.assertEqual(len(rows), 6)

    def test_every_counted_figure_is_the_size_of_the_list_it_opens(self):
        """Each figure of the card's table, the after-sale and routing ones included, counts
        exactly the records its button lists, read as a Connector User."""
        shipped = self._routed(self.split, self.stores[0], "sent", "split", 1, part=3)
        shipped.lightspeed_shipped = True  # the store ticked Shipped, no tracking line
        card = self.channel.with_user(self.user)
        figures = card._dashboard_figures()
        self.assertIn("dashboard_tracking_missing", figures)
        self.assertIn("dashboard_late_risk", figures)
        for field_name in figures:
            with self.subTest(figure=field_name):
                action = open_figure(card, field_name)
                listed = self.env[action["res_model"]].with_user(self.user).search(action["domain"])
                self.assertEqual(card[field_name], len(listed))
        self.assertEqual(card.dashboard_tracking_missing, 1)

    def test_channel_form_buttons_open_all_orders_and_those_in_error(self):
        """The channel form's Orders button lists every order of the channel, its In Error
        button only those that need a fix: the same figure and list as the Overview's."""
        card = self.channel.with_user(self.user)
        form = etree.fromstring(card.get_view(view_type="form")["arch"])
        for counter, figure, expected in (
            ("amazon_order_count", card.amazon_order_count, self.channel_orders),
            ("dashboard_import_errors", card.dashboard_import_errors, self.yesterday_error),
        ):
            with self.subTest(counter=counter):
                (button,) = form.xpath("//button[field[@name='%s']]" % counter)
                action = click(card, button)
                listed = self.env[action["res_model"]].with_user(self.user).search(action["domain"])
                self.assertEqual(listed, expected)
                self.assertEqual(figure, len(expected))

    def test_every_list_a_figure_opens_is_under_the_apps_menus(self):
        """The web client shows an app's menus over an action it finds among them (a reload of
        the list, a link to it): each list an Overview figure opens is one of the app's."""
        root = self.env.ref("%s.menu_connector_root" % ADDON).id
        menus = self.env["ir.ui.menu"].with_user(self.user).load_web_menus(debug=False)
        in_app = {menu["actionID"] for menu in menus.values() if menu.get("appID") == root}
        card = self.channel.with_user(self.user)
        buttons = self.card_buttons(card)
        self.assertGreater(len(buttons), 10)
        for field_name, button in buttons.items():
            with self.subTest(figure=field_name):
                self.assertIn(click(card, button)["id"], in_app)

    def test_a_figure_the_card_does_not_have_is_refused_plainly(self):
        """The figure comes from the button's context, which a caller over RPC may forge: a
        name that is not a figure of the card opens nothing and says so."""
        card = self.channel.with_user(self.user)
        forged_names = (None, "name", "dashboard_oldest_held_days", "__class__", ["name"], {})
        for forged in forged_names:
            with self.subTest(figure=forged), self.assertRaises(UserError):
                open_figure(card, forged)

    def test_overview_is_the_apps_home_for_a_connector_user(self):
        menus = self.env["ir.ui.menu"].with_user(self.user).load_web_menus(debug=False)
        root = menus[self.env.ref("%s.menu_connector_root" % ADDON).id]
        overview = self.env.ref("%s.menu_connector_overview" % ADDON)
        dashboard = self.env.ref("%s.amazon_account_dashboard_action" % ADDON)
        self.assertEqual(root["children"][0], overview.id)
        self.assertEqual(root["actionID"], dashboard.id, "the app opens on the Overview")
        action = (
            self.env["ir.actions.act_window"]
            .with_user(self.user)
            ._for_xml_id("%s.amazon_account_dashboard_action" % ADDON)
        )
        views = (
            self.env["amazon.account"]
            .with_user(self.user)
            .get_views([(action["view_id"][0], "kanban")])
        )
        arch = views["views"]["kanban"]["arch"]
        self.assertIn("action_dashboard_held", arch)
        self.assertNotIn("action_import_orders", arch, "Import now is for managers")
        cards = (
            self.env["amazon.account"]
            .with_user(self.user)
            .web_search_read(
                [],
                {"name": {}, "dashboard_orders_today": {}, "dashboard_oldest_held_days": {}},
            )
        )
        by_name = {card["name"]: card for card in cards["records"]}
        self.assertEqual(by_name["Report channel"]["dashboard_orders_today"], 2)
        self.assertEqual(by_name["Report channel"]["dashboard_oldest_held_days"], 10)

    # ------------------------------------------------------------ Routing Analysis

    def test_routing_analysis_rows_by_mode_state_and_store(self):
        Report = self.env["amazon.routing.report"].with_user(self.user)
        channel = [("account_id", "=", self.channel.id)]
        rows = Report.search(channel)
        self.assertEqual(len(rows), 6)
        split_2 = rows.filtered(lambda r: r.routed_order_id == self.routed["split_2"])
        self.assertEqual(
            (split_2.name, split_2.warehouse_id, split_2.state, split_2.routing_mode),
            ("111-0000005-0000005-2", self.stores[1], "error", "split"),
        )
        self.assertEqual(split_2.purchase_date, self.split.purchase_date)
        self.assertEqual(split_2.units, 5)
        by_mode_state = {
            (mode, state): (count, units)
            for mode, state, count, units in Report._read_group(
                channel, ["routing_mode", "state"], ["__count", "units:sum"]
            )
        }
        self.assertEqual(
            by_mode_state,
            {
                ("best_store", "to_send"): (1, 2),
                ("best_store", "voided"): (1, 1),
                ("queue", "held"): (2, 5),
                ("split", "sent"): (1, 3),
                ("split", "error"): (1, 5),
            },
        )
        by_store = {
            store: (count, virtual)
            for store, count, virtual in Report._read_group(
                channel, ["warehouse_id"], ["__count", "virtual_inventory_count:sum"]
            )
        }
        store_a, store_b = self.stores
        self.assertEqual(by_store[store_a], (2, 1))
        self.assertEqual(by_store[store_b], (2, 0))
        self.assertEqual(by_store[self.env["stock.warehouse"]], (2, 0))
        by_day = Report._read_group(channel, ["purchase_date:day"], ["__count"])
        self.assertEqual(sum(count for _day, count in by_day), 6)
        self.assertEqual(len(by_day), 5)

    def test_held_queue_age_is_computed_when_read(self):
        Report = self.env["amazon.routing.report"].with_user(self.user)
        held = Report.search([("account_id", "=", self.channel.id), ("state", "=", "held")])
        ages = {row.routed_order_id: row for row in held}
        old, recent = ages[self.routed["old_held"]], ages[self.routed["recent_held"]]
        self.assertEqual((old.held_age, recent.held_age), ("7_plus", "1_3"))
        self.assertAlmostEqual(old.held_age_days, 10, delta=0.1)
        self.assertAlmostEqual(recent.held_age_days, 2, delta=0.1)
        not_held = Report.search([("routed_order_id", "=", self.routed["to_send"].id)])
        self.assertEqual((not_held.held_age, not_held.held_age_days), (False, 0.0))
        # grouped, the age is the oldest of the group
        [(oldest,)] = Report._read_group(
            [("account_id", "=", self.channel.id)], [], ["held_age_days:max"]
        )
        self.assertAlmostEqual(oldest, 10, delta=0.1)
        buckets = dict(Report._read_group([("state", "=", "held")], ["held_age"], ["__count"]))
        self.assertEqual(buckets, {"0_1": 1, "1_3": 1, "7_plus": 1})

    def test_routing_analysis_keeps_to_the_users_company(self):
        elsewhere = self.env["res.company"].create({"name": "Elsewhere Retail"})
        channel, stores, _product = create_channel_data(self.env, elsewhere, "Elsewhere")
        order = self._order("333-0000001-0000001", self.now, "routed", channel=channel)
        self._routed(order, stores[0], "to_send", "best_store", 1)
        Report = self.env["amazon.routing.report"]
        self.assertEqual(Report.search_count([("account_id", "=", channel.id)]), 1)
        self.assertFalse(Report.with_user(self.user).search([("account_id", "=", channel.id)]))
        self.assertEqual(Report.with_user(self.user).search_count([]), 7)

    # ------------------------------------------------------------ orders and sync log

    def test_orders_by_channel_status_and_day(self):
        Order = self.env["amazon.order"].with_user(self.user)
        groups = Order._read_group(
            [("account_id", "in", (self.channel + self.other_channel).ids)],
            ["account_id", "purchase_date:day"],
            ["__count", "order_total:sum"],
        )
        today = fields.Date.context_today(Order)
        # grouped by day, a datetime field comes back as the day's first moment
        mine = {
            day.date(): (count, total)
            for channel, day, count, total in groups
            if channel == self.channel
        }
        self.assertEqual(mine[today], (2, 50.0))
        self.assertEqual(sum(count for count, _total in mine.values()), 6)

    def test_sync_failures_by_flow(self):
        Log = self.env["amazon.sync.log"]
        for flow, count in (("import", 3), ("lightspeed", 2), ("routing", 1)):
            for index in range(count):
                Log._log_event(flow, "failure %s" % index, record=self.channel)
        Log._log_event("routing", "a warning", level="warning", record=self.channel)
        groups = Log.with_user(self.user)._read_group(
            [("level", "=", "error"), ("company_id", "=", self.company.id)],
            ["flow"],
            ["__count"],
        )
        self.assertEqual(dict(groups), {"import": 3, "lightspeed": 2, "routing": 1})

    def test_pivot_and_graph_views_load_for_a_connector_user(self):
        for xmlid, model in (
            ("amazon_order_action", "amazon.order"),
            ("amazon_order_analysis_action", "amazon.order"),
            ("amazon_routed_order_action", "amazon.routed.order"),
            ("amazon_sync_log_action", "amazon.sync.log"),
            ("amazon_sync_log_analysis_action", "amazon.sync.log"),
            ("amazon_routing_report_action", "amazon.routing.report"),
            ("amazon_routing_report_held_action", "amazon.routing.report"),
        ):
            with self.subTest(action=xmlid):
                action = (
                    self.env["ir.actions.act_window"]
                    .with_user(self.user)
                    ._for_xml_id("%s.%s" % (ADDON, xmlid))
                )
                modes = action["view_mode"].split(",")
                self.assertIn("pivot", modes)
                self.assertIn("graph", modes)
                views = (
                    self.env[model]
                    .with_user(self.user)
                    .get_views(
                        [(False, mode) for mode in modes] + [(False, "search")],
                        {"load_filters": True},
                    )
                )
                self.assertIn("<pivot", views["views"]["pivot"]["arch"])
                self.assertIn("<graph", views["views"]["graph"]["arch"])
                self.assertIn('name="last_7_days"', views["views"]["search"]["arch"])
