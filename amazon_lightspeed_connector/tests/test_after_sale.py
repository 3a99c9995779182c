"""After the sale: shipments marked in Lightspeed read back into Odoo.

Against the Lightspeed simulator on loopback: store staff tick Shipped with a tracking line in
the shipment note; the scheduled read marks the routed order shipped (its open sale completed,
Amazon's confirmation due), once; a missing tracking number is asked for on the order; Odoo and
Lightspeed both marking: the first wins; a sale voided in the store is an error on the order.
"""

import dataclasses
from datetime import datetime, timezone
from unittest.mock import patch

from lxml import etree
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval
from psycopg2.errors import LockNotAvailable

from ..lib.amazon.shipment import carrier_fields
from ..lib.errors import PayloadError
from ..lib.lightspeed import sale_reader
from ..lib.lightspeed.sale_payload import sale_payload
from ..lib.lightspeed.sale_sender import send_sale
from ..models.amazon_routed_order_lightspeed import SendRun
from ..models.amazon_sale_reversal import CRON_XMLID as REVERSE_CRON
from ..models.connector_run import ConnectorRun
from .amazon_orders_common import AmazonOrdersFromSimulator
from .common import budget_for, make_user, messages_about, open_figure
from .routing_common import RoutingCase
from .sales_common import LightspeedSales
from .simulators.amazon import line

TRACKING = "1Z999AA10123456784"


