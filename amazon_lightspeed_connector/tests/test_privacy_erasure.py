"""Buyers' personal data erased after the retention period, everywhere the connector copied
it: asserted field by field, chatter and sync log included."""

import html
import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..lib.privacy import REPLACEMENT
from .amazon_orders_common import AmazonOrdersFromSimulator
from .common import messages_about, run_with_cron_progress
from .routing_common import RoutingCase
from .simulators.amazon import line
from .simulators.amazon.state import Address, Buyer

NAME = "Zoë Quint-Marlowe"
EMAIL = "zq7x1k9@marketplace.amazon.com"
STREET = "77 Larkspur Lane"
STREET2 = "Apt 5C"
PHONE = "+1 206-555-0147"
NOTE = "Ring twice, leave with Mrs Halloway"
GIFT = "Happy birthday Zoë, from Bram"
# what must be nowhere after erasure, in any writing (HTML-escaped, case-folded)
TRACES = (
    "Zoë",
    "Quint",
    "Marlowe",
    "zq7x1k9",
    "Larkspur",
    "Apt 5C",
    "555-0147",
    "5550147",
    "Halloway",
    "Bram",
)


def _traces_in(text):
    """The personal traces left in ``text`` (HTML unescaped, digits also without punctuation)."""
    if not text:
        return []
    plain = html.unescape(str(text)).lower()
    digits = re.sub(r"[\s().+-]", "", plain)
    return [t for t in TRACES if t.lower() in plain or t.lower() in digits]


