"""Routed orders written into Lightspeed as Sales, exactly once, and shipped.

Against the Lightspeed simulator on loopback: what each sale holds, split orders, the store
stock, every way a write can go wrong (lost answer, 429 storm, crash between the POST and the
commit, unknown item, closed register, Lightspeed's 4xx message), the Retry button, "deduct
inventory when shipped", the Shipments screen and who may use it.
"""

import ast
from decimal import Decimal
from unittest.mock import patch

import psycopg2
from odoo.exceptions import AccessError, UserError
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib.lightspeed.sale_payload import sale_payload
from ..lib.lightspeed.sale_sender import send_sale
from ..models.amazon_routed_order_lightspeed import SendRun
from ..models.amazon_routed_order_send import SEND_LOCK
from .common import SyncLogErrors, load_migration, make_user, run_with_cron_progress
from .routing_common import RoutingCase
from .sales_common import LightspeedSales
from .simulators.lightspeed.scenario import DEMO_EMPLOYEE_ID, DEMO_PAYMENT_TYPE_ID

CRON = "amazon_lightspeed_connector.ir_cron_lightspeed_send_sales"


@tagged("post_install", "-at_install")
class TestLightspeedSales(SyncLogErrors, LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()

    # --- one sale per routed order --------------------------------------------------------------

    def test_a_routed_order_becomes_one_sale_with_its_lines_amounts_customer_and_notes(self):
        order = self.import_order(("LTR-BELT", 2), ("CANVAS-TOTE", 1))
        routed = order.routed_order_ids
        self.assertEqual((routed.state, routed.warehouse_id), ("to_send", self.store_a))
        self.send()
        sale = self.assertLightspeedSaleCreated(routed)
        self.assertEqual(routed.lightspeed_sale_id, str(sale.sale_id))
        self.assertEqual(routed.lightspeed_account_id, self.lightspeed)
        self.assertEqual(
            (sale.shop_id, sale.register_id, sale.employee_id, sale.reference_number_source),
            (1, 1, DEMO_EMPLOYEE_ID, "Amazon"),
        )
        self.assertEqual(
            self.lines_of(sale),
            {
                "LTR-BELT": (2, Decimal("10.00"), Decimal("0")),
                "CANVAS-TOTE": (1, Decimal("10.00"), Decimal("0")),
            },
        )
        self.assertEqual(sale.total, Decimal("30.00"))
        self.assertEqual(
            sale.payments, [{"payment_type_id": DEMO_PAYMENT_TYPE_ID, "amount": Decimal("30")}]
        )
        self.assertTrue(sale.completed and sale.balance == 0)
        [customer_id] = self.sim.customers(order.buyer_email)
        self.assertEqual(sale.customer_id, customer_id)
        note = sale.notes["InternalNote"]
        self.assertIn("Amazon order %s" % order.name, note)
        self.assertIn("Payment: ", note)
        self.assertEqual(sale.ship_to["firstName"], "Jane")
        self.assertEqual(sale.ship_to["Contact"]["Addresses"]["ContactAddress"]["city"], "Seattle")
        self.assertEqual(routed.lightspeed_total, 30.0)
        self.assertFalse(routed.lightspeed_total_difference)
        self.assertTrue(routed.lightspeed_sale_completed)

    def test_shipping_promotion_and_buyer_note_reach_the_sale(self):
        order = self.import_order(("LTR-BELT", 3))
        order.line_ids.write({"shipping_price": 4.99, "promotion_discount": 1.0})
        order.buyer_note = "Leave at the back door"
        self.send()
        sale = self.sale_of(order.routed_order_ids)
        lines = self.lines_of(sale)
        self.assertEqual(lines["LTR-BELT"], (3, Decimal("10.00"), Decimal("1.00")))
        self.assertEqual(lines["charge"][:2], (1, Decimal("4.99")))
        self.assertEqual(sale.total, Decimal("33.99"))  # 30 - 1 + 4.99: Amazon's part total
        self.assertIn("Buyer note: Leave at the back door", sale.notes["InternalNote"])
        self.assertFalse(order.routed_order_ids.lightspeed_total_difference)

    def test_shipping_as_a_note_logs_the_difference_to_amazons_total(self):
        self.amazon.lightspeed_shipping_line = False
        order = self.import_order(("LTR-BELT", 1))
        order.line_ids.write({"shipping_price": 5.0})
        self.send()
        routed = order.routed_order_ids
        sale = self.sale_of(routed)
        self.assertEqual(sale.total, Decimal("10.00"))
        self.assertIn("Shipping charged on Amazon: 5.00", sale.notes["InternalNote"])
        self.assertEqual(routed.lightspeed_total_difference, 5.0)
        self.assertTrue(
            self.sales_log().filtered(
                lambda log: routed.name in log.message and "5.00" in log.message
            )
        )

    def test_a_buyer_seen_twice_is_one_lightspeed_customer(self):
        first = self.import_order(("LTR-BELT", 1))
        second = self.import_order(("CANVAS-TOTE", 1))
        second.buyer_email = first.buyer_email
        self.send()
        [customer_id] = self.sim.customers(first.buyer_email)
        self.assertEqual(self.sale_of(first.routed_order_ids).customer_id, customer_id)
        self.assertEqual(self.sale_of(second.routed_order_ids).customer_id, customer_id)

    def test_a_split_order_becomes_one_sale_per_store(self):
        self.set_mode("split")
        order = self.import_order(("JBJ-S", 1), ("WOOL-SCARF", 1))  # only C, only A
        parts = self.parts(order)
        self.assertEqual(parts.mapped("name"), [order.name + "-1", order.name + "-2"])
        self.send()
        self.assertEqual(set(parts.mapped("state")), {"sent"})
        shops = {}
        for part in parts:
            sale = self.sale_of(part)
            shops[sale.shop_id] = set(self.lines_of(sale))
            self.assertEqual(sale.total, Decimal("10.00"))
        self.assertEqual(shops, {3: {"JBJ-S"}, 1: {"WOOL-SCARF"}})
        self.assertEqual(self.sim.sales(order.name), [])  # no sale under the bare order id

    def test_the_channels_register_wins_in_its_store_a_stores_own_elsewhere(self):
        # Sync gave every store a register of its own ("Amazon Register", the first by name);
        # the administrator picks another one of the default store for the channel
        back_office = self.sim.add_register(1, "Back Office")
        self.sim.store.changed()
        self.lightspeed._sync_reference_data()
        registers = self.lightspeed.register_ids
        chosen = registers.filtered(lambda r: r.lightspeed_id == str(back_office))
        self.assertEqual(chosen.warehouse_id, self.store_a)
        self.assertNotEqual(self.store_a.lightspeed_register_id, chosen, "Sync kept its own")
        self.amazon.default_register_id = chosen
        self.set_mode("split")
        order = self.import_order(("JBJ-S", 1), ("WOOL-SCARF", 1))  # only C, only A
        self.send()
        in_a, in_c = self.parts(order).sorted(lambda r: r.warehouse_id != self.store_a)
        self.assertEqual((in_a.warehouse_id, in_c.warehouse_id), (self.store_a, self.store_c))
        self.assertEqual(self.sale_of(in_a).register_id, back_office)
        self.assertEqual(in_a.lightspeed_register_id, chosen, "the routed order names it")
        store_c_register = self.store_c.lightspeed_register_id
        self.assertEqual(self.sale_of(in_c).register_id, int(store_c_register.lightspeed_id))
        self.assertEqual(in_c.lightspeed_register_id, store_c_register)

    def test_store_stock_drops_at_the_shop_that_sold(self):
        order = self.import_order(("LTR-BELT", 2))
        routed = order.routed_order_ids
        self.assertEqual(self.store_a.id, routed.warehouse_id.id)
        self.sim.clock.advance(60)  # the stock was read a minute before the sale
        self.send()
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 8)
        self.assertEqual((self.sim.qoh("LTR-BELT", 2), self.sim.qoh("LTR-BELT", 3)), (5, 5))
        # at once in Odoo, before the next stock refresh: the sale's units stay reserved
        self.assertEqual(self.local_qoh(self.store_a, "LTR-BELT"), 10, "Lightspeed's, as read")
        self.assertEqual(self.available(self.store_a, "LTR-BELT"), 8)
        self.assertEqual(self.available(self.store_b, "LTR-BELT"), 5)
        self.assertTrue(routed.reserves_stock)
        belt = self.products["LTR-BELT"]
        for_amazon = self.env["amazon.offer"]._stock_figures(self.amazon, belt)
        self.assertEqual(for_amazon, ({belt.id: 20}, {belt.id: 2}), "Amazon is offered 18")
        # the refresh reads the lowered figure: the sale counts once
        self.sim.clock.advance(60)
        self.lightspeed._refresh_stock()
        self.assertEqual(self.local_qoh(self.store_a, "LTR-BELT"), 8)
        self.assertEqual(self.available(self.store_a, "LTR-BELT"), 8)
        routed.invalidate_recordset(["reserves_stock"])
        self.assertFalse(routed.reserves_stock)
        for_amazon = self.env["amazon.offer"]._stock_figures(self.amazon, belt)
        self.assertEqual(for_amazon, ({belt.id: 18}, {}))

    def test_the_upgrade_gives_lines_their_sales_completion_time(self):
        """18.0.1.4.0 copies it to the lines in SQL, before the ORM would compute it."""
        routed = self.import_order(("LTR-BELT", 2)).routed_order_ids
        self.sim.clock.advance(60)
        self.send()
        self.env.flush_all()
        completed_at = routed.lightspeed_completed_at
        self.assertTrue(completed_at)
        self.env.cr.execute("ALTER TABLE amazon_routed_order_line DROP COLUMN sale_completed_at")
        migration = load_migration("18.0.1.4.0", "pre-sale_completed_at_on_lines.py")
        migration.migrate(self.env.cr, "18.0.1.3.0")
        self.env.invalidate_all()
        self.assertEqual(routed.line_ids.sale_completed_at, completed_at)
        self.assertEqual(self.available(self.store_a, "LTR-BELT"), 8, "its units still reserved")
        # from a database older than the routed order's completion time: the column, empty
        self.env.cr.execute("ALTER TABLE amazon_routed_order_line DROP COLUMN sale_completed_at")
        self.env.cr.execute("ALTER TABLE amazon_routed_order RENAME lightspeed_completed_at TO x")
        migration.migrate(self.env.cr, "18.0.1.3.0")
        self.env.cr.execute("ALTER TABLE amazon_routed_order RENAME x TO lightspeed_completed_at")
        self.env.invalidate_all()
        self.assertFalse(routed.line_ids.sale_completed_at)

    def test_a_stock_refresh_between_the_sale_and_its_recording_counts_it_once(self):
        """Another worker refreshes the stock after Lightspeed lowered it for the sale and
        before this worker records the sale: the figure read already counts it."""
        routed = self.import_order(("LTR-BELT", 2)).routed_order_ids
        self.sim.clock.advance(60)
        record_sale = type(self.Routed)._record_sale

        def refresh_first(order, *args):
            self.sim.clock.advance(5)
            self.lightspeed._refresh_stock()
            return record_sale(order, *args)

        with patch.object(type(self.Routed), "_record_sale", refresh_first):
            self.send()
        self.assertLightspeedSaleCreated(routed)
        self.assertEqual(self.local_qoh(self.store_a, "LTR-BELT"), 8)
        self.assertEqual(self.available(self.store_a, "LTR-BELT"), 8, "not 6: counted once")

    def test_a_stock_figure_read_before_the_sale_and_stored_after_it_keeps_the_units_reserved(
        self,
    ):
        """A refresh read the item before the sale and stores it after the sale is recorded
        (a slow page, another worker): the figure lacks the sale, so its units stay reserved."""
        routed = self.import_order(("LTR-BELT", 2)).routed_order_ids
        self.sim.clock.advance(60)
        Account = type(self.lightspeed)
        store_batch = Account._store_stock_batch
        sent = []

        def send_before_storing(account, *args, **kwargs):
            if not sent:
                sent.append(self.send())
            return store_batch(account, *args, **kwargs)

        with patch.object(Account, "_store_stock_batch", send_before_storing):
            self.lightspeed._refresh_stock(full=True)
        self.assertLightspeedSaleCreated(routed)
        self.assertEqual(self.local_qoh(self.store_a, "LTR-BELT"), 10, "read before the sale")
        self.assertEqual(self.available(self.store_a, "LTR-BELT"), 8)
        self.sim.clock.advance(60)
        self.lightspeed._refresh_stock()
        self.assertEqual(self.local_qoh(self.store_a, "LTR-BELT"), 8)
        self.assertEqual(self.available(self.store_a, "LTR-BELT"), 8)

    # --- exactly once -----------------------------------------------------------------------

    def test_a_lost_answer_after_the_write_ends_with_one_sale(self):
        order = self.import_order(("LTR-BELT", 1))
        self.sim.faults.add("lost_response", method="POST", path="/Sale.json")
        self.send()
        routed = order.routed_order_ids
        self.assertLightspeedSaleCreated(routed)
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 9)

    def test_a_429_storm_ends_with_exactly_one_sale_each(self):
        orders = [self.import_order(("CANVAS-TOTE", 1)) for _i in range(5)]
        self.sim.faults.add("throttle", path="/Sale.json", times=None, probability=0.6)
        runs = 0
        while self.Routed.search_count([("state", "=", "to_send")]) and runs < 60:
            self.sim.clock.advance(30)
            self.send()
            runs += 1
        for order in orders:
            routed = order.routed_order_ids
            self.assertLightspeedSaleCreated(routed)
        self.assertEqual(self.sim.qoh("CANVAS-TOTE", 1), 15)
        self.assertGreater(runs, 1, "the storm stopped some runs")
        self.assertTrue(self.sales_log().filtered(lambda log: "throttled" in log.message))

    def test_a_crash_between_the_post_and_storing_the_id_adopts_the_sale(self):
        order = self.import_order(("LTR-BELT", 1))
        routed = order.routed_order_ids
        # the POST of a run that died before its commit: the sale exists, Odoo never knew
        request = routed._prepare_lightspeed_sale_request(self._run())
        first = send_sale(self._run().client, sale_payload(request))
        self.assertEqual(routed.state, "to_send")
        posts_before = len([c for c in self.sim.calls if c.method == "POST"])
        self.send()
        self.assertEqual(routed.state, "sent")
        self.assertEqual(routed.lightspeed_sale_id, str(first.sale_id))
        self.assertEqual(self.sale_of(routed).sale_id, first.sale_id)
        self.assertEqual(len([c for c in self.sim.calls if c.method == "POST"]), posts_before)
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 9)  # dropped once

    def test_a_sale_id_belongs_to_one_routed_order(self):
        first = self.import_order(("LTR-BELT", 1)).routed_order_ids
        second = self.import_order(("CANVAS-TOTE", 1)).routed_order_ids
        self.send()
        with (
            self.assertRaises(psycopg2.IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            second.write({"lightspeed_sale_id": first.lightspeed_sale_id})
            second.flush_recordset()

    def test_an_order_no_longer_to_send_is_not_taken_again(self):
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        self.assertFalse(routed._lock_for_send())
        with self.assertRaises(UserError):
            routed.action_send_to_lightspeed()
        self.assertEqual(len(self.sim.sales(routed.name)), 1)

    def posts(self):
        return len([c for c in self.sim.calls if c.method == "POST"])

    def test_while_another_worker_sends_an_accounts_sales_a_second_posts_none(self):
        """One sender of sales per Lightspeed account at a time (here the other worker is a
        real connection holding the account's send lock): its look-up of the sales already
        written must not go stale under a sale another worker wrote. The button posts
        nothing, says the orders were taken, and they go once the account is free."""
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        before = self.posts()
        with db_connect(self.env.cr.dbname).cursor() as other_worker:
            other_worker.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", (SEND_LOCK, self.lightspeed.id)
            )
            notice = routed.action_send_to_lightspeed()
        self.assertIn("1 taken by another worker", notice["params"]["message"])
        self.assertEqual((routed.state, self.posts()), ("to_send", before))
        self.send()
        self.assertLightspeedSaleCreated(routed)

    # --- errors, the rest of the run goes on, Retry -----------------------------------------

    def test_an_unknown_item_is_an_error_and_the_run_goes_on(self):
        product = self.env["product.product"].create(
            {"name": "Not in Lightspeed", "default_code": "NOT-IN-LS", "type": "consu"}
        )
        self.env["amazon.offer"].create(
            {
                "account_id": self.amazon.id,
                "marketplace_id": self.amazon.marketplace_ids,
                "seller_sku": "NOT-IN-LS",
                "product_id": product.id,
            }
        )
        bad = self.import_order(("NOT-IN-LS", 1)).routed_order_ids
        good = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        self.assertEqual(bad.state, "error")
        self.assertIn("no Lightspeed item for [NOT-IN-LS] Not in Lightspeed", bad.error_message)
        self.assertEqual(self.sim.sales(bad.name), [])
        self.assertEqual(good.state, "sent")
        self.assertTrue(self.sales_log().filtered(lambda log: log.reference == bad.name))
        self.assertTrue(bad.reserves_stock, "an order in error still holds its units")

    def test_an_item_with_no_stock_anywhere_is_found_by_its_custom_sku(self):
        beanie = self.products["CASH-BEANIE"]
        self.env["lightspeed.stock"].search([("product_id", "=", beanie.id)]).unlink()
        routed = self.import_order(("CASH-BEANIE", 1)).routed_order_ids
        self.send()
        sale = self.assertLightspeedSaleCreated(routed)
        self.assertEqual(set(self.lines_of(sale)), {"CASH-BEANIE"})

    def test_a_closed_register_is_an_error_with_lightspeeds_message_then_retry(self):
        self.sim.set_register_open(1, False)
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        self.assertEqual(routed.state, "error")
        self.assertIn("Register '1' is closed", routed.error_message)
        self.assertEqual(routed.send_attempts, 1)
        self.assertTrue(routed.can_retry)
        self.send()  # the schedule leaves it to a person
        self.assertEqual(routed.state, "error")
        self.sim.set_register_open(1, True)
        routed.action_retry_send()
        self.assertEqual(routed.state, "sent")
        self.assertFalse(routed.error_message)
        self.assertEqual(len(self.sim.sales(routed.name)), 1)

    def refused_by_a_closed_register(self):
        """Two orders Lightspeed refused (the register closed), then the register reopened:
        (the first, its open error, the other's open error, the Overview's figure)."""
        self.sim.set_register_open(1, False)
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        other = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        self.assertEqual((routed.state, other.state), ("error", "error"))
        self.sim.set_register_open(1, True)
        errors = (self.open_errors("lightspeed", routed), self.open_errors("lightspeed", other))
        return routed, *errors, self.overview_errors(self.amazon)

    def test_a_send_that_succeeds_on_retry_resolves_its_sync_log_error(self):
        routed, error, other_error, before = self.refused_by_a_closed_register()
        routed.with_user(self.user).action_retry_send()
        self.assertEqual(routed.state, "sent")
        self.assertResolvedAlone(error, other_error, self.amazon, before)

    def test_a_send_retried_by_the_scheduled_run_resolves_its_sync_log_error(self):
        routed, error, other_error, before = self.refused_by_a_closed_register()
        self.sim.faults.add("throttle", method="POST", path="/Sale.json", times=None)
        routed.with_user(self.user).action_retry_send()  # Lightspeed busy: handed over
        self.assertEqual(routed.state, "to_send")
        self.assertFalse(error.resolved, "not sent yet")
        self.sim.faults.clear()
        self.sim.clock.advance(60)
        self.send()
        self.assertEqual(routed.state, "sent")
        self.assertResolvedAlone(error, other_error, self.amazon, before)

    def test_a_refused_write_keeps_lightspeeds_message(self):
        self.employee.sudo().lightspeed_id = "999"  # deleted in Lightspeed since the last sync
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        self.assertEqual(routed.state, "error")
        self.assertIn("Object of type 'Employee' not found", routed.error_message)
        log = self.sales_log().filtered(lambda row: row.reference == routed.name)
        self.assertIn("Employee", log.message)

    def test_missing_defaults_are_named_on_the_order(self):
        self.amazon.default_payment_type_id = False
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        self.assertEqual(routed.state, "error")
        self.assertIn("no default payment type", routed.error_message)
        self.assertFalse(self.sim.sales())

    def test_the_payment_mapping_picks_the_payment_type(self):
        cash = self.lightspeed.payment_type_ids.filtered(lambda p: p.lightspeed_id == "1")
        self.env["amazon.payment.mapping"].create(
            {
                "amazon_account_id": self.amazon.id,
                "payment_method": "CashOnDelivery",
                "lightspeed_payment_type_id": cash.id,
            }
        )
        order = self.import_order(("LTR-BELT", 1))
        order.write(
            {
                "payment_method": "CashOnDelivery",
                "payment_mapping_id": self.amazon.payment_mapping_ids.id,
            }
        )
        self.send()
        self.assertEqual(self.sale_of(order.routed_order_ids).payments[0]["payment_type_id"], 1)

    # --- deduct inventory when shipped; the Shipments screen ---------------------------------

    def test_deduct_when_shipped_leaves_the_sale_open_until_marked_shipped(self):
        self.amazon.inventory_deduction = "when_shipped"
        order = self.import_order(("LTR-BELT", 2))
        routed = order.routed_order_ids
        self.send()
        sale = self.sale_of(routed)
        self.assertFalse(sale.completed)
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 10)
        self.assertFalse(routed.lightspeed_sale_completed)
        self.assertTrue(routed.reserves_stock, "the open sale still holds its units")
        self.assertEqual(self.available(self.store_a, "LTR-BELT"), 8)
        belt = self.products["LTR-BELT"]
        for_amazon = self.env["amazon.offer"]._stock_figures(self.amazon, belt)
        self.assertEqual(for_amazon, ({belt.id: 20}, {belt.id: 2}), "nor offered on Amazon")
        self.sim.clock.advance(3600)  # shipped an hour later

        carrier = self.env["delivery.carrier"].search([], limit=1)
        routed.with_user(self.user).write(
            {"tracking_number": "1Z999AA10123456784", "carrier_id": carrier.id}
        )
        routed.with_user(self.user).action_mark_shipped()
        self.assertEqual(routed.state, "shipped")
        self.assertEqual(routed.shipped_by_id, self.user)
        self.assertTrue(routed.ship_date and routed.shipped_on)
        self.assertTrue(routed.lightspeed_sale_completed)
        sale = self.sale_of(routed)
        self.assertTrue(sale.completed)
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 8)
        self.assertEqual(self.available(self.store_a, "LTR-BELT"), 8, "held until read")
        self.assertEqual(sale.ship_to["shipped"], "true")
        self.assertIn("Tracking: 1Z999AA10123456784", sale.ship_to["shipNote"])
        self.assertTrue(routed.reserves_stock)
        for_amazon = self.env["amazon.offer"]._stock_figures(self.amazon, belt)
        self.assertEqual(for_amazon, ({belt.id: 20}, {belt.id: 2}))
        self.sim.clock.advance(60)
        self.lightspeed._refresh_stock()
        self.assertEqual(self.available(self.store_a, "LTR-BELT"), 8)
        routed.invalidate_recordset(["reserves_stock"])
        self.assertFalse(routed.reserves_stock, "Lightspeed's qoh as read counts the sale")
        for_amazon = self.env["amazon.offer"]._stock_figures(self.amazon, belt)
        self.assertEqual(for_amazon, ({belt.id: 18}, {}))

    def test_a_failed_completion_is_retried_by_the_schedule(self):
        self.amazon.inventory_deduction = "when_shipped"
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        self.sim.faults.add("throttle", method="GET", path="/Sale/", times=None)
        routed.tracking_number = "1Z999AA10123456784"
        routed.action_mark_shipped()
        self.assertEqual(routed.state, "shipped")
        self.assertFalse(routed.lightspeed_sale_completed)
        self.sim.faults.clear()
        self.sim.clock.advance(60)
        self.send()
        self.assertTrue(routed.lightspeed_sale_completed)
        self.assertTrue(self.sale_of(routed).completed)

    def test_a_completion_that_succeeds_on_retry_resolves_its_sync_log_error(self):
        self.amazon.inventory_deduction = "when_shipped"
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        self.sim.faults.add(
            "intercepted", method="PUT", path="/Sale/", status=400, payload={"message": "No."}
        )
        routed.tracking_number = "1Z999AA10123456784"
        routed.action_mark_shipped()
        self.assertTrue(routed._completion_failed(), routed.error_message)
        error = self.open_errors("lightspeed", routed)
        self.assertIn("could not be completed", error.message)
        sent_error = self.env["amazon.sync.log"]._log_event(
            "shipment", "another flow's error", record=routed
        )
        before = self.overview_errors(self.amazon)
        self.sim.faults.clear()
        routed.with_user(self.user).action_retry_send()
        self.assertTrue(routed.lightspeed_sale_completed)
        self.assertResolvedAlone(error, sent_error, self.amazon, before)

    def test_marking_shipped_a_completed_sale_writes_the_tracking_note(self):
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        routed.tracking_number = "9400111899223100000000"
        routed.action_mark_shipped()
        sale = self.sale_of(routed)
        self.assertIn("Tracking: 9400111899223100000000", sale.ship_to["shipNote"])
        self.assertEqual(sale.ship_to["shipped"], "true")
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 9)  # completed once, when sent

    def test_only_sent_orders_can_be_marked_shipped(self):
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        routed.tracking_number = "1Z999AA10123456784"
        with self.assertRaisesRegex(UserError, "not in Lightspeed yet"):
            routed.action_mark_shipped()

    def test_an_order_without_its_tracking_number_is_not_marked_shipped(self):
        """Amazon refuses a ship confirmation without a tracking number: the button says so
        before anything changes, in Odoo or in the store."""
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        puts = len([call for call in self.sim.calls if call.method == "PUT"])
        routed.tracking_number = "  "
        with self.assertRaisesRegex(UserError, "without its tracking number"):
            routed.with_user(self.user).action_mark_shipped()
        self.assertEqual(routed.state, "sent")
        self.assertEqual(len([call for call in self.sim.calls if call.method == "PUT"]), puts)

    def test_the_shipments_list_and_its_shipped_filter(self):
        first = self.import_order(("LTR-BELT", 1)).routed_order_ids
        second = self.import_order(("CANVAS-TOTE", 1)).routed_order_ids
        waiting = self.import_order(("WOOL-SCARF", 1)).routed_order_ids
        self.send()
        waiting.write({"state": "error"})
        first.tracking_number = "1Z999AA10123456784"
        first.action_mark_shipped()
        action = self.env.ref("amazon_lightspeed_connector.amazon_routed_order_shipments_action")
        domain = ast.literal_eval(action.domain)
        listed = self.Routed.search(domain)
        self.assertIn(first, listed)
        self.assertIn(second, listed)
        self.assertNotIn(waiting, listed)
        self.assertEqual(self.Routed.search(domain + [("is_shipped", "=", True)]), first)
        self.assertEqual(self.Routed.search(domain + [("state", "=", "sent")]), second)
        self.assertEqual(second.ship_address, "1 Main Street, 98101 Seattle, US")
        self.assertEqual(second.lines_summary, "1 x CANVAS-TOTE")
        views = self.Routed.get_views([(action.view_ids[0].view_id.id, "list")])
        self.assertIn("action_mark_shipped", views["views"]["list"]["arch"])

    # --- the schedule and the buttons --------------------------------------------------------

    def test_routing_wakes_the_schedule(self):
        cron = self.env.ref(CRON)
        before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.import_order(("LTR-BELT", 1))
        after = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.assertGreater(after, before)

    def test_a_run_sends_the_oldest_first_up_to_its_batch(self):
        first = self.import_order(("LTR-BELT", 1)).routed_order_ids
        second = self.import_order(("CANVAS-TOTE", 1)).routed_order_ids
        self.Routed._cron_send_to_lightspeed(limit=1)
        self.assertEqual((first.state, second.state), ("sent", "to_send"))

    def test_a_backlog_larger_than_a_batch_is_sent_in_one_go(self):
        orders = [self.import_order(("CANVAS-TOTE", 1)).routed_order_ids for _i in range(3)]
        self.assertEqual(self.send_with_progress(limit=2), (2, 1), "the worker comes back")
        self.assertEqual(self.send_with_progress(limit=2), (1, 0))
        self.assertEqual({r.state for r in orders}, {"sent"})

    def test_orders_in_error_or_throttled_are_not_remaining(self):
        self.sim.set_register_open(1, False)
        refused = [self.import_order(("CANVAS-TOTE", 1)).routed_order_ids for _i in range(2)]
        self.assertEqual(self.send_with_progress(limit=1), (1, 1))
        self.assertEqual(self.send_with_progress(limit=1), (1, 0), "errors wait for Retry")
        self.assertEqual({r.state for r in refused}, {"error"})
        self.sim.set_register_open(1, True)
        waiting = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.sim.faults.add("throttle", method="POST", path="/Sale.json", times=None)
        self.assertEqual(self.send_with_progress(), (0, 0), "throttled: the next interval")
        self.assertEqual(waiting.state, "to_send")

    def send_with_progress(self, **kwargs):
        return run_with_cron_progress(self.Routed, CRON, "_cron_send_to_lightspeed", **kwargs)

    def test_send_now_button(self):
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        action = routed.with_user(self.user).action_send_to_lightspeed()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(routed.state, "sent")

    def test_throttling_stops_the_account_run_and_keeps_the_orders_to_send(self):
        orders = [self.import_order(("CANVAS-TOTE", 1)).routed_order_ids for _i in range(3)]
        self.sim.faults.add("throttle", method="POST", path="/Sale.json", times=None)
        self.send()
        self.assertEqual({r.state for r in orders}, {"to_send"})
        # the first 429 is waited out and the POST sent once more; the second stops the run
        self.assertEqual(len([c for c in self.sim.calls if c.status == 429]), 2)
        self.sim.faults.clear()
        self.sim.clock.advance(60)
        self.send()
        self.assertEqual({r.state for r in orders}, {"sent"})

    # --- security -----------------------------------------------------------------------------

    def test_access_connector_user_ships_others_see_nothing(self):
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        self.send()
        routed.with_user(self.user).write({"tracking_number": "TRACK-1"})
        routed.with_user(self.user).action_mark_shipped()
        self.assertEqual(routed.state, "shipped")
        outsider = make_user(self.env, "sales_outsider", "base.group_user", self.company)
        with self.assertRaises(AccessError):
            routed.with_user(outsider).read(["tracking_number"])
        other_company = self.env["res.company"].create({"name": "Other shipping company"})
        stranger = make_user(
            self.env,
            "sales_stranger",
            "amazon_lightspeed_connector.group_connector_user",
            other_company,
        )
        self.assertFalse(self.Routed.with_user(stranger).search([("id", "=", routed.id)]))
        self.assertNotIn("secret", str(self.sales_log().mapped("message")).lower())

    def test_the_client_secret_never_reaches_the_sync_log(self):
        self.sim.set_register_open(1, False)
        self.import_order(("LTR-BELT", 1))
        self.send()
        secret = self.lightspeed.sudo().client_secret
        for row in self.sales_log():
            self.assertNotIn(secret, row.message + (row.payload_excerpt or ""))

    # --- helpers --------------------------------------------------------------------------------

    def _run(self):
        return SendRun(self.lightspeed, self.lightspeed._lightspeed_client())