@tagged("post_install", "-at_install")
class TestShipmentsFromLightspeed(LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()
        self.amazon.inventory_deduction = "when_shipped"
        self.ups = self.env["delivery.carrier"].search([("name", "=ilike", "UPS")], limit=1)
        if not self.ups:
            product = self.env["product.product"].create({"name": "UPS", "type": "service"})
            carrier = {"name": "UPS", "product_id": product.id}
            self.ups = self.env["delivery.carrier"].create(carrier)

    def sent_order(self, sku="LTR-BELT", units=1):
        routed = self.import_order((sku, units)).routed_order_ids
        self.send()
        self.assertEqual(routed.state, "sent")
        return routed

    def test_shipped_in_the_store_marks_the_order_shipped_once(self):
        routed = self.sent_order()
        sale = self.sale_of(routed)
        self.assertFalse(sale.completed)
        self.read_back()  # nothing shipped yet: nothing changes
        self.assertEqual(routed.state, "sent")

        self.sim.ship_in_store(sale.sale_id, "Tracking: %s UPS" % TRACKING)
        self.read_back()
        self.assertEqual(routed.state, "shipped")
        self.assertEqual(routed.tracking_number, TRACKING)
        self.assertEqual(routed.carrier_id, self.ups)
        self.assertEqual(routed.lightspeed_carrier, "UPS")
        self.assertTrue(routed.lightspeed_shipped and routed.ship_date)
        self.assertEqual(routed.confirmation_state, "to_confirm")
        self.assertTrue(self.sale_of(routed).completed, "the open sale is completed: stock drops")
        self.assertTrue(routed.lightspeed_sale_completed)
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 9)

        puts = len([c for c in self.sim.calls if c.method == "PUT"])
        self.sim.ship_in_store(sale.sale_id, "Tracking: %s UPS" % TRACKING)  # touched again
        self.read_back()
        self.assertEqual(len([c for c in self.sim.calls if c.method == "PUT"]), puts)
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 9, "completed once")
        self.assertEqual(routed.confirmation_state, "to_confirm")

    def test_the_shipped_sale_is_completed_in_the_reads_savepoint_keeping_the_stores_note(self):
        routed = self.sent_order()
        sale = self.sale_of(routed)
        note = "Tracking: %s UPS" % TRACKING
        Routed = type(self.env["amazon.routed.order"])
        # the send flow's completion commits per order (the run loop's commit): inside the
        # read's savepoint a commit broke the savepoint (a traceback in the fault drill)
        with patch.object(
            Routed, "_complete_lightspeed_sales", side_effect=AssertionError("commit")
        ):
            self.sim.ship_in_store(sale.sale_id, note)
            self.read_back()
        self.assertEqual(routed.state, "shipped")
        self.assertTrue(routed.lightspeed_sale_completed)
        self.assertTrue(self.sale_of(routed).completed)
        self.assertEqual(self.sale_of(routed).ship_to["shipNote"], note, "the store's note stays")

    def test_a_carrier_odoo_does_not_know_goes_to_amazon_as_other_with_its_name(self):
        routed = self.sent_order()
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s Royal Mail" % TRACKING)
        self.read_back()
        self.assertEqual(routed.state, "shipped")
        self.assertFalse(routed.carrier_id)
        self.assertEqual(
            carrier_fields(routed._carrier_choice()),
            {"carrierCode": "Other", "carrierName": "Royal Mail"},
        )

    def test_the_read_costs_one_call_and_moves_its_cursor(self):
        routed = self.sent_order()
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        before = len(self.sim.calls)
        self.read_back()
        reads = [c for c in self.sim.calls[before:] if c.method == "GET" and "Sale.json" in c.path]
        self.assertEqual(len(reads), 1)
        cursor = self.lightspeed._run_state("sales_read").cursor
        self.assertTrue(cursor)
        self.read_back()
        self.assertGreaterEqual(self.lightspeed._run_state("sales_read").cursor, cursor)

    def shipped_in_one_second(self, count):
        """``count`` sent orders whose sales store staff tick Shipped in the same second (the
        sales completed when written, so reading them back changes nothing in Lightspeed and
        their stamps stay as the store left them)."""
        self.amazon.inventory_deduction = "at_once"
        parcels = self.env["amazon.routed.order"]
        for _parcel in range(count):
            parcels |= self.sent_order()
        for routed in parcels:
            self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        return parcels

    def test_a_read_whose_time_is_up_mid_second_reads_the_rest_of_it_next_time(self):
        """Lightspeed stamps to the second: a read whose time is up after two of three sales
        shipped in one second leaves the third to the next read, which reads it."""
        parcels = self.shipped_in_one_second(3)
        with patch.object(ConnectorRun, "out_of_time", budget_for(2)):
            self.read_back()
        self.assertEqual(sorted(parcels.mapped("state")), ["sent", "shipped", "shipped"])
        self.read_back()
        self.assertEqual(set(parcels.mapped("state")), {"shipped"})

    def read_in_pages_of_one(self, limit=None):
        """Reads ask Lightspeed for one sale a page (and take ``limit`` sales at most)."""
        Account = type(self.env["lightspeed.account"])
        patches = [patch.object(Account, "_sales_read_page_size", 1)]
        if limit:
            patches.append(patch.object(Account, "_sales_read_limit", limit))
        for patcher in patches:
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_the_read_limit_cuts_between_two_pages_and_the_rest_goes_at_once(self):
        """Three sales shipped in one second, a fourth later, two a read at most: the first
        read stops after its second page, inside the second, and tells the cron worker more
        waits; the next read goes on from the third page and takes the rest."""
        parcels = self.shipped_in_one_second(3)
        self.sim.clock.advance(5)
        later = self.sent_order()
        self.sim.ship_in_store(self.sale_of(later).sale_id, "Tracking: %s UPS" % TRACKING)
        self.read_in_pages_of_one(limit=2)
        self.assertEqual(self.read_back(), (2, 1))
        self.assertEqual(sorted(parcels.mapped("state")), ["sent", "shipped", "shipped"])
        self.assertTrue(self.lightspeed._run_state("sales_read").page_token)
        self.assertEqual(self.read_back(), (2, 0))
        self.assertEqual(set((parcels | later).mapped("state")), {"shipped"})
        self.assertFalse(self.lightspeed._run_state("sales_read").page_token, "read to its end")

    def test_a_second_of_more_sales_than_a_run_reads_is_read_over_several_runs(self):
        """Three sales shipped in one second, a fourth later, time for one sale a run: each run
        goes on from the page the last one reached, so the crowded second is read to its end
        and the sale after it is read too (read from its start each time, it never would be)."""
        parcels = self.shipped_in_one_second(3)
        self.sim.clock.advance(5)
        later = self.sent_order()
        self.sim.ship_in_store(self.sale_of(later).sale_id, "Tracking: %s UPS" % TRACKING)
        self.read_in_pages_of_one()
        shipped = []
        for _run in range(4):
            with patch.object(ConnectorRun, "out_of_time", budget_for(1)):
                self.read_back()
            shipped.append(len((parcels | later).filtered(lambda r: r.state == "shipped")))
        self.assertEqual(shipped, [1, 2, 3, 4])

    def test_a_page_link_lightspeed_no_longer_takes_restarts_the_read_from_its_cursor(self):
        """The link saved by a read that stopped is refused (here: it is not this account's):
        the next read says so in the sync log and reads again from its cursor, missing
        nothing."""
        parcels = self.shipped_in_one_second(2)
        self.lightspeed._save_run_state(
            "sales_read", page_token="https://elsewhere.example/API/V3/Account/1/Sale.json?x=1"
        )
        self.read_back()
        self.assertEqual(set(parcels.mapped("state")), {"shipped"})
        self.assertFalse(self.lightspeed._run_state("sales_read").page_token)
        restarted = self.env["amazon.sync.log"].search(
            [("flow", "=", "after_sale"), ("message", "ilike", "starts again")]
        )
        self.assertEqual(len(restarted), 1)
        self.assertNotIn("elsewhere.example", restarted.message, "no link in the log")

    def test_a_sale_shipped_before_its_order_recorded_it_is_read_when_adopted(self):
        """A run wrote the sale but died before recording it; store staff ship it; the read
        back passes it over (no order holds it yet). The next send finds the sale, adopts it
        and reads what the store did: the order is shipped with its tracking number."""
        routed = self.import_order(("LTR-BELT", 1)).routed_order_ids
        run = SendRun(self.lightspeed, self.lightspeed._lightspeed_client())
        written = send_sale(run.client, sale_payload(routed._prepare_lightspeed_sale_request(run)))
        self.sim.ship_in_store(written.sale_id, "Tracking: %s UPS" % TRACKING)
        self.read_back()
        self.assertEqual(routed.state, "to_send")
        self.send()
        self.assertEqual(routed.lightspeed_sale_id, str(written.sale_id))
        self.assertEqual((routed.state, routed.tracking_number), ("shipped", TRACKING))
        self.assertEqual(len(self.sim.sales(routed.name)), 1)

    def test_a_sale_that_cannot_be_read_back_is_an_error_and_the_others_go_on(self):
        """Lightspeed sends one shipped sale garbled, another's shipment fails in an
        integrator's code: each is an error in the sync log on its order, said once, and the
        sale shipped after them is read all the same; the garbled one is read once it changes."""
        garbled, refused, fine = (self.sent_order() for _parcel in range(3))
        for routed in (garbled, refused, fine):
            self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        read_sale = sale_reader.sale_from_wire
        Routed = type(self.env["amazon.routed.order"])
        apply_sale = Routed._apply_lightspeed_sale

        def read(record):
            if str(record.get("saleID")) == garbled.lightspeed_sale_id:
                raise PayloadError("Lightspeed sent a ShipTo that is not an object")
            return read_sale(record)

        def apply(routed_model, account, sale, client):
            if str(sale.sale_id) == refused.lightspeed_sale_id:
                raise KeyError("an integrator's module failed on this shipment")
            return apply_sale(routed_model, account, sale, client)

        Log = self.env["amazon.sync.log"]
        errors = [("flow", "=", "after_sale"), ("level", "=", "error")]
        with patch.object(sale_reader, "sale_from_wire", read):
            with patch.object(Routed, "_apply_lightspeed_sale", apply):
                self.read_back()
            self.assertEqual(
                (garbled.state, refused.state, fine.state), ("sent", "sent", "shipped")
            )
            logged = Log.search(errors)
            self.assertEqual(sorted(logged.mapped("res_id")), sorted((garbled | refused).ids))
            self.assertEqual(set(logged.mapped("res_model")), {"amazon.routed.order"})
            self.assertIn(
                "not an object", logged.filtered(lambda x: x.res_id == garbled.id).message
            )
            self.read_back()  # nothing changed: nothing read again, nothing said again
            self.assertEqual(Log.search(errors), logged)
        self.sim.ship_in_store(self.sale_of(garbled).sale_id, "Tracking: %s UPS" % TRACKING)
        self.read_back()
        self.assertEqual(garbled.state, "shipped")

    def test_without_a_tracking_line_the_number_is_asked_for_on_the_order(self):
        routed = self.sent_order()
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Left with the courier")
        self.read_back()
        self.assertEqual(routed.state, "sent", "never confirmed to Amazon without a number")
        self.assertTrue(routed.lightspeed_shipped)
        self.assertEqual(self.amazon.dashboard_tracking_missing, 1, "the Overview counts it")
        self.assertIn("tracking number", routed.activity_ids.summary)
        log = self.env["amazon.sync.log"].search([("flow", "=", "after_sale")])
        self.assertIn(routed.name, log.mapped("reference"))
        self.read_back()  # read again: one activity, not two
        self.assertEqual(len(routed.activity_ids), len(self.queue_group.users))

        self.amazon.shipment_source = "lightspeed"
        routed.tracking_number = TRACKING
        routed.action_mark_shipped()  # shipped in the store: Odoo may finish it
        self.assertEqual(routed.state, "shipped")

    def test_odoo_first_wins_and_the_store_tick_changes_nothing(self):
        routed = self.sent_order()
        routed.tracking_number = "9400111899223100000000"
        routed.action_mark_shipped()
        self.assertEqual(routed.state, "shipped")
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        self.read_back()
        self.assertEqual(routed.tracking_number, "9400111899223100000000")
        self.assertFalse(routed.lightspeed_shipped)

    def test_a_channel_marking_in_odoo_does_not_read_lightspeed(self):
        self.amazon.shipment_source = "odoo"
        routed = self.sent_order()
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        before = len(self.sim.calls)
        self.read_back()
        self.assertEqual(len(self.sim.calls), before, "no call at all")
        self.assertEqual(routed.state, "sent")

    def test_a_channel_marking_in_lightspeed_refuses_mark_shipped_in_odoo(self):
        self.amazon.shipment_source = "lightspeed"
        routed = self.sent_order()
        with self.assertRaisesRegex(UserError, "marked in Lightspeed"):
            routed.action_mark_shipped()

    def test_a_sale_voided_in_the_store_is_an_error_on_the_order(self):
        routed = self.sent_order()
        self.sim.void_in_store(self.sale_of(routed).sale_id)
        self.read_back()
        self.assertIn("voided in the store", routed.error_message)
        self.assertEqual(routed.state, "sent")

    def test_a_throttled_read_keeps_its_cursor_for_the_next_run(self):
        routed = self.sent_order()
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        self.sim.faults.add("throttle", method="GET", path="/Sale.json", times=None)
        self.read_back()
        self.assertEqual(routed.state, "sent")
        self.sim.faults.clear()
        self.read_back()
        self.assertEqual(routed.state, "shipped")


