"""Inventory and prices to Amazon: what is sent, when, and how (patches or feeds)."""

import logging
import time
from unittest.mock import patch

from lxml import etree
from odoo.exceptions import ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import offer_on_amazon
from .listings_common import CA, US, ListingsPush
from .routing_common import RoutingCase, build_amazon_order

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestListingsQuantity(ListingsPush, RoutingCase):
    def setUp(self):
        super().setUp()
        self.open_listings_push()

    def test_available_is_on_hand_in_all_stores_minus_orders_not_in_lightspeed(self):
        offer = self.offers["JBJ-M"]  # stores A, B, C hold 4, 2, 1
        self.assertEqual(offer.available_to_send, 7)
        self.import_order(("JBJ-M", 2))  # routed to a store, not yet in Lightspeed
        offer.invalidate_recordset()
        self.assertEqual(offer.available_to_send, 5)
        self.assertEqual(offer.price_to_send, 59.0, "the pricelist: the product's sales price")

    def test_held_orders_commit_their_units_too(self):
        self.set_mode("queue")
        order = self.import_order(("JBJ-S", 3), ("WBT-BRN-42", 1))  # no store holds both
        self.assertEqual(order.routed_order_ids.state, "held")
        self.assertEqual(self.offers["JBJ-S"].available_to_send, 0)

    def test_orders_of_another_channel_on_the_same_stores_commit_their_units(self):
        other = self.amazon_account(
            "http://127.0.0.1:9",
            name="Amazon for business buyers",
            lightspeed_account_id=self.lightspeed.id,
            default_warehouse_id=self.store_a.id,
            routing_mode="queue",
        )
        offer_on_amazon(self.env, other, self.products, US)
        routed = build_amazon_order(self.env, other, "702-0000001-0000001", [("JBJ-M", 3)], self)
        self.assertEqual(routed.routed_order_ids.warehouse_id, self.store_a)
        held = build_amazon_order(
            self.env, other, "702-0000002-0000002", [("JBJ-S", 1), ("WBT-BRN-42", 1)], self
        )
        self.assertEqual(held.routed_order_ids.state, "held", "no store holds both")
        other.active = False  # its orders still hold the stores' units
        self.assertEqual(self.offers["JBJ-M"].available_to_send, 4, "7 on hand, 3 sold there")
        self.assertEqual(self.offers["JBJ-S"].available_to_send, 2, "3 on hand, 1 held there")

    def test_reserve_rules(self):
        offer = self.offers["LTR-BELT"]  # 10 + 5 + 5 on hand
        for rule, sent in [
            ("2:fixed", 18),
            ("10:percent", 18),
            ("15:percent", 17),  # 20 x 0.85 = 17
            ("33:percent", 13),  # 13.4, rounded down
            ("25:fixed", 0),  # never below zero
            (" 5 : Fixed ", 15),
            (False, 20),
        ]:
            offer.reserve_rule = rule
            offer.invalidate_recordset(["available_to_send"])
            self.assertEqual(offer.available_to_send, sent, rule)

    def test_a_bad_reserve_rule_is_refused_with_its_reason(self):
        for rule, reason in [
            ("abc", "Value:Calculation"),
            ("5:pct", '"fixed" or "percent"'),
            ("-2:fixed", "negative"),
            ("2.5:fixed", "whole number"),
            ("120:percent", "from 0 to 100"),
        ]:
            with self.assertRaisesRegex(ValidationError, reason):
                self.offers["LTR-BELT"].reserve_rule = rule

    def test_backorderable_sends_1000_whatever_the_stock(self):
        offer = self.offers["CASH-BEANIE"]
        offer.write({"backorderable": True, "reserve_rule": "2:fixed"})
        self.assertEqual(offer.available_to_send, 1000)
        self.push()
        self.assertEqual(self.amazon_sim.offer("CASH-BEANIE").quantity, 1000)

    def test_fba_bindings_are_never_pushed(self):
        self.offers["WOOL-SCARF"].fulfillment_channel = "AFN"
        self.push()
        self.assertNotIn("WOOL-SCARF", {p.sku for p in self.patches()})
        self.assertEqual(len(self.patches()), 11)


