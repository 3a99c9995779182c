"""Issue 9, the hostile-input corpus, Lightspeed side: what Lightspeed (or whatever answers in its
place) may send, each ending as a clear error on the record and in the sync log, as a logged
skip, or stored safely; the run goes on and nothing is duplicated.

The corpus is data, like test_hostile_inputs.py (Amazon): ``REFERENCE_CASES`` (shops,
registers and employees, read by ``lightspeed.account._sync_reference_data``), ``STOCK_CASES``
(Item pages read by the scheduled stock refresh) and ``SALE_ANSWER_CASES`` (answers to the
Sale POST of the send flow). Each case edits what the simulator really answered (a
``malformed`` fault whose payload is a function of that answer), or answers in its place
(``intercepted``: the request never reached Lightspeed).
"""

import copy
from contextlib import closing, contextmanager
from dataclasses import dataclass

from odoo.tests import tagged

from .common import HostileCase
from .routing_common import RoutingCase
from .sales_common import LightspeedSales
from .stock_common import StockCase

SHOPS = r"/Shop\.json$"
REGISTERS = r"/Register\.json$"
EMPLOYEES = r"/Employee\.json$"
ITEMS = r"/Item\.json$"
SALE_POST = r"/Sale\.json$"

BIG = 100_000  # characters: an "oversized" field
# 100 kB that does not compress: a warehouse name is in a unique index
HUGE_NAME = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(BIG))
FORMULA = "=cmd|' /C calc'!A0"
SCRIPT = '<script>alert("owned")</script><img src=x onerror=alert(1)>'
HTML_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def as_list(value):
    """Lightspeed's one-or-many: an object for one record, a list for several, "" for none."""
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def records(key, change):
    """A page mutator: ``change(list of the page's records)`` returns what the page carries."""

    def mutate(body):
        body[key] = change(copy.deepcopy(as_list(body.get(key))))
        return body

    return mutate


def attributes(**values):
    """A page mutator setting ``@attributes`` entries (count, next...)."""

    def mutate(body):
        body.setdefault("@attributes", {}).update(values)
        return body

    return mutate


def replaced_by(content):
    return lambda _body: content


# --------------------------------------------------------------------- reference data


@dataclass
class ReferenceCase:
    """One hostile answer to the reference sync: ``hostile`` changes the page of ``path``.

    outcome: "stored" (the sync succeeds; ``check`` says how it was kept), "skipped" (the sync
    succeeds without the bad record; a "reference" warning says ``message``), "refused" (the
    sync fails clearly: the button says ``message``, so does a sync log error, nothing changed).
    """

    name: str
    path: str
    hostile: object
    outcome: str
    message: str = ""
    check: object = None


def extra_shop(**fields):
    shop = {"archived": "false", "timeZone": "US/Pacific", **fields}
    return records("Shop", lambda shops: [*shops, shop])


def shop_named(shop_id, expected):
    def check(case, account):
        warehouse = case.warehouse_of(shop_id)
        case.assertEqual(len(warehouse), 1)
        case.assertEqual(warehouse.name, expected)

    return check


def shop_name_stored(name, shop_id, shop_name, kept):
    """An extra shop named ``shop_name`` is mirrored as one warehouse named ``kept``."""
    mutate = extra_shop(shopID=shop_id, name=shop_name)
    return ReferenceCase(name, SHOPS, mutate, "stored", check=shop_named(shop_id, kept))


def only_store_a_open(case, account):
    stores = case.stores()
    case.assertFalse(stores["1"].lightspeed_shop_archived)
    case.assertTrue(stores["2"].lightspeed_shop_archived and stores["3"].lightspeed_shop_archived)


class PerTest:
    """A mutator built by the running test (it needs the simulator's address)."""

    def __init__(self, build):
        self.build = build


def looping_pages(resource):
    """Page 1 leads to page 2 (the same query, spelled out), whose next link leads back."""

    def build(test):
        account = test.lightspeed
        base = "%s/Account/%s/%s.json" % (account.api_url, account.account_number, resource)
        links = iter([base + "?archived=true&limit=100", base])
        return lambda body: dict(body, **{"@attributes": {"next": next(links, ""), "previous": ""}})

    return PerTest(build)


