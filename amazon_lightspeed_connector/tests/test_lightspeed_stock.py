"""Store stock read from the Lightspeed simulator: full and incremental refreshes."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests import tagged

from .common import CronHandover
from .stock_common import StockCase


@tagged("post_install", "-at_install")
class TestLightspeedStock(CronHandover, StockCase):
    def stock(self, sku, store):
        return self.env["lightspeed.stock"].search(
            [("product_id", "=", self.products[sku].id), ("warehouse_id", "=", store.id)]
        )

    @contextmanager
    def batches_of(self, size):
        """Refreshes that write (and may stop) after every ``size`` items: a batch is whole
        pages, so pages of ``size``."""
        model = type(self.lightspeed)
        with (
            patch.object(model, "_stock_batch_size", size),
            patch.object(model, "_stock_page_size", size),
        ):
            yield

    def test_full_refresh_stores_qoh_per_store_and_product(self):
        self.assertEqual(self.stock("JBJ-S", self.store_c).qoh, 3)
        self.assertFalse(self.stock("JBJ-S", self.store_a), "no row for nothing on hand")
        self.assertEqual(self.stock("JBJ-M", self.store_a).qoh, 4)
        self.assertEqual(self.stock("JBJ-M", self.store_b).qoh, 2)
        row = self.stock("CANVAS-TOTE", self.store_b)
        self.assertEqual((row.qoh, row.company_id), (10, self.company))
        self.assertTrue(row.lightspeed_item_id and row.lightspeed_timestamp)
        self.assertEqual(self.lightspeed.stock_count, 24)
        self.assertTrue(self.lightspeed._run_state("stock").cursor)

    def test_incremental_refresh_reads_only_changed_items(self):
        self.sim.clock.advance(60)
        self.sim.set_qoh("JBJ-S", 3, 7)
        self.sim.sell_at_store("WOOL-SCARF", 1, 2)
        refresh = self.refresh_stock()
        self.assertEqual(refresh.items, 2, "the ten unchanged items are not read again")
        self.assertEqual(self.stock("JBJ-S", self.store_c).qoh, 7)
        self.assertEqual(self.stock("WOOL-SCARF", self.store_a).qoh, 6)
        self.assertEqual(self.stock("JBJ-M", self.store_a).qoh, 4)
        self.assertEqual(self.refresh_stock().items, 0, "nothing changed since")
        self.sim.clock.advance(60)
        self.sim.set_qoh("JBJ-M", 1, 0)
        self.assertEqual(self.refresh_stock().items, 1)
        self.assertEqual(self.stock("JBJ-M", self.store_a).qoh, 0, "an existing row goes to 0")

    def test_full_refresh_reads_everything_and_zeroes_what_is_gone(self):
        self.env.cr.execute(
            "UPDATE lightspeed_stock SET qoh = 5 WHERE id = %s",
            (self.stock("JBJ-M", self.store_a).id,),
        )
        self.sim.clock.advance(60)
        refresh = self.refresh_stock(full=True)
        self.assertEqual((refresh.items, refresh.unmatched), (12, 0))
        self.env["lightspeed.stock"].invalidate_model()
        self.assertEqual(self.stock("JBJ-M", self.store_a).qoh, 4)
        # an item no Odoo product matches is counted, not stored
        self.sim.add_item("Gift card", "10.00", custom_sku="GIFT", qoh={1: 5})
        refresh = self.refresh_stock()
        self.assertEqual((refresh.items, refresh.unmatched), (1, 1))

    def test_products_match_by_barcode_when_the_sku_differs(self):
        product = self.env["product.product"].create(
            {"name": "Belt, Odoo code", "default_code": "BELT-ODOO", "barcode": "999000000017"}
        )
        self.sim.clock.advance(60)
        self.sim.add_item("Belt", "25.00", custom_sku="BELT-LS", upc="999000000017", qoh={2: 4})
        refresh = self.refresh_stock()
        self.assertEqual((refresh.items, refresh.unmatched), (1, 0))
        row = self.env["lightspeed.stock"].search([("product_id", "=", product.id)])
        self.assertEqual((row.warehouse_id, row.qoh), (self.store_b, 4))

    def queries_of_refresh(self, skus):
        self.sim.clock.advance(60)
        for sku in skus:
            self.sim.set_qoh(sku, 2, 9)
        before = self.env.cr.sql_log_count
        refresh = self.refresh_stock()
        self.assertEqual(refresh.items, len(skus))
        return self.env.cr.sql_log_count - before

    def test_refresh_writes_in_batches_not_per_item(self):
        one = self.queries_of_refresh(["JBJ-S"])
        many = self.queries_of_refresh(["JBJ-M", "JBJ-L", "LTR-BELT", "CANVAS-TOTE", "WOOL-SCARF"])
        self.assertEqual(one, many, "as many queries for five items as for one")
        self.assertEqual(self.stock("WOOL-SCARF", self.store_b).qoh, 9)

    def test_a_refresh_whose_time_is_up_goes_on_from_its_cursor_with_the_schedule(self):
        from ..models.lightspeed_account_stock import STOCK_CRON, StockRefresh

        self.active_cron(STOCK_CRON)
        before = self.triggers(STOCK_CRON)
        with (
            self.batches_of(5),
            patch.object(StockRefresh, "out_of_time", lambda run: True),
        ):
            action = self.lightspeed.with_user(self.manager).action_refresh_stock()
        self.assertRestQueued(action, STOCK_CRON, before, done="5 items read")
        self.assertTrue(
            self.lightspeed._run_state("stock").cursor, "the next run goes on from here"
        )
        self.assertGreater(self.lightspeed._stock_batch_size, 5)

    def test_a_refresh_cut_in_the_middle_of_a_second_reads_the_rest_of_it_next_time(self):
        """A stock count at store B changes three items in one second (Lightspeed stamps to
        the second); a refresh whose time is up after a batch of two leaves the third to the
        next refresh, which reads it: no count is lost."""
        from ..models.lightspeed_account_stock import StockRefresh

        self.sim.clock.advance(60)
        counted = ("JBJ-S", "JBJ-M", "JBJ-L")
        for sku in counted:
            self.sim.set_qoh(sku, 2, 8)
        with (
            self.batches_of(2),
            patch.object(StockRefresh, "out_of_time", lambda run: True),
        ):
            self.assertEqual(self.refresh_stock().items, 2)
        counts = [self.stock(sku, self.store_b).qoh for sku in counted]
        self.assertEqual(counts.count(8), 2, "two read, the third left for the next refresh")
        self.sim.clock.advance(60)
        self.refresh_stock()
        self.assertEqual([self.stock(sku, self.store_b).qoh for sku in counted], [8, 8, 8])

    def test_a_second_holding_more_items_than_a_run_reads_is_read_over_several_runs(self):
        """A stock count stamps six items in one second, and each run reads only one page of
        two: the cursor cannot pass that second until it is read, so each run goes on from
        the next page the run before saved, and the third reads the last of them."""
        from ..models.lightspeed_account_stock import StockRefresh

        self.sim.clock.advance(60)
        counted = ("JBJ-S", "JBJ-M", "JBJ-L", "LTR-BELT", "WOOL-SCARF", "CANVAS-TOTE")
        for sku in counted:
            self.sim.set_qoh(sku, 2, 7)
        self.sim.clock.advance(60)
        with (
            self.batches_of(2),
            patch.object(StockRefresh, "out_of_time", lambda run: True),
        ):
            reads = [self.refresh_stock().items for _run in range(3)]
            self.assertEqual(reads, [2, 2, 2], "each run goes on where the one before stopped")
            self.assertEqual([self.stock(sku, self.store_b).qoh for sku in counted], [7] * 6)
            state = self.lightspeed._run_state("stock")
            self.assertFalse(state.page_token, "the walk is read to its end")
            self.assertEqual(self.refresh_stock().items, 0, "and the cursor is past the second")

    def test_a_saved_page_link_lightspeed_refuses_starts_the_walk_again_from_the_cursor(self):
        self.sim.clock.advance(60)
        self.sim.set_qoh("JBJ-S", 2, 5)
        self.sim.clock.advance(60)
        stale = "%s/Account/%s/Item.json?after=expired" % (
            self.lightspeed.api_url.rstrip("/"),
            self.lightspeed.account_number,
        )
        self.lightspeed._save_run_state("stock", page_token=stale)
        refresh = self.refresh_stock()
        self.assertEqual((refresh.items, self.stock("JBJ-S", self.store_b).qoh), (1, 5))
        self.assertFalse(self.lightspeed._run_state("stock").page_token)
        restart = self.env["amazon.sync.log"].search(
            [("flow", "=", "stock"), ("message", "like", "starts again from")]
        )
        self.assertEqual(restart.level, "info")

    def test_refresh_button_and_scheduled_action(self):
        self.sim.clock.advance(60)
        self.sim.set_qoh("OXF-BLU-M", 2, 1)
        self.env["lightspeed.account"]._cron_refresh_stock()
        self.assertEqual(self.stock("OXF-BLU-M", self.store_b).qoh, 1)
        action = self.lightspeed.with_user(self.manager).action_refresh_stock()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Full stock refresh: 12 items read", action["params"]["message"])
        self.assertTrue(
            self.env.ref("amazon_lightspeed_connector.ir_cron_lightspeed_refresh_stock").active
        )

    def test_users_read_stock_of_their_company_only(self):
        rows = self.env["lightspeed.stock"].with_user(self.user).search([])
        self.assertTrue(rows)
        self.assertEqual(rows.company_id, self.company)
        other = self.env["res.company"].create({"name": "Elsewhere"})
        self.user.write({"company_ids": [(6, 0, other.ids)], "company_id": other.id})
        self.assertFalse(self.env["lightspeed.stock"].with_user(self.user).search([]))