@tagged("post_install", "-at_install")
class TestPersonalDataErasure(AmazonOrdersFromSimulator, RoutingCase):
    def setUp(self):
        super().setUp()
        self.read_orders_from_amazon_simulator(seed=5)

    def buyer_order(self, sku="JBJ-S", email=EMAIL, **extra):
        return self.amazon_sim.add_order(
            [line(sku, 1, "59.00", tax="5.31", gift_message=GIFT)],
            buyer=Buyer(NAME, email),
            address=Address(NAME, STREET, STREET2, "Seattle", "WA", "98109", "US", PHONE),
            buyer_note=NOTE,
            **extra,
        )

    def spread_personal_data(self, order):
        """Copies of the buyer's data the way people and flows leave them: chatter notes,
        a tracked change of the contact, an activity, a queued mail, sync log rows."""
        routed = order.routed_order_ids
        order.message_post(body="Buyer %s called from %s about %s" % (NAME, PHONE, STREET))
        order.sale_order_id.message_post(
            body="<p>Ship to %s, %s, %s</p>" % (NAME, STREET, STREET2), subject="For " + NAME
        )
        order.sale_order_id.note = "<p>Gift wrapped for %s, call %s</p>" % (NAME, PHONE)
        routed.message_post(body="Shipment note: %s / %s / %s" % (NOTE, GIFT, EMAIL))
        routed.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call " + NAME, note="Phone " + PHONE
        )
        routed.message_post(
            body="Parcel for %s" % NAME,
            partner_ids=[],
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.env["mail.mail"].create(
            {
                "model": routed._name,
                "res_id": routed.id,
                "subject": "Held order",
                "body_html": "<p>%s, %s</p>" % (NAME, STREET),
                "email_to": "backoffice@example.com",
                "mail_message_id": routed.message_ids[:1].id,
            }
        )
        buyer = order.partner_id
        buyer.write({"email": "zoe.quint@example.org", "phone": PHONE})  # tracked
        self.env.cr.flush()  # tracking values are written at flush time
        log = self.env["amazon.sync.log"]
        log._log_event(
            "lightspeed",
            "Customer %s <%s> rejected by Lightspeed" % (NAME, EMAIL),
            reference=order.name,
            payload={"Customer": {"firstName": "Zoë", "lastName": "Quint-Marlowe"}},
            record=routed,
        )
        log._log_event(
            "import",
            "Amazon order %s: street %s unknown" % (order.name, STREET),
            payload={"shippingAddress": {"addressLine1": STREET, "phone": PHONE}},
        )

    def assert_no_traces(self, records, field_names, what):
        for record in records:
            for name in field_names:
                self.assertFalse(
                    _traces_in(record[name]),
                    "%s %s.%s still holds %r" % (what, record._name, name, record[name]),
                )

    # --- the whole journey ---------------------------------------------------------------------

    def test_erased_orders_keep_totals_and_lose_every_personal_field(self):
        sim_order = self.buyer_order(business=False)
        self.run_import()
        order = self.amazon_order(sim_order)
        self.assertEqual(order.routing_state, "routed")
        sale, routed = order.sale_order_id, order.routed_order_ids
        buyer, delivery = sale.partner_id, sale.partner_shipping_id
        self.assertNotEqual(buyer, delivery)
        self.assertEqual((order.buyer_name, delivery.street, delivery.phone), (NAME, STREET, PHONE))
        self.spread_personal_data(order)
        kept = {
            "order_total": order.order_total,
            "sale_total": sale.amount_total,
            "sale_untaxed": sale.amount_untaxed,
            "products": sale.order_line.mapped("product_id"),
            "lines": order.line_ids.read(["seller_sku", "quantity", "item_price", "item_tax"]),
            "routed_lines": routed.line_ids.read(["product_id", "quantity"]),
        }

        self.ship(sim_order)
        self.assertEqual(order.status, "shipped")
        self.assertTrue(order.shipped_or_cancelled_date)
        self.age(order, 29)
        self.assertEqual(self.erase(), 0, "not before the retention period")
        self.age(order, 31)
        self.assertEqual(self.erase(), 1)

        # the Amazon order: personal fields replaced, the rest kept
        self.assertTrue(order.pii_erased_date)
        for name in (
            "buyer_name",
            "buyer_email",
            "ship_name",
            "ship_street",
            "ship_street2",
            "ship_phone",
            "buyer_note",
        ):
            self.assertEqual(order[name], REPLACEMENT, name)
        self.assertEqual(order.line_ids.gift_message, REPLACEMENT)
        self.assertEqual(
            (order.ship_city, order.ship_state, order.ship_zip, order.ship_country_code),
            ("Seattle", "WA", "98109", "US"),
        )
        self.assertEqual(order.order_total, kept["order_total"])
        self.assertEqual(
            order.line_ids.read(["seller_sku", "quantity", "item_price", "item_tax"]),
            kept["lines"],
        )
        # the sale order keeps its money and products
        self.assertEqual(
            (sale.amount_total, sale.amount_untaxed), (kept["sale_total"], kept["sale_untaxed"])
        )
        self.assertEqual(sale.order_line.mapped("product_id"), kept["products"])
        self.assertEqual((sale.partner_id, sale.partner_shipping_id), (buyer, delivery))
        self.assert_no_traces(sale, ("note", "client_order_ref", "name"), "sale order")
        self.assertIn(REPLACEMENT, str(sale.note))
        # the buyer and the delivery contact: field by field
        self.assertEqual((buyer.name, buyer.email, buyer.phone), (REPLACEMENT,) * 3)
        self.assertFalse(buyer.email_normalized, "nothing Odoo could ever mail to")
        for name in ("name", "street", "street2", "phone"):
            self.assertEqual(delivery[name], REPLACEMENT, name)
        self.assertEqual(
            (delivery.city, delivery.zip, delivery.state_id.code, delivery.country_id.code),
            ("Seattle", "98109", "WA", "US"),
        )
        self.assertFalse(_traces_in(delivery.display_name) + _traces_in(buyer.display_name))
        # routed orders: lines kept, texts clean
        self.assertEqual(routed.line_ids.read(["product_id", "quantity"]), kept["routed_lines"])
        self.assert_no_traces(routed, ("explanation", "error_message", "void_reason"), "routed")
        # the chatter of every record the data reached, with tracking values
        messages = messages_about(self.env, order, routed, sale, buyer | delivery)
        self.assertGreaterEqual(len(messages), 5)
        self.assert_no_traces(messages, ("body", "subject", "record_name", "preview"), "message")
        self.assertTrue(
            any(REPLACEMENT in (m.body or "") for m in messages), "scrubbed, not deleted"
        )
        trackings = messages.sudo().tracking_value_ids
        self.assertTrue(trackings, "the contact's tracked change is still there")
        self.assert_no_traces(
            trackings,
            ("old_value_char", "new_value_char", "old_value_text", "new_value_text"),
            "tracking",
        )
        self.assert_no_traces(routed.activity_ids, ("summary", "note"), "activity")
        mails = self.env["mail.mail"].sudo().search([("res_id", "=", routed.id)])
        self.assert_no_traces(mails, ("body_html", "body", "subject"), "queued mail")
        # the sync log: the rows about the order are clean, the erasure row names nobody
        rows = self.env["amazon.sync.log"].search([])
        self.assert_no_traces(rows, ("message", "payload_excerpt"), "sync log")
        erasure_row = rows.filtered(lambda r: r.flow == "privacy")
        self.assertEqual(len(erasure_row), 1)
        self.assertIn("1 shipped or cancelled order", erasure_row.message)

        # idempotent: a second run finds nothing, writes nothing
        erased_on = order.pii_erased_date
        self.assertEqual(self.erase(), 0)
        self.assertEqual(order.pii_erased_date, erased_on)
        self.assertEqual(len(self.env["amazon.sync.log"].search([("flow", "=", "privacy")])), 1)

        # Amazon updates the order later (a refund): the re-read brings nothing back
        self.amazon_sim.clock.advance(600)
        self.amazon_sim.change_status(
            self.amazon_sim.orders[sim_order.order_id], "Shipped", self.amazon_sim.clock.now()
        )
        run = self.run_import()
        self.assertEqual(run.counts["updated"], 1, run.summary())
        self.assertEqual((order.buyer_name, order.ship_street), (REPLACEMENT, REPLACEMENT))
        self.assertEqual(order.line_ids.gift_message, REPLACEMENT)
        self.assertEqual(order.pii_erased_date, erased_on)

    # --- who is erased, and when ---------------------------------------------------------------

    def test_a_partner_with_another_use_is_kept_until_its_last_order_goes(self):
        first = self.buyer_order()
        second = self.buyer_order(sku="WOOL-SCARF")
        self.run_import()
        old, recent = self.amazon_order(first), self.amazon_order(second)
        buyer = old.partner_id
        self.assertEqual(recent.partner_id, buyer, "the same buyer, matched by e-mail")
        self.ship(first)
        self.age(old, 31)
        self.assertEqual(self.erase(), 1)
        self.assertEqual(old.buyer_name, REPLACEMENT)
        self.assertEqual((buyer.name, buyer.email), (NAME, EMAIL), "the recent order needs it")
        self.assertEqual(recent.buyer_name, NAME)
        self.assertFalse(recent.pii_erased_date)
        # the delivery contact is shared by both orders (same address): kept as well
        self.assertEqual(old.sale_order_id.partner_shipping_id.street, STREET)

        self.ship(second)
        self.age(recent, 31)
        self.assertEqual(self.erase(), 1)
        self.assertEqual((buyer.name, buyer.email), (REPLACEMENT, REPLACEMENT))
        self.assertEqual(recent.sale_order_id.partner_shipping_id.street, REPLACEMENT)

    def test_the_orders_own_invoice_is_no_other_use_another_sale_is(self):
        # the test company gets a chart of accounts (invoices need a sales journal)
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=self.company, install_demo=False
        )
        own, other = self.buyer_order(), self.buyer_order(email="b7@marketplace.amazon.com")
        self.run_import()
        order, second = self.amazon_order(own), self.amazon_order(other)
        invoice = order.sale_order_id.with_company(self.company)._create_invoices()
        invoice.action_post()
        # a person sells something else to the second buyer, outside Amazon
        self.env["sale.order"].create(
            {
                "partner_id": second.partner_id.id,
                "company_id": self.company.id,
                "order_line": [(0, 0, {"product_id": self.products["JBJ-S"].id})],
            }
        )
        self.ship(own, other)
        self.age(order, 31)
        self.age(second, 31)
        self.assertEqual(self.erase(), 2)
        self.assertEqual(order.partner_id.name, REPLACEMENT, "its own invoice is no other use")
        self.assertEqual(invoice.partner_id, order.partner_id)
        self.assertFalse(_traces_in(invoice.invoice_partner_display_name))
        self.assertEqual(invoice.amount_total, order.sale_order_id.amount_total)
        self.assertEqual(second.buyer_name, REPLACEMENT)
        self.assertEqual(second.partner_id.name, NAME, "the other sale order still needs it")

    def test_a_contact_the_import_did_not_create_is_never_erased(self):
        regular = self.env["res.partner"].create(
            {"name": "Zoë Regular", "email": EMAIL, "street": "1 Shop Street"}
        )
        sim_order = self.buyer_order()
        self.run_import()
        order = self.amazon_order(sim_order)
        self.assertEqual(order.partner_id, regular, "matched by e-mail")
        self.ship(sim_order)
        self.age(order, 31)
        self.assertEqual(self.erase(), 1)
        self.assertEqual(order.buyer_name, REPLACEMENT)
        self.assertEqual(
            (regular.name, regular.email, regular.street),
            ("Zoë Regular", EMAIL, "1 Shop Street"),
        )

    def test_a_buyer_who_is_also_a_user_keeps_the_contact(self):
        sim_order = self.buyer_order()
        self.run_import()
        order = self.amazon_order(sim_order)
        buyer = order.partner_id
        self.env["res.users"].create({"login": "zoe-portal", "partner_id": buyer.id})
        self.ship(sim_order)
        self.age(order, 31)
        self.assertEqual(self.erase(), 1)
        self.assertEqual(buyer.name, NAME)
        self.assertEqual(order.sale_order_id.partner_shipping_id.street, REPLACEMENT)

    def test_retention_days_and_which_orders_are_due(self):
        shipped = self.buyer_order(email="a1@marketplace.amazon.com")
        cancelled = self.buyer_order(email="a2@marketplace.amazon.com")
        open_order = self.buyer_order(email="a3@marketplace.amazon.com")
        self.run_import()
        self.ship(shipped)
        self.amazon_sim.clock.advance(60)
        self.amazon_sim.cancel_order(cancelled.order_id)
        self.run_import()
        s, c, o = (self.amazon_order(x) for x in (shipped, cancelled, open_order))
        self.assertEqual((s.status, c.status, o.status), ("shipped", "canceled", "unshipped"))
        self.assertTrue(c.shipped_or_cancelled_date)
        for order in (s, c):
            self.age(order, 29)
        o.last_update_date = fields.Datetime.now() - timedelta(days=90)
        self.assertEqual(self.erase(), 0, "29 days: not yet, and an unshipped order never")
        self.assertTrue(s.pii_erasure_date > fields.Datetime.now())
        # a channel keeping data 10 days erases what shipped 11 days ago
        self.amazon.pii_retention_days = 10
        self.age(s, 11)
        self.age(c, 5)
        self.assertEqual(self.erase(), 1)
        self.assertTrue(s.pii_erased_date)
        self.assertFalse(c.pii_erased_date)
        self.age(c, 11)
        self.assertEqual(self.erase(), 1)
        self.assertEqual(c.buyer_name, REPLACEMENT)
        self.assertEqual(o.buyer_name, NAME)
        self.assertFalse(o.pii_erased_date)

    def test_an_order_without_closing_date_falls_back_on_amazons_dates(self):
        sim_order = self.buyer_order()
        self.run_import()
        order = self.amazon_order(sim_order)
        self.ship(sim_order)
        order.write(
            {
                "shipped_or_cancelled_date": False,
                "last_update_date": fields.Datetime.now() - timedelta(days=31),
            }
        )
        self.assertEqual(self.erase(), 1)
        self.assertEqual(order.ship_street, REPLACEMENT)

    def test_a_failing_order_does_not_stop_the_batch(self):
        one, two = self.buyer_order(), self.buyer_order(email="b2@marketplace.amazon.com")
        self.run_import()
        first, second = self.amazon_order(one), self.amazon_order(two)
        self.ship(one, two)
        self.age(first, 31)
        self.age(second, 31)
        with self.erasure_failing_for(first):
            self.assertEqual(self.erase(), 1)
        self.assertFalse(first.pii_erased_date)
        self.assertEqual(first.buyer_name, NAME, "rolled back to its savepoint")
        self.assertTrue(second.pii_erased_date)
        error = self.env["amazon.sync.log"].search(
            [("flow", "=", "privacy"), ("level", "=", "error")]
        )
        self.assertEqual(error.reference, first.name)
        self.assertFalse(_traces_in(error.message))
        self.assertIn("ValueError", first.pii_erasure_error)
        # the next run takes it again
        self.assertEqual(self.erase(), 1)
        self.assertEqual(first.buyer_name, REPLACEMENT)
        self.assertFalse(first.pii_erasure_error)

    def test_a_backlog_larger_than_a_run_is_erased_the_same_day(self):
        orders = self.due_orders(3)
        self.assertEqual(self.erase_with_progress(limit=2), (2, 1), "the worker comes back")
        self.assertEqual(self.erase_with_progress(limit=2), (1, 0))
        self.assertTrue(all(order.pii_erased_date for order in orders))

    def test_an_order_whose_erasure_failed_is_not_remaining_and_goes_last(self):
        first, second, third = sorted(self.due_orders(3), key=lambda order: order.id)
        with self.erasure_failing_for(first):
            self.assertEqual(self.erase_with_progress(limit=1), (1, 2))
            self.assertTrue(first.pii_erasure_error)
            self.assertEqual(self.erase_with_progress(limit=1), (1, 1), "the others first")
            self.assertEqual(self.erase_with_progress(limit=1), (1, 0))
            self.assertTrue(second.pii_erased_date and third.pii_erased_date)
            self.assertEqual(self.erase_with_progress(limit=1), (1, 0), "tried, not remaining")
        self.assertEqual(self.erase_with_progress(limit=1), (1, 0))
        self.assertTrue(first.pii_erased_date)
        self.assertFalse(first.pii_erasure_error)

    def due_orders(self, count):
        placed = [self.buyer_order(email="b%s@marketplace.amazon.com" % n) for n in range(count)]
        self.run_import()
        self.ship(*placed)
        orders = [self.amazon_order(sim_order) for sim_order in placed]
        for order in orders:
            self.age(order, 31)
        return orders

    def erase_with_progress(self, **kwargs):
        return run_with_cron_progress(
            self.env["amazon.order"],
            "amazon_lightspeed_connector.ir_cron_amazon_erase_personal_data",
            "_cron_erase_personal_data",
            **kwargs,
        )

    def patch_erase(self, replacement):
        return patch.object(type(self.env["amazon.order"]), "_erase_one", replacement)

    def erasure_failing_for(self, failing_order):
        """While it lasts, erasing ``failing_order`` raises; the others are erased."""
        original = type(failing_order)._erase_one

        def failing(order):
            if order == failing_order:
                raise ValueError("boom")
            return original(order)

        return self.patch_erase(failing)