REFERENCE_CASES = [
    # --- names: stored as plain text, bounded
    shop_name_stored("shop_name_with_markup", "901", SCRIPT, SCRIPT),
    shop_name_stored("shop_name_as_a_formula", "902", FORMULA, FORMULA),
    shop_name_stored("shop_name_of_100_kB", "903", HUGE_NAME, HUGE_NAME[:255] + "\u2026"),
    shop_name_stored(
        "shop_name_with_nul_and_escapes", "904", "North\x00 Store\x1b[2J", "North Store[2J"
    ),
    shop_name_stored("shop_name_not_text", "905", {"first": "North"}, "Lightspeed shop 905"),
    ReferenceCase(
        "employee_without_names",
        EMPLOYEES,
        records("Employee", lambda rows: [*rows, {"employeeID": "77", "archived": "false"}]),
        "stored",
        check=lambda case, account: case.assertEqual(
            case.mirrored("lightspeed.employee", "77").name, "Employee 77"
        ),
    ),
    # --- ids
    ReferenceCase(
        "shop_without_id", SHOPS, extra_shop(name="Ghost store"), "skipped", "without an id"
    ),
    ReferenceCase(
        "shop_id_not_a_number",
        SHOPS,
        extra_shop(shopID="4; DROP TABLE", name="Ghost store"),
        "skipped",
        "without an id",
    ),
    ReferenceCase(
        "shop_id_negative", SHOPS, extra_shop(shopID="-3", name="Ghost store"), "skipped", "id"
    ),
    ReferenceCase(
        "same_shop_twice",
        SHOPS,
        records(
            "Shop",
            lambda shops: [
                *shops,
                {"shopID": "906", "name": "First of 906", "archived": "false"},
                {"shopID": "906", "name": "Second of 906", "archived": "false"},
            ],
        ),
        "skipped",
        "shop 906 twice",
        check=shop_named("906", "First of 906"),
    ),
    # --- Lightspeed's one-or-many quirk: one record comes as an object
    ReferenceCase(
        "one_shop_as_an_object",
        SHOPS,
        lambda body: dict(body, Shop=as_list(body["Shop"])[0]),
        "stored",
        check=only_store_a_open,
    ),
    ReferenceCase(
        "one_register_as_an_object",
        REGISTERS,
        lambda body: dict(body, Register=as_list(body["Register"])[0]),
        "stored",
        check=lambda case, account: case.assertEqual(len(case.mirrored("lightspeed.register")), 1),
    ),
    # --- pages that lie or break: nothing is mirrored, nothing archived
    ReferenceCase(
        "count_announces_more_than_sent",
        SHOPS,
        attributes(count="40"),
        "refused",
        "announced 40 Shop records but sent 3",
    ),
    ReferenceCase("count_not_a_number", SHOPS, attributes(count="NaN"), "stored"),
    ReferenceCase(
        "next_page_loops", SHOPS, looping_pages("Shop"), "refused", "a page already read"
    ),
    ReferenceCase(
        "record_not_an_object",
        SHOPS,
        records("Shop", lambda shops: [*shops, "garbage"]),
        "refused",
        "not an object",
    ),
    ReferenceCase(
        "html_page_with_status_200", SHOPS, replaced_by(HTML_PAGE), "refused", "unreadable"
    ),
]


# --------------------------------------------------------------------- store stock

MISSING = object()


class StockInputCase(HostileCase):
    """One hostile Item page of the scheduled stock refresh, which reads item JBJ-M (on hand
    4 in store A and 2 in store B before; 9 in store A now).

    outcome: "stored" (``check`` says what was kept), "skipped" (JBJ-M's stock is left as it
    was; a "stock" warning says ``message``), "unmatched" (no product: nothing stored, counted
    in the refresh result), "refused" (the refresh fails clearly: a sync log error says
    ``message``; nothing stored, the cursor stays).
    """


def jeans(change):
    """A page mutator changing the JBJ-M record (``change(record)``, in place)."""

    def edit(items):
        for item in items:
            if item.get("customSku") == "JBJ-M":
                change(item)
        return items

    return records("Item", edit)


def store_a_qoh(value):
    def change(item):
        for item_shop in as_list(item["ItemShops"]["ItemShop"]):
            if item_shop["shopID"] == "1":
                if value is MISSING:
                    del item_shop["qoh"]
                else:
                    item_shop["qoh"] = value

    return jeans(change)


def without(key):
    return jeans(lambda item: item.pop(key))


def setting(key, value):
    return jeans(lambda item: item.__setitem__(key, value))


def only_store_a_item_shop(item):
    shops = as_list(item["ItemShops"]["ItemShop"])
    item["ItemShops"] = {"ItemShop": next(s for s in shops if s["shopID"] == "1")}


def read_twice_newer_7(items):
    later = copy.deepcopy(items[0])
    for item_shop in as_list(later["ItemShops"]["ItemShop"]):
        if item_shop["shopID"] == "1":
            item_shop["qoh"] = "7"
    return [*items, later]