@tagged("post_install", "-at_install")
class TestCancellationAfterTheSale(LightspeedSales, RoutingCase):
    """Amazon cancels an order (or one item) already in Lightspeed: void or refund sale."""

    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()

    def reverse(self):
        self.sim.clock.advance(60)
        self.env["amazon.sale.reversal"]._cron_reverse_in_lightspeed()

    def cancel(self, order):
        previous = order.status
        order.status = "canceled"
        order._after_status_change(previous)

    def cancel_item(self, order, sku):
        """Amazon's next copy of the order reports the item cancelled (the import's path)."""
        data, _sku_of = order._amazon_order_data()
        now = datetime.now(timezone.utc)
        lines = tuple(
            dataclasses.replace(x, cancelled=True) if x.seller_sku == sku else x for x in data.lines
        )
        data = dataclasses.replace(
            data, lines=lines, purchase_date=now, last_update_date=now, status="unshipped"
        )
        self.env["amazon.order"]._import_from_amazon(self.amazon, data, existing=order)

    def sent(self, *lines):
        """An order of ``lines`` imported, routed and sent as one sale: (order, routed order)."""
        order = self.import_order(*lines)
        self.send()
        return order, order.routed_order_ids

    def cancelled_open_sale(self):
        """An order sent as an open sale ("deduct when shipped") that Amazon then cancelled:
        (the Amazon order, its routed order)."""
        self.amazon.inventory_deduction = "when_shipped"
        order, routed = self.sent(("LTR-BELT", 2))
        self.cancel(order)
        return order, routed

    def test_an_open_sale_of_a_cancelled_order_is_voided(self):
        order, routed = self.cancelled_open_sale()
        self.assertEqual(order.routing_state, "void_requested")
        self.assertEqual(order.sale_order_id.state, "cancel")
        (reversal,) = routed.reversal_ids
        self.assertEqual(reversal.state, "to_do")

        self.reverse()
        self.assertEqual((reversal.state, reversal.action), ("done", "void"))
        self.assertTrue(self.sale_of(routed).voided)
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 10, "an open sale never moved stock")
        self.assertEqual(routed.state, "cancelled")
        self.assertIn("voided in Lightspeed", routed.void_reason)
        self.assertEqual(order.routing_state, "none")

    def test_a_completed_sale_of_a_cancelled_order_gets_a_refund_sale(self):
        order, routed = self.sent(("LTR-BELT", 2))
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 8)
        self.cancel(order)
        self.reverse()
        (reversal,) = routed.reversal_ids
        self.assertEqual((reversal.state, reversal.action), ("done", "refund"))
        (refund,) = self.sim.sales(routed.name + "-R1")
        original = self.sale_of(routed)
        self.assertTrue(refund.completed)
        self.assertEqual(refund.shop_id, original.shop_id)
        self.assertEqual(refund.total, -original.total)
        self.assertEqual(
            refund.payments[0]["payment_type_id"], original.payments[0]["payment_type_id"]
        )
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 10, "the store's stock came back")
        self.assertEqual(routed.state, "cancelled")
        self.reverse()  # read again: nothing more
        self.assertEqual(len(self.sim.sales(routed.name + "-R1")), 1)
        self.assertEqual(len(routed.reversal_ids), 1)

    def test_a_refund_whose_answer_was_lost_is_made_once(self):
        order, routed = self.sent(("LTR-BELT", 1))
        self.cancel(order)
        self.sim.faults.add("lost_response", method="POST", path="/Sale.json")
        self.reverse()
        self.assertEqual(routed.reversal_ids.state, "done")
        self.assertEqual(len(self.sim.sales(routed.name + "-R1")), 1)
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 10)

    def test_its_own_void_read_back_before_it_was_recorded_is_no_error(self):
        """A worker voided the sale and died before recording it (or lost the answer): the
        read back meets the connector's own void, not the store's; the undo records it once."""
        self.amazon.inventory_deduction = "when_shipped"
        order, routed = self.sent(("LTR-BELT", 1))
        self.cancel(order)
        self.sim.void_in_store(self.sale_of(routed).sale_id)  # the void that landed, unrecorded
        self.sim.clock.advance(60)
        self.env["lightspeed.account"]._cron_read_sales_back()
        self.assertFalse(routed.error_message)
        self.reverse()
        (reversal,) = routed.reversal_ids
        self.assertEqual((reversal.state, reversal.action), ("done", "nothing"))
        self.assertEqual(routed.state, "cancelled")
        self.assertFalse(routed.error_message)

    def test_one_cancelled_item_is_refunded_alone(self):
        order, routed = self.sent(("LTR-BELT", 1), ("CANVAS-TOTE", 1))
        self.assertEqual(len(routed), 1)
        belt, tote = self.sim.qoh("LTR-BELT", 1), self.sim.qoh("CANVAS-TOTE", 1)
        self.cancel_item(order, "LTR-BELT")
        self.assertTrue(order.line_ids.filtered(lambda x: x.seller_sku == "LTR-BELT").cancelled)
        self.reverse()
        (reversal,) = routed.reversal_ids
        self.assertEqual((reversal.action, reversal.state), ("refund", "done"))
        (refund,) = self.sim.sales(routed.name + "-R1")
        self.assertEqual([x["custom_sku"] for x in refund.lines], ["LTR-BELT"])
        self.assertEqual(
            (self.sim.qoh("LTR-BELT", 1), self.sim.qoh("CANVAS-TOTE", 1)), (belt + 1, tote)
        )
        self.assertEqual(routed.state, "sent", "the tote still ships")
        sale_line = order.sale_order_id.order_line.filtered(
            lambda x: x.product_id == self.products["LTR-BELT"]
        )
        self.assertEqual(sale_line.product_uom_qty, 0)
        self.cancel_item(order, "LTR-BELT")  # read again: nothing more
        self.assertEqual(len(routed.reversal_ids), 1)

    def test_one_cancelled_item_of_an_open_sale_never_voids_the_items_that_still_ship(self):
        self.amazon.inventory_deduction = "when_shipped"
        order, routed = self.sent(("LTR-BELT", 1), ("CANVAS-TOTE", 1))
        belt, tote = self.sim.qoh("LTR-BELT", 1), self.sim.qoh("CANVAS-TOTE", 1)
        self.cancel_item(order, "LTR-BELT")
        self.reverse()
        (reversal,) = routed.reversal_ids
        self.assertEqual((reversal.action, reversal.state), ("refund", "done"))
        original = self.sale_of(routed)
        self.assertFalse(original.voided, "the tote still ships from this sale")
        self.assertTrue(original.completed)
        self.assertNotEqual(
            original.ship_to.get("shipped"), "true", "the tote stays in the store's to-ship list"
        )
        self.assertTrue(routed.lightspeed_sale_completed)
        (refund,) = self.sim.sales(routed.name + "-R1")
        self.assertEqual([x["custom_sku"] for x in refund.lines], ["LTR-BELT"])
        self.assertEqual(
            (self.sim.qoh("LTR-BELT", 1), self.sim.qoh("CANVAS-TOTE", 1)), (belt, tote - 1)
        )
        self.assertEqual(routed.state, "sent")

    def test_cancelling_the_last_item_after_another_cancels_the_part(self):
        order, routed = self.sent(("LTR-BELT", 1), ("CANVAS-TOTE", 1))
        self.cancel_item(order, "LTR-BELT")
        self.reverse()
        self.cancel_item(order, "CANVAS-TOTE")
        self.reverse()
        self.assertEqual(len(self.sim.sales(routed.name + "-R2")), 1)
        self.assertEqual(routed.state, "cancelled")

    def refused_refund(self):
        """An order cancelled after its sale whose refund sale Lightspeed refused (the register
        was closed; open again now): (routed order, reversal)."""
        order, routed = self.sent(("LTR-BELT", 1))
        self.sim.set_register_open(1, False)
        self.cancel(order)
        self.reverse()
        self.sim.set_register_open(1, True)
        return routed, routed.reversal_ids

    def test_a_refused_refund_is_an_error_with_retry(self):
        routed, reversal = self.refused_refund()
        self.assertEqual(reversal.state, "error")
        self.assertIn("closed", reversal.error_message)
        self.amazon.invalidate_recordset()
        self.assertEqual(
            (self.amazon.dashboard_undo_waiting, self.amazon.dashboard_undo_errors), (1, 1)
        )
        card = self.amazon.with_user(self.user)
        for figure in ("dashboard_undo_waiting", "dashboard_undo_errors"):
            action = open_figure(card, figure)
            listed = self.env[action["res_model"]].with_user(self.user).search(action["domain"])
            self.assertEqual(listed, reversal, figure)
        log = self.env["amazon.sync.log"].search([("flow", "=", "after_sale")])
        self.assertIn(routed.name, log.mapped("reference"))
        outsider = make_user(self.env, "after-sale-outsider", "base.group_user", self.company)
        with self.assertRaises(AccessError):
            reversal.with_user(outsider).action_retry()
        self.assertEqual(reversal.state, "error")
        reversal.with_user(self.user).action_retry()
        self.assertEqual(reversal.state, "done")
        self.assertEqual(len(self.sim.sales(routed.name + "-R1")), 1)

    def to_ship(self):
        """What Shipments > To Ship lists: the action's domain and its default filter's."""
        action = self.env.ref("amazon_lightspeed_connector.amazon_routed_order_shipments_action")
        search_view = self.env.ref(
            "amazon_lightspeed_connector.amazon_routed_order_view_search_lightspeed"
        )
        (to_ship,) = etree.fromstring(search_view.arch).xpath("//filter[@name='to_ship']")
        domain = safe_eval(action.domain) + safe_eval(to_ship.get("domain"))
        return self.env["amazon.routed.order"].with_user(self.user).search(domain)

    def test_an_order_cancelled_after_the_sale_is_never_offered_for_shipping(self):
        routed, reversal = self.refused_refund()
        self.assertEqual((routed.state, reversal.state), ("sent", "error"))
        self.assertTrue(routed.cancelled_by_amazon)
        self.assertNotIn(routed, self.to_ship())
        with self.assertRaisesRegex(UserError, "Amazon cancelled it after the sale"):
            routed.with_user(self.user).action_mark_shipped()
        self.assertEqual(routed.state, "sent")

    def test_an_order_with_one_item_cancelled_still_ships_the_others(self):
        order, routed = self.sent(("LTR-BELT", 1), ("CANVAS-TOTE", 1))
        self.cancel_item(order, "LTR-BELT")
        self.assertEqual(routed.reversal_ids.state, "to_do")
        self.assertFalse(routed.cancelled_by_amazon, "the tote still ships")
        self.assertIn(routed, self.to_ship())
        self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
        self.read_back()  # the store ships it: marked shipped, to confirm to Amazon
        self.assertEqual((routed.state, routed.confirmation_state), ("shipped", "to_confirm"))

    def test_an_item_cancelled_while_its_part_is_being_sent_is_read_again(self):
        """A sender holds the part while it writes its sale: the cancellation does not shrink
        the lines under that POST (the sale would keep the units, Odoo would not); the import
        meets the conflict, rolls back and reads the order again, once the part is free."""
        order = self.import_order(("LTR-BELT", 1), ("CANVAS-TOTE", 1))
        routed = order.routed_order_ids
        Routed = type(self.env["amazon.routed.order"])

        def held_by_a_sender(part):
            raise LockNotAvailable("could not obtain lock on row in relation amazon_routed_order")

        held = patch.object(Routed, "_lock_row", held_by_a_sender)
        with held, self.assertRaises(LockNotAvailable), self.env.cr.savepoint():
            self.cancel_item(order, "LTR-BELT")
        order.invalidate_recordset()
        self.assertEqual(sorted(routed.line_ids.mapped("quantity")), [1, 1], "nothing shrunk")
        self.assertFalse(order.line_ids.filtered("cancelled"))
        self.cancel_item(order, "LTR-BELT")  # the next import, the part free
        self.assertEqual(routed.line_ids.product_id.mapped("default_code"), ["CANVAS-TOTE"])
        self.send()
        (sale,) = self.sim.sales(routed.name)
        self.assertEqual([x["custom_sku"] for x in sale.lines], ["CANVAS-TOTE"])

    def shipped_in_store_although_cancelled(self, routed):
        """The store ticks Shipped, with a tracking line, on ``routed`` whose undo waits, and
        the sale is read back (twice: the store touched it again); the read's warnings."""
        self.assertTrue(routed.cancelled_by_amazon)
        for _touch in range(2):
            self.sim.ship_in_store(self.sale_of(routed).sale_id, "Tracking: %s UPS" % TRACKING)
            self.read_back()
        return self.env["amazon.sync.log"].search(
            [
                ("flow", "=", "after_sale"),
                ("level", "=", "warning"),
                ("res_model", "=", "amazon.routed.order"),
                ("res_id", "=", routed.id),
            ]
        )

    def assertLeftForTheBackOffice(self, routed, warnings):
        self.assertEqual(routed.state, "sent", "left as it is: never confirmed to Amazon")
        self.assertFalse(routed.is_shipped or routed.tracking_number or routed.lightspeed_shipped)
        self.assertEqual(len(warnings), 1, "said once, not on every read")
        self.assertIn("shipped in Lightspeed although Amazon cancelled it", warnings.message)
        summaries = routed.activity_ids.mapped("summary")
        self.assertEqual(len(summaries), len(self.queue_group.users), "one activity each")
        self.assertIn("although Amazon cancelled it", summaries[0])
        notes = messages_about(self.env, routed.amazon_order_id).mapped("body")
        self.assertTrue([body for body in notes if "although Amazon cancelled it" in body])

    def test_shipped_in_the_store_while_the_void_waits_is_left_for_the_back_office(self):
        _order, routed = self.cancelled_open_sale()
        self.assertEqual(routed.reversal_ids.state, "to_do")
        warnings = self.shipped_in_store_although_cancelled(routed)
        self.assertLeftForTheBackOffice(routed, warnings)
        self.assertFalse(self.sale_of(routed).completed, "the sale is not completed either")

    def test_the_parcel_to_recall_stays_asked_for_once_the_sale_is_undone(self):
        _order, routed = self.cancelled_open_sale()
        self.shipped_in_store_although_cancelled(routed)
        self.reverse()
        self.assertEqual((routed.state, routed.reversal_ids.state), ("cancelled", "done"))
        recall = self.env.ref("amazon_lightspeed_connector.mail_activity_type_recall_parcel")
        self.assertEqual(
            routed.activity_ids.activity_type_id,
            recall,
            "voiding the sale does not bring the parcel back: a person closes it",
        )
        self.assertEqual(len(routed.activity_ids), len(self.queue_group.users))

    def test_shipped_in_the_store_after_the_refund_was_refused_is_left_for_the_back_office(self):
        routed, reversal = self.refused_refund()
        self.assertEqual(reversal.state, "error")
        warnings = self.shipped_in_store_although_cancelled(routed)
        self.assertLeftForTheBackOffice(routed, warnings)

    def refusal_logged(self, routed):
        return self.env["amazon.sync.log"].search(
            [
                ("flow", "=", "after_sale"),
                ("level", "=", "error"),
                ("res_model", "=", "amazon.routed.order"),
                ("res_id", "=", routed.id),
            ]
        )

    def test_a_successful_retry_resolves_the_refusal_in_the_sync_log(self):
        routed, reversal = self.refused_refund()
        refusal = self.refusal_logged(routed)
        self.assertEqual(len(refusal), 1)
        self.assertIn("closed", refusal.message)
        self.assertFalse(refusal.resolved)
        self.amazon.invalidate_recordset()
        open_errors = self.amazon.dashboard_sync_errors
        self.assertGreaterEqual(open_errors, 1)

        reversal.with_user(self.user).action_retry()
        self.assertEqual(reversal.state, "done")
        self.assertFalse(reversal.error_message)
        self.assertTrue(refusal.resolved, "the refusal is dealt with: no longer an open error")
        self.amazon.invalidate_recordset()
        self.assertEqual(self.amazon.dashboard_sync_errors, open_errors - 1)

    def test_a_retry_refused_again_leaves_the_error_open(self):
        routed, reversal = self.refused_refund()
        self.sim.set_register_open(1, False)
        reversal.with_user(self.user).action_retry()
        self.assertEqual(reversal.state, "error")
        self.assertIn("closed", reversal.error_message)
        refusals = self.refusal_logged(routed)
        self.assertEqual(len(refusals), 2)
        self.assertFalse(any(refusals.mapped("resolved")))

    def reverse_cron_triggers(self):
        cron = self.env.ref(REVERSE_CRON)
        return self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", cron.id)])

    def test_retry_under_throttling_says_it_is_queued_and_when_never_success(self):
        routed, reversal = self.refused_refund()
        self.assertEqual(reversal.state, "error")
        self.env.ref(REVERSE_CRON).active = True
        self.sim.faults.add("throttle", path="/Sale", times=None)  # the bucket stays empty
        before = self.reverse_cron_triggers()
        params = reversal.with_user(self.user).action_retry()["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("Lightspeed throttled the run", params["message"])
        self.assertIn("1 queued: the next run starts at", params["message"])
        self.assertEqual(reversal.state, "to_do", "handed to the scheduled action")
        self.assertTrue(self.reverse_cron_triggers() - before, "the action is woken for it")
        self.assertFalse(self.sim.sales(routed.name + "-R1"))

        self.sim.faults.clear()
        self.reverse()  # the scheduled run
        self.assertEqual(reversal.state, "done")
        self.assertTrue(self.refusal_logged(routed).resolved, "resolved by the scheduled run")
        self.assertEqual(len(self.sim.sales(routed.name + "-R1")), 1)

    def test_undo_now_on_a_routed_order_held_by_another_worker_is_queued(self):
        order, routed = self.sent(("LTR-BELT", 1))
        self.cancel(order)
        self.assertTrue(routed.undo_waiting)
        self.env.ref(REVERSE_CRON).active = True
        Reversal = type(self.env["amazon.sale.reversal"])
        with patch.object(Reversal, "_lock_row", lambda reversal: False):
            params = routed.with_user(self.user).action_undo_in_lightspeed()["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("1 taken by another worker", params["message"])
        self.assertIn("1 queued: the next run starts at", params["message"])
        self.assertEqual(routed.reversal_ids.state, "to_do")

        params = routed.with_user(self.user).action_undo_in_lightspeed()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertIn("1 undone in Lightspeed", params["message"])
        self.assertFalse(routed.undo_waiting)
        with self.assertRaises(UserError):
            routed.with_user(self.user).action_undo_in_lightspeed()

    def test_an_invoiced_order_cancelled_gets_a_posted_credit_note(self):
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=self.company, install_demo=False
        )
        order = self.import_order(("LTR-BELT", 1))
        self.send()
        sale = order.sale_order_id
        invoice = sale._create_invoices()
        invoice.action_post()
        self.cancel(order)
        credit = sale.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit.state, "posted")
        self.assertEqual(credit.amount_total, invoice.amount_total)
        self.assertIn(invoice.payment_state, ("reversed", "paid"))