@tagged("post_install", "-at_install")
class TestListingsPush(ListingsPush, RoutingCase):
    def setUp(self):
        super().setUp()
        self.open_listings_push()

    def test_first_push_patches_each_sku_and_clears_the_flags(self):
        self.assertTrue(all(o.need_sync for o in self.offers.values()), "new bindings")
        run = self.push()
        self.assertEqual(run.counts["patched"], 12, run.summary())
        self.assertFalse(self.env["amazon.listings.feed"].search([]), "12 < 100: no feed")
        patch = self.patches()[0]
        self.assertEqual([p["op"] for p in patch.patches], ["merge", "merge"])
        self.assertEqual(
            [p["path"] for p in patch.patches],
            ["/attributes/fulfillment_availability", "/attributes/purchasable_offer"],
        )
        self.assertEqual(self.amazon_sim.offer("JBJ-L").quantity, 7)
        self.assertEqual(self.amazon_sim.offer("OXF-WHT-M").price, "39.5")
        offer = self.offers["JBJ-L"]
        self.assertFalse(offer.need_sync)
        self.assertEqual((offer.last_pushed_qty, offer.last_pushed_price), (7, 59.0))
        self.assertEqual(offer.last_pushed_currency, "USD")
        self.assertTrue(offer.last_push_date)
        self.assertEqual(self.push().counts["patched"], 0, "nothing changed: no call")

    def test_a_delta_push_sends_only_changed_skus(self):
        self.push()
        before = len(self.amazon_sim.listing_patches)
        self.set_store_qoh("JBJ-S", self.store_c, 7)  # 3 -> 7
        self.set_store_qoh("WOOL-SCARF", self.store_a, 5)  # 8 -> 5
        self.import_order(("LTR-BELT", 1))  # 20 -> 19 committed
        self.offers["CANVAS-TOTE"].product_id.list_price = 14.0  # price only
        run = self.push()
        sent = self.amazon_sim.listing_patches[before:]
        self.assertEqual(
            sorted(p.sku for p in sent), ["CANVAS-TOTE", "JBJ-S", "LTR-BELT", "WOOL-SCARF"]
        )
        self.assertEqual(
            self.sent_quantities(before), {"JBJ-S": 7, "WOOL-SCARF": 5, "LTR-BELT": 19}
        )
        tote = next(p for p in sent if p.sku == "CANVAS-TOTE")
        self.assertEqual([p["path"] for p in tote.patches], ["/attributes/purchasable_offer"])
        self.assertEqual(self.amazon_sim.offer("CANVAS-TOTE").price, "14.0")
        self.assertEqual(run.counts["patched"], 4)
        self.assertFalse(self.amazon_offers().filtered("need_sync"))

    def test_what_flags_a_binding(self):
        self.push()
        offers = self.amazon_offers()
        self.assertFalse(offers.filtered("need_sync"))
        self.import_order(("OXF-BLU-M", 1))
        self.assertEqual(offers.filtered("need_sync").mapped("seller_sku"), ["OXF-BLU-M"])
        offers.need_sync = False
        self.offers["RAIN-JKT-M"].reserve_rule = "1:fixed"
        self.offers["CASH-BEANIE"].product_id.list_price = 50.0
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": self.offers["JBJ-L"].product_id.id,
                "fixed_price": 49.0,
            }
        )
        self.assertEqual(
            sorted(offers.filtered("need_sync").mapped("seller_sku")),
            ["CASH-BEANIE", "JBJ-L", "RAIN-JKT-M"],
        )
        offers.need_sync = False
        self.set_store_qoh("JBJ-S", self.store_c, 1)
        self.assertIn("JBJ-S", offers.filtered("need_sync").mapped("seller_sku"))

    def test_20_changes_go_as_20_patches(self):
        self.push()
        before = len(self.amazon_sim.listing_patches)
        product = self.offers["LTR-BELT"].product_id
        for number in range(20):
            self.bind_extra("EXTRA-%02d" % number, product)
        run = self.push()
        self.assertEqual(run.counts["patched"], 20)
        self.assertEqual(len(self.amazon_sim.listing_patches) - before, 20)
        self.assertFalse(self.amazon_sim.feeds)

    def test_30000_changes_go_as_2_feeds(self):
        self.push()
        self.insert_offers(30_000)
        calls_before = len(self.amazon_sim.calls)
        started = time.perf_counter()
        run = self.push()
        elapsed = time.perf_counter() - started
        feeds = self.env["amazon.listings.feed"].search([("account_id", "=", self.amazon.id)])
        self.assertEqual(sorted(feeds.mapped("message_count")), [5_000, 25_000], run.summary())
        self.assertEqual(len(self.amazon_sim.feeds), 2)
        self.assertEqual(run.counts["patched"], 0)
        waiting = self.amazon_offers().filtered("pending_feed_id")
        self.assertEqual(len(waiting), 30_000)
        self.assertTrue(all(waiting.mapped("need_sync")), "flags stay until Amazon accepts")
        _logger.info(
            "30,000 changed SKUs pushed as %d feeds (%s requests) in %.1f s",
            len(feeds),
            len(self.amazon_sim.calls) - calls_before,
            elapsed,
        )

    def feeds_filtered(self, name):
        """The Listings Feeds of the channel that the search view's filter ``name`` lists."""
        view = self.env.ref("amazon_lightspeed_connector.amazon_listings_feed_view_search")
        (node,) = etree.fromstring(view.arch).xpath("//filter[@name='%s']" % name)
        domain = safe_eval(node.get("domain")) + [("account_id", "=", self.amazon.id)]
        return self.env["amazon.listings.feed"].search(domain)

    def test_feed_report_errors_land_on_the_binding(self):
        self.amazon.listings_feed_threshold = 5
        self.amazon_sim.mark_sku_invalid("WBT-BLK-43")
        run = self.push()
        self.assertEqual((run.counts["feeds"], run.counts["fed"]), (1, 12))
        feed = self.env["amazon.listings.feed"].search([("account_id", "=", self.amazon.id)])
        self.assertEqual(feed.state, "submitted")
        self.assertTrue(all(self.amazon_offers().mapped("need_sync")))
        self.assertEqual(self.push(advance=10).counts["waiting"], 1, "Amazon is at it")
        self.assertFalse(self.offers["JBJ-M"].last_push_date)

        patches_before = len(self.patches("api"))
        run = self.push(advance=120)
        self.assertEqual((run.counts["accepted"], feed.state), (11, "done"), run.summary())
        self.assertEqual((feed.accepted_count, feed.error_count), (11, 1))
        # the summary counts what the report says: one SKU refused, not sent again at once
        self.assertEqual((run.counts["refused"], run.counts["patched"]), (1, 0))
        self.assertIn("11 accepted from feed reports, 1 refused", run.summary())
        self.assertEqual(len(self.patches("api")), patches_before, "not patched at once")
        boots = self.offers["WBT-BLK-43"]
        self.assertIn("not eligible", boots.last_push_error)
        self.assertTrue(boots.need_sync, "refused: sent again by the next run")
        self.assertFalse(boots.last_push_date)
        jeans = self.offers["JBJ-M"]
        self.assertEqual((jeans.last_pushed_qty, jeans.need_sync), (7, False))
        self.assertFalse(jeans.last_push_error)
        self.assertEqual(self.amazon_sim.offer("JBJ-M").quantity, 7)
        log = self.listings_logs("error").filtered(lambda r: r.reference == "WBT-BLK-43")
        self.assertTrue(log and log[0].res_model == "amazon.offer" and log[0].res_id == boots.id)
        errors = self.amazon_offers().filtered_domain([("last_push_error", "!=", False)])
        self.assertEqual(errors, boots, "the Push Error filter")
        self.assertEqual(self.feeds_filtered("with_errors"), feed, "Listings Feeds' filter")
        self.assertFalse(self.feeds_filtered("submitted"), "its report is read")
        run = self.push(advance=900)
        self.assertEqual((run.counts["refused"], run.counts["patched"]), (1, 0), run.summary())
        self.assertEqual(len(self.patches("api")), patches_before + 1, "sent by the next run")

    def test_an_unreadable_report_sends_the_feed_again(self):
        self.amazon.listings_feed_threshold = 5
        self.push()
        self.amazon_sim.faults.add("malformed", path="/_sim/documents/")  # no summary
        run = self.push(advance=120)
        feeds = self.env["amazon.listings.feed"].search([("account_id", "=", self.amazon.id)])
        first, second = feeds.sorted("id")
        self.assertEqual(first.state, "fatal")
        self.assertIn("no summary", first.result_message)
        self.assertEqual(run.counts["refused"], 12)
        self.assertEqual((second.state, second.message_count), ("submitted", 12), "sent again")
        self.assertTrue(all(self.amazon_offers().mapped("need_sync")))
        self.assertIn("no summary", self.offers["JBJ-M"].last_push_error)

    def test_a_feed_amazon_cancelled_without_a_report_sends_the_feed_again(self):
        self.amazon.listings_feed_threshold = 5
        self.push()
        feed = self.env["amazon.listings.feed"].search([("account_id", "=", self.amazon.id)])
        self.amazon_sim.feeds[feed.feed_id].status = "CANCELLED"  # never processed: no report
        run = self.push(advance=120)
        self.assertEqual(feed.state, "fatal", "not left waiting for a report that never comes")
        self.assertIn("CANCELLED", feed.result_message)
        self.assertEqual(run.counts["refused"], 12)
        self.assertIn("CANCELLED", self.offers["JBJ-M"].last_push_error)
        self.assertTrue(all(self.amazon_offers().mapped("need_sync")))
        self.assertTrue(self.listings_logs("error").filtered(lambda r: r.reference == feed.feed_id))

    def test_a_feed_amazon_never_finishes_is_given_up_after_a_day(self):
        self.amazon.listings_feed_threshold = 5
        self.push()
        feed = self.env["amazon.listings.feed"].search([("account_id", "=", self.amazon.id)])
        self.assertEqual(self.push(advance=10).counts["waiting"], 1, "a young feed waits")
        self.assertEqual(feed.state, "submitted")
        self.env.cr.execute(
            "UPDATE amazon_listings_feed SET create_date = create_date - interval '25 hours' "
            "WHERE id = %s",
            (feed.id,),
        )
        feed.invalidate_recordset(["create_date"])
        run = self.push(advance=10)
        self.assertEqual(feed.state, "fatal")
        self.assertIn("has not finished", feed.result_message)
        self.assertEqual(run.counts["refused"], 12)
        self.assertTrue(all(self.amazon_offers().mapped("need_sync")), "sent again")
        self.assertIn("has not finished", self.offers["JBJ-M"].last_push_error)

    def test_pricelist_per_marketplace(self):
        cad = self.env.ref("base.CAD")
        cad.active = True
        ca_pricelist = self.env["product.pricelist"].create(
            {"name": "Amazon CA", "currency_id": cad.id, "company_id": self.company.id}
        )
        scarf = self.offers["WOOL-SCARF"].product_id
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": ca_pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": scarf.id,
                "fixed_price": 27.45,
            }
        )
        self.amazon.write(
            {
                "marketplace_ids": "%s,%s" % (US, CA),
                "marketplace_pricelist_ids": [
                    (0, 0, {"marketplace_id": CA, "pricelist_id": ca_pricelist.id})
                ],
            }
        )
        self.bind_extra("WOOL-SCARF", scarf, marketplace=CA)
        self.push()
        self.assertEqual(self.amazon_sim.offer("WOOL-SCARF", CA).price, "27.45")
        self.assertEqual(self.amazon_sim.offer("WOOL-SCARF", CA).currency, "CAD")
        self.assertEqual(self.amazon_sim.offer("WOOL-SCARF", US).price, "19.9")
        self.assertEqual(self.amazon_sim.offer("WOOL-SCARF", US).currency, "USD")

    def test_a_change_while_its_push_is_on_the_way_is_pushed_next(self):
        """An order takes two jackets while the push sends Amazon the quantity it read before:
        the flag the order set outlives the push, and the next one sends the new quantity.
        (The flag alone was already set, so the order left it as it was and the push cleared
        it: Amazon kept offering two jackets too many.)"""
        self.push()
        self.set_store_qoh("JBJ-L", self.store_a, 5)  # flagged: the push below sends it
        Client = type(self.new_client())
        send = Client.patch_listing
        sold = []

        def patch_listing(client, sku, *args, **kwargs):
            result = send(client, sku, *args, **kwargs)
            if sku == "JBJ-L" and not sold:  # Amazon has the old quantity; an order comes
                sold.append(sku)
                self.import_order(("JBJ-L", 2))
            return result

        with patch.object(Client, "patch_listing", patch_listing):
            before = len(self.amazon_sim.listing_patches)
            self.push()
        offer = self.offers["JBJ-L"]
        sent_first = self.sent_quantities(before)["JBJ-L"]
        offer.invalidate_recordset()
        self.assertTrue(offer.need_sync, "the order's flag outlives the push")
        self.assertEqual(offer.available_to_send, sent_first - 2)
        before = len(self.amazon_sim.listing_patches)
        self.push()
        self.assertEqual(self.sent_quantities(before), {"JBJ-L": sent_first - 2})
        self.assertFalse(offer.need_sync)
        self.assertEqual(self.amazon_sim.offer("JBJ-L").quantity, offer.available_to_send)

    def test_throttling_stops_the_run_and_keeps_the_flags(self):
        self.amazon_sim.faults.add("throttle", path="/listings/", times=None)
        run = self.push()
        self.assertIn("throttled", run.stopped)
        offers = self.amazon_offers()
        self.assertTrue(all(offers.mapped("need_sync")))
        self.assertFalse(any(offers.mapped("last_push_date")))
        self.assertTrue(self.listings_logs("warning"))
        self.assertIn("throttled", self.amazon.listings_push_result)
        self.amazon_sim.faults.clear()
        self.assertEqual(self.push(advance=60).counts["patched"], 12)
        self.assertFalse(offers.filtered("need_sync"))

    def test_a_refused_patch_stays_on_the_binding_and_the_run_goes_on(self):
        self.amazon_sim.mark_sku_invalid("JBJ-S")
        run = self.push()
        self.assertEqual((run.counts["patched"], run.counts["refused"]), (11, 1))
        self.assertIn("not eligible", self.offers["JBJ-S"].last_push_error)
        self.assertTrue(self.offers["JBJ-S"].need_sync)

    def test_push_now_button_and_cron(self):
        with self.amazon_served():
            action = self.offers["JBJ-M"].with_user(self.manager).action_push_now()
        self.assertEqual(action["params"]["type"], "info")
        self.assertEqual([p.sku for p in self.patches()], ["JBJ-M"])
        self.assertTrue(self.offers["JBJ-S"].need_sync, "only the chosen binding")
        cron = self.env.ref("amazon_lightspeed_connector.ir_cron_amazon_push_listings")
        with self.amazon_served():
            cron.method_direct_trigger()
        self.assertFalse(self.amazon_offers().filtered("need_sync"))

    def test_a_duplicated_database_stops_pushing(self):
        self.env.flush_all()
        for query in get_neutralization_queries(["amazon_lightspeed_connector"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertFalse(self.amazon.listings_push_enabled)
        cron = self.env.ref("amazon_lightspeed_connector.ir_cron_amazon_push_listings")
        self.assertFalse(cron.active)

    # --- helpers ----------------------------------------------------------------------------

    def bind_extra(self, sku, product, marketplace=US):
        return self.env["amazon.offer"].create(
            {
                "account_id": self.amazon.id,
                "marketplace_id": marketplace,
                "seller_sku": sku,
                "product_id": product.id,
            }
        )

    def insert_offers(self, count):
        """``count`` new bindings of the demo products in one INSERT (the ORM would take
        minutes): a large catalogue whose every SKU changed."""
        products = [o.product_id.id for o in self.offers.values()]
        self.env.cr.execute_values(
            """
            INSERT INTO amazon_offer
                (account_id, company_id, marketplace_id, seller_sku, product_id, active,
                 fulfillment_channel, amazon_product_type, need_sync, backorderable,
                 create_uid, write_uid, create_date, write_date)
            VALUES %s
            """,
            [
                (self.amazon.id, self.company.id, US, "GEN-%06d" % n, products[n % len(products)])
                for n in range(count)
            ],
            template="(%s, %s, %s, %s, %s, TRUE, 'MFN', 'PRODUCT', TRUE, FALSE, 1, 1, "
            "now() at time zone 'UTC', now() at time zone 'UTC')",
            page_size=5000,
        )
        self.env["amazon.offer"].invalidate_model()