@tagged("post_install", "-at_install")
class TestItemMatch(LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()

    def test_match_items_by_system_id_only(self):
        self.lightspeed.item_match = "system_sku"
        product = self.products["LTR-BELT"]
        self.assertEqual(self.lightspeed._item_keys(product), [("systemSku", "LTR-BELT")])
        # the products' internal references are the items' Custom SKUs, not their System IDs
        refresh = self.lightspeed._refresh_stock(full=True)
        self.assertEqual(refresh.unmatched, refresh.items)

    def test_match_items_by_custom_sku(self):
        self.lightspeed.item_match = "custom_sku"
        refresh = self.lightspeed._refresh_stock(full=True)
        self.assertEqual(refresh.unmatched, 0)
        self.assertEqual(self.local_qoh(self.store_c, "JBJ-S"), 3)

    def test_the_setting_is_on_the_account_form(self):
        arch = self.env["lightspeed.account"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="item_match"', arch)


@tagged("post_install", "-at_install")
class TestSendRunSummaryMail(LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()

    def _summaries(self):
        return self.env["mail.mail"].search(
            [("email_to", "=", "backoffice@example.com"), ("subject", "ilike", "Lightspeed")]
        )

    def test_a_send_run_mails_one_summary_with_what_it_sent(self):
        self.amazon.sync_log_email = "backoffice@example.com"
        first = self.import_order(("LTR-BELT", 1))
        second = self.import_order(("CANVAS-TOTE", 1))
        before = self._summaries()
        self.send()
        mails = self._summaries() - before
        self.assertEqual(len(mails), 1, "one summary for the run, not one per order")
        for routed in first.routed_order_ids | second.routed_order_ids:
            self.assertEqual(routed.state, "sent")
            self.assertIn(routed.name, mails.body_html)
        self.send()  # nothing left to send: no second mail
        self.assertEqual(len(self._summaries() - before), 1)
