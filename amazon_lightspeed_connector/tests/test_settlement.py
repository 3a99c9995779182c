"""Settlement reports read from the Amazon simulator close the invoices of the orders they
pay; refunds, account charges and unmatched rows stay on the report and in the sync log."""

from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..lib.errors import PermanentError
from .amazon_import_common import AmazonImportCase
from .common import SyncLogErrors
from .simulators.amazon import line

REPORTS = "/reports/2021-06-30/reports"
PAID = ("paid", "in_payment")


@tagged("post_install", "-at_install")
class TestSettlement(SyncLogErrors, AmazonImportCase):
    def setUp(self):
        super().setUp()
        self.read_settlements_from_simulator()
        self.term = self.env.ref("account.account_payment_term_30days")
        self.account.invoice_payment_term_id = self.term

    # ------------------------------------------------------------ helpers

    def read_settlements(self, advance=60):
        self.sim.clock.advance(advance)
        with self.served():
            return self.account._read_settlements()

    def settlements(self):
        return self.env["amazon.settlement"].search([("account_id", "=", self.account.id)])

    def retry(self, settlement):
        """Retry pressed on the report (it only queues it), then the scheduled action it
        triggered; the action's runs."""
        notification = settlement.action_retry()
        self.assertIn("1 queued", notification["params"]["message"])
        self.assertTrue(settlement.retry_requested)
        self.sim.clock.advance(60)
        with self.served():
            self.env["amazon.account"]._cron_read_settlements()
        self.assertFalse(settlement.retry_requested, "done: no longer queued")

    def settlement_logs(self, level=None):
        domain = [("flow", "=", "settlement")] + ([("level", "=", level)] if level else [])
        return self.env["amazon.sync.log"].search(domain)

    def invoices(self, sim_order):
        invoices = self.orders(name=sim_order.order_id).sale_order_id.invoice_ids
        return invoices.filtered(lambda m: m.move_type == "out_invoice")

    def shipped_orders(self):
        """Two shipped orders, one with tax Amazon withholds, one of two SKUs; imported."""
        jeans = self.sim.add_order([line("JBJ-S", 1, tax="4.72")], status="Shipped")
        shirts = self.sim.add_order(
            [line("OXF-WHT-M", 2), line("LTR-BELT", 1, shipping_price="4.99")], status="Shipped"
        )
        self.run_import()
        self.assertEqual(len(self.sales()), 2)
        return jeans, shirts

    # ------------------------------------------------------------ the report closes invoices

    def test_report_closes_matching_invoices_and_logs_the_rest(self):
        jeans, shirts = self.shipped_orders()
        waiting = self.sim.add_order([line("WOOL-SCARF", 1)])  # not shipped: not in the report
        self.run_import()
        report = self.sim.generate_settlement_report(
            refunds=[(shirts.order_id, "LTR-BELT", 1)], unknown_orders=1
        )

        run = self.read_settlements()

        self.assertEqual(run.counts["read"], 1, run.summary())
        self.assertEqual(run.counts["closed"], 2)
        settlement = self.settlements()
        self.assertEqual(settlement.report_id, report.report_id)
        self.assertEqual(settlement.state, "to_check")  # a refund and an unknown order
        for sim_order in (jeans, shirts):
            invoice = self.invoices(sim_order)
            self.assertEqual(len(invoice), 1)
            self.assertEqual(invoice.state, "posted")
            self.assertIn(invoice.payment_state, PAID, sim_order.order_id)
            self.assertEqual(invoice.invoice_payment_term_id, self.term)
        self.assertFalse(self.invoices(waiting), "an order Amazon did not settle stays open")

        # the payment is what Amazon pays out; the fees and the withheld tax are written off
        lines = settlement.line_ids
        jeans_lines = lines.filtered(lambda x: x.order_reference == jeans.order_id)
        self.assertEqual(set(jeans_lines.mapped("state")), {"paid"})
        payment = jeans_lines.payment_id
        self.assertEqual(len(payment), 1)
        self.assertAlmostEqual(payment.amount, sum(jeans_lines.mapped("amount")), places=2)
        commission = -float(Decimal("59.00") * Decimal("0.15"))
        fee_lines = payment.move_id.line_ids.filtered(
            lambda x: x.account_id == self.account.settlement_fee_account_id
        )
        self.assertAlmostEqual(sum(fee_lines.mapped("balance")), -commission, places=2)
        self.assertEqual(payment.journal_id, self.account.settlement_journal_id)
        self.assertEqual(str(payment.date), str(settlement.deposit_date.date()))
        # the fees go to the company's dedicated account, never one found by chance
        fees_account = self.account.settlement_fee_account_id
        self.assertEqual((fees_account.name, fees_account.account_type), ("Amazon Fees", "expense"))
        # the tax Amazon withholds cancels the invoice's tax line on the same dedicated account
        tax_account = self.account.settlement_withheld_tax_account_id
        self.assertEqual(tax_account.name, "Amazon Withheld Tax")
        tax_income = self.env.ref(
            "amazon_lightspeed_connector.product_amazon_tax"
        ).product_tmpl_id._get_product_accounts()["income"]
        self.assertEqual(tax_income, tax_account)
        withheld = payment.move_id.line_ids.filtered(
            lambda x: x.account_id == tax_account and "withheld" in (x.name or "")
        )
        self.assertAlmostEqual(withheld.balance, 4.72, places=2)
        invoice_tax = self.invoices(jeans).line_ids.filtered(lambda x: x.account_id == tax_account)
        self.assertAlmostEqual(sum(invoice_tax.mapped("balance")), -4.72, places=2)
        # the payment term decides when an unsettled invoice is overdue
        invoice = self.invoices(jeans)
        self.assertEqual(invoice.invoice_date_due, invoice.invoice_date + timedelta(days=30))

        # refunds are booked (credit note), unmatched rows are on the report and in the log
        refunds = lines.filtered(lambda x: x.state in ("refund", "refund_booked"))
        self.assertEqual(set(refunds.mapped("order_reference")), {shirts.order_id})
        self.assertEqual(set(refunds.mapped("state")), {"refund_booked"})
        self.assertEqual(refunds.credit_note_id.state, "posted")
        unmatched = lines.filtered(lambda x: x.state == "unmatched")
        self.assertTrue(unmatched)
        self.assertEqual(set(unmatched.mapped("sku")), {"UNKNOWN-SKU"})
        self.assertEqual(settlement.unmatched_count, len(unmatched))
        self.assertEqual(settlement.refund_count, len(refunds))
        self.assertAlmostEqual(settlement.refund_amount, sum(refunds.mapped("amount")), places=2)
        logs = self.settlement_logs()
        messages = "\n".join(logs.mapped("message"))
        self.assertIn(shirts.order_id, logs.mapped("reference"))
        self.assertIn("Refund", messages)
        self.assertIn(unmatched[0].order_reference, messages)
        self.assertIn("not an imported Amazon order", messages)
        self.assertAlmostEqual(
            settlement.sales_amount
            + settlement.fee_amount
            + settlement.withheld_tax_amount
            + settlement.refund_amount
            + settlement.account_fee_amount
            + settlement.unmatched_amount,
            settlement.total_amount,
            places=2,
        )

        # the cursor is at the report's creation: the next run lists from there
        self.assertTrue(self.account.settlement_cursor)

    def test_each_company_gets_its_own_dedicated_accounts_once(self):
        fees, withheld = (
            self.account.settlement_fee_account_id,
            self.account.settlement_withheld_tax_account_id,
        )
        self.assertTrue(fees and withheld)
        self.assertNotEqual(fees.code, withheld.code)
        again = self.new_account(name="Second channel", seller_id="A2SECONDSELLER")
        self.assertEqual(
            (again.settlement_fee_account_id, again.settlement_withheld_tax_account_id),
            (fees, withheld),
            "found again, not created twice",
        )

    def test_without_a_fee_account_no_settlement_is_read_and_the_run_says_why(self):
        self.shipped_orders()
        self.sim.generate_settlement_report()
        self.account.settlement_fee_account_id = False
        with patch.object(
            type(self.env["account.account"]),
            "_amazon_dedicated_account",
            lambda model, kind: model.browse(),  # a company without a chart of accounts
        ):
            run = self.read_settlements()
        self.assertIn("Amazon Fees Account", run.stopped)
        self.assertFalse(self.settlements(), "nothing read, nothing booked")
        self.assertIn("Amazon Fees Account", self.settlement_logs("warning")[:1].message)
        self.assertIn("Amazon Fees Account", self.account.settlement_last_result)
        run = self.read_settlements()  # the chart is there again: the account is created
        self.assertFalse(run.stopped)
        self.assertEqual(self.account.settlement_fee_account_id.name, "Amazon Fees")
        self.assertEqual(len(self.settlements()), 1)

    def test_same_report_twice_changes_nothing(self):
        self.shipped_orders()
        self.sim.generate_settlement_report(unknown_orders=1, compress=True)  # gzipped
        self.read_settlements()
        settlement = self.settlements()
        payments = self.env["account.payment"].search_count([])
        logs = self.settlement_logs()

        run = self.read_settlements()
        self.assertEqual((run.counts["read"], run.counts["already"]), (0, 1), run.summary())
        self.retry(settlement)  # read by hand again: the paid orders stay as they are

        self.assertEqual(settlement.paid_count + settlement.unmatched_count, settlement.row_count)
        self.assertEqual(self.settlements(), settlement)
        self.assertEqual(self.env["account.payment"].search_count([]), payments)
        self.assertEqual(self.settlement_logs(), logs)

    def test_order_with_a_sku_not_settled_stays_open(self):
        order = self.sim.add_order([line("JBJ-M", 1), line("CANVAS-TOTE", 1)], status="Unshipped")
        self.run_import()
        order.lines[0].quantity_shipped = 1  # only the jeans left: only they are settled
        self.sim.generate_settlement_report()

        self.read_settlements()

        settlement = self.settlements()
        self.assertEqual(set(settlement.line_ids.mapped("state")), {"open"})
        self.assertIn("CANVAS-TOTE", settlement.line_ids[0].note)
        self.assertFalse(self.invoices(order))
        self.assertIn(order.order_id, self.settlement_logs("warning").mapped("reference"))

    def test_split_order_paid_over_two_settlements_closes_with_the_second(self):
        order = self.sim.add_order([line("JBJ-M", 1), line("CANVAS-TOTE", 1)], status="Unshipped")
        self.run_import()
        jeans, tote = order.lines
        jeans.quantity_shipped = 1  # the first package: settled in the first report
        first = self.sim.generate_settlement_report()
        self.read_settlements()
        self.assertFalse(self.invoices(order))

        jeans.quantity_shipped, tote.quantity_shipped = 0, 1  # the second package, next report
        self.sim.clock.advance(3 * 86400)
        self.sim.generate_settlement_report()
        self.read_settlements()

        invoice = self.invoices(order)
        self.assertIn(invoice.payment_state, PAID)
        settlements = self.settlements()
        self.assertEqual(len(settlements), 2)
        self.assertEqual(set(settlements.mapped("state")), {"done"})
        rows = settlements.line_ids
        self.assertEqual(set(rows.mapped("state")), {"paid"})
        self.assertEqual(len(rows.payment_id), 1)
        self.assertAlmostEqual(rows.payment_id.amount, sum(rows.mapped("amount")), places=2)
        self.assertTrue(settlements.filtered(lambda s: s.report_id == first.report_id).payment_ids)

    # ------------------------------------------------------------ what goes wrong

    def test_report_amazon_no_longer_has_is_an_error_and_the_run_goes_on(self):
        self.shipped_orders()
        gone = self.sim.generate_settlement_report()
        del self.sim.documents[gone.document_id]
        self.sim.clock.advance(3600)
        later = self.sim.generate_settlement_report()

        run = self.read_settlements()

        self.assertFalse(run.stopped, run.summary())
        by_report = {s.report_id: s for s in self.settlements()}
        self.assertEqual(by_report[gone.report_id].state, "error")
        self.assertTrue(by_report[gone.report_id].error_message)
        self.assertEqual(by_report[later.report_id].state, "done")

    def test_malformed_report_is_an_error_on_the_report_and_in_the_log(self):
        jeans, _shirts = self.shipped_orders()
        broken = self.sim.generate_settlement_report()
        self.sim.documents[broken.document_id].content = b"settlement-id\tamount\n123\t1.00\n"
        self.sim.clock.advance(3600)
        self.sim.generate_settlement_report()  # a good one after it is still read

        run = self.read_settlements()

        self.assertEqual((run.counts["error"], run.counts["read"]), (1, 1), run.summary())
        bad = self.settlements().filtered(lambda s: s.report_id == broken.report_id)
        self.assertEqual(bad.state, "error")
        self.assertIn("lacks the column", bad.error_message)
        errors = self.settlement_logs("error")
        self.assertIn(broken.report_id, "\n".join(errors.mapped("message")))
        self.assertIn(self.invoices(jeans).payment_state, PAID)

    def test_a_report_read_on_retry_resolves_its_sync_log_error(self):
        self.shipped_orders()
        reports = [self.sim.generate_settlement_report()]
        self.sim.clock.advance(3600)
        reports.append(self.sim.generate_settlement_report())
        contents = [self.sim.documents[r.document_id].content for r in reports]
        for report in reports:
            self.sim.documents[report.document_id].content = b"settlement-id\tamount\n1\t1\n"
        self.read_settlements()
        fixed, broken = (
            self.settlements().filtered(lambda s, r=r: s.report_id == r.report_id) for r in reports
        )
        self.assertEqual((fixed.state, broken.state), ("error", "error"))
        error, other_error = (
            self.open_errors("settlement", fixed),
            self.open_errors("settlement", broken),
        )
        before = self.overview_errors(self.account)

        self.sim.documents[reports[0].document_id].content = contents[0]
        self.retry(fixed)
        self.assertNotEqual(fixed.state, "error")
        self.assertResolvedAlone(error, other_error, self.account, before)

    def test_an_order_closed_on_retry_resolves_its_sync_log_error(self):
        jeans, shirts = self.shipped_orders()
        self.sim.generate_settlement_report()
        Settlement = type(self.env["amazon.settlement"])
        original = Settlement._pay_order

        def locked(settlement, order, lines):
            raise PermanentError("The journal is locked for %s." % order.name)

        with patch.object(Settlement, "_pay_order", locked):
            self.read_settlements()
        settlement = self.settlements()
        orders = [self.orders(name=o.order_id) for o in (jeans, shirts)]
        error, other_error = (self.open_errors("settlement", o) for o in orders)
        self.assertIn("locked", error.message)
        before = self.overview_errors(self.account)

        def locked_for_shirts(settlement, order, lines):
            if order == orders[1]:
                return locked(settlement, order, lines)
            return original(settlement, order, lines)

        with patch.object(Settlement, "_pay_order", locked_for_shirts):
            self.retry(settlement)
        self.assertIn(self.invoices(jeans).payment_state, PAID)
        self.assertResolvedAlone(error, other_error, self.account, before)

    def test_retry_hands_the_report_to_the_scheduled_action_even_with_the_schedule_off(self):
        jeans, _shirts = self.shipped_orders()
        self.sim.generate_settlement_report()
        Settlement = type(self.env["amazon.settlement"])
        with patch.object(Settlement, "_pay_order", side_effect=PermanentError("Locked.")):
            self.read_settlements()
        settlement = self.settlements()
        self.account.settlement_enabled = False
        calls = len(self.sim.calls)
        cron = self.env.ref("amazon_lightspeed_connector.ir_cron_amazon_settlements")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

        params = settlement.action_retry()["params"]
        self.assertEqual(len(self.sim.calls), calls, "nothing read in the request")
        self.assertIn("1 queued: the next run starts at", params["message"])
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers
        )
        self.assertNotIn(self.invoices(jeans).payment_state, PAID)

        self.sim.generate_settlement_report()  # a new report: not read, the schedule is off
        self.sim.clock.advance(60)
        with self.served():
            self.env["amazon.account"]._cron_read_settlements()
        self.assertIn(self.invoices(jeans).payment_state, PAID)
        self.assertFalse(settlement.retry_requested)
        self.assertEqual(self.settlements(), settlement, "only the queued report was read")

    def test_a_throttled_retry_stays_queued_for_the_next_run(self):
        self.shipped_orders()
        report = self.sim.generate_settlement_report()
        self.sim.documents[report.document_id].content = b"settlement-id\tamount\n1\t1\n"
        self.read_settlements()
        settlement = self.settlements()
        self.assertEqual(settlement.state, "error")
        settlement.action_retry()
        document = "/reports/2021-06-30/documents/%s" % report.document_id
        self.sim.faults.add("throttle", path=document, times=None)
        with self.served():
            self.env["amazon.account"]._cron_read_settlements()
        self.assertTrue(settlement.retry_requested, "the next run takes it")
        self.sim.faults.clear()
        self.retry(settlement)
        self.assertEqual(settlement.state, "error", "still unreadable, read once more")

    def test_throttling_keeps_the_cursor(self):
        self.shipped_orders()
        first = self.sim.generate_settlement_report()
        self.sim.clock.advance(3600)
        second = self.sim.generate_settlement_report()
        document = "/reports/2021-06-30/documents/%s" % second.document_id
        self.sim.faults.add("throttle", path=document, times=None)

        run = self.read_settlements()

        self.assertTrue(run.stopped)
        self.assertEqual(self.settlements().mapped("report_id"), [first.report_id])
        cursor = self.account.settlement_cursor
        self.assertTrue(cursor)
        self.assertIn("throttled", self.settlement_logs("warning")[:1].message)

        self.sim.faults.add("throttle", path=REPORTS, times=None)
        run = self.read_settlements()
        self.assertTrue(run.stopped)
        self.assertEqual(self.account.settlement_cursor, cursor)

        self.sim.faults.clear()
        run = self.read_settlements()
        self.assertFalse(run.stopped)
        self.assertEqual((run.counts["read"], run.counts["already"]), (1, 1), run.summary())
        self.assertEqual(len(self.settlements()), 2)
        self.assertGreater(self.account.settlement_cursor, cursor)
        # the simulator settles the same orders again in the second report: never paid twice
        again = self.settlements().filtered(lambda s: s.report_id == second.report_id)
        self.assertEqual(set(again.line_ids.mapped("state")), {"open"})
        self.assertIn("already paid", again.line_ids[0].note)
        self.assertEqual(len(self.settlements().line_ids.payment_id), 2)

    # ------------------------------------------------------------ schedule and access

    def test_cron_reads_enabled_channels_only(self):
        self.shipped_orders()
        self.sim.generate_settlement_report()
        self.sim.clock.advance(60)
        with self.served():
            self.env["amazon.account"]._cron_read_settlements()
        self.assertFalse(self.settlements())
        self.account.settlement_enabled = True
        with self.served():
            self.env["amazon.account"]._cron_read_settlements()
        self.assertEqual(len(self.settlements()), 1)
        self.assertTrue(self.account.settlement_last_result)

    def test_users_read_settlements_of_their_companies_only(self):
        self.shipped_orders()
        self.sim.generate_settlement_report()
        self.read_settlements()
        settlement = self.settlements()
        user = self.env["res.users"].create(
            {
                "name": "Settlement reader",
                "login": "settlement-reader",
                "groups_id": [
                    Command.link(
                        self.env.ref("amazon_lightspeed_connector.group_connector_user").id
                    )
                ],
            }
        )
        as_user = settlement.with_user(user)
        self.assertEqual(as_user.line_ids, settlement.line_ids)
        with self.assertRaises(AccessError):
            as_user.write({"state": "done"})
        other = self.env["res.company"].create({"name": "Other settlement company"})
        user.write({"company_ids": [Command.set(other.ids)], "company_id": other.id})
        found = self.env["amazon.settlement"].with_user(user).search([("id", "=", settlement.id)])
        self.assertFalse(found)