@tagged("post_install", "-at_install")
class TestRefundsFromTheSettlement(LightspeedSales, RoutingCase):
    """Refund rows of a settlement: credit note posted and paid out, stock back, once."""

    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=self.company, install_demo=False
        )
        self.amazon.invalidate_recordset()
        self.amazon._compute_settlement_accounting()

    def shipped_and_invoiced(self, *lines):
        order = self.import_order(*lines)
        self.send()
        routed = order.routed_order_ids
        routed.tracking_number = TRACKING
        routed.action_mark_shipped()
        invoice = order.sale_order_id._create_invoices()
        invoice.action_post()
        return order, routed, invoice

    def settlement(self, order, sku, units, price, adjustment="amzn1.adj.1", report="R1"):
        values = {
            "name": report,
            "report_id": report,
            "account_id": self.amazon.id,
            "currency_id": self.company.currency_id.id,
        }
        rows = [
            ("principal", "ItemPrice", "Principal", -price),
            ("fees", "ItemFees", "Commission", price * 0.15),
        ]
        values["line_ids"] = [
            Command.create(
                {
                    "line_number": number,
                    "transaction_type": "Refund",
                    "order_reference": order.name,
                    "amazon_order_id": order.id,
                    "sku": sku,
                    "amount_type": amount_type,
                    "amount_description": description,
                    "category": category,
                    "amount": amount,
                    "quantity": units,
                    "adjustment_id": adjustment,
                    "state": "refund",
                }
            )
            for number, (category, amount_type, description, amount) in enumerate(rows, 2)
        ]
        settlement = self.env["amazon.settlement"].create(values)
        settlement._book_open_orders()
        return settlement

    def reverse(self):
        self.sim.clock.advance(60)
        self.env["amazon.sale.reversal"]._cron_reverse_in_lightspeed()

    def test_a_refund_is_credited_paid_out_and_restocked_at_the_store_that_shipped(self):
        order, routed, invoice = self.shipped_and_invoiced(("LTR-BELT", 2))
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 8)
        settlement = self.settlement(order, "LTR-BELT", 1, 10.0)
        line = settlement.line_ids[:1]
        self.assertEqual(line.state, "refund_booked")
        credit = line.credit_note_id
        self.assertEqual((credit.move_type, credit.state), ("out_refund", "posted"))
        self.assertEqual(credit.amount_untaxed, 10.0)
        self.assertEqual(credit.amount_residual, 0, "reconciled with the open invoice")
        self.assertEqual(invoice.amount_residual, invoice.amount_total - 10.0)
        self.assertEqual(credit.reversed_entry_id, invoice)
        self.assertEqual(settlement.state, "done")

        (reversal,) = routed.reversal_ids
        self.assertEqual((reversal.reason, reversal.state), ("return", "to_do"))
        self.reverse()
        self.assertEqual((reversal.state, reversal.action), ("done", "refund"))
        self.assertEqual(self.sim.qoh("LTR-BELT", 1), 9, "one unit back where it shipped from")
        self.assertEqual(routed.state, "shipped", "a return does not cancel the shipment")

        # the same refund read again, in this report or another one: nothing booked twice
        again = self.settlement(order, "LTR-BELT", 1, 10.0, report="R2")
        self.assertEqual(again.line_ids[:1].credit_note_id, credit)
        self.assertEqual(
            len(order.sale_order_id.invoice_ids.filtered(lambda m: m.move_type == "out_refund")), 1
        )
        self.assertEqual(len(routed.reversal_ids), 1)

    def test_a_refund_that_does_not_divide_by_its_units_is_credited_to_the_cent(self):
        order, _routed, _invoice = self.shipped_and_invoiced(("LTR-BELT", 3))
        credit = self.settlement(order, "LTR-BELT", 3, 10.0).line_ids[:1].credit_note_id
        self.assertEqual(credit.amount_untaxed, 10.0, "never 3 x 3.33 = 9.99")
        lines = sorted((x.quantity, x.price_unit) for x in credit.invoice_line_ids)
        self.assertEqual(lines, [(1, 3.34), (2, 3.33)])
        self.assertEqual(len(credit.invoice_line_ids.product_id), 1, "the belt, on both lines")

    def test_a_refund_of_a_paid_invoice_is_paid_out_of_the_settlement_journal(self):
        order, _routed, invoice = self.shipped_and_invoiced(("LTR-BELT", 1))
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        credit = self.settlement(order, "LTR-BELT", 1, 10.0).line_ids[:1].credit_note_id
        self.assertEqual(credit.state, "posted")
        self.assertIn(credit.payment_state, ("paid", "in_payment"))
        payment = credit.matched_payment_ids or self.env["account.payment"].search(
            [("memo", "ilike", credit.name)]
        )
        self.assertEqual(payment[:1].journal_id, self.amazon.settlement_journal_id)

    def test_a_returns_store_gets_the_stock_and_none_books_money_only(self):
        self.amazon.write(
            {"restock_policy": "returns_store", "returns_warehouse_id": self.store_b.id}
        )
        order, routed, _invoice = self.shipped_and_invoiced(("LTR-BELT", 1))
        shop_b = int(self.store_b.lightspeed_shop_id)
        before = self.sim.qoh("LTR-BELT", shop_b)
        self.settlement(order, "LTR-BELT", 1, 10.0)
        self.reverse()
        self.assertEqual(self.sim.qoh("LTR-BELT", shop_b), before + 1)
        self.assertEqual(self.sim.sales(routed.name + "-R1")[0].shop_id, shop_b)

        self.amazon.restock_policy = "none"
        order, routed, _invoice = self.shipped_and_invoiced(("CANVAS-TOTE", 1))
        self.settlement(order, "CANVAS-TOTE", 1, 10.0, report="R3")
        self.assertFalse(routed.reversal_ids)

    def test_a_refund_of_an_order_not_invoiced_waits_with_its_reason(self):
        order = self.import_order(("LTR-BELT", 1))
        self.send()
        settlement = self.settlement(order, "LTR-BELT", 1, 10.0)
        line = settlement.line_ids[:1]
        self.assertEqual(line.state, "refund")
        self.assertIn("no posted invoice", line.note)
        self.settlement(order, "LTR-BELT", 1, 5.0, adjustment="amzn1.adj.2", report="R2")

        card = self.amazon.with_user(self.user)
        self.assertEqual(card.dashboard_refunds_unbooked, 2, "two refunds, four rows")
        action = card.action_dashboard_refunds_unbooked()
        rows = self.env[action["res_model"]].with_user(self.user).search(action["domain"])
        self.assertEqual(len(rows), 4)
        self.assertEqual(len({(x.order_reference, x.sku, x.adjustment_id) for x in rows}), 2)
        self.assertTrue(all("no posted invoice" in x.note for x in rows))

        order.sale_order_id._create_invoices().action_post()
        settlement._book_open_orders()  # the report read again books what it can now
        card.invalidate_recordset()
        self.assertEqual(card.dashboard_refunds_unbooked, 1, "R1's refund is booked")


