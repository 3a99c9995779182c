"""The sync log e-mail: one summary mail per run of a channel with
the counts and links of what it did, none without an address, none when nothing happened."""

import re

from odoo.tests import tagged

from .amazon_orders_common import AmazonOrdersFromSimulator
from .routing_common import RoutingCase
from .simulators.amazon import line


@tagged("post_install", "-at_install")
class TestSyncSummaryMail(AmazonOrdersFromSimulator, RoutingCase):
    def setUp(self):
        super().setUp()
        self.read_orders_from_amazon_simulator(seed=5)
        self.set_mode("queue")
        self.amazon.sync_log_email = "ops@example.com, owner@example.com"

    def summary_mails(self):
        return self.env["mail.mail"].search(
            [("model", "=", "amazon.account"), ("res_id", "=", self.amazon.id)]
        )

    def count_in(self, mail, label):
        """The count the mail shows on the row of ``label``."""
        found = re.search(
            r">%s</a>\s*</td>\s*<td[^>]*>\s*<strong>(\d+)</strong>" % re.escape(label),
            str(mail.body_html),
        )
        self.assertTrue(found, "no row %r in %s" % (label, mail.body_html))
        return int(found.group(1))

    def test_one_mail_per_import_run_with_counts_and_links(self):
        routable = [
            self.amazon_sim.add_order([line("WOOL-SCARF", 1)]),
            self.amazon_sim.add_order([line("JBJ-M", 1)]),
        ]
        held = self.amazon_sim.add_order([line("JBJ-S", 4)])  # no store holds 4
        unbound = self.amazon_sim.add_order([line("NOT-BOUND-SKU", 1, "12.00")])
        self.run_import()

        mails = self.summary_mails()
        self.assertEqual(len(mails), 1, "one mail for the whole run, not one per order")
        mail = mails
        self.assertEqual(mail.state, "outgoing", "queued through mail.mail")
        self.assertEqual(mail.email_to, "ops@example.com, owner@example.com")
        self.assertIn(self.amazon.name, mail.subject)
        self.assertIn("Order import", mail.subject)
        body = str(mail.body_html)
        self.assertEqual(self.count_in(mail, "Imported"), 3)
        self.assertEqual(self.count_in(mail, "Routed to a store"), 2)
        self.assertEqual(self.count_in(mail, "Held for a person"), 1)
        self.assertEqual(self.count_in(mail, "Sent to Lightspeed"), 0)
        self.assertEqual(self.count_in(mail, "Failed"), 1)
        # links: every imported order and routed order, and the filtered list actions
        for sim_order in routable + [held]:
            order = self.amazon_order(sim_order)
            self.assertIn("/odoo/amazon.order/%s" % order.id, body)
            self.assertIn("/odoo/amazon.routed.order/%s" % order.routed_order_ids.id, body)
        held_part = self.amazon_order(held).routed_order_ids
        self.assertEqual(held_part.state, "held")
        self.assertIn(
            "/odoo/action-amazon_lightspeed_connector.amazon_routed_order_held_action", body
        )
        self.assertIn("/odoo/action-amazon_lightspeed_connector.amazon_sync_log_action", body)
        error = self.env["amazon.sync.log"].search(
            [("reference", "=", unbound.order_id), ("level", "=", "error")]
        )
        self.assertIn("/odoo/amazon.sync.log/%s" % error.id, body)

        # a run that finds nothing new sends nothing
        self.run_import()
        self.assertEqual(self.summary_mails(), mail)
        # the next run with something new sends its own mail, counting only its own orders
        self.amazon_sim.add_order([line("WOOL-SCARF", 1)], created=self.amazon_sim.clock.now() - 30)
        self.run_import()
        latest = self.summary_mails() - mail
        self.assertEqual(len(latest), 1)
        self.assertEqual(self.count_in(latest, "Imported"), 1)
        self.assertEqual(self.count_in(latest, "Failed"), 0)

    def test_no_mail_without_an_address(self):
        self.amazon.sync_log_email = False
        self.amazon_sim.add_order([line("WOOL-SCARF", 1)])
        run = self.run_import()
        self.assertEqual(run.counts["created"], 1)
        self.assertFalse(self.summary_mails())

    def test_a_lightspeed_run_mails_what_it_sent(self):
        self.amazon_sim.add_order([line("WOOL-SCARF", 1)])
        self.amazon_sim.add_order([line("JBJ-M", 1)])
        self.run_import()
        imported_mail = self.summary_mails()
        parts = self.env["amazon.routed.order"].search([("account_id", "=", self.amazon.id)])
        self.assertEqual(len(parts), 2)

        started = self.amazon._run_started()
        mail = self.amazon._mail_run_summary("lightspeed", started, sent=parts)
        self.assertEqual(self.summary_mails() - imported_mail, mail)
        self.assertIn("Lightspeed sales", mail.subject)
        self.assertEqual(self.count_in(mail, "Sent to Lightspeed"), 2)
        self.assertEqual(self.count_in(mail, "Imported"), 0)
        self.assertEqual(self.count_in(mail, "Routed to a store"), 0)
        # a send run that did nothing: no mail
        nothing = self.amazon._mail_run_summary("lightspeed", self.amazon._run_started())
        self.assertIsNone(nothing)
        self.assertEqual(len(self.summary_mails()), 2)

    def test_failures_of_another_channel_are_not_counted(self):
        other = self.amazon.copy({"name": "Other channel", "sync_log_email": False})
        started = self.amazon._run_started()
        self.env["amazon.sync.log"]._log_event("import", "other channel broke", record=other)
        self.assertFalse(self.amazon._run_summary(started)["failed"])
        self.env["amazon.sync.log"]._log_event("import", "this channel broke", record=self.amazon)
        self.assertEqual(len(self.amazon._run_summary(started)["failed"]), 1)
