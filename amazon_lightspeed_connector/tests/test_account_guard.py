"""Endpoints belong to administrators; every setting is checked before a row is written.

A Connector Manager who could point the token URL at a server of their own would receive the
client secret on the next Test Connection: only Settings administrators may change an endpoint.
A value PostgreSQL refuses is logged by Odoo with the whole row, secrets included: every value
is checked in Python first, and nothing reaches the ``odoo.sql_db`` logger.
"""

from lxml import etree
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, JsonRpcException, tagged

from .common import ADDON, make_user
from .connector_common import ConnectorCase

AMAZON_SECRETS = ("lwa-secret-marker-h16", "Atzr|refresh-marker-h16")
LIGHTSPEED_SECRETS = ("ls-secret-marker-h16", "ls-refresh-marker-h16")
ENDPOINTS = {
    "amazon.account": ("endpoint_url", "lwa_endpoint_url", "consent_url"),
    "lightspeed.account": ("api_url", "token_url"),
}
ATTACKER = "https://collector.example.com/steal"


class AccountGuardCase(ConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lightspeed = cls.env["lightspeed.account"].create(
            {
                "name": "Guarded Lightspeed",
                "account_number": "7716",
                "client_id": "cid",
                "client_secret": LIGHTSPEED_SECRETS[0],
                "refresh_token": LIGHTSPEED_SECRETS[1],
                "company_id": cls.company.id,
            }
        )
        cls.amazon = cls.env["amazon.account"].create(
            {
                "name": "Guarded Amazon",
                "lwa_client_id": "lwa-id",
                "lwa_client_secret": AMAZON_SECRETS[0],
                "refresh_token": AMAZON_SECRETS[1],
                "spapi_application_id": "amzn1.sp.solution.h16",
                "lightspeed_account_id": cls.lightspeed.id,
                "company_id": cls.company.id,
            }
        )

        def user(login, groups):
            return make_user(cls.env, login, groups, cls.company)

        cls.manager = user("alc_guard_manager", "%s.group_connector_manager" % ADDON)
        cls.connector_user = user("alc_guard_user", "%s.group_connector_user" % ADDON)
        cls.internal = user("alc_guard_internal", "base.group_user")
        cls.admin = user("alc_guard_admin", "%s.group_connector_manager,base.group_system" % ADDON)

    def records(self):
        return {"amazon.account": self.amazon, "lightspeed.account": self.lightspeed}


@tagged("post_install", "-at_install")
class TestEndpointsBelongToAdministrators(AccountGuardCase):
    def test_only_settings_administrators_change_an_endpoint(self):
        for model, record in self.records().items():
            for field in ENDPOINTS[model]:
                before = record[field]
                for who in (self.manager, self.connector_user, self.internal):
                    with (
                        self.subTest(model=model, field=field, user=who.login),
                        self.assertRaises(AccessError),
                    ):
                        record.with_user(who).write({field: ATTACKER})
                    self.assertEqual(record[field], before)
                record.with_user(self.admin).write({field: "http://127.0.0.1:8999/sim"})
                self.assertEqual(record[field], "http://127.0.0.1:8999/sim")

    def test_the_refusal_says_who_may_and_why(self):
        with self.assertRaisesRegex(AccessError, "Only Settings administrators can change"):
            self.amazon.with_user(self.manager).write({"lwa_endpoint_url": ATTACKER})

    def test_a_manager_still_configures_everything_else(self):
        for model, record in self.records().items():
            values = {"name": "%s (edited)" % record.name}
            # the form may send an endpoint back unchanged: that is no change
            values.update({field: record[field] for field in ENDPOINTS[model]})
            record.with_user(self.manager).write(values)
            self.assertEqual(record.name, values["name"])

    def test_a_manager_creates_accounts_on_the_production_endpoints_only(self):
        Amazon = self.env["amazon.account"].with_user(self.manager)
        channel = Amazon.create({"name": "Manager's channel", "company_id": self.company.id})
        self.assertEqual(channel.endpoint_url, "https://sellingpartnerapi-na.amazon.com")
        self.assertEqual(channel.lwa_endpoint_url, "https://api.amazon.com/auth/o2/token")
        for field in ENDPOINTS["amazon.account"]:
            with self.subTest(field=field), self.assertRaises(AccessError):
                Amazon.create({"name": "Trap", "company_id": self.company.id, field: ATTACKER})
        Lightspeed = self.env["lightspeed.account"].with_user(self.manager)
        account = Lightspeed.create(
            {"name": "Manager's store", "account_number": "990", "company_id": self.company.id}
        )
        self.assertEqual(account.api_url, "https://api.lightspeedapp.com/API/V3")
        for field in ENDPOINTS["lightspeed.account"]:
            with self.subTest(field=field), self.assertRaises(AccessError):
                Lightspeed.create(
                    {
                        "name": "Trap",
                        "account_number": "991",
                        "company_id": self.company.id,
                        field: ATTACKER,
                    }
                )

    def test_the_region_offers_amazons_own_endpoints(self):
        self.amazon.with_user(self.manager).write({"region": "eu"})
        self.assertEqual(self.amazon.endpoint_url, "https://sellingpartnerapi-eu.amazon.com")
        self.assertEqual(self.amazon.consent_url, "https://sellercentral-europe.amazon.com")
        self.amazon.with_user(self.manager).write({"region": "fe"})
        self.assertEqual(self.amazon.endpoint_url, "https://sellingpartnerapi-fe.amazon.com")
        self.assertEqual(self.amazon.consent_url, "https://sellercentral.amazon.co.jp")

    def test_the_form_shows_endpoints_read_only_to_a_manager(self):
        for model, record in self.records().items():
            self.assertFalse(record.with_user(self.manager).can_edit_endpoints)
            self.assertTrue(record.with_user(self.admin).can_edit_endpoints)
            arch = self.env[model].with_user(self.manager).get_view(view_type="form")["arch"]
            for field in ENDPOINTS[model]:
                node = etree.fromstring(arch).find(".//field[@name='%s']" % field)
                self.assertEqual(node.get("readonly"), "not can_edit_endpoints")

    def test_an_endpoint_change_is_tracked_in_the_chatter(self):
        for model, record in self.records().items():
            for field in ENDPOINTS[model]:
                url = "https://sandbox.example.com/%s" % field
                record.with_user(self.admin).write({field: url})
            self.env.flush_all()
            self.env.cr.precommit.run()
            tracked = record.message_ids.tracking_value_ids.field_id.mapped("name")
            with self.subTest(model=model):
                self.assertEqual(set(ENDPOINTS[model]), set(ENDPOINTS[model]) & set(tracked))


@tagged("post_install", "-at_install")
class TestEndpointValues(AccountGuardCase):
    REFUSED = (
        "ftp://files.example.com/token",
        "javascript:alert(document.cookie)",
        "file:///etc/passwd",
        "gopher://example.com:70/1",
        "just some free text",
        "http://sellingpartnerapi-na.amazon.com",  # plain http beyond this machine
        "https://user:password@api.amazon.com/auth/o2/token",
        "https://token@api.amazon.com/auth/o2/token",
        "https://api.amazon.com/auth/o2/token?redirect=https://collector.example.com",
        "https:///no-host",
        "https://api.amazon.com:99999/",
        " https://api.amazon.com",
    )
    ACCEPTED = (
        "https://sandbox.sellingpartnerapi-na.amazon.com",
        "https://api.amazon.com/auth/o2/token",
        "http://127.0.0.1:8701",
        "http://localhost:8702/API/V3",
        "http://[::1]:8080/auth/oauth/token",
    )

    def test_only_https_or_loopback_http_without_credentials(self):
        for model, record in self.records().items():
            for field in ENDPOINTS[model]:
                for url in self.REFUSED:
                    with (
                        self.subTest(model=model, field=field, url=url),
                        self.assertRaises(ValidationError),
                    ):
                        record.with_user(self.admin).write({field: url})
                for url in self.ACCEPTED:
                    with self.subTest(model=model, field=field, url=url):
                        record.with_user(self.admin).write({field: url})
                        self.assertEqual(record[field], url)

    def test_an_account_is_not_created_with_a_bad_endpoint_either(self):
        with self.assertRaisesRegex(ValidationError, "only https"):
            self.env["lightspeed.account"].with_user(self.admin).create(
                {
                    "name": "Bad",
                    "account_number": "992",
                    "company_id": self.company.id,
                    "token_url": "javascript:alert(1)",
                }
            )

    def test_connect_to_amazon_never_returns_a_script_address(self):
        with self.assertRaises(ValidationError):
            self.amazon.write({"consent_url": "javascript:alert(1)//"})
        action = self.amazon.with_user(self.manager).action_connect_amazon()
        self.assertTrue(action["url"].startswith("https://sellercentral.amazon.com/"))

    def test_an_address_stored_before_the_checks_is_refused_at_use(self):
        """A database upgraded with a manager's address in it: no credential leaves."""
        self.env.cr.execute(
            "UPDATE amazon_account SET lwa_endpoint_url = %s, consent_url = %s WHERE id = %s",
            ["gopher://collector.example.com/token", "javascript:alert(1)//", self.amazon.id],
        )
        self.env.cr.execute(
            "UPDATE lightspeed_account SET token_url = %s WHERE id = %s",
            ["http://collector.example.com/token", self.lightspeed.id],
        )
        self.env.invalidate_all()
        for record in (self.amazon, self.lightspeed):
            action = record.with_user(self.manager).action_test_connection()
            self.assertEqual(action["params"]["type"], "danger")
            self.assertIn("an administrator must correct it", action["params"]["message"])
            self.assertEqual(record.connection_state, "error")
        with self.assertRaisesRegex(UserError, "Seller Central URL .* is refused"):
            self.amazon.with_user(self.manager).action_connect_amazon()
        with self.assertRaisesRegex(UserError, "Token URL .* is refused"):
            self.lightspeed._lightspeed_client()


@tagged("post_install", "-at_install")
class TestSettingsCheckedBeforeWriting(AccountGuardCase):
    """The issue's leak: 0 for Pages per Run or Import Every broke a CHECK constraint and Odoo
    logged the row, LWA client secret and refresh token included, at ERROR."""

    BAD_AMAZON_NUMBERS = (
        ("import_max_pages", 0, "Pages per Run must be at least 1"),
        ("import_interval", 0, "Import Every \\(minutes\\) must be at least 1"),
        ("import_interval", -10, "Import Every \\(minutes\\) must be at least 1"),
        ("pii_retention_days", 0, "Keep Buyer Data \\(days\\) must be at least 1 and at most 30"),
        ("pii_retention_days", 31, "at most 30"),
        ("confirm_batch_size", 0, "Confirmations per Run must be at least 1"),
        ("listings_feed_threshold", -1, "must be at least 1"),
        ("routing_max_parts", -1, "Maximum Parts per Order must be at least 0"),
        ("late_ship_warning_hours", -24, "Warn Before Ship-By \\(hours\\) must be at least 0"),
        ("import_max_pages", 2**31, "not a usable number"),
        ("import_interval", "ten", "must be a number"),
    )
    BAD_SHARES = (-1, 0, 7, 1.0001)

    def assertRefusedWithoutLog(self, record, values, message, user=None):
        with (
            self.assertNoLogs("odoo.sql_db", "ERROR"),
            self.assertRaisesRegex(UserError, message) as caught,
        ):
            record.with_user(user or self.manager).write(values)
            self.env.flush_all()
        for secret in AMAZON_SECRETS + LIGHTSPEED_SECRETS:
            self.assertNotIn(secret, str(caught.exception))

    def test_numbers_are_refused_with_a_clear_message_and_nothing_logged(self):
        for field, value, message in self.BAD_AMAZON_NUMBERS:
            before = self.amazon[field]
            with self.subTest(field=field, value=value):
                self.assertRefusedWithoutLog(self.amazon, {field: value}, message)
                self.assertEqual(self.amazon[field], before)

    def test_the_bucket_share_is_above_0_and_at_most_1(self):
        for share in self.BAD_SHARES:
            with self.subTest(share=share):
                self.assertRefusedWithoutLog(
                    self.lightspeed,
                    {"bucket_share": share},
                    "Share of the API Bucket must be above 0.0 and at most 1.0",
                )
        for share in (float("nan"), float("inf")):
            with self.subTest(share=share):
                self.assertRefusedWithoutLog(
                    self.lightspeed, {"bucket_share": share}, "not a usable number"
                )
        for share in (0.01, 0.5, 1):
            self.lightspeed.with_user(self.manager).write({"bucket_share": share})
            self.assertEqual(self.lightspeed.bucket_share, share)

    def test_every_number_and_address_setting_declares_its_rule(self):
        """A setting added later is checked from the day it is written."""
        checked = set()
        for model in ENDPOINTS:
            for name, field in self.env[model]._fields.items():
                if not field.store or field.readonly:
                    continue
                checked.add(name)
                with self.subTest(model=model, field=name):
                    if field.type in ("integer", "float"):
                        bounds = ("minimum", "exclusive_minimum")
                        self.assertTrue(any(getattr(field, b, None) is not None for b in bounds))
                    if name.endswith("_url"):
                        self.assertTrue(getattr(field, "endpoint", False))
        expected = {"import_max_pages", "bucket_share", "api_url", "endpoint_url"}
        self.assertLessEqual(expected, checked)

    def test_good_numbers_are_kept(self):
        values = {"import_max_pages": 1, "import_interval": 5, "pii_retention_days": 30}
        self.amazon.with_user(self.manager).write(values)
        self.env.flush_all()
        self.assertEqual(self.amazon.read(list(values))[0], dict(values, id=self.amazon.id))

    def test_required_values_and_links_are_checked_before_the_row(self):
        cases = (
            (self.amazon, {"name": False}, "is required"),
            (self.amazon, {"marketplace_ids": ""}, "is required"),
            (self.lightspeed, {"account_number": False}, "is required"),
            (self.amazon, {"lightspeed_account_id": 987654321}, "does not exist"),
            (self.amazon, {"seller_id": "A2\x00"}, "NUL character"),
        )
        for record, values, message in cases:
            with self.subTest(values=values):
                self.assertRefusedWithoutLog(record, values, message)
        self.assertRefusedWithoutLog(
            self.lightspeed, {"token_url": False}, "Token URL is required", user=self.admin
        )

    def test_a_new_account_is_checked_before_the_insert(self):
        # an administrator enters the secrets with the rest
        Lightspeed = self.env["lightspeed.account"].with_user(self.admin)
        with (
            self.assertNoLogs("odoo.sql_db", "ERROR"),
            self.assertRaisesRegex(ValidationError, "7716 is already configured"),
        ):
            Lightspeed.create(
                {
                    "name": "Same account again",
                    "account_number": "7716",
                    "client_secret": LIGHTSPEED_SECRETS[0],
                    "company_id": self.company.id,
                }
            )
            self.env.flush_all()
        with (
            self.assertNoLogs("odoo.sql_db", "ERROR"),
            self.assertRaisesRegex(ValidationError, "Lightspeed Account ID is required"),
        ):
            Lightspeed.create({"name": "No number", "company_id": self.company.id})
        with (
            self.assertNoLogs("odoo.sql_db", "ERROR"),
            self.assertRaisesRegex(ValidationError, "Pages per Run must be at least 1"),
        ):
            self.env["amazon.account"].with_user(self.admin).create(
                {
                    "name": "Zero pages",
                    "lwa_client_secret": AMAZON_SECRETS[0],
                    "import_max_pages": 0,
                    "company_id": self.company.id,
                }
            )

    def test_two_new_accounts_with_one_number_are_refused_together(self):
        with self.assertRaisesRegex(ValidationError, "already configured"):
            self.env["lightspeed.account"].create(
                [
                    {"name": "A", "account_number": "880", "company_id": self.company.id},
                    {"name": "B", "account_number": "880", "company_id": self.company.id},
                ]
            )


@tagged("post_install", "-at_install")
class TestGuardOverJsonRpc(HttpCase):
    """The attack of the issue, as it was made: a Connector Manager over JSON-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Guard RPC company"})
        cls.lightspeed = cls.env["lightspeed.account"].create(
            {
                "name": "RPC Lightspeed",
                "account_number": "7717",
                "client_secret": LIGHTSPEED_SECRETS[0],
                "company_id": cls.company.id,
            }
        )
        cls.amazon = cls.env["amazon.account"].create(
            {
                "name": "RPC Amazon",
                "lwa_client_secret": AMAZON_SECRETS[0],
                "refresh_token": AMAZON_SECRETS[1],
                "company_id": cls.company.id,
            }
        )
        cls.manager = make_user(
            cls.env, "alc_guard_rpc_manager", "%s.group_connector_manager" % ADDON, cls.company
        )

    def call(self, model, method, *args, **kwargs):
        self.authenticate(self.manager.login, self.manager.login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw/%s/%s" % (model, method),
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_a_manager_cannot_redirect_the_credentials(self):
        for record, field in (
            (self.amazon, "lwa_endpoint_url"),
            (self.amazon, "endpoint_url"),
            (self.lightspeed, "token_url"),
            (self.lightspeed, "api_url"),
        ):
            before = record[field]
            for method, args, kwargs in (
                ("write", [record.ids, {field: ATTACKER}], {}),
                ("web_save", [record.ids, {field: ATTACKER}], {"specification": {}}),
            ):
                with self.subTest(field=field, method=method):
                    with self.assertRaises(JsonRpcException) as refused:
                        self.call(record._name, method, *args, **kwargs)
                    self.assertEqual(str(refused.exception), "odoo.exceptions.AccessError")
                    record.invalidate_recordset()
                    self.assertEqual(record[field], before)

    def test_zero_pages_is_refused_and_nothing_reaches_the_server_log(self):
        for field, value in (("import_max_pages", 0), ("import_interval", 0)):
            with (
                self.subTest(field=field),
                self.assertNoLogs("odoo.sql_db", "ERROR"),
                self.assertRaises(JsonRpcException) as refused,
            ):
                self.call("amazon.account", "write", self.amazon.ids, {field: value})
            self.assertEqual(str(refused.exception), "odoo.exceptions.ValidationError")