def on_hand(qoh_a, qoh_b=2):
    return lambda case, account: case.assertEqual(case.jeans_on_hand(), (qoh_a, qoh_b))


def cursor_before_9999(case, account):
    case.assertEqual(case.jeans_on_hand(), (9, 2))
    case.assertLess(
        account._run_state("stock").cursor.year, 9999, "a future stamp must not move the cursor"
    )


STOCK_CASES = [
    # --- quantities on hand
    StockInputCase("qoh_nan", store_a_qoh("NaN"), "skipped", "'NaN', not a quantity"),
    StockInputCase("qoh_1e400", store_a_qoh("1e400"), "skipped", "not a quantity"),
    StockInputCase("qoh_infinity", store_a_qoh("Infinity"), "skipped", "not a quantity"),
    StockInputCase("qoh_beyond_any_store", store_a_qoh("99999999999"), "skipped", "not a quantity"),
    StockInputCase("qoh_fractional", store_a_qoh("2.5"), "skipped", "not a quantity"),
    StockInputCase("qoh_not_a_number", store_a_qoh("lots"), "skipped", "not a quantity"),
    StockInputCase("qoh_missing", store_a_qoh(MISSING), "skipped", "is nothing, not a quantity"),
    StockInputCase("qoh_negative", store_a_qoh("-3"), "stored", check=on_hand(-3)),
    StockInputCase(
        "one_item_shop_as_an_object", jeans(only_store_a_item_shop), "stored", check=on_hand(9, 0)
    ),
    # --- ids and keys
    StockInputCase("item_without_id", without("itemID"), "skipped", "no itemID"),
    StockInputCase("item_id_not_a_number", setting("itemID", "x1"), "skipped", "no itemID"),
    StockInputCase(
        "same_item_twice_in_a_page", records("Item", read_twice_newer_7), "stored", check=on_hand(7)
    ),
    StockInputCase("item_without_custom_sku", without("customSku"), "unmatched"),
    StockInputCase("custom_sku_not_text", setting("customSku", {"sku": "JBJ-M"}), "unmatched"),
    StockInputCase("custom_sku_of_100_kB", setting("customSku", "S" * BIG), "unmatched"),
    StockInputCase("custom_sku_as_a_formula", setting("customSku", FORMULA), "unmatched"),
    # --- time stamps
    StockInputCase(
        "timestamp_in_year_9999",
        setting("timeStamp", "9999-12-31T23:59:59+00:00"),
        "stored",
        check=cursor_before_9999,
    ),
    StockInputCase(
        "timestamp_unreadable", setting("timeStamp", "yesterday"), "stored", check=on_hand(9)
    ),
    # --- pages that lie or break
    StockInputCase(
        "item_record_not_an_object",
        records("Item", lambda items: [*items, ["not", "an", "item"]]),
        "refused",
        "not an object",
    ),
    StockInputCase(
        "count_announces_more_than_sent", attributes(count="50"), "refused", "announced 50"
    ),
    StockInputCase("html_page_with_status_200", replaced_by(HTML_PAGE), "refused", "unreadable"),
]


