"""Who reads what: connector groups, the system group for secrets, companies, neutralize."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged

from .common import ADDON, make_user
from .connector_common import ConnectorCase

SECRETS = {
    "amazon.account": ("lwa_client_secret", "refresh_token"),
    "lightspeed.account": ("client_secret", "refresh_token", "access_token"),
}


class ChannelFixtures(ConnectorCase):
    """Two accounts of the test company with their secrets, and users of every role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lightspeed = cls.env["lightspeed.account"].create(
            {
                "name": "Secured Lightspeed",
                "account_number": "555",
                "client_id": "cid",
                "client_secret": "ls-secret",
                "refresh_token": "ls-refresh",
                "access_token": "ls-access",
                "company_id": cls.company.id,
            }
        )
        cls.amazon = cls.env["amazon.account"].create(
            {
                "name": "Secured Amazon",
                "lwa_client_id": "lwa-id",
                "lwa_client_secret": "lwa-secret",
                "refresh_token": "Atzr|secret-refresh",
                "lightspeed_account_id": cls.lightspeed.id,
                "company_id": cls.company.id,
            }
        )
        cls.payment_type = cls.env["lightspeed.payment.type"].create(
            {
                "name": "Amazon Payment",
                "lightspeed_id": "7",
                "lightspeed_account_id": cls.lightspeed.id,
            }
        )
        cls.env["amazon.payment.mapping"].create(
            {
                "amazon_account_id": cls.amazon.id,
                "payment_method": "Other",
                "lightspeed_payment_type_id": cls.payment_type.id,
            }
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other connector company"})

        def user(login, groups, company=cls.company):
            return make_user(cls.env, login, groups, company)

        cls.outsider = user("alc_sec_outsider", "base.group_user")
        cls.connector_user = user("alc_sec_user", "%s.group_connector_user" % ADDON)
        cls.manager = user("alc_sec_manager", "%s.group_connector_manager" % ADDON)
        cls.admin = user("alc_sec_admin", "%s.group_connector_manager,base.group_system" % ADDON)
        cls.other_manager = user(
            "alc_sec_other", "%s.group_connector_manager" % ADDON, cls.other_company
        )


@tagged("post_install", "-at_install")
class TestChannelSecurity(ChannelFixtures):
    def records(self):
        return {"amazon.account": self.amazon, "lightspeed.account": self.lightspeed}

    def test_a_user_without_connector_groups_reads_no_account_and_no_secret(self):
        for model in (*SECRETS, "lightspeed.payment.type", "amazon.payment.mapping"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.outsider).search([])
        for model, record in self.records().items():
            for field in SECRETS[model]:
                with self.subTest(model=model, field=field), self.assertRaises(AccessError):
                    record.with_user(self.outsider).read([field])

    def test_connector_users_read_settings_but_no_secret_and_change_nothing(self):
        for model, record in self.records().items():
            as_user = record.with_user(self.connector_user)
            self.assertEqual(as_user.name, record.name)
            for field in SECRETS[model]:
                with self.subTest(model=model, field=field), self.assertRaises(AccessError):
                    as_user.read([field])
            with self.assertRaises(AccessError):
                as_user.write({"name": "changed"})

    def test_managers_configure_but_only_the_system_group_reads_secrets(self):
        for model, record in self.records().items():
            as_manager = record.with_user(self.manager)
            as_manager.write({"name": "%s (edited)" % record.name})
            for field in SECRETS[model]:
                with self.subTest(model=model, field=field), self.assertRaises(AccessError):
                    as_manager.read([field])
                self.assertTrue(record.with_user(self.admin).read([field])[0][field])
        # the secret fields are not even in the form a manager gets
        arch = self.env["amazon.account"].with_user(self.manager).get_view(view_type="form")["arch"]
        self.assertNotIn("lwa_client_secret", arch)
        arch = self.env["amazon.account"].with_user(self.admin).get_view(view_type="form")["arch"]
        self.assertIn('name="lwa_client_secret"', arch)

    def test_companies_are_kept_apart(self):
        other = self.other_manager
        for model in (*SECRETS, "lightspeed.payment.type", "amazon.payment.mapping"):
            with self.subTest(model=model):
                mine = self.env[model].search([("company_id", "=", self.company.id)])
                self.assertTrue(mine)
                self.assertFalse(self.env[model].with_user(other).search([("id", "in", mine.ids)]))
        with self.assertRaises(AccessError):
            self.amazon.with_user(other).read(["name"])

    def test_personal_data_is_kept_at_most_30_days(self):
        self.amazon.pii_retention_days = 30
        for days in (31, 0, -5):
            with self.subTest(days=days), self.assertRaises(ValidationError):
                self.amazon.write({"pii_retention_days": days})
        self.amazon.invalidate_recordset()
        self.assertEqual(self.amazon.pii_retention_days, 30)

    def test_neutralize_blanks_every_secret_and_stops_the_crons(self):
        import_cron = self.env.ref("%s.ir_cron_amazon_import_orders" % ADDON)
        sync_cron = self.env.ref("%s.ir_cron_lightspeed_sync_reference_data" % ADDON)
        self.amazon.import_enabled = True
        self.assertTrue(import_cron.active and sync_cron.active)
        self.env.flush_all()
        queries = list(get_neutralization_queries([ADDON]))
        self.assertEqual(len(queries), 1, "data/neutralize.sql is found by Odoo")
        self.env.cr.execute(queries[0])
        self.env.invalidate_all()
        for model, record in self.records().items():
            for field in SECRETS[model]:
                self.assertFalse(record.sudo()[field], "%s.%s" % (model, field))
        self.assertFalse(self.amazon.import_enabled)
        self.assertFalse(import_cron.active)
        self.assertFalse(sync_cron.active)


@tagged("post_install", "-at_install")
class TestFieldsTheFlowsKeep(ChannelFixtures):
    """Over RPC a user may write any field a form shows read-only; the flows then act as
    superuser on what it says. So no one but the flows sets them: a Connector User cannot
    point his order at another company's Lightspeed sale, a Manager cannot hand the order
    closing another sale order or stop the erasure of a buyer's data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls.env["amazon.order"].create(
            {"name": "111-0000099-0000001", "account_id": cls.amazon.id, "status": "unshipped"}
        )
        cls.routed = cls.env["amazon.routed.order"].create(
            {"name": cls.order.name, "amazon_order_id": cls.order.id, "state": "sent"}
        )
        cls.other_lightspeed = cls.env["lightspeed.account"].create(
            {
                "name": "Other company's shop",
                "account_number": "556",
                "company_id": cls.other_company.id,
            }
        )

    def test_a_connector_user_cannot_redirect_his_order_but_enters_its_shipment(self):
        forged = {
            "lightspeed_account_id": self.other_lightspeed.id,
            "lightspeed_sale_id": "42",
            "lightspeed_sale_completed": False,
        }
        for values in (forged, {"state": "shipped"}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                self.routed.with_user(self.connector_user).write(values)
        self.assertFalse(self.routed.lightspeed_account_id)
        self.assertEqual(self.routed.state, "sent")
        self.routed.with_user(self.connector_user).write(
            {"tracking_number": "1Z999AA10123456784", "shipping_method": "Ground"}
        )
        self.assertEqual(self.routed.tracking_number, "1Z999AA10123456784")

    def test_the_sale_order_button_is_for_users_with_sales_rights(self):
        """A Connector User without Sales rights opens the order form, without the Sale Order
        button (its click would be refused); with Sales rights, the button is there."""
        sale = self.env["sale.order"].create({"partner_id": self.env.ref("base.res_partner_2").id})
        self.order.sudo().sale_order_id = sale
        Order = self.env["amazon.order"]
        arch = Order.with_user(self.connector_user).get_views([(False, "form")])
        self.assertNotIn("action_open_sale_order", arch["views"]["form"]["arch"])
        self.connector_user.groups_id += self.env.ref("sales_team.group_sale_salesman")
        arch = Order.with_user(self.connector_user).get_views([(False, "form")])
        self.assertIn("action_open_sale_order", arch["views"]["form"]["arch"])

    def test_a_manager_cannot_set_what_the_import_and_the_erasure_keep(self):
        other_sale = self.env["sale.order"].create(
            {"partner_id": self.env.ref("base.res_partner_2").id}
        )
        for values in (
            {"sale_order_id": other_sale.id},
            {"pii_erased_date": "2026-01-01 00:00:00"},
            {"status": "pending"},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                self.order.with_user(self.manager).write(values)
        with self.assertRaises(AccessError):
            self.env["amazon.routed.order"].with_user(self.manager).create(
                {"name": "Forged part", "amazon_order_id": self.order.id, "state": "to_send"}
            )
        self.assertFalse(self.order.sale_order_id)

    def test_a_sync_log_row_is_only_marked_resolved_by_hand(self):
        row = self.env["amazon.sync.log"]._log_event("import", "Order failed", record=self.order)
        with self.assertRaises(AccessError):
            row.with_user(self.connector_user).write({"message": "All fine", "level": "info"})
        with self.assertRaises(AccessError):
            self.env["amazon.sync.log"].with_user(self.manager).create(
                {"flow": "import", "message": "Forged"}
            )
        row.with_user(self.connector_user).action_mark_resolved()
        self.assertTrue(row.resolved)
        self.assertEqual(row.message, "Order failed")

    def test_the_flows_and_the_buttons_still_write_them(self):
        """Superuser code (a scheduled action, a button once it checked the caller) is not
        refused: the guard is for what a person sends."""
        self.routed.sudo().write({"state": "shipped"})
        self.assertEqual(self.routed.state, "shipped")
        self.order.with_user(self.manager).sudo().write({"routing_state": "none"})
        self.assertEqual(self.order.routing_state, "none")

    def test_a_channel_takes_only_its_company_lightspeed_account(self):
        with self.assertRaises(UserError):
            self.amazon.with_user(self.admin).write(
                {"lightspeed_account_id": self.other_lightspeed.id}
            )

    def test_lightspeed_customer_ids_stay_in_their_company(self):
        buyer = self.env["res.partner"].create({"name": "Dana Buyer"})
        kept = self.env["lightspeed.customer"].create(
            {
                "partner_id": buyer.id,
                "lightspeed_account_id": self.other_lightspeed.id,
                "lightspeed_customer_id": 7,
            }
        )
        Customers = self.env["lightspeed.customer"].with_user(self.connector_user)
        self.assertFalse(Customers.search([("id", "=", kept.id)]))
        self.assertTrue(
            self.env["lightspeed.customer"]
            .with_user(self.other_manager)
            .search([("id", "=", kept.id)])
        )

    def test_the_push_wizard_opens_only_on_an_order_the_user_may_act_on(self):
        warehouse = self.env["stock.warehouse"].search([], limit=1)
        with self.assertRaises(AccessError):
            self.env["amazon.routed.order.push"].with_user(self.other_manager).create(
                {"routed_order_id": self.routed.id, "warehouse_id": warehouse.id}
            )
        with self.assertRaises(AccessError):
            self.env["amazon.routed.order.void"].with_user(self.other_manager).create(
                {"routed_order_id": self.routed.id, "reason": "Prying"}
            )
