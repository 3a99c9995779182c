"""Issue 16, access before action: every public method the addon defines (a button, anything
callable over RPC: a name not starting with ``_``) refuses a caller without the right on the
records before it takes superuser rights or calls an API.

The methods are found in the registry, not listed by hand: every method defined in one of the
addon's Python modules, on its own models and on the Odoo models it extends. Each must be in
``ACCESS`` with the role it needs; a new button missing there fails the test the day it is
written. Each is called as a plain internal user, a portal user, a Connector Manager of another
company, and a Connector User (or Manager) of the records' company where more is required:
AccessError every time, and not one request reaches the Amazon or Lightspeed simulator (both
served on loopback; the company's accounts point at them).
"""

from types import FunctionType

from odoo import Command
from odoo.exceptions import AccessError
from odoo.models import regex_private
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.access_guard import MANAGER as MANAGER_GROUP
from ..models.amazon_order import NO_MAIL
from .common import ADDON, make_user
from .connector_common import ConnectorCase
from .simulators.amazon import AmazonSimulator
from .simulators.core import SystemClock

US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"  # the channel's marketplaces

ADDON_MODULE = "odoo.addons.%s." % ADDON

# The role a caller needs, on top of the right on the records (their company):
USER = "user"  # a Connector User
MANAGER = "manager"  # a Connector Manager
SYSTEM = "system"  # Administration / Settings
NOBODY = "nobody"  # no one over RPC: the flows create these records and set these fields
ODOO = "odoo"  # a model the addon extends: Odoo's own rights; the override adds no way round

ACCESS = {
    "amazon.account.action_connect_amazon": MANAGER,
    "amazon.account.action_dashboard_analysis": USER,
    "amazon.account.action_dashboard_held": USER,
    "amazon.account.action_dashboard_refunds_unbooked": USER,
    "amazon.account.action_dashboard_sync_errors": USER,
    "amazon.account.action_open_dashboard_figure": USER,
    "amazon.account.action_import_orders": MANAGER,
    "amazon.account.action_overview_late_risk": USER,
    "amazon.account.action_push_listings": MANAGER,
    "amazon.account.action_read_settlements": MANAGER,
    "amazon.account.action_test_connection": MANAGER,
    "amazon.account.action_view_offers_to_sync": USER,
    "amazon.account.action_view_settlements": USER,
    "amazon.account.create": MANAGER,
    "amazon.account.overview_late_risk_count": USER,
    "amazon.account.write": MANAGER,
    "amazon.offer.action_push_now": MANAGER,
    "amazon.offer.create": MANAGER,
    "amazon.offer.write": MANAGER,
    "amazon.marketplace.pricelist.create": MANAGER,
    "amazon.marketplace.pricelist.write": MANAGER,
    "amazon.order.action_open_sale_order": USER,
    "amazon.order.action_retry": MANAGER,
    "amazon.order.action_route": MANAGER,
    "amazon.order.create": NOBODY,
    "amazon.order.write": NOBODY,
    "amazon.routed.order.action_confirm_to_amazon": USER,
    "amazon.routed.order.action_mark_shipped": USER,
    "amazon.routed.order.action_open_push_wizard": USER,
    "amazon.routed.order.action_open_void_wizard": USER,
    "amazon.routed.order.action_reroute": USER,
    "amazon.routed.order.action_retry_confirmation": USER,
    "amazon.routed.order.action_retry_send": USER,
    "amazon.routed.order.action_send_to_lightspeed": USER,
    "amazon.routed.order.action_undo_in_lightspeed": USER,
    "amazon.routed.order.create": NOBODY,
    "amazon.routed.order.write": NOBODY,
    "amazon.routed.order.line.create": NOBODY,
    "amazon.routed.order.line.unlink": MANAGER,
    "amazon.routed.order.line.write": NOBODY,
    "amazon.routed.order.push.action_push": USER,
    "amazon.routed.order.push.create": USER,
    "amazon.routed.order.void.action_void": USER,
    "amazon.routed.order.void.create": USER,
    "amazon.routing.report.action_open_routed_order": USER,
    "amazon.sale.reversal.action_retry": USER,
    "amazon.sale.reversal.create": NOBODY,
    "amazon.sale.reversal.write": NOBODY,
    "amazon.settlement.action_retry": MANAGER,
    "amazon.settlement.action_view_payments": USER,
    "amazon.settlement.create": NOBODY,
    "amazon.settlement.write": NOBODY,
    "amazon.settlement.line.create": NOBODY,
    "amazon.settlement.line.write": NOBODY,
    "amazon.sync.log.action_mark_resolved": USER,
    "amazon.sync.log.action_open_record": USER,
    "amazon.sync.log.create": NOBODY,
    "amazon.sync.log.write": NOBODY,
    "lightspeed.account.action_disconnect": SYSTEM,
    "lightspeed.account.action_refresh_stock": MANAGER,
    "lightspeed.account.action_sync_reference_data": MANAGER,
    "lightspeed.account.action_test_connection": MANAGER,
    "lightspeed.account.action_view_stock": USER,
    "lightspeed.account.create": MANAGER,
    "lightspeed.account.write": MANAGER,
    "mail.followers.create": ODOO,
    "mail.mail.create": ODOO,
    "product.pricelist.item.create": ODOO,
    "product.pricelist.item.unlink": ODOO,
    "product.pricelist.item.write": ODOO,
    "product.template.write": ODOO,
    "stock.warehouse.action_locate_from_address": ODOO,
    "res.config.settings.set_values": SYSTEM,
}