@tagged("post_install", "-at_install")
class TestHostileLightspeedData(StockCase):
    def setUp(self):
        super().setUp()
        # the scheduled actions below run for this account only
        others = self.env["lightspeed.account"].search([("id", "!=", self.lightspeed.id)])
        others.action_archive()
        # items match by customSku only: the demo products own the real UPCs, which the
        # "auto" matching would fall back on
        self.lightspeed.item_match = "custom_sku"
        self.env.flush_all()

    def stores(self):
        return {w.lightspeed_shop_id: w for w in self.lightspeed.warehouse_ids}

    def warehouse_of(self, shop_id):
        return self.env["stock.warehouse"].search(
            [
                ("lightspeed_account_id", "=", self.lightspeed.id),
                ("lightspeed_shop_id", "=", shop_id),
            ]
        )

    def logs(self, flow, level):
        return self.env["amazon.sync.log"].search([("flow", "=", flow), ("level", "=", level)])

    def jeans_on_hand(self):
        """On hand of JBJ-M in stores A and B as stored (0 without a row)."""
        rows = self.env["lightspeed.stock"].search([("product_id", "=", self.products["JBJ-M"].id)])
        by_store = {row.warehouse_id: row.qoh for row in rows}
        stores = self.stores()
        return by_store.get(stores["1"], 0), by_store.get(stores["2"], 0)

    def mirrored(self, model, lightspeed_id=None):
        """The active rows of ``model`` read from this account (with this id)."""
        domain = [("lightspeed_account_id", "=", self.lightspeed.id)]
        if lightspeed_id:
            domain.append(("lightspeed_id", "=", lightspeed_id))
        return self.env[model].search(domain)

    @contextmanager
    def hostile(self, case, path):
        """The case's fault on the simulator, in a savepoint rolled back after it: each case
        starts from the same state."""
        mutate = case.hostile.build(self) if isinstance(case.hostile, PerTest) else case.hostile
        self.sim.faults.add("malformed", method="GET", path=path, payload=mutate, times=2)
        try:
            with closing(self.env.cr.savepoint()):
                yield
                self.env.flush_all()
        finally:
            self.sim.faults.clear()
            self.env.invalidate_all()

    # ------------------------------------------------------------ reference data

    def test_hostile_reference_data_ends_clearly(self):
        bound_before = self.stores()
        for case in REFERENCE_CASES:
            with self.subTest(case=case.name), self.hostile(case, case.path):
                self.reference_case(case, bound_before)
        # the run after them all reads Lightspeed as it is: nothing left behind
        self.lightspeed.action_sync_reference_data()
        self.assertEqual(self.stores(), bound_before)

    def reference_case(self, case, bound_before):
        warnings_before = self.logs("reference", "warning")
        errors_before = self.logs("connection", "error")
        action = self.lightspeed.action_sync_reference_data()
        shown = action["params"]
        new_warnings = self.logs("reference", "warning") - warnings_before
        if case.outcome == "refused":
            self.assertEqual(shown["type"], "danger")
            self.assertIn(case.message, shown["message"])
            errors = self.logs("connection", "error") - errors_before
            self.assertTrue(errors.filtered(lambda x, c=case: c.message in x.message))
            self.assertEqual(self.stores(), bound_before, "nothing mirrored")
            self.assertFalse(any(self.stores()[s].lightspeed_shop_archived for s in "123"))
            return
        self.assertEqual(shown["type"], "success", shown["message"])
        if case.outcome == "skipped":
            self.assertTrue(new_warnings.filtered(lambda x, c=case: c.message in x.message))
            self.assertFalse(
                self.env["stock.warehouse"].search([("name", "=", "Ghost store")]),
                "a record without an id is not mirrored",
            )
        else:
            self.assertFalse(new_warnings, new_warnings.mapped("message"))
        if case.check:
            case.check(self, self.lightspeed)
        self.assertEqual(len(self.warehouse_of("1")), 1, "store A is bound once")

    # ------------------------------------------------------------ stock

    def test_hostile_stock_pages_end_clearly(self):
        self.assertEqual(self.jeans_on_hand(), (4, 2))
        self.sim.clock.advance(60)
        self.sim.set_qoh("JBJ-M", 1, 9)
        for case in STOCK_CASES:
            with self.subTest(case=case.name), self.hostile(case, ITEMS):
                self.stock_case(case, self.lightspeed._run_state("stock").cursor)
        # the next run reads the item as Lightspeed holds it
        self.env["lightspeed.account"]._cron_refresh_stock()
        self.assertEqual(self.jeans_on_hand(), (9, 2))

    def stock_case(self, case, cursor_before):
        Account = self.env["lightspeed.account"]
        warnings_before = self.logs("stock", "warning")
        errors_before = self.logs("connection", "error")
        Account._cron_refresh_stock()
        new_warnings = self.logs("stock", "warning") - warnings_before
        result = self.lightspeed.stock_refresh_message or ""
        if case.outcome == "refused":
            errors = self.logs("connection", "error") - errors_before
            self.assertTrue(errors.filtered(lambda x, c=case: c.message in x.message))
            self.assertEqual(self.jeans_on_hand(), (4, 2), "nothing stored")
            self.assertEqual(self.lightspeed._run_state("stock").cursor, cursor_before)
            return
        if case.outcome == "skipped":
            self.assertEqual(self.jeans_on_hand(), (4, 2), "left as it was")
            self.assertIn("1 unreadable items", result)
            logged = new_warnings.filtered(lambda x, c=case: c.message in x.message)
            self.assertEqual(len(logged), 1, new_warnings.mapped("message"))
        elif case.outcome == "unmatched":
            self.assertEqual(self.jeans_on_hand(), (4, 2))
            self.assertIn("1 items without an Odoo product", result)
        else:
            self.assertFalse(new_warnings, new_warnings.mapped("message"))
        if case.check:
            case.check(self, self.lightspeed)

    def test_a_full_refresh_keeps_the_stock_of_an_unreadable_item(self):
        """Not zeroed as "no longer reported": the item was reported, only unreadably."""
        self.sim.faults.add("malformed", method="GET", path=ITEMS, payload=store_a_qoh("NaN"))
        action = self.lightspeed.action_refresh_stock()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("1 unreadable items", action["params"]["message"])
        self.assertEqual(self.jeans_on_hand(), (4, 2))
        self.assertNotIn("set to 0", action["params"]["message"])


