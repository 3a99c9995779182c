"""Issue 9, security: who sees Amazon orders, buyers' personal data and the channel secrets,
through the ORM and through JSON-RPC (``/web/dataset/call_kw``, what the web client and any
external script use), company B never sees company A's orders, and no token or secret appears
in any log line of a full run.

test_channel_security.py covers the channel settings themselves (accounts, mappings, secrets
through the ORM, neutralize); this module covers the order side and the RPC layer.
"""

import json
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, tagged

from ..lib.amazon.client import AmazonClient
from ..models.amazon_order import NO_MAIL
from .common import ADDON, make_user
from .connector_common import ConnectorCase
from .simulators.amazon import AmazonSimulator, line
from .simulators.core import ManualClock
from .simulators.demo_catalogue import AMAZON_DEMO
from .simulators.lightspeed import LightspeedSimulator
from .simulators.transport import in_process
from .stock_common import create_demo_products

# Every model that holds orders, buyers' personal data or the connector's activity.
ORDER_MODELS = (
    "amazon.order",
    "amazon.order.line",
    "amazon.routed.order",
    "amazon.routed.order.line",
    "amazon.sync.log",
    "amazon.offer",
    "lightspeed.stock",
)
CHANNEL_MODELS = ("amazon.account", "lightspeed.account")
SECRET_FIELDS = {
    "amazon.account": ("lwa_client_secret", "refresh_token"),
    "lightspeed.account": ("client_secret", "refresh_token", "access_token"),
}


def secrets_of(tag):
    return {
        "amazon.account": {
            "lwa_client_secret": "amzn-lwa-secret-%s-7f3c" % tag,
            "refresh_token": "Atzr|refresh-%s-9d1e" % tag,
        },
        "lightspeed.account": {
            "client_secret": "ls-client-secret-%s-55aa" % tag,
            "refresh_token": "ls-refresh-%s-0b0b" % tag,
            "access_token": "ls-access-%s-c0de" % tag,
        },
    }


