"""Ship confirmations to Amazon (confirmShipment) from shipped routed orders, against the
Amazon simulator served in process; then the Odoo delivery and invoice close as configured."""

import contextlib
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from psycopg2.errors import LockNotAvailable

from ..models.amazon_routed_order_confirmation import CONFIRM_CRON
from .amazon_import_common import MARKETPLACE, AmazonImportCase
from .common import CronHandover, SyncLogErrors, load_migration
from .simulators.amazon import line


@tagged("post_install", "-at_install")
class TestShipConfirmation(SyncLogErrors, CronHandover, AmazonImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fee = cls.env["product.product"].create({"name": "Courier fee", "type": "service"})
        cls.ups = cls.env["delivery.carrier"].create(
            {"name": "UPS Ground (store)", "product_id": fee.id, "delivery_type": "fixed"}
        )
        cls.courier = cls.env["delivery.carrier"].create(
            {"name": "City Couriers", "product_id": fee.id, "delivery_type": "fixed"}
        )

    def setUp(self):
        super().setUp()
        self.env["amazon.carrier.mapping"].create(
            {
                "amazon_account_id": self.account.id,
                "carrier_id": self.ups.id,
                "amazon_carrier_code": "UPS",
            }
        )
        Routed = type(self.env["amazon.routed.order"])
        for name, replacement in (
            ("_confirmation_client", lambda routed, account: self.new_client()),
            ("_confirmation_now", lambda routed: self.sim_now()),
        ):
            patcher = patch.object(Routed, name, replacement)
            patcher.start()
            self.addCleanup(patcher.stop)

    # ------------------------------------------------------------ helpers

    def imported(self, *lines):
        """An order placed on Amazon and imported: (simulator order, amazon.order)."""
        placed = self.sim.add_order(list(lines))
        self.run_import()
        order = self.orders(name=placed.order_id)
        self.assertTrue(order.sale_order_id, order.import_error)
        return placed, order

    def shipped(self, order, parts=None, carrier=None, ship_date=None, tracking="1Z999AA1"):
        """Routed orders in state shipped, as "Mark shipped" leaves them: ``parts`` is a list of
        [(SKU, quantity)] per package (default: the whole order in one)."""
        if parts is None:
            parts = [[(line.seller_sku, line.quantity) for line in order.line_ids]]
        routed = self.env["amazon.routed.order"]
        for number, skus in enumerate(parts, 1):
            routed |= routed.create(
                {
                    "name": order.name if len(parts) == 1 else "%s-%s" % (order.name, number),
                    "amazon_order_id": order.id,
                    "state": "shipped",
                    "part_number": number,
                    "part_count": len(parts),
                    "line_ids": [
                        fields.Command.create(
                            {
                                "product_id": self.products[sku].id,
                                "seller_sku": sku,
                                "quantity": quantity,
                            }
                        )
                        for sku, quantity in skus
                    ],
                    "tracking_number": "%s-%s" % (tracking, number),
                    "carrier_id": (carrier or self.ups).id,
                    "shipping_method": "Ground",
                    "ship_date": ship_date or self.sim_now(hours=-1),
                }
            )
        return routed

    def run_confirmations(self):
        with self.served():
            self.env["amazon.routed.order"]._cron_confirm_shipments()

    def accepted(self, order_id=None):
        return [
            c.body
            for c in self.sim.confirmations
            if c.status == 204 and (order_id is None or c.order_id == order_id)
        ]

    def notes(self, record):
        return " ".join(str(m.body) for m in record.message_ids)

    def item(self, placed, sku):
        return next(x.order_item_id for x in placed.lines if x.sku == sku)

    # ------------------------------------------------------------ the request

    def test_confirmation_body_is_exactly_what_amazon_documents(self):
        placed, order = self.imported(line("JBJ-M", 2), line("LTR-BELT", 1))
        ship_date = self.sim_now(hours=-2).replace(microsecond=0)
        routed = self.shipped(order, ship_date=ship_date)
        self.assertEqual(routed.confirmation_state, "to_confirm")

        self.run_confirmations()

        (body,) = self.accepted(placed.order_id)
        self.assertEqual(
            body,
            {
                "marketplaceId": MARKETPLACE,
                "packageDetail": {
                    "packageReferenceId": routed.package_reference_id,
                    "carrierCode": "UPS",
                    "shippingMethod": "Ground",
                    "trackingNumber": "1Z999AA1-1",
                    "shipDate": ship_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "orderItems": [
                        {"orderItemId": self.item(placed, "JBJ-M"), "quantity": 2},
                        {"orderItemId": self.item(placed, "LTR-BELT"), "quantity": 1},
                    ],
                },
            },
        )
        self.assertTrue(routed.package_reference_id.isdigit())
        self.assertGreater(int(routed.package_reference_id), 0)
        self.assertEqual((routed.state, routed.confirmation_state), ("confirmed", "confirmed"))
        self.assertEqual(routed.confirmation_attempts, 1)
        self.assertEqual(placed.status, "Shipped")
        self.assertIn("Confirmed to Amazon", self.notes(routed))
        log = self.env["amazon.sync.log"].search(
            [("flow", "=", "shipment"), ("res_id", "=", routed.id)]
        )
        self.assertEqual(log.level, "info")

        # a re-run (and the button on a confirmed order) confirms nothing twice
        self.run_confirmations()
        self.assertEqual(len(self.sim.confirmations), 1)

    def test_unmapped_carrier_goes_as_other_with_its_name(self):
        placed, order = self.imported(line("LTR-BELT", 1))
        routed = self.shipped(order, carrier=self.courier)
        self.run_confirmations()
        (body,) = self.accepted(placed.order_id)
        self.assertEqual(body["packageDetail"]["carrierCode"], "Other")
        self.assertEqual(body["packageDetail"]["carrierName"], "City Couriers")
        self.assertEqual(routed.state, "confirmed")

    def test_a_future_ship_date_waits_then_goes(self):
        placed, order = self.imported(line("LTR-BELT", 1))
        ship_date = self.sim_now(hours=5).replace(microsecond=0)
        routed = self.shipped(order, ship_date=ship_date)

        self.run_confirmations()
        self.assertEqual(self.sim.confirmations, [])
        self.assertEqual(routed.confirmation_state, "waiting")
        self.assertEqual(routed.confirmation_scheduled_date, ship_date)
        self.assertIn("Amazon is told on", self.notes(routed))

        self.sim.clock.advance(4 * 3600)  # not yet
        self.run_confirmations()
        self.assertEqual(self.sim.confirmations, [])

        self.sim.clock.advance(3600)
        self.run_confirmations()
        (body,) = self.accepted(placed.order_id)
        self.assertEqual(
            body["packageDetail"]["shipDate"], ship_date.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        self.assertEqual(routed.state, "confirmed")
        self.assertFalse(routed.confirmation_scheduled_date)

    def test_split_order_confirms_each_package_with_its_own_items(self):
        placed, order = self.imported(line("JBJ-M", 2), line("LTR-BELT", 1))
        parts = self.shipped(order, parts=[[("LTR-BELT", 1)], [("JBJ-M", 2)]])

        self.run_confirmations()

        first, second = self.accepted(placed.order_id)
        self.assertEqual(
            first["packageDetail"]["orderItems"],
            [{"orderItemId": self.item(placed, "LTR-BELT"), "quantity": 1}],
        )
        self.assertEqual(
            second["packageDetail"]["orderItems"],
            [{"orderItemId": self.item(placed, "JBJ-M"), "quantity": 2}],
        )
        self.assertEqual(
            [b["packageDetail"]["trackingNumber"] for b in (first, second)],
            ["1Z999AA1-1", "1Z999AA1-2"],
        )
        ids = parts.mapped("package_reference_id")
        self.assertEqual(len(set(ids)), 2)
        self.assertEqual([b["packageDetail"]["packageReferenceId"] for b in (first, second)], ids)
        self.assertEqual(set(parts.mapped("state")), {"confirmed"})
        self.assertEqual(placed.status, "Shipped")

    def test_rejection_keeps_amazons_message_and_retry_confirms(self):
        placed, order = self.imported(line("JBJ-M", 1))
        routed = self.shipped(order)
        self.sim.set_status(placed.order_id, "Pending")  # Amazon's view moved, Odoo's not yet

        self.run_confirmations()
        self.assertEqual((routed.state, routed.confirmation_state), ("shipped", "failed"))
        self.assertIn("Pending and cannot be confirmed", routed.confirmation_error)
        log = self.env["amazon.sync.log"].search(
            [("flow", "=", "shipment"), ("level", "=", "error"), ("res_id", "=", routed.id)]
        )
        self.assertIn("Pending", log.message)
        package = routed.package_reference_id

        self.run_confirmations()  # a refused one waits for a person
        self.assertEqual(len(self.sim.confirmations), 1)

        self.sim.set_status(placed.order_id, "Unshipped")
        with self.served():
            routed.action_retry_confirmation()
        self.assertEqual((routed.state, routed.confirmation_state), ("confirmed", "confirmed"))
        self.assertFalse(routed.confirmation_error)
        self.assertEqual(routed.package_reference_id, package)
        self.assertEqual(routed.confirmation_attempts, 2)
        self.assertEqual(len(self.accepted(placed.order_id)), 1)

    def test_a_confirmation_that_succeeds_on_retry_resolves_its_sync_log_error(self):
        placed = [self.sim.add_order([line(sku, 1)]) for sku in ("JBJ-M", "LTR-BELT")]
        self.run_import()
        routed, other = (self.shipped(self.orders(name=p.order_id)) for p in placed)
        for order in placed:
            self.sim.set_status(order.order_id, "Pending")
        self.run_confirmations()
        error, other_error = (self.open_errors("shipment", r) for r in (routed, other))
        before = self.overview_errors(self.account)

        self.sim.set_status(placed[0].order_id, "Unshipped")
        with self.served():
            routed.action_retry_confirmation()
        self.assertEqual(routed.state, "confirmed")
        self.assertResolvedAlone(error, other_error, self.account, before)

    def test_a_confirmation_the_next_run_makes_resolves_the_refused_credentials(self):
        _placed, order = self.imported(line("JBJ-M", 1))
        routed = self.shipped(order)
        unrelated = self.env["amazon.sync.log"]._log_event("import", "not this flow", record=routed)
        self.sim.faults.add(
            "intercepted",
            path="shipmentConfirmation",
            status=403,
            payload={
                "errors": [
                    {"code": "Unauthorized", "message": "Access to requested resource is denied."}
                ]
            },
            times=None,
        )
        self.run_confirmations()
        self.assertEqual(routed.confirmation_state, "to_confirm")
        error = self.open_errors("shipment", routed)
        self.assertIn("credentials", error.message)
        before = self.overview_errors(self.account)

        self.sim.faults.clear()
        self.run_confirmations()
        self.assertEqual(routed.state, "confirmed")
        self.assertResolvedAlone(error, unrelated, self.account, before)

    def test_throttling_keeps_the_packages_for_the_next_run(self):
        placed, order = self.imported(line("JBJ-M", 2), line("LTR-BELT", 1))
        parts = self.shipped(order, parts=[[("LTR-BELT", 1)], [("JBJ-M", 2)]])
        self.sim.faults.add("throttle", path="shipmentConfirmation", times=None)

        self.run_confirmations()
        self.assertEqual(set(parts.mapped("confirmation_state")), {"to_confirm"})
        self.assertEqual(set(parts.mapped("state")), {"shipped"})
        self.assertIn("throttled", parts[0].confirmation_error)
        self.assertEqual(self.accepted(), [])
        self.assertTrue(
            self.env["amazon.sync.log"].search(
                [("flow", "=", "shipment"), ("level", "=", "warning")]
            )
        )

        self.sim.faults.clear()
        self.sim.clock.advance(600)
        self.run_confirmations()
        self.assertEqual(set(parts.mapped("state")), {"confirmed"})
        self.assertEqual(len(self.accepted(placed.order_id)), 2)

    def test_a_backlog_larger_than_a_batch_is_confirmed_in_one_go(self):
        routed = self.env["amazon.routed.order"]
        for _placed, order in self.imported_together("JBJ-M", "LTR-BELT", "JBJ-S"):
            routed |= self.shipped(order)
        self.account.confirm_batch_size = 2
        self.assertEqual(self.confirm_with_progress(), (2, 1), "the worker comes back")
        self.assertEqual(self.confirm_with_progress(), (1, 0))
        self.assertEqual(set(routed.mapped("confirmation_state")), {"confirmed"})

    def test_refused_or_throttled_packages_are_not_remaining(self):
        (placed, order), (_placed, other) = self.imported_together("JBJ-M", "LTR-BELT")
        refused = self.shipped(order)
        waiting = self.shipped(other)
        self.sim.set_status(placed.order_id, "Pending")  # Amazon refuses this one
        self.account.confirm_batch_size = 1
        self.assertEqual(self.confirm_with_progress(), (1, 1))
        self.assertEqual(refused.confirmation_state, "failed", "waits for Retry: not remaining")
        self.sim.faults.add("throttle", path="shipmentConfirmation", times=None)
        self.assertEqual(self.confirm_with_progress(), (0, 0), "throttled: the next interval")
        self.assertEqual(waiting.confirmation_state, "to_confirm")

    def imported_together(self, *skus):
        """One order per SKU placed on Amazon, imported by one run: [(sim order, amazon.order)]."""
        placed = [self.sim.add_order([line(sku, 1)]) for sku in skus]
        self.run_import()
        pairs = [(p, self.orders(name=p.order_id)) for p in placed]
        self.assertTrue(all(order.sale_order_id for _p, order in pairs))
        return pairs

    def confirm_with_progress(self):
        return self.served_cron_pass("amazon.routed.order", CONFIRM_CRON, "_cron_confirm_shipments")

    def test_confirm_now_does_what_fits_and_says_the_rest_is_queued(self):
        from ..models.amazon_routed_order_confirmation import ConfirmRun

        placed = [self.sim.add_order([line("LTR-BELT", 1)]) for _i in range(3)]
        self.run_import()
        routed = self.env["amazon.routed.order"]
        for one in placed:
            routed |= self.shipped(self.orders(name=one.order_id))
        self.active_cron(CONFIRM_CRON)
        before = self.triggers(CONFIRM_CRON)
        calls = {"n": 0}

        def one_package(run):
            calls["n"] += 1
            return calls["n"] > 1

        with patch.object(ConfirmRun, "out_of_time", one_package), self.served():
            action = routed.action_confirm_to_amazon()
        self.assertRestQueued(action, CONFIRM_CRON, before, done="1 confirmed", queued=2)
        self.assertEqual(sorted(routed.mapped("state")), ["confirmed", "shipped", "shipped"])

    def test_confirm_now_button(self):
        placed, order = self.imported(line("LTR-BELT", 1))
        routed = self.shipped(order)
        with self.served():
            action = routed.action_confirm_to_amazon()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(routed.state, "confirmed")
        self.assertEqual(len(self.accepted(placed.order_id)), 1)

    # ------------------------------------------------------------ delivery and invoice

    def test_confirmed_order_validates_delivery_and_posts_invoice(self):
        self.account.write({"confirm_validate_delivery": True, "confirm_invoice_policy": "posted"})
        placed, order = self.imported(line("JBJ-M", 2), line("LTR-BELT", 1))
        sale = order.sale_order_id
        self.assertEqual(sale.state, "sale")
        parts = self.shipped(order, parts=[[("LTR-BELT", 1)], [("JBJ-M", 2)]])

        # one part confirmed: the sale order stays open
        with self.served():
            parts[0].action_confirm_to_amazon()
        self.assertFalse(sale.picking_ids.filtered(lambda p: p.state == "done"))
        self.assertFalse(sale.invoice_ids)
        self.assertFalse(order.sale_close_state)

        self.run_confirmations()
        self.assertTrue(sale.picking_ids)
        self.assertEqual(set(sale.picking_ids.mapped("state")), {"done"})
        moves = sale.picking_ids.move_ids
        self.assertEqual(sum(moves.mapped("quantity")), 3)
        self.assertEqual(len(sale.invoice_ids), 1)
        self.assertEqual(sale.invoice_ids.state, "posted")
        self.assertEqual(order.sale_close_state, "closed")

    def split_and_shipped(self):
        """An order in two shipped parts, under a channel that validates and posts."""
        self.account.write({"confirm_validate_delivery": True, "confirm_invoice_policy": "posted"})
        _placed, order = self.imported(line("JBJ-M", 2), line("LTR-BELT", 1))
        parts = self.shipped(order, parts=[[("LTR-BELT", 1)], [("JBJ-M", 2)]])
        return order, parts

    def assertClosedOnce(self, order):
        sale = order.sale_order_id
        self.assertEqual(order.sale_close_state, "closed")
        self.assertEqual(set(sale.picking_ids.mapped("state")), {"done"})
        self.assertEqual(len(sale.invoice_ids), 1)
        self.assertEqual(sale.invoice_ids.state, "posted")
        validated = [m for m in sale.message_ids if "Deliveries validated" in str(m.body)]
        self.assertEqual(len(validated), 1)

    def test_parts_confirmed_by_two_workers_at_once_are_closed_by_the_next_run(self):
        """Each worker confirms one part and, in its own snapshot, sees the other part still
        shipped: neither closes the sale. The next run does, once."""
        order, parts = self.split_and_shipped()
        AmazonOrder = type(order)
        with (
            patch.object(AmazonOrder, "_every_part_confirmed", lambda order: False),
            self.served(),
        ):
            for part in parts:  # the two workers
                part._confirm_shipments()
        self.assertEqual(set(parts.mapped("state")), {"confirmed"})
        self.assertFalse(order.sale_close_state)
        self.assertFalse(order.sale_order_id.invoice_ids)

        self.run_confirmations()
        self.assertClosedOnce(order)
        self.run_confirmations()
        self.assertClosedOnce(order)

    def test_a_close_another_worker_holds_is_left_to_it(self):
        order, parts = self.split_and_shipped()

        def held_by_another_worker(order):
            raise LockNotAvailable("could not obtain lock on row in relation amazon_order")

        with patch.object(type(order), "_lock_for_closing", held_by_another_worker):
            self.run_confirmations()
        self.assertEqual(set(parts.mapped("state")), {"confirmed"})
        self.assertFalse(order.sale_close_state)
        self.assertFalse(order.sale_order_id.invoice_ids)
        self.assertFalse(self.open_errors("shipment", order.sale_order_id))

        self.run_confirmations()  # the other worker died before it committed
        self.assertClosedOnce(order)

    def test_the_last_open_part_voided_closes_the_sale(self):
        order, parts = self.split_and_shipped()
        with self.served():
            parts[0].action_confirm_to_amazon()
        self.assertFalse(order.sale_close_state)
        parts[1].sudo().state = "voided"

        self.run_confirmations()
        self.assertEqual(order.sale_close_state, "closed")
        self.assertEqual(order.sale_order_id.invoice_ids.state, "posted")

    def test_an_upgrade_marks_the_orders_closed_before_closed(self):
        """A database of 18.0.1.2.0: its orders confirmed in full were closed then; the runs
        after the upgrade must not close (invoice) them again."""
        done, _parts = self.split_and_shipped()
        self.run_confirmations()
        self.sim.clock.advance(300)  # Amazon's quota: one order search in three minutes
        _placed, open_order = self.imported(line("LTR-BELT", 1))
        self.shipped(open_order)
        self.env.flush_all()
        self.env.cr.execute("UPDATE amazon_order SET sale_close_state = NULL")
        self.env.invalidate_all()

        migration = load_migration("18.0.1.3.0", "post-sale_close_state.py")
        migration.migrate(self.env.cr, "18.0.1.2.0")

        self.assertEqual(done.sale_close_state, "closed")
        self.assertFalse(open_order.sale_close_state)  # shipped, not confirmed yet

    def closed_under(self, validate_delivery, invoice_policy):
        """The sale order of a one-line order shipped and confirmed under these channel settings."""
        self.account.confirm_validate_delivery = validate_delivery
        self.account.confirm_invoice_policy = invoice_policy
        _placed, order = self.imported(line("LTR-BELT", 1))
        self.shipped(order)
        self.run_confirmations()
        return order.sale_order_id

    def test_closing_follows_the_channel_settings(self):
        sale = self.closed_under(validate_delivery=False, invoice_policy="draft")
        self.assertNotIn("done", sale.picking_ids.mapped("state"))
        self.assertEqual(sale.invoice_ids.state, "draft")

    def test_no_invoice_setting_leaves_invoicing_to_people(self):
        sale = self.closed_under(validate_delivery=True, invoice_policy="none")
        self.assertEqual(set(sale.picking_ids.mapped("state")), {"done"})
        self.assertFalse(sale.invoice_ids)

    # ------------------------------------------------------------ nothing lost, nothing twice

    def test_a_lost_answer_is_never_confirmed_twice(self):
        placed, order = self.imported(line("JBJ-M", 2), line("LTR-BELT", 1))
        parts = self.shipped(order, parts=[[("LTR-BELT", 1)], [("JBJ-M", 2)]])
        self.sim.faults.add("lost_response", path="shipmentConfirmation", times=1)

        self.run_confirmations()  # Amazon recorded the first package; its answer was lost
        first = parts[0]
        self.assertEqual(first.confirmation_state, "to_confirm")
        self.assertTrue(first.confirmation_outcome_unknown)
        self.assertEqual(len(self.sim.shipments(placed.order_id)), 1)
        package = first.package_reference_id

        self.sim.clock.advance(600)
        self.run_confirmations()  # same package id: Amazon says it has it already
        self.assertEqual(set(parts.mapped("state")), {"confirmed"})
        self.assertEqual(first.package_reference_id, package)
        self.assertIn("earlier answer was lost", self.notes(first))
        shipments = self.sim.shipments(placed.order_id)
        self.assertEqual(
            sorted(s.package_reference_id for s in shipments),
            sorted(parts.mapped("package_reference_id")),
        )
        self.assertEqual(placed.status, "Shipped")

    def test_a_worker_killed_after_amazon_recorded_the_package_confirms_it_once(self):
        placed, order = self.imported(line("LTR-BELT", 1))
        routed = self.shipped(order)
        seen = []

        class Killed(BaseException):
            """SIGKILL: no except clause runs, nothing after the call is written."""

        def dying_client(_routed, _account):
            client = self.new_client()
            confirm = client.confirm_shipment

            def confirm_then_die(*args, **kwargs):
                seen.append(("call", routed.confirmation_outcome_unknown))
                confirm(*args, **kwargs)
                raise Killed()

            client.confirm_shipment = confirm_then_die
            return client

        commits = []

        def commit(_routed):
            seen.append(("commit",))
            commits.append(self.env.cr.savepoint())  # what a SIGKILL cannot take back

        Routed = type(self.env["amazon.routed.order"])
        with (
            patch.object(Routed, "_confirmation_client", dying_client),
            patch.object(Routed, "_confirmation_commit", commit),
            contextlib.suppress(Killed),
        ):
            self.run_confirmations()
        # the worker is gone: what it did after its last commit is lost
        commits[-1].close(rollback=True)
        self.env.invalidate_all()
        # the package id and "outcome unknown" were committed before the call went out
        self.assertEqual(seen, [("commit",), ("call", True)])
        package = routed.package_reference_id
        self.assertEqual(len(self.sim.shipments(placed.order_id)), 1)

        self.sim.clock.advance(600)
        self.run_confirmations()  # the next worker: same package, Amazon has it already
        self.assertEqual(routed.state, "confirmed")
        self.assertEqual(routed.package_reference_id, package)
        self.assertIn("earlier answer was lost", self.notes(routed))
        self.assertEqual(len(self.sim.shipments(placed.order_id)), 1)
        self.assertEqual(len(self.sim.confirmations), 1)  # looked up, not sent again

    def read_backs(self, order_id):
        path = "/orders/2026-01-01/orders/%s" % order_id
        return [c for c in self.sim.calls if c.path == path]

    def test_a_lost_answer_after_amazon_recorded_is_read_back_not_sent_again(self):
        placed, order = self.imported(line("JBJ-M", 2))
        routed = self.shipped(order)
        self.sim.faults.add("lost_response", path="shipmentConfirmation", times=1)
        self.run_confirmations()  # Amazon recorded the package; its answer was lost
        self.assertTrue(routed.confirmation_outcome_unknown)
        self.assertEqual(placed.status, "Shipped")  # a second call would be refused

        self.sim.clock.advance(600)
        self.run_confirmations()
        self.assertEqual(routed.state, "confirmed")
        self.assertFalse(routed.confirmation_outcome_unknown)
        self.assertIn("earlier answer was lost", self.notes(routed))
        self.assertEqual(len(self.sim.confirmations), 1)  # confirmShipment was called once
        self.assertEqual(len(self.read_backs(placed.order_id)), 1)

    def test_a_call_amazon_never_recorded_is_read_back_then_sent_once(self):
        placed, order = self.imported(line("JBJ-M", 2))
        routed = self.shipped(order)
        self.sim.faults.add("timeout", path="shipmentConfirmation", times=1)
        self.run_confirmations()  # no answer: Amazon may or may not have it
        self.assertEqual(routed.confirmation_state, "to_confirm")
        self.assertTrue(routed.confirmation_outcome_unknown)
        self.assertFalse(self.sim.shipments(placed.order_id))
        package = routed.package_reference_id

        self.sim.clock.advance(600)
        self.run_confirmations()
        self.assertEqual(routed.state, "confirmed")
        self.assertEqual(len(self.read_backs(placed.order_id)), 1)
        (shipment,) = self.sim.shipments(placed.order_id)
        self.assertEqual(shipment.package_reference_id, package)
        self.assertEqual(len(self.accepted(placed.order_id)), 1)
        self.assertNotIn("earlier answer was lost", self.notes(routed))

    def unreadable_package(self):
        """A package whose answer was lost, then whose read-back Amazon answered malformed:
        (simulator order, routed order)."""
        placed, order = self.imported(line("JBJ-M", 2))
        routed = self.shipped(order)
        self.sim.faults.add("lost_response", path="shipmentConfirmation", times=1)
        self.run_confirmations()
        self.sim.faults.add(
            "malformed", path="/orders/2026-01-01/orders/", payload={"order": {"packages": 7}}
        )
        self.sim.clock.advance(600)
        self.triggers_before = self.confirm_cron_triggers()
        self.run_confirmations()
        return placed, routed

    def confirm_cron_triggers(self):
        cron = self.env.ref("amazon_lightspeed_connector.ir_cron_amazon_confirm_shipments")
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def test_a_package_that_cannot_be_read_back_is_an_unknown_outcome_not_a_refusal(self):
        placed, routed = self.unreadable_package()
        self.assertEqual(routed.confirmation_state, "unknown")
        label = dict(routed._fields["confirmation_state"]._description_selection(self.env))
        self.assertEqual(label["unknown"], "Outcome unknown: will be checked again")
        self.assertTrue(routed.confirmation_outcome_unknown)  # Amazon may have it
        self.assertIn("could not be read", routed.confirmation_error)
        self.assertEqual(len(self.sim.confirmations), 1, "nothing sent again")
        self.assertEqual(self.account.dashboard_confirm_refused, 0, "Amazon refused nothing")
        self.assertGreater(routed.confirmation_scheduled_date, self.sim_now())
        self.assertTrue(
            self.confirm_cron_triggers() - self.triggers_before,
            "the scheduled action is woken when the read-back is due",
        )

        self.sim.clock.advance(60)
        self.run_confirmations()  # not due yet: Amazon is not asked again
        self.assertEqual(len(self.read_backs(placed.order_id)), 1)
        self.assertEqual(routed.confirmation_state, "unknown")

        self.sim.clock.advance(15 * 60)
        self.run_confirmations()  # the next run once due reads the packages again
        self.assertEqual(routed.state, "confirmed")
        self.assertEqual(len(self.read_backs(placed.order_id)), 2)
        self.assertEqual(len(self.sim.confirmations), 1, "Amazon had it: never sent twice")

    def test_retry_reads_an_unknown_outcome_back_now(self):
        placed, routed = self.unreadable_package()
        self.assertEqual(routed.confirmation_state, "unknown")
        with self.served():
            routed.action_retry_confirmation()
        self.assertEqual(routed.state, "confirmed")
        self.assertEqual(len(self.sim.confirmations), 1)
        self.assertEqual(len(self.read_backs(placed.order_id)), 2)

    def test_retry_of_a_package_still_unreadable_says_when_it_is_checked_again(self):
        placed, routed = self.unreadable_package()
        self.sim.faults.add(
            "malformed", path="/orders/2026-01-01/orders/", payload={"order": {"packages": 7}}
        )
        with self.served():
            result = routed.action_retry_confirmation()
        params = result["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("1 of unknown outcome", params["message"])
        self.assertIn("checked again at", params["message"])
        self.assertEqual(routed.confirmation_state, "unknown")
        self.assertEqual(len(self.sim.confirmations), 1)

    def test_a_throttled_call_never_reached_amazon_so_its_outcome_is_known(self):
        _placed, order = self.imported(line("LTR-BELT", 1))
        routed = self.shipped(order)
        self.sim.faults.add("throttle", path="shipmentConfirmation", times=5)
        self.run_confirmations()
        self.assertEqual(routed.confirmation_state, "to_confirm")
        self.assertFalse(routed.confirmation_outcome_unknown)

    def test_becoming_shipped_wakes_the_scheduled_action(self):
        _placed, order = self.imported(line("LTR-BELT", 1))
        routed = self.shipped(order)
        routed.write({"state": "sent", "confirmation_state": False})
        cron = self.env.ref("amazon_lightspeed_connector.ir_cron_amazon_confirm_shipments")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        routed.write({"state": "shipped", "ship_date": False})
        self.assertEqual(routed.confirmation_state, "to_confirm")
        self.assertTrue(routed.ship_date, "the moment it was marked shipped")
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), len(triggers)
        )

    def test_a_package_locked_by_another_worker_is_left_to_it(self):
        _placed, order = self.imported(line("LTR-BELT", 1))
        routed = self.shipped(order)
        self.env.flush_all()
        with patch.object(type(routed), "_lock_for_confirmation", lambda r: False):
            self.run_confirmations()
        self.assertEqual(self.sim.confirmations, [])
        self.assertEqual(routed.confirmation_state, "to_confirm")

    def test_a_failing_close_is_logged_and_the_confirmation_stands(self):
        self.account.write({"confirm_validate_delivery": True, "confirm_invoice_policy": "posted"})
        _placed, order = self.imported(line("LTR-BELT", 1))
        routed = self.shipped(order)

        def broken(order, sale):
            raise ValueError("the delivery is blocked")

        with patch.object(type(order), "_validate_deliveries", broken):
            self.run_confirmations()
        self.assertEqual(routed.state, "confirmed")
        self.assertFalse(order.sale_order_id.invoice_ids)
        self.assertEqual(order.sale_close_state, "failed")
        log = self.env["amazon.sync.log"].search(
            [("flow", "=", "shipment"), ("level", "=", "error")]
        )
        self.assertIn("could not be closed: the delivery is blocked", log.message)

        # left to a person (the sync log says why): the next runs do not try again
        self.run_confirmations()
        self.assertFalse(order.sale_order_id.invoice_ids)
        self.assertEqual(
            self.env["amazon.sync.log"].search_count(
                [("flow", "=", "shipment"), ("level", "=", "error")]
            ),
            1,
        )

    def test_missing_tracking_number_is_refused_before_amazon(self):
        _placed, order = self.imported(line("LTR-BELT", 1))
        routed = self.shipped(order)
        routed.tracking_number = False
        self.run_confirmations()
        self.assertEqual(self.sim.confirmations, [])
        self.assertEqual(routed.confirmation_state, "failed")
        self.assertIn("tracking number", routed.confirmation_error)
        self.assertFalse(routed.package_reference_id)  # nothing sent, no number used up