# --------------------------------------------------------------------- sale answers


@dataclass
class SaleAnswerCase:
    """One hostile answer to the Sale POST of the send flow.

    ``fault``: "malformed" (Lightspeed made the sale, the answer is replaced by ``payload``, a
    function of the real answer or raw bytes) or "intercepted" (a stranger answered
    ``payload``: no sale was made).
    outcome: "adopted" (the sale Lightspeed made is found by its reference and kept, once; a
    warning says ``message``), "error" (the routed order is in error with ``message``, so is
    the sync log; no sale; a Retry sends it once).
    """

    name: str
    fault: str
    payload: object
    outcome: str
    message: str


def sale_with(**fields):
    def mutate(body):
        sale = body["Sale"]
        for key, value in fields.items():
            if value is MISSING:
                sale.pop(key, None)
            else:
                sale[key] = value
        return body

    return mutate


SALE_ANSWER_CASES = [
    SaleAnswerCase("without_sale_id", "malformed", sale_with(saleID=MISSING), "adopted", "saleID"),
    SaleAnswerCase(
        "sale_id_not_a_number", "malformed", sale_with(saleID="abc"), "adopted", "'abc'"
    ),
    SaleAnswerCase("sale_id_negative", "malformed", sale_with(saleID="-7"), "adopted", "'-7'"),
    SaleAnswerCase("sale_id_zero", "malformed", sale_with(saleID="0"), "adopted", "saleID"),
    SaleAnswerCase(
        "sale_id_of_100_kB", "malformed", sale_with(saleID="9" * BIG), "adopted", "saleID"
    ),
    SaleAnswerCase(
        "sale_as_a_list",
        "malformed",
        lambda body: dict(body, Sale=[body["Sale"]]),
        "adopted",
        "no Sale record",
    ),
    SaleAnswerCase("answer_a_json_list", "malformed", [], "adopted", "unreadable answer"),
    SaleAnswerCase(
        "html_page_with_status_200", "malformed", HTML_PAGE, "adopted", "unreadable answer"
    ),
    SaleAnswerCase(
        "html_page_from_a_proxy", "intercepted", HTML_PAGE, "error", "unreadable answer"
    ),
    SaleAnswerCase("empty_answer_from_a_proxy", "intercepted", b"", "error", "unreadable answer"),
    SaleAnswerCase(
        "answer_without_sale_id_from_a_proxy",
        "intercepted",
        {"Sale": {"referenceNumber": "?"}},
        "error",
        "no saleID",
    ),
]


@tagged("post_install", "-at_install")
class TestHostileSaleAnswers(LightspeedSales, RoutingCase):
    def setUp(self):
        super().setUp()
        self.use_lightspeed_sale_defaults()

    def test_hostile_sale_answers_end_clearly_and_never_twice(self):
        for case in SALE_ANSWER_CASES:
            with self.subTest(case=case.name):
                hostile = self.import_order(("LTR-BELT", 1)).routed_order_ids
                good = self.import_order(("CANVAS-TOTE", 1)).routed_order_ids
                self.assertTrue(hostile.id < good.id, "the hostile order's POST comes first")
                self.sim.faults.add(
                    case.fault, method="POST", path=SALE_POST, payload=case.payload, times=1
                )
                log_before = self.sales_log()
                self.sim.clock.advance(120)  # the API bucket drains between runs
                self.send()
                self.sim.faults.clear()
                logged = (self.sales_log() - log_before).filtered(
                    lambda x, h=hostile: x.reference == h.name
                )
                self.assertEqual(good.state, "sent", "the run goes on")
                self.sale_of(good)
                if case.outcome == "adopted":
                    self.assertLightspeedSaleCreated(hostile)
                    self.assertEqual(logged.level, "warning")
                    self.assertIn(case.message, logged.message)
                    self.assertIn("no second sale", logged.message)
                    continue
                self.assertEqual(hostile.state, "error")
                self.assertIn(case.message, hostile.error_message)
                self.assertIn("no Lightspeed sale holds reference", hostile.error_message)
                self.assertFalse(self.sim.sales(hostile.name), "no sale was made")
                self.assertEqual(logged.level, "error")
                self.assertIn(case.message, logged.message)
                hostile.action_retry_send()
                self.sim.clock.advance(120)
                self.send()
                self.assertEqual(hostile.state, "sent")
                self.sale_of(hostile)  # exactly one
