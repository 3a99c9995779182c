"""The order import against the Amazon simulator, in process."""

from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..lib.amazon.results import OrderPage
from ..lib.lightspeed.sale_payload import PartLine, SaleRequest, payload_total, sale_payload
from ..models.amazon_account_import import IMPORT_CRON
from .amazon_import_common import MARKETPLACE, AmazonImportCase
from .common import SyncLogErrors, make_user
from .simulators.amazon import line
from .simulators.amazon.wire import MALFORMATIONS

SEARCH = r"^/orders/2026-01-01/orders$"


class WorkerKilled(BaseException):
    """The process dies between two orders (not an error any handler may catch)."""


@tagged("post_install", "-at_install")
class TestAmazonImport(SyncLogErrors, AmazonImportCase):
    # ------------------------------------------------------------ one order, in full

    def test_an_order_imports_with_lines_amounts_partner_and_no_mail(self):
        order = self.sim.add_order(
            [
                line(
                    "JBJ-S",
                    2,
                    "59.00",
                    tax="9.44",
                    promotion_discount="5.00",
                    shipping_price="4.99",
                    shipping_discount="1.00",
                    gift_wrap_price="3.50",
                    gift_wrap_tax="0.28",
                    gift_message="Happy birthday",
                ),
                line("LTR-BELT", 3, "25.00", tax="6.00"),  # 75.00 / 3 divides evenly
                line("WOOL-SCARF", 3, "19.99", tax="1.60"),  # 19.99 / 3 does not
            ],
            ship_service_level="Expedited",
            buyer_note="Leave at the back door",
        )
        mails_before = self.env["mail.mail"].search_count([])
        run = self.run_import()
        self.assertEqual(run.counts["created"], 1, run.summary())
        amazon = self.orders()
        self.assertEqual(amazon.name, order.order_id)
        self.assertEqual(
            (amazon.status, amazon.fulfillment_channel, amazon.import_state, amazon.routing_state),
            ("unshipped", "MFN", "imported", "to_route"),
        )
        self.assertEqual(len(amazon.line_ids), 3)
        self.assertEqual(amazon.buyer_email, order.buyer.email)
        self.assertEqual(amazon.buyer_note, "Leave at the back door")
        sale = amazon.sale_order_id
        self.assertEqual(sale.name, "AMZ-" + order.order_id)
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.amazon_order_id, amazon)
        expected = Decimal(str(order.total()))
        self.assertAlmostEqual(sale.amount_total, float(expected), places=2)
        self.assertAlmostEqual(amazon.order_total, float(expected), places=2)
        self.assertFalse(amazon.amount_difference)
        self.assertEqual(sale.currency_id.name, "USD")
        jeans = sale.order_line.filtered(lambda x: x.product_id == self.products["JBJ-S"])
        self.assertEqual((jeans.product_uom_qty, jeans.price_unit), (2, 59.0))
        self.assertFalse(sale.order_line.tax_id)
        shipping = sale.order_line.filtered(
            lambda x: (
                x.product_id == self.env.ref("amazon_lightspeed_connector.product_amazon_shipping")
            )
        )
        self.assertEqual(sorted(shipping.mapped("price_unit")), [-1.0, 4.99])
        tax = sale.order_line.filtered(
            lambda x: x.product_id == self.env.ref("amazon_lightspeed_connector.product_amazon_tax")
        )
        self.assertAlmostEqual(tax.price_unit, 9.44 + 0.28 + 6.00 + 1.60, places=2)
        # partner by e-mail, shipping address as a delivery contact, never a follower
        partner = sale.partner_id
        self.assertEqual(partner.email, order.buyer.email)
        self.assertTrue(partner.amazon_buyer)
        delivery = sale.partner_shipping_id
        self.assertEqual(delivery.type, "delivery")
        self.assertEqual(delivery.parent_id, partner)
        self.assertEqual(
            (delivery.street, delivery.city, delivery.zip, delivery.country_id.code),
            (order.address.line1, order.address.city, order.address.postal_code, "US"),
        )
        self.assertNotIn(partner, sale.message_partner_ids)
        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before)
        self.assertFalse(
            self.env["mail.message"].search_count(
                [
                    ("model", "=", "sale.order"),
                    ("res_id", "=", sale.id),
                    ("partner_ids", "in", partner.ids),
                ]
            )
        )
        self.assertEqual(self.account._run_state("import").last_reference, order.order_id)
        self.assertTrue(self.account.last_run)
        self.assertGreater(self.account.import_cursor, self.account.import_from)

    def test_the_sale_order_and_the_lightspeed_sale_share_one_money_rule(self):
        self.sim.add_order(
            [line("WOOL-SCARF", 3, "19.99", tax="1.60", promotion_discount="2.00")],
        )
        self.run_import()
        amazon = self.orders()
        amazon.line_ids.write({"item_price": 10.00, "shipping_price": 4.99})  # 10.00 / 3 units
        sale = amazon.sale_order_id
        values = amazon._prepare_sale_order_values(
            sale.partner_id, sale.partner_shipping_id, list(amazon.line_ids.product_id)
        )
        lines = [command[2] for command in values["order_line"]]
        # the unit price rounds up, as on the Lightspeed Sale; the 0.02 joins the promotion
        self.assertEqual((lines[0]["product_uom_qty"], lines[0]["price_unit"]), (3, 3.34))
        by_name = {x["name"]: x["price_unit"] for x in lines[1:]}
        self.assertEqual(by_name["Promotion discount"], -2.02)
        odoo_total = sum(x["product_uom_qty"] * x["price_unit"] for x in lines)
        data, _sku_of = amazon._amazon_order_data()
        parts = ((PartLine(data.lines[0].seller_sku, 3, 1),),)
        request = SaleRequest(data, parts, 1, 1, 1, 1, shipping_item_id=0)
        self.assertAlmostEqual(odoo_total, 10.00 - 2.00 + 4.99 + 1.60, places=2)
        self.assertAlmostEqual(odoo_total, float(payload_total(sale_payload(request))), places=2)

    def test_the_same_buyer_is_one_partner_with_one_delivery_contact_per_address(self):
        first = self.sim.add_order([line("JBJ-M")])
        self.sim.add_order([line("JBJ-L")], buyer=first.buyer, address=first.address)
        self.sim.add_order([line("LTR-BELT")], buyer=first.buyer)
        self.run_import()
        sales = self.sales()
        self.assertEqual(len(sales), 3)
        self.assertEqual(len(sales.partner_id), 1)
        self.assertEqual(len(sales.partner_shipping_id), 2)

    def test_prefix_status_mapping_exclusion_and_shipping_mapping(self):
        product = self.env["product.product"].create({"name": "UPS", "type": "service"})
        carrier = self.env["delivery.carrier"].create(
            {"name": "UPS Ground", "product_id": product.id}
        )
        mapping = self.env["amazon.shipping.mapping"].create(
            {
                "amazon_account_id": self.account.id,
                "ship_service_level": "NextDay",
                "carrier_id": carrier.id,
            }
        )
        self.account.write(
            {"order_prefix": "AZ/", "fbm_order_state": "draft", "exclude_from_sales_reports": True}
        )
        order = self.sim.add_order([line("JBJ-M")], ship_service_level="NextDay")
        self.run_import()
        amazon = self.orders()
        sale = amazon.sale_order_id
        self.assertEqual(sale.name, "AZ/" + order.order_id)
        self.assertEqual(sale.state, "draft")
        self.assertEqual(amazon.shipping_mapping_id, mapping)
        self.assertEqual(sale.carrier_id, carrier)
        self.assertTrue(sale.amazon_exclude_from_reports)
        self.env.flush_all()
        self.assertFalse(
            self.env["sale.report"].search_count(
                [("order_reference", "=", "sale.order,%d" % sale.id)]
            )
        )

    def test_orders_in_other_currencies_get_a_pricelist_in_that_currency(self):
        self.sim.add_order([line("JBJ-M", 1, "5980")], currency="JPY")
        self.run_import()
        sale = self.sales()
        self.assertEqual(sale.currency_id.name, "JPY")
        self.assertEqual(sale.amount_total, 5980)

    def test_each_company_imports_its_own_orders(self):
        """Two companies, one channel each (Amazon.com and Amazon.ca): every order, customer
        and sale order lands in the channel's company, and each company's users see only
        theirs. One buyer shopping in both is one customer per company."""
        canada = "A2EUQ1WTGCTBG2"
        company_b = self.env["res.company"].create(
            {"name": "Amazon Canada Ltd", "currency_id": self.env.ref("base.CAD").id}
        )
        account_b = self.new_account(
            name="Amazon.ca channel", company_id=company_b.id, marketplace_ids=canada
        )
        for sku in self.products:
            self.bind(sku, marketplace=canada, account=account_b)
        us_orders = [self.sim.add_order([line("JBJ-M")]) for _ in range(3)]
        both = us_orders[0].buyer
        ca_orders = [
            self.sim.add_order([line("LTR-BELT", 2, "30.00")], marketplace_id=canada, buyer=both),
            self.sim.add_order([line("JBJ-S")], marketplace_id=canada),
        ]
        self.assertEqual(self.run_import().counts["created"], 3)
        self.assertEqual(self.run_import(account_b).counts["created"], 2)

        for account, company, expected, currency in (
            (self.account, self.company, us_orders, "USD"),
            (account_b, company_b, ca_orders, "CAD"),
        ):
            orders = self.env["amazon.order"].search([("account_id", "=", account.id)])
            self.assertEqual(set(orders.mapped("name")), {o.order_id for o in expected})
            self.assertEqual(orders.company_id, company)
            self.assertEqual(orders.line_ids.company_id, company)
            sales = orders.sale_order_id
            self.assertEqual(len(sales), len(expected))
            self.assertEqual(sales.company_id, company)
            self.assertEqual(set(sales.mapped("currency_id.name")), {currency})
            self.assertEqual(sales.partner_id.company_id, company)
            self.assertEqual(sales.partner_shipping_id.company_id, company)
            self.assertEqual(sales.pricelist_id.company_id, company)
            self.assertEqual(sales.warehouse_id.company_id, company)
        shared = self.env["res.partner"].search([("email", "=", both.email)])
        self.assertEqual(set(shared.mapped("company_id")), {self.company, company_b})

        group_user = "amazon_lightspeed_connector.group_connector_user"
        user_a = make_user(self.env, "amazon-user-a", group_user, self.company)
        user_b = make_user(self.env, "amazon-user-b", group_user, company_b)
        channels = [("account_id", "in", (self.account | account_b).ids)]
        Order = self.env["amazon.order"]
        for user, expected in ((user_a, us_orders), (user_b, ca_orders)):
            self.assertEqual(
                set(Order.with_user(user).search(channels).mapped("name")),
                {o.order_id for o in expected},
            )

    # ------------------------------------------------------------ exactly once

    def test_rerun_and_overlapping_windows_make_no_duplicate(self):
        self.small_pages(10)
        generated = self.sim.generate_orders(25, spread=86400, afn_share=0)
        first = self.run_import()
        self.assertEqual((first.counts["created"], first.counts["pages"]), (25, 3), first.summary())
        self.assertTrue(first.complete)
        self.assertEqual(len(self.orders()), 25)
        self.assertEqual(len(self.sales()), 25)
        again = self.run_import()
        self.assertEqual((again.counts["created"], again.counts["updated"]), (0, 0))
        # a window overlapping everything already imported
        self.account._save_run_state("import", cursor=self.sim_now(days=-3))
        overlap = self.run_import()
        self.assertEqual(overlap.counts["created"], 0)
        self.assertEqual(overlap.counts["unchanged"], 25)
        self.assertEqual(len(self.orders()), 25)
        self.assertEqual(len(self.sales()), 25)
        self.assertEqual(set(self.orders().mapped("name")), {o.order_id for o in generated})

    def test_a_next_token_that_repeats_orders_makes_no_duplicate(self):
        self.small_pages(10)
        self.sim.generate_orders(25, spread=86400, afn_share=0)
        client = self.new_client()
        original = client.search_orders
        seen = []

        def repeating(*args, **kwargs):
            page = original(*args, **kwargs)
            orders = seen[-7:] + page.orders  # the next page starts with the last ones again
            seen.extend(page.orders)
            return OrderPage(orders, page.next_token, page.window_end)

        client.search_orders = repeating
        with self.served():
            run = self.account._import_orders(client=client)
        self.assertEqual(run.counts["pages"], 3)
        self.assertEqual(run.counts["created"], 25)
        self.assertEqual(run.counts["unchanged"], 14)  # 7 repeated at the top of pages 2 and 3
        self.assertEqual(len(self.orders()), 25)
        self.assertEqual(len(self.sales()), 25)

    def test_a_crash_between_two_orders_loses_and_duplicates_nothing(self):
        self.sim.generate_orders(30, spread=3600, afn_share=0)
        Order = type(self.env["amazon.order"])
        original = Order._import_from_amazon
        calls = []

        def dying(model, *args, **kwargs):
            calls.append(1)
            if len(calls) == 12:
                raise WorkerKilled()
            return original(model, *args, **kwargs)

        # (not assertRaises: Odoo's rolls its block back, which a real crash after commits
        # does not)
        with patch.object(Order, "_import_from_amazon", dying):
            try:
                self.run_import()
            except WorkerKilled:  # pylint: disable=except-pass
                pass
            else:
                self.fail("the worker should have died")
        # what was committed before the crash: 11 orders; the cursor moves only once a search
        # is read to its end, so the next run searches again and finds them stored
        self.assertEqual(len(self.orders()), 11)
        state = self.account._run_state("import")
        self.assertFalse(state.cursor)
        self.assertEqual(state.last_reference, self.orders().sorted("last_update_date")[-1].name)
        run = self.run_import()
        self.assertTrue(run.complete)
        self.assertEqual(run.counts["created"], 19)
        self.assertEqual(len(self.orders()), 30)
        self.assertEqual(len(self.sales()), 30)

    def test_a_long_backfill_stops_after_the_page_budget_and_continues(self):
        self.small_pages(10)
        self.sim.generate_orders(35, spread=10 * 86400, afn_share=0)
        self.account.import_max_pages = 2
        first = self.run_import()
        self.assertFalse(first.complete)
        self.assertEqual((first.counts["created"], first.counts["pages"]), (20, 2))
        self.assertTrue(self.logs("info").filtered(lambda x: "backfill in progress" in x.message))
        self.assertIn("20 new", self.account.import_progress)
        second = self.run_import()
        self.assertTrue(second.complete)
        self.assertEqual(len(self.orders()), 35)
        self.assertEqual(second.counts["created"], 15)

    def test_a_burst_after_earlier_runs_stops_at_the_page_budget_in_a_scheduled_context(self):
        """A channel read before (its cursor set), then more orders than one run's pages: the
        run stops at its page limit and says so, run as the scheduled action runs it, with no
        language in its context (``_()`` then looks through its caller's locals)."""
        self.small_pages(10)
        self.assertTrue(self.run_import().complete)
        self.assertTrue(self.account._run_state("import").cursor)
        self.sim.clock.advance(3600)
        self.sim.generate_orders(25, spread=1800, afn_share=0)
        self.account.import_max_pages = 1
        scheduled = self.account.with_context(lang=None)
        first = self.run_import(account=scheduled)
        self.assertEqual((first.complete, first.counts["created"]), (False, 10))
        self.assertTrue(self.account._run_state("import").backlog, "the next run goes on at once")
        self.assertTrue(self.logs("info").filtered(lambda x: "backfill in progress" in x.message))
        runs = [self.run_import(account=scheduled) for _run in range(2)]
        self.assertEqual([run.complete for run in runs], [False, True])
        self.assertEqual(len(self.orders()), 25)

    def test_a_backfill_cut_at_its_page_limit_loses_nothing_whatever_amazons_order(self):
        # Amazon's documentation promises no order of a search's results: newest first, a
        # cursor moved to the latest order read would pass over the older ones not yet read
        self.sim.search_newest_first = True
        self.small_pages(10)
        self.sim.generate_orders(25, spread=10 * 86400, afn_share=0)
        self.account.import_max_pages = 1
        first = self.run_import()
        self.assertEqual((first.counts["created"], first.complete), (10, False))
        state = self.account._run_state("import")
        self.assertTrue(state.page_token and state.window_end)
        self.assertFalse(state.cursor, "the cursor waits for the search's end")
        self.assertEqual(self.run_import().counts["created"], 10)
        last = self.run_import()
        self.assertEqual((last.counts["created"], last.complete), (5, True))
        self.assertEqual(len(self.orders()), 25)
        state = self.account._run_state("import")
        self.assertFalse(state.page_token or state.window_end)
        self.assertEqual(self.account.import_cursor, state.cursor)
        self.assertGreaterEqual(state.cursor, max(self.orders().mapped("last_update_date")))

    def test_a_search_amazon_no_longer_continues_starts_again_from_the_cursor(self):
        """The saved token is refused: the search starts again from the cursor over the first
        half of its window, and the run that reads that half asks for the rest at once."""
        self.small_pages(10)
        self.sim.generate_orders(25, spread=10 * 86400, afn_share=0)  # the last ten days
        self.account.write({"import_from": self.sim_now(days=-10, hours=-1), "import_max_pages": 1})
        self.assertEqual(self.run_import().counts["created"], 10)  # the oldest ten
        window = self.account._run_state("import").window_end
        self.sim.expire_page_tokens()
        self.account.import_max_pages = 5
        again = self.run_import()
        self.assertTrue(again.complete and again.continues, again.summary())
        self.assertEqual(again.counts["unchanged"], 10, "what was stored is read again unchanged")
        half = self.account.import_from + (window - self.account.import_from) / 2
        self.assertEqual(self.account._run_state("import").cursor, half)
        restarted = self.logs("info").filtered(lambda x: "starts again from" in x.message)
        self.assertEqual(len(restarted), 1)
        self.assertIn("400", restarted.message)
        rest = self.run_import()
        self.assertTrue(rest.complete and not rest.continues, rest.summary())
        self.assertEqual(len(self.orders()), 25)

    def test_a_backfill_moves_on_though_amazons_tokens_expire_between_its_runs(self):
        """Each run reads one page and Amazon refuses every token by the next run: without
        halving the window at each refusal, every run would read the same first page again."""
        self.small_pages(10)
        self.sim.generate_orders(25, spread=10 * 86400, afn_share=0)
        self.account.import_max_pages = 1
        runs = []
        while len(runs) < 12 and not (runs and runs[-1].complete and not runs[-1].continues):
            runs.append(self.run_import())
            self.sim.expire_page_tokens()
        self.assertEqual(len(self.orders()), 25, [run.summary() for run in runs])
        self.assertLess(len(runs), 12)

    def test_the_scheduled_action_continues_a_backfill_at_once(self):
        self.small_pages(10)
        self.sim.generate_orders(35, spread=10 * 86400, afn_share=0)
        self.account.write({"import_enabled": True, "import_max_pages": 2})
        self.assertEqual(self.import_with_progress(), (20, 1), "the worker comes back")
        self.assertTrue(self.account._run_state("import").backlog)
        # within the channel's interval, yet it goes on: its backfill is not finished, from
        # the page the first run stopped before (the search's token): the 15 others
        self.assertEqual(self.import_with_progress(), (15, 0))
        self.assertFalse(self.account._run_state("import").backlog)
        self.assertEqual(len(self.orders()), 35)
        self.assertEqual(self.import_with_progress(), (0, 0), "then it waits for the interval")

    def test_a_throttled_backfill_goes_on_when_the_quota_has_room_not_at_once(self):
        self.small_pages(10)
        self.sim.generate_orders(35, spread=10 * 86400, afn_share=0)
        self.account.write({"import_enabled": True, "import_max_pages": 2})
        cron = self.env.ref("amazon_lightspeed_connector.ir_cron_amazon_import_orders")
        self.sim.faults.add("throttle", path=SEARCH, times=None)
        started = fields.Datetime.now()
        self.assertEqual(self.import_with_progress(), (0, 0), "no call again at once")
        self.assertFalse(self.orders())
        # the next run is asked for when searchOrders has room (one call per 3 minutes), and
        # finds the channel due although its interval has not passed
        later = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", cron.id), ("call_at", ">=", started + timedelta(seconds=60))]
        )
        self.assertTrue(later)
        self.assertTrue(self.account._run_state("import").backlog)

    def import_with_progress(self):
        self.sim.clock.advance(60)
        return self.served_cron_pass("amazon.account", IMPORT_CRON, "_cron_import_orders")

    # ------------------------------------------------------------ faults

    def test_throttling_stops_the_run_and_keeps_the_cursor(self):
        self.sim.generate_orders(10, spread=3600, afn_share=0)
        self.sim.faults.add("throttle", path=SEARCH, times=3)
        run = self.run_import()
        self.assertIn("throttled", run.stopped)
        self.assertFalse(self.orders())
        self.assertFalse(self.account.import_cursor)
        self.assertTrue(self.logs("warning").filtered(lambda x: "throttled" in x.message))
        self.sim.faults.clear()
        run = self.run_import()
        self.assertTrue(run.complete)
        self.assertEqual(len(self.orders()), 10)

    def test_a_server_error_in_the_middle_of_paging_retries_the_page_next_run(self):
        self.small_pages(10)
        self.sim.generate_orders(25, spread=86400, afn_share=0)
        client = self.new_client()
        original = client.search_orders

        def failing_after_first_page(*args, **kwargs):
            page = original(*args, **kwargs)
            if not self.sim.faults.rules:
                self.sim.faults.add("server_error", path=SEARCH, times=1)
            return page

        client.search_orders = failing_after_first_page
        with self.served():
            run = self.account._import_orders(client=client)
        self.assertTrue(run.stopped)
        self.assertEqual(run.counts["created"], 10)
        state = self.account._run_state("import")
        self.assertTrue(state.page_token, "the next run goes on with the page that failed")
        self.assertFalse(state.cursor, "the search is not read to its end")
        run = self.run_import()
        self.assertTrue(run.complete, run.summary())
        self.assertEqual(len(self.orders()), 25)
        self.assertEqual(len(self.sales()), 25)

    def test_a_truncated_page_is_read_again_next_run(self):
        self.sim.generate_orders(20, spread=3600, afn_share=0)
        self.sim.faults.add("truncated_json", path=SEARCH, times=1)
        run = self.run_import()
        self.assertIn("not valid JSON", run.stopped)
        self.assertFalse(self.orders())
        self.assertTrue(self.logs("error"))
        self.run_import()
        self.assertEqual(len(self.orders()), 20)

    def test_the_malformed_corpus_ends_as_errors_and_the_rest_imports(self):
        good = [self.sim.add_order([line("JBJ-M")]) for _ in range(3)]
        bad = {kind: self.sim.inject_malformed_order(kind) for kind in MALFORMATIONS}
        negative = self.sim.add_order([line("JBJ-L", -2)])
        unknown = self.sim.add_order([line("NOT-BOUND-1", 1), line("JBJ-S", 1)])
        run = self.run_import()
        self.assertTrue(run.complete, run.summary())
        for order in good:
            self.assertEqual(self.orders(name=order.order_id).import_state, "imported")
        expected = {
            "missing_sku": "no seller SKU",
            "bad_money": "not an amount of money",
            "zero_quantity": "must be at least 1",
            "missing_dates": "has no",
            "unexpected_status": "unexpected status",
        }
        for kind, order in bad.items():
            amazon = self.orders(name=order.order_id)
            self.assertEqual(amazon.import_state, "error", kind)
            self.assertIn(expected[kind], amazon.import_error, kind)
            self.assertIn(order.order_id, amazon.import_error)
            self.assertFalse(amazon.sale_order_id)
            self.assertTrue(
                self.logs("error").filtered(lambda x, o=order: x.reference == o.order_id), kind
            )
        self.assertIn("must be at least 1", self.orders(name=negative.order_id).import_error)
        waiting = self.orders(name=unknown.order_id)
        self.assertEqual(waiting.import_state, "error")
        self.assertIn("NOT-BOUND-1", waiting.import_error)
        self.assertEqual(waiting.missing_skus, "NOT-BOUND-1")
        self.assertEqual(len(waiting.line_ids), 2)  # stored: the retry needs no new read
        self.assertEqual(run.counts["error"], len(bad) + 2)
        self.assertEqual(len(self.sales()), 3)
        # the binding arrives: the order is queued, and the next run builds its sale order
        self.bind("NOT-BOUND-1", self.products["CASH-BEANIE"])
        self.assertEqual(waiting.import_state, "to_retry")
        run = self.run_import()
        self.assertEqual(run.counts["retried"], 1)
        self.assertEqual(waiting.import_state, "imported")
        self.assertTrue(waiting.sale_order_id)
        self.assertIn(self.products["CASH-BEANIE"], waiting.sale_order_id.order_line.product_id)
        self.assertEqual(waiting.routing_state, "to_route")

    def unbound_orders(self):
        """Two orders whose SKUs have no binding yet, in error: (first, its open error, the
        second's open error, the Overview's figure)."""
        first = self.sim.add_order([line("NOT-BOUND-1", 1)])
        second = self.sim.add_order([line("NOT-BOUND-2", 1)])
        self.run_import()
        first, second = self.orders(name=first.order_id), self.orders(name=second.order_id)
        self.assertEqual((first.import_state, second.import_state), ("error", "error"))
        error, other_error = self.open_errors("import", first), self.open_errors("import", second)
        return first, error, other_error, self.overview_errors(self.account)

    def test_an_order_built_on_retry_resolves_its_sync_log_error(self):
        order, error, other_error, before = self.unbound_orders()
        self.bind("NOT-BOUND-1", self.products["CASH-BEANIE"])
        order.action_retry()
        self.assertEqual(order.import_state, "imported")
        self.assertResolvedAlone(error, other_error, self.account, before)

    def test_an_order_built_by_the_next_run_resolves_its_sync_log_error(self):
        order, error, other_error, before = self.unbound_orders()
        self.bind("NOT-BOUND-1", self.products["CASH-BEANIE"])
        self.assertEqual(order.import_state, "to_retry")
        self.run_import()
        self.assertEqual(order.import_state, "imported")
        self.assertResolvedAlone(error, other_error, self.account, before)

    def test_a_binding_typed_with_spaces_or_lower_case_binds_the_order(self):
        order, _error, _other_error, _before = self.unbound_orders()
        offer = self.bind("NOT-BOUND-1", self.products["CASH-BEANIE"], f" {MARKETPLACE.lower()} ")
        self.assertEqual(offer.marketplace_id, MARKETPLACE)
        self.run_import()
        self.assertEqual(order.import_state, "imported")

    def test_a_binding_or_pricelist_in_a_marketplace_the_channel_lacks_is_refused(self):
        canada = "A2EUQ1WTGCTBG2"
        refused = "not a marketplace of the channel"
        with self.assertRaisesRegex(ValidationError, refused) as caught, self.env.cr.savepoint():
            self.bind("NOT-BOUND-1", self.products["CASH-BEANIE"], canada)
        self.assertIn(MARKETPLACE, str(caught.exception))  # the channel's own, to choose from
        pricelist = self.env["product.pricelist"].create({"name": "CAD"})
        with self.assertRaisesRegex(ValidationError, refused), self.env.cr.savepoint():
            self.env["amazon.marketplace.pricelist"].create(
                {
                    "account_id": self.account.id,
                    "marketplace_id": canada,
                    "pricelist_id": pricelist.id,
                }
            )
        offer = self.bind("NOT-BOUND-1", self.products["CASH-BEANIE"])
        with self.assertRaisesRegex(ValidationError, refused), self.env.cr.savepoint():
            offer.marketplace_id = canada
        offer.invalidate_recordset()
        self.assertEqual(offer.marketplace_id, MARKETPLACE)
        # the channel sells in Canada too: the binding moves there
        self.account.marketplace_ids = "%s,%s" % (MARKETPLACE, canada)
        offer.marketplace_id = canada
        self.env.flush_all()
        self.assertEqual(offer.marketplace_id, canada)

    def test_a_channel_keeps_a_marketplace_while_bindings_or_pricelists_are_in_it(self):
        canada = "A2EUQ1WTGCTBG2"
        self.account.marketplace_ids = "%s,%s" % (MARKETPLACE, canada)
        offer = self.bind("NOT-BOUND-1", self.products["CASH-BEANIE"], canada)
        pricelist = self.env["amazon.marketplace.pricelist"].create(
            {
                "account_id": self.account.id,
                "marketplace_id": canada,
                "pricelist_id": self.env["product.pricelist"].create({"name": "CAD"}).id,
            }
        )
        still_used = r"1 SKU bindings and 1 pricelists per marketplace in A2EUQ1WTGCTBG2"
        with self.assertRaisesRegex(ValidationError, still_used), self.env.cr.savepoint():
            self.account.marketplace_ids = MARKETPLACE
        pricelist.unlink()
        offer.active = False  # archived: matches nothing, so it no longer holds Canada
        self.account.marketplace_ids = MARKETPLACE
        self.env.flush_all()
        self.assertEqual(self.account._marketplace_list(), [MARKETPLACE])
        with self.assertRaisesRegex(ValidationError, "not a marketplace"), self.env.cr.savepoint():
            offer.active = True  # restored: Canada is no longer the channel's

    def test_an_unexpected_failure_on_one_order_does_not_stop_the_batch(self):
        orders = [self.sim.add_order([line("JBJ-M")]) for _ in range(4)]
        Partner = type(self.env["res.partner"])
        original = Partner._amazon_buyer_partners
        victim = orders[1].buyer.email

        def broken(model, order, company):
            if order.buyer_email == victim:
                raise ValueError("a bug")
            return original(model, order, company)

        with patch.object(Partner, "_amazon_buyer_partners", broken):
            run = self.run_import()
        self.assertTrue(run.complete)
        self.assertEqual(run.counts["error"], 1)
        self.assertEqual(len(self.sales()), 3)
        self.assertEqual(self.orders(name=orders[1].order_id).import_state, "error")

    # ------------------------------------------------------------ FBA and status changes

    def test_fba_orders_are_skipped_or_imported_for_reporting(self):
        self.sim.add_order([line("JBJ-M")], channel="AFN", status="Shipped")
        self.sim.add_order([line("JBJ-S")])
        run = self.run_import()
        self.assertEqual(run.counts["skipped"], 1)
        self.assertEqual(self.orders().mapped("fulfillment_channel"), ["MFN"])
        self.account.fba_policy = "report"
        self.account._save_run_state("import", cursor=False)
        self.run_import()
        fba = self.orders(fulfillment_channel="AFN")
        self.assertEqual(len(fba), 1)
        self.assertEqual(fba.routing_state, "none")
        self.assertFalse(fba.ship_street or fba.buyer_email)
        sale = fba.sale_order_id
        self.assertEqual(sale.partner_id.name, "FBA Orders")
        self.assertFalse(sale.partner_id.street or sale.partner_id.email)
        self.assertEqual(sale.state, "sale")
        self.assertFalse(sale.picking_ids)  # no stock moves for Amazon's own shipments
        self.assertEqual(len(self.orders()), 2)

    def test_status_changes_are_followed(self):
        cancelled = self.sim.add_order([line("JBJ-M")])
        routed = self.sim.add_order([line("JBJ-L")])
        shipped = self.sim.add_order([line("LTR-BELT")])
        pending = self.sim.add_order([line("WOOL-SCARF")], status="Pending")
        self.run_import()
        self.assertFalse(self.orders(name=pending.order_id).sale_order_id)
        self.assertEqual(self.orders(name=pending.order_id).routing_state, "none")
        self.orders(name=routed.order_id).routing_state = "routed"
        self.sim.clock.advance(600)
        self.sim.cancel_order(cancelled.order_id)
        self.sim.cancel_order(routed.order_id)
        self.sim.set_status(shipped.order_id, "Shipped")
        self.sim.set_status(pending.order_id, "Unshipped")
        self.sim.clock.advance(600)
        run = self.run_import()
        self.assertEqual(run.counts["updated"], 4, run.summary())
        one = self.orders(name=cancelled.order_id)
        self.assertEqual((one.status, one.routing_state), ("canceled", "none"))
        self.assertTrue(one.cancelled_date)
        self.assertEqual(one.sale_order_id.state, "cancel")
        two = self.orders(name=routed.order_id)
        self.assertEqual(two.routing_state, "void_requested")
        three = self.orders(name=shipped.order_id)
        self.assertEqual(three.status, "shipped")
        self.assertTrue(three.shipped_elsewhere)
        self.assertEqual(three.routing_state, "none")
        four = self.orders(name=pending.order_id)
        self.assertTrue(four.sale_order_id)
        self.assertEqual(four.routing_state, "to_route")
        self.assertEqual(len(self.sales()), 4)
        self.assertEqual(len(self.orders()), 4)

    # ------------------------------------------------------------ v0

    def test_v0_imports_the_same_orders_with_one_restricted_data_token(self):
        generated = self.sim.generate_orders(12, spread=3600, afn_share=0)
        self.account.orders_api_version = "v0"
        run = self.run_import()
        self.assertTrue(run.complete, run.summary())
        self.assertEqual(run.counts["created"], 12)
        self.assertEqual(self.sim.rdts_issued, 1)
        by_id = {o.order_id: o for o in generated}
        for amazon in self.orders():
            source = by_id[amazon.name]
            self.assertAlmostEqual(
                amazon.sale_order_id.amount_total, float(source.total()), places=2
            )
            self.assertEqual(amazon.buyer_email, source.buyer.email)
            self.assertEqual(amazon.payment_method, "Standard")
        self.run_import()
        self.assertEqual(len(self.orders()), 12)

    def test_v0_reads_the_items_only_of_orders_amazon_changed(self):
        generated = self.sim.generate_orders(12, spread=3600, afn_share=0)
        self.account.orders_api_version = "v0"
        self.run_import()

        def item_calls():
            return [c for c in self.sim.calls if c.path.split("?")[0].endswith("/orderItems")]

        # a window overlapping all of them: nothing changed, so no getOrderItems at all
        self.sim.calls.clear()
        self.account._save_run_state("import", cursor=self.sim_now(days=-1))
        run = self.run_import()
        self.assertEqual((run.counts["unchanged"], run.counts["updated"]), (12, 0), run.summary())
        self.assertEqual(item_calls(), [])
        # one order shipped on Amazon: its items, and only its, are read again
        self.sim.clock.advance(600)
        self.sim.set_status(generated[0].order_id, "Shipped")
        self.sim.clock.advance(600)
        self.sim.calls.clear()
        self.account._save_run_state("import", cursor=self.sim_now(days=-1))
        run = self.run_import()
        self.assertEqual((run.counts["unchanged"], run.counts["updated"]), (11, 1), run.summary())
        self.assertEqual([generated[0].order_id in c.path for c in item_calls()], [True])
        self.assertEqual(self.orders(name=generated[0].order_id).status, "shipped")
        self.assertEqual(len(self.orders()), 12)

    # ------------------------------------------------------------ entry points and rights

    def test_import_now_button_and_scheduled_action(self):
        self.sim.add_order([line("JBJ-M")])
        with self.served():
            action = self.account.action_import_orders()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("1 new", action["params"]["message"])
        self.sim.clock.advance(900)
        self.sim.add_order([line("JBJ-S")])
        self.account.import_enabled = True
        self.account._save_run_state("import", last_run=False)
        with self.served():
            self.env["amazon.account"]._cron_import_orders()
        self.assertEqual(len(self.orders()), 2)
        self.assertEqual(self.account.amazon_order_count, 2)

    def test_users_read_orders_managers_edit_bindings(self):
        self.sim.add_order([line("JBJ-M")])
        self.run_import()
        group_user = self.env.ref("amazon_lightspeed_connector.group_connector_user")
        group_manager = self.env.ref("amazon_lightspeed_connector.group_connector_manager")
        user = self.env["res.users"].create(
            {"name": "Clerk", "login": "amazon-clerk", "groups_id": [(6, 0, [group_user.id])]}
        )
        manager = self.env["res.users"].create(
            {"name": "Boss", "login": "amazon-boss", "groups_id": [(6, 0, [group_manager.id])]}
        )
        self.assertEqual(len(self.orders().with_user(user).read(["name", "status"])), 1)
        offer = self.env["amazon.offer"].search([("account_id", "=", self.account.id)], limit=1)
        with self.assertRaises(AccessError):
            offer.with_user(user).write({"seller_sku": "X"})
        offer.with_user(manager).write({"seller_sku": "RENAMED"})
        other = self.env["res.company"].create({"name": "Elsewhere"})
        elsewhere_user = self.env["res.users"].create(
            {
                "name": "Other",
                "login": "amazon-other",
                "company_id": other.id,
                "company_ids": [(6, 0, other.ids)],
                "groups_id": [(6, 0, [group_user.id])],
            }
        )
        self.assertFalse(self.env["amazon.order"].with_user(elsewhere_user).search([]))
        self.assertTrue(MARKETPLACE)