@tagged("post_install", "-at_install")
class TestOneItemCancelledOnAmazon(AmazonOrdersFromSimulator, LightspeedSales, RoutingCase):
    """Amazon cancels one item of an order whose Lightspeed sale is completed, and the import
    reads it: a refund sale of that item only, at the same shop and register."""

    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()
        self.read_orders_from_amazon_simulator(seed=3)

    def test_the_import_refunds_the_cancelled_item_only_at_the_same_register(self):
        placed = self.amazon_sim.add_order([line("LTR-BELT", 1), line("CANVAS-TOTE", 2)])
        self.run_import(advance=60)
        order = self.amazon_order(placed)
        routed = order.routed_order_ids
        self.assertEqual((len(routed), routed.warehouse_id), (1, self.store_a))
        self.send()
        original = self.assertLightspeedSaleCreated(routed)
        self.assertTrue(original.completed, "the store's stock dropped at the sale")
        belt, tote = self.sim.qoh("LTR-BELT", 1), self.sim.qoh("CANVAS-TOTE", 1)

        self.amazon_sim.cancel_item(placed.order_id, "LTR-BELT")
        self.run_import(advance=600)
        belt_line, tote_line = (
            order.line_ids.filtered(lambda x, sku=sku: x.seller_sku == sku)
            for sku in ("LTR-BELT", "CANVAS-TOTE")
        )
        self.assertEqual((belt_line.cancelled, tote_line.cancelled), (True, False))
        self.assertEqual(order.status, "unshipped", "the order itself is still open")
        self.sim.clock.advance(60)
        self.env["amazon.sale.reversal"]._cron_reverse_in_lightspeed()

        (reversal,) = routed.reversal_ids
        self.assertEqual((reversal.reason, reversal.action), ("cancellation", "refund"))
        self.assertEqual(reversal.state, "done", reversal.error_message)
        (refund,) = self.sim.sales(routed.name + "-R1")
        self.assertEqual(
            (refund.shop_id, refund.register_id), (original.shop_id, original.register_id)
        )
        self.assertTrue(refund.completed)
        belt_sold = next(x for x in original.lines if x["custom_sku"] == "LTR-BELT")
        self.assertEqual(
            [(x["custom_sku"], x["quantity"], x["parent_sale_line_id"]) for x in refund.lines],
            [("LTR-BELT", -1, belt_sold["sale_line_id"])],
            "the belt alone, returning the original's line",
        )
        self.assertEqual(refund.total, -belt_sold["unit_price"])
        self.assertEqual(
            [p["payment_type_id"] for p in refund.payments],
            [p["payment_type_id"] for p in original.payments],
        )
        self.assertEqual(
            (self.sim.qoh("LTR-BELT", 1), self.sim.qoh("CANVAS-TOTE", 1)), (belt + 1, tote)
        )
        self.assertFalse(self.sale_of(routed).voided, "the original sale stays")
        self.assertEqual(routed.state, "sent", "the totes still ship")
        self.assertEqual(self.quantities(routed), {"LTR-BELT": 1, "CANVAS-TOTE": 2})
        sale_lines = {
            x.product_id.default_code: x.product_uom_qty for x in order.sale_order_id.order_line
        }
        self.assertEqual((sale_lines["LTR-BELT"], sale_lines["CANVAS-TOTE"]), (0, 2))

        self.run_import(advance=600)  # Amazon's order read again: nothing more
        self.env["amazon.sale.reversal"]._cron_reverse_in_lightspeed()
        self.assertEqual(len(routed.reversal_ids), 1)
        self.assertEqual(len(self.sim.sales(routed.name + "-R1")), 1)
        self.assertFalse(self.sim.sales(routed.name + "-R2"))