@tagged("post_install", "-at_install")
class TestConnectorDataSecurity(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create({"name": "Secured jeans", "type": "consu"})
        cls.company_a = cls.env["res.company"].create({"name": "Security company A"})
        cls.company_b = cls.env["res.company"].create({"name": "Security company B"})
        cls.data = {
            "A": cls._company_data(cls.company_a, "A", "Alice Private"),
            "B": cls._company_data(cls.company_b, "B", "Bob Private"),
        }
        addon_user = "%s.group_connector_user" % ADDON

        def user(login, groups, company):
            return make_user(cls.env, login, groups, company)

        cls.outsider = user("sec-outsider", "base.group_user", cls.company_a)
        cls.salesman = user("sec-salesman", "sales_team.group_sale_salesman", cls.company_a)
        cls.user_a = user("sec-user-a", addon_user, cls.company_a)
        cls.manager_a = user("sec-manager-a", "%s.group_connector_manager" % ADDON, cls.company_a)
        cls.admin_a = user(
            "sec-admin-a", "%s.group_connector_manager,base.group_system" % ADDON, cls.company_a
        )
        cls.user_b = user("sec-user-b", addon_user, cls.company_b)

    @classmethod
    def _company_data(cls, company, tag, buyer):
        """A channel pair with secrets, an order with a buyer, a held routed order, a binding,
        a stock row and a sync log row, all in ``company``."""
        env = cls.env
        secrets = secrets_of(tag)
        lightspeed = env["lightspeed.account"].create(
            {
                "name": "Lightspeed %s" % tag,
                "account_number": "9%s" % len(tag),
                "client_id": "ls-client-%s" % tag,
                "company_id": company.id,
                **secrets["lightspeed.account"],
            }
        )
        amazon = env["amazon.account"].create(
            {
                "name": "Amazon %s" % tag,
                "lwa_client_id": "amzn-client-%s" % tag,
                "lightspeed_account_id": lightspeed.id,
                "company_id": company.id,
                **secrets["amazon.account"],
            }
        )
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        order = (
            env["amazon.order"]
            .with_context(**NO_MAIL)
            .create(
                {
                    "name": "111-000000%s-0000001" % ord(tag),
                    "account_id": amazon.id,
                    "status": "unshipped",
                    "fulfillment_channel": "MFN",
                    "buyer_name": buyer,
                    "buyer_email": "%s@marketplace.amazon.com" % buyer.split()[0].lower(),
                    "ship_name": buyer,
                    "ship_street": "12 Secret Lane",
                    "ship_phone": "+1 555 0100",
                    "line_ids": [
                        Command.create(
                            {
                                "order_item_id": "item-%s" % tag,
                                "seller_sku": "SEC-SKU",
                                "quantity": 1,
                                "item_price": 10.0,
                            }
                        )
                    ],
                }
            )
        )
        routed = env["amazon.routed.order"].create(
            {
                "name": order.name,
                "amazon_order_id": order.id,
                "state": "held",
                "line_ids": [Command.create({"product_id": cls.product.id, "quantity": 1})],
            }
        )
        offer = env["amazon.offer"].create(
            {
                "account_id": amazon.id,
                "marketplace_id": "ATVPDKIKX0DER",
                "seller_sku": "SEC-SKU",
                "product_id": cls.product.id,
            }
        )
        stock = env["lightspeed.stock"].create(
            {
                "warehouse_id": warehouse.id,
                "product_id": cls.product.id,
                "qoh": 3,
                "company_id": company.id,
                "lightspeed_account_id": lightspeed.id,
            }
        )
        log = env["amazon.sync.log"]._log_event(
            "import", "Order %s failed" % order.name, reference=order.name, record=order
        )
        return {
            "amazon.account": amazon,
            "lightspeed.account": lightspeed,
            "amazon.order": order,
            "amazon.order.line": order.line_ids,
            "amazon.routed.order": routed,
            "amazon.routed.order.line": routed.line_ids,
            "amazon.offer": offer,
            "lightspeed.stock": stock,
            "amazon.sync.log": log,
            "secrets": secrets,
        }

    # ------------------------------------------------------------ helpers

    def rpc(self, user, model, method, *args, **kwargs):
        """``model.method(*args, **kwargs)`` through /web/dataset/call_kw as ``user``."""
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw/%s/%s" % (model, method),
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def assert_rpc_refused(self, user, model, method, *args, **kwargs):
        with self.assertRaises(JsonRpcException) as refused:
            self.rpc(user, model, method, *args, **kwargs)
        self.assertEqual(str(refused.exception), "odoo.exceptions.AccessError")

    def all_secrets(self):
        return [
            value
            for data in self.data.values()
            for fields in data["secrets"].values()
            for value in fields.values()
        ]

    # ------------------------------------------------------------ no connector group

    def test_users_without_the_connector_groups_see_no_order_through_the_orm(self):
        for user in (self.outsider, self.salesman):
            for model in ORDER_MODELS + CHANNEL_MODELS:
                record = self.data["A"][model]
                with self.subTest(user=user.login, model=model):
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(user).search([])
                    with self.assertRaises(AccessError):
                        record.with_user(user).read(["display_name"])
        # the buyer's personal data is not reachable either
        order = self.data["A"]["amazon.order"]
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).read(["buyer_name", "buyer_email", "ship_street"])

    def test_users_without_the_connector_groups_see_no_order_through_json_rpc(self):
        for user in (self.outsider, self.salesman):
            for model in ORDER_MODELS + CHANNEL_MODELS:
                record = self.data["A"][model]
                with self.subTest(user=user.login, model=model):
                    self.assert_rpc_refused(user, model, "search_read", [], ["display_name"])
                    self.assert_rpc_refused(user, model, "read", record.ids, ["display_name"])
                    self.assert_rpc_refused(
                        user,
                        model,
                        "web_search_read",
                        [],
                        specification={"display_name": {}},
                    )
        order = self.data["A"]["amazon.order"]
        self.assert_rpc_refused(
            self.outsider, "amazon.order", "read", order.ids, ["buyer_email", "ship_street"]
        )

    def test_amazon_buyer_contacts_are_hidden_from_users_without_a_business_need(self):
        Partner = self.env["res.partner"]
        buyer = Partner.create(
            {
                "name": "Carol Buyer",
                "email": "carol-7q@marketplace.amazon.com",
                "street": "3 Hidden Road",
                "amazon_buyer": True,
                "company_id": self.company_a.id,
            }
        )
        ship_to = Partner.create(
            {"name": "Carol Buyer", "type": "delivery", "parent_id": buyer.id, "amazon_buyer": True}
        )
        customer = Partner.create({"name": "Carol Walk-in", "company_id": self.company_a.id})
        buyers = buyer | ship_to
        # an internal user with no sales, invoicing, inventory or connector rights
        found = Partner.with_user(self.outsider).search([("name", "ilike", "Carol")])
        self.assertEqual(found, customer)
        with self.assertRaises(AccessError):
            buyer.with_user(self.outsider).read(["email", "street"])
        names = self.rpc(self.outsider, "res.partner", "name_search", "Carol")
        self.assertEqual([row[0] for row in names], customer.ids)
        self.assert_rpc_refused(self.outsider, "res.partner", "read", buyer.ids, ["street"])
        # the people whose work opens Amazon sale orders, invoices and deliveries see them
        accountant = make_user(
            self.env, "sec-accountant", "account.group_account_invoice", self.company_a
        )
        stock_user = make_user(self.env, "sec-stock", "stock.group_stock_user", self.company_a)
        for user in (self.salesman, self.user_a, accountant, stock_user):
            with self.subTest(user=user.login):
                found = Partner.with_user(user).search([("name", "ilike", "Carol")])
                self.assertEqual(found & buyers, buyers)
                row = self.rpc(user, "res.partner", "read", buyer.ids, ["email", "street"])[0]
                self.assertEqual(row["street"], "3 Hidden Road")
        # and a connector user of company B does not see company A's buyer
        found = Partner.with_user(self.user_b).search([("name", "ilike", "Carol")])
        self.assertFalse(found & buyer)

    # ------------------------------------------------------------ secrets

    def test_connector_users_and_managers_read_no_secret_over_json_rpc(self):
        own = self.data["A"]
        for user in (self.user_a, self.manager_a):
            for model, fields in SECRET_FIELDS.items():
                record = own[model]
                with self.subTest(user=user.login, model=model):
                    # everything they may read: the settings, never the secrets
                    rows = self.rpc(user, model, "search_read", [("id", "=", record.id)])
                    self.assertEqual([row["id"] for row in rows], record.ids)
                    rows = self.rpc(user, model, "read", record.ids)
                    self.assertTrue(rows[0]["name"])
                    dumped = json.dumps(rows)
                    for secret in self.all_secrets():
                        self.assertNotIn(secret, dumped)
                    for field in fields:
                        self.assertNotIn(field, rows[0])
                        self.assert_rpc_refused(user, model, "read", record.ids, [field])
                        self.assert_rpc_refused(
                            user, model, "web_read", record.ids, specification={field: {}}
                        )
                        self.assert_rpc_refused(
                            user,
                            model,
                            "search_count",
                            [(field, "=", own["secrets"][model][field])],
                        )
        # the system group does read them: the refusals above are about the groups
        amazon = own["amazon.account"]
        rows = self.rpc(self.admin_a, "amazon.account", "read", amazon.ids, ["lwa_client_secret"])
        self.assertEqual(
            rows[0]["lwa_client_secret"], own["secrets"]["amazon.account"]["lwa_client_secret"]
        )

    def test_secret_fields_are_system_only_passwords(self):
        for model, fields in SECRET_FIELDS.items():
            for name in fields:
                field = self.env[model]._fields[name]
                with self.subTest(model=model, field=name):
                    self.assertEqual(field.groups, "base.group_system")
                    self.assertFalse(field.copy)

    # ------------------------------------------------------------ companies

    def test_company_b_never_sees_company_a_orders(self):
        for model in ORDER_MODELS + CHANNEL_MODELS:
            theirs, mine = self.data["A"][model], self.data["B"][model]
            with self.subTest(model=model):
                found = self.env[model].with_user(self.user_b).search([])
                self.assertIn(mine, found)
                self.assertFalse(found & theirs)
                with self.assertRaises(AccessError):
                    theirs.with_user(self.user_b).read(["display_name"])
                # and the same over RPC
                rows = self.rpc(
                    self.user_b, model, "search_read", [("id", "in", theirs.ids)], ["id"]
                )
                self.assertEqual(rows, [])
                self.assert_rpc_refused(self.user_b, model, "read", theirs.ids, ["display_name"])
        # company A's user sees its own order and its buyer, but nothing of B
        order_a, order_b = self.data["A"]["amazon.order"], self.data["B"]["amazon.order"]
        rows = self.rpc(self.user_a, "amazon.order", "read", order_a.ids, ["buyer_name"])
        self.assertEqual(rows[0]["buyer_name"], "Alice Private")
        self.assert_rpc_refused(self.user_a, "amazon.order", "read", order_b.ids, ["buyer_name"])