# callers refused whatever the role; then those refused from the role up
ALWAYS_REFUSED = ("internal", "portal", "other_company")
REFUSED_FROM = {"connector_user": (MANAGER, SYSTEM, NOBODY), "manager": (SYSTEM, NOBODY)}


def addon_public_methods(registry):
    """{"model.method": defining classes} for every public method an addon module defines.
    An abstract model is no table to call: its methods are found on the models inheriting it."""
    found = {}
    for model_name in registry:
        if registry[model_name]._abstract:
            continue
        for klass in registry[model_name].__mro__:
            if not klass.__module__.startswith(ADDON_MODULE):
                continue
            for attr, value in vars(klass).items():
                if regex_private.match(attr):
                    continue
                if isinstance(value, (FunctionType, staticmethod, classmethod)):
                    found.setdefault("%s.%s" % (model_name, attr), []).append(klass.__module__)
    return found


@tagged("post_install", "-at_install")
class TestPublicMethodsAccess(ConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Access other company"})
        manager = "%s.group_connector_manager" % ADDON
        cls.callers = {
            "internal": make_user(cls.env, "acc-internal", "base.group_user", cls.company),
            "portal": make_user(cls.env, "acc-portal", "base.group_portal", cls.company),
            "other_company": make_user(cls.env, "acc-other", manager, cls.other_company),
            "connector_user": make_user(
                cls.env, "acc-user", "%s.group_connector_user" % ADDON, cls.company
            ),
            "manager": make_user(cls.env, "acc-manager", manager, cls.company),
        }
        cls.product = cls.env["product.product"].create({"name": "Guarded jeans", "type": "consu"})
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Guarded prices", "company_id": cls.company.id}
        )

    def setUp(self):
        super().setUp()
        self.amazon_sim = AmazonSimulator(clock=SystemClock())
        self.lightspeed_sim = self.lightspeed_simulator()
        lightspeed = self.lightspeed_account(self.serve(self.lightspeed_sim).url)
        amazon = self.amazon_account(
            self.serve(self.amazon_sim).url,
            lightspeed_account_id=lightspeed.id,
            listings_pricelist_id=self.pricelist.id,
            marketplace_ids="%s,%s" % (US, CA),
        )
        order = (
            self.env["amazon.order"]
            .with_context(**NO_MAIL)
            .create(self.order_values(amazon, "111-0000016-0000001"))
        )
        routed = self.env["amazon.routed.order"].create(
            {
                "name": order.name,
                "amazon_order_id": order.id,
                "state": "held",
                "line_ids": [Command.create({"product_id": self.product.id, "quantity": 1})],
            }
        )
        offer = self.env["amazon.offer"].create(self.offer_values(amazon, "ACC-SKU"))
        marketplace_pricelist = self.env["amazon.marketplace.pricelist"].create(
            {"account_id": amazon.id, "marketplace_id": CA, "pricelist_id": self.pricelist.id}
        )
        self.records = {
            "amazon.account": amazon,
            "lightspeed.account": lightspeed,
            "amazon.order": order,
            "amazon.offer": offer,
            "amazon.marketplace.pricelist": marketplace_pricelist,
            "amazon.routed.order": routed,
            "amazon.routed.order.line": routed.line_ids,
            "amazon.routed.order.push": self.env["amazon.routed.order.push"].create(
                {"routed_order_id": routed.id, "warehouse_id": self.warehouse.id}
            ),
            "amazon.routed.order.void": self.env["amazon.routed.order.void"].create(
                {"routed_order_id": routed.id, "reason": "Buyer called"}
            ),
            "amazon.routing.report": self.env["amazon.routing.report"].search(
                [("routed_order_id", "=", routed.id)], limit=1
            ),
            "amazon.sale.reversal": self.env["amazon.sale.reversal"].create(
                {"routed_order_id": routed.id, "number": 1, "reason": "cancellation"}
            ),
            "amazon.settlement": self.env["amazon.settlement"].create(
                {"account_id": amazon.id, "report_id": "ACC-REPORT-1"}
            ),
            "amazon.sync.log": self.env["amazon.sync.log"]._log_event(
                "import", "Order %s failed" % order.name, record=order
            ),
            "product.template": self.product.product_tmpl_id,
            "stock.warehouse": self.warehouse,
            "product.pricelist.item": self.env["product.pricelist.item"].create(
                {"pricelist_id": self.pricelist.id, "fixed_price": 10.0}
            ),
        }
        self.records["amazon.settlement.line"] = self.env["amazon.settlement.line"].create(
            {"settlement_id": self.records["amazon.settlement"].id, "state": "open"}
        )
        for model, records in self.records.items():
            self.assertTrue(records, "no %s to call the methods on" % model)
        self.records["amazon.sale.reversal"].state = "error"

    # ------------------------------------------------------------ values

    def order_values(self, amazon, name):
        return {
            "name": name,
            "account_id": amazon.id,
            "status": "unshipped",
            "fulfillment_channel": "MFN",
            "buyer_name": "Dana Guarded",
            "line_ids": [
                Command.create(
                    {
                        "order_item_id": "item-%s" % name,
                        "seller_sku": "ACC-SKU",
                        "quantity": 1,
                        "item_price": 10.0,
                    }
                )
            ],
        }

    def offer_values(self, amazon, sku):
        return {
            "account_id": amazon.id,
            "marketplace_id": US,
            "seller_sku": sku,
            "product_id": self.product.id,
        }

    def create_values(self, model):
        amazon = self.records["amazon.account"]
        routed = self.records["amazon.routed.order"]
        return {
            "amazon.account": {
                "name": "Forged channel",
                "lwa_client_id": "forged",
                "company_id": self.company.id,
                "import_enabled": True,
            },
            "amazon.offer": self.offer_values(amazon, "FORGED-SKU"),
            "amazon.marketplace.pricelist": {
                "account_id": amazon.id,
                "marketplace_id": US,
                "pricelist_id": self.pricelist.id,
            },
            "lightspeed.account": {
                "name": "Forged account",
                "account_number": "999016",
                "company_id": self.company.id,
            },
            "amazon.order": self.order_values(amazon, "111-0000016-0000002"),
            "amazon.routed.order": {
                "name": "Forged part",
                "amazon_order_id": self.records["amazon.order"].id,
                "state": "to_send",
            },
            "amazon.routed.order.line": {
                "routed_order_id": routed.id,
                "product_id": self.product.id,
                "quantity": 1,
            },
            "mail.followers": {
                "res_model": "amazon.order",
                "res_id": self.records["amazon.order"].id,
                "partner_id": self.callers["internal"].partner_id.id,
            },
            "mail.mail": {"subject": "Forged", "body_html": "<p>Forged</p>"},
            "amazon.sale.reversal": {"routed_order_id": routed.id, "number": 2},
            "amazon.settlement": {"account_id": amazon.id, "report_id": "FORGED-REPORT"},
            "amazon.settlement.line": {
                "settlement_id": self.records["amazon.settlement"].id,
                "state": "open",
            },
            "amazon.sync.log": {"flow": "import", "message": "Forged"},
            "amazon.routed.order.push": {
                "routed_order_id": routed.id,
                "warehouse_id": self.warehouse.id,
            },
            "amazon.routed.order.void": {"routed_order_id": routed.id, "reason": "Prying"},
            "product.pricelist.item": {"pricelist_id": self.pricelist.id, "fixed_price": 1.0},
        }[model]

    WRITE_VALUES = {
        # values that set off each override's follow-up (cron, token reset, offer flags...)
        "amazon.account": {"lwa_client_id": "changed", "import_enabled": True},
        "amazon.offer": {"seller_sku": "RENAMED", "active": True},
        "amazon.marketplace.pricelist": {"marketplace_id": US},
        "lightspeed.account": {"name": "Renamed", "bucket_share": 0.5},
        "amazon.order": {"status": "shipped"},
        "amazon.routed.order": {"state": "to_send"},
        "amazon.routed.order.line": {"quantity": 2},
        "amazon.sale.reversal": {"state": "to_do"},
        "amazon.settlement": {"state": "done"},
        "amazon.settlement.line": {"state": "unmatched"},
        "amazon.sync.log": {"message": "Rewritten"},
        "product.template": {"list_price": 99.0},
        "product.pricelist.item": {"fixed_price": 5.0},
    }

    def call(self, key, user):
        model, method = key.rsplit(".", 1)
        if method == "create":
            return self.env[model].with_user(user).create([self.create_values(model)])
        records = self.records.get(model, self.env[model]).with_user(user)
        if method == "write":
            return records.write(self.WRITE_VALUES[model])
        return getattr(records, method)()

    def requests(self):
        return len(self.amazon_sim.calls) + len(self.lightspeed_sim.calls)

    # ------------------------------------------------------------ tests

    def test_every_public_method_is_in_the_table(self):
        found = addon_public_methods(self.registry)
        missing = sorted(set(found) - set(ACCESS))
        self.assertFalse(
            missing,
            "public methods without their access rule in ACCESS (add them, with the check "
            "before anything else): %s" % ", ".join(missing),
        )
        self.assertFalse(sorted(set(ACCESS) - set(found)), "ACCESS names methods that are gone")

    def test_the_buttons_reach_the_simulators_for_a_manager(self):
        """The wiring under the refusals: the same buttons, pressed by the Manager of the
        company, do reach both simulators."""
        manager = self.callers["manager"]
        self.records["amazon.account"].with_user(manager).action_test_connection()
        self.assertTrue(self.amazon_sim.calls)
        self.records["lightspeed.account"].with_user(manager).action_test_connection()
        self.assertTrue(self.lightspeed_sim.calls)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_every_public_method_refuses_callers_without_the_right(self):
        found = addon_public_methods(self.registry)
        self.assertEqual(self.requests(), 0)
        for key in sorted(set(found) & set(ACCESS)):
            role = ACCESS[key]
            callers = ALWAYS_REFUSED + tuple(
                caller for caller, roles in REFUSED_FROM.items() if role in roles
            )
            for caller in callers:
                with self.subTest(method=key, caller=caller):
                    with self.assertRaises(AccessError), self.env.cr.savepoint():
                        self.call(key, self.callers[caller])
                    self.assertEqual(self.requests(), 0, "a request reached a simulator")

    def test_manager_only_buttons_name_the_manager_group(self):
        """A Connector User of the company is refused by the group itself, before any
        record rule, on every button reserved to managers."""
        for key, role in ACCESS.items():
            model, method = key.rsplit(".", 1)
            if role != MANAGER or not method.startswith("action_"):
                continue
            with self.subTest(method=key):
                guard = getattr(getattr(type(self.env[model]), method), "connector_access", None)
                self.assertEqual(guard and guard[1], MANAGER_GROUP)