# ---------------------------------------------------------------- no secret in any log line

AMAZON_SECRETS = {
    "lwa_client_secret": "amzn-lwa-secret-LOGSCAN-4b1d",
    "refresh_token": "Atzr|refresh-LOGSCAN-8e2f",
}
LIGHTSPEED_SECRETS = {
    "client_secret": "ls-client-secret-LOGSCAN-77c3",
    "refresh_token": "ls-refresh-LOGSCAN-2a9d",
}
# Loggers that may carry requests, answers and tracebacks, forced to DEBUG while capturing.
DEBUG_LOGGERS = (
    "odoo",
    "odoo.addons.%s" % ADDON,
    "httpx",
    "httpcore",
    "urllib3",
    "requests",
    "sp_api",
    "werkzeug",
)


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))  # with the traceback, when there is one


@contextmanager
def every_log_line():
    """Every log record of the block, at DEBUG, formatted as the server log would print it.

    Odoo's SQL debug log (odoo.sql_db, --log-sql) stays at INFO: it prints every query with
    its parameters, so any stored value; it is a developer switch, never on in production.
    """
    capture = _Capture()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {name: logging.getLogger(name).level for name in DEBUG_LOGGERS + ("odoo.sql_db",)}
    root.handlers = [capture]
    root.setLevel(logging.DEBUG)
    for name in DEBUG_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger("odoo.sql_db").setLevel(logging.INFO)
    try:
        yield capture.lines
    finally:
        root.handlers, level = saved
        root.setLevel(level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@tagged("post_install", "-at_install")
class TestNoSecretInLogs(ConnectorCase):
    """A full run (reference data, store stock, import with its faults, routing, held-order
    mail) with recognisable secrets: no secret, access token, refresh token or Restricted
    Data Token appears in any log line, sync log row or mail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = create_demo_products(cls.env, cls.company, "S")

    def test_a_full_run_logs_no_token_and_no_secret(self):
        clock = ManualClock()
        lightspeed_sim = LightspeedSimulator.demo(clock=clock, **LIGHTSPEED_SECRETS)
        amazon_sim = AmazonSimulator(clock=clock, seed=5, **AMAZON_SECRETS)
        server = self.serve(lightspeed_sim)
        started = datetime.fromtimestamp(clock.now(), tz=timezone.utc).replace(tzinfo=None)
        with every_log_line() as lines:
            lightspeed = self.lightspeed_account(server.url, **LIGHTSPEED_SECRETS)
            lightspeed._sync_reference_data()
            lightspeed._refresh_stock(full=True)
            lightspeed_sim.oauth.expire_access_tokens()  # the next call refreshes and rotates
            lightspeed._refresh_stock(full=False)
            store_a = lightspeed.warehouse_ids.filtered(lambda w: w.lightspeed_shop_id == "1")
            amazon = self.amazon_account(
                AmazonSimulator.SP_API_URL,
                lwa_endpoint_url=AmazonSimulator.LWA_URL + "/auth/o2/token",
                lightspeed_account_id=lightspeed.id,
                default_warehouse_id=store_a.id,
                routing_mode="queue",
                queue_notify_emails="backoffice@example.com",
                import_from=started - timedelta(days=1),
                **AMAZON_SECRETS,
            )
            for sku, product in self.products.items():
                self.env["amazon.offer"].create(
                    {
                        "account_id": amazon.id,
                        "marketplace_id": AMAZON_DEMO["marketplace_id"],
                        "seller_sku": sku,
                        "product_id": product.id,
                    }
                )
            amazon_sim.add_order([line("JBJ-S", 1, "59.00")])  # routed to a store
            amazon_sim.add_order([line("JBJ-S", 500, "59.00")])  # no store has it: held
            amazon_sim.add_order([line("NOT-BOUND", 1)])  # an error naming the SKU
            amazon_sim.inject_malformed_order("bad_money")  # an error with its payload
            amazon_sim.faults.add("throttle", path=r"^/orders/2026-01-01/orders$", times=2)
            for account_version in ("2026-01-01", "2026-01-01", "v0"):
                clock.advance(300)
                amazon.orders_api_version = account_version
                client = AmazonClient(
                    amazon._credentials(),
                    AMAZON_DEMO["seller_id"],
                    [AMAZON_DEMO["marketplace_id"]],
                    endpoint=AmazonSimulator.SP_API_URL,
                    lwa_endpoint=AmazonSimulator.LWA_URL + "/auth/o2/token",
                    clock=clock,
                )
                with client, in_process(amazon_sim.routes()):
                    amazon._import_orders(client=client)
            self.env["amazon.order"]._cron_route_orders()
            self.env["amazon.routed.order"]._cron_remind_held()
        orders = self.env["amazon.order"].search([("account_id", "=", amazon.id)])
        self.assertEqual(len(orders), 4)
        self.assertTrue(orders.routed_order_ids.filtered(lambda r: r.state == "held"))
        self.assertTrue(orders.filtered(lambda o: o.import_state == "error"))

        secrets = set(AMAZON_SECRETS.values()) | set(LIGHTSPEED_SECRETS.values())
        secrets |= set(amazon_sim.authority.access_tokens)  # Atza| and Atz.sprdt| tokens
        for grant in lightspeed_sim.oauth.grants:
            secrets |= {grant.access_token, grant.refresh_token}
        self.assertGreaterEqual(len(lightspeed_sim.oauth.grants), 2, "a token rotation happened")
        self.assertTrue(any(s.startswith("Atz.sprdt|") for s in secrets), "an RDT was used")
        logs = self.env["amazon.sync.log"].search([("company_id", "=", self.company.id)])
        mails = self.env["mail.mail"].search([]).mail_message_id | self.env["mail.message"].search(
            [("model", "in", ("amazon.order", "amazon.routed.order"))]
        )
        texts = {
            "server log": "\n".join(lines),
            "sync log": "\n".join(
                "%s %s %s" % (x.message, x.reference or "", x.payload_excerpt or "") for x in logs
            ),
            "mail": "\n".join("%s %s" % (m.subject or "", m.body or "") for m in mails)
            + "\n".join(str(m.body_html or "") for m in self.env["mail.mail"].search([])),
        }
        # the capture did see the run: requests, their errors and the import's summary
        self.assertGreater(len(lines), 20)
        self.assertTrue([x for x in lines if x.startswith("DEBUG ")], "DEBUG lines are captured")
        self.assertIn("throttled", texts["server log"])
        self.assertIn("not an amount of money", texts["sync log"])
        self.assertTrue(logs.filtered("payload_excerpt"))
        for where, text in texts.items():
            for secret in secrets:
                with self.subTest(where=where, secret=secret[:12]):
                    self.assertNotIn(secret, text)
