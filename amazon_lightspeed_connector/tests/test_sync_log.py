"""The sync log: redacted, linked to its document, readable per group and per company, and
kept for as long as the setting says."""

import datetime
import inspect
from types import SimpleNamespace
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from lxml import etree
from odoo import fields
from odoo.addons.base.models.ir_autovacuum import is_autovacuum
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools.safe_eval import safe_eval

from ..models.amazon_sync_log import KEEP_DAYS_PARAM
from .common import ADDON, make_user


@tagged("post_install", "-at_install")
class TestSyncLog(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Log = cls.env["amazon.sync.log"]
        cls.company_b = cls.env["res.company"].create({"name": "Company B (sync log test)"})
        cls.user = make_user(cls.env, "alc_log_user", "%s.group_connector_user" % ADDON)
        cls.user_b = make_user(
            cls.env, "alc_log_user_b", "%s.group_connector_user" % ADDON, cls.company_b
        )
        cls.outsider = make_user(cls.env, "alc_log_outsider", "base.group_user")

    def test_last_24_hours_lists_the_rows_of_the_last_24_hours(self):
        """Not since yesterday's midnight: a row of 25 hours ago is out, one of 23 hours in."""
        now = fields.Datetime.now()
        rows = {}
        for hours in (23, 25):
            rows[hours] = self.Log._log_event("import", "Row of %s hours ago" % hours)
            self.env.cr.execute(
                "UPDATE amazon_sync_log SET create_date = %s WHERE id = %s",
                (now - datetime.timedelta(hours=hours), rows[hours].id),
            )
        self.Log.invalidate_model(["create_date"])
        search_view = self.env.ref("%s.amazon_sync_log_view_search" % ADDON)
        (last_day,) = etree.fromstring(search_view.arch).xpath("//filter[@name='today']")

        class ClientDateTime(datetime.datetime):
            """The web client's datetime, for a user in UTC: to_utc() changes nothing."""

            def to_utc(self):
                return self

        client = SimpleNamespace(
            datetime=SimpleNamespace(now=lambda: ClientDateTime(*now.timetuple()[:6]))
        )
        domain = safe_eval(
            last_day.get("domain"), {"datetime": client, "relativedelta": relativedelta}
        )
        found = self.Log.search(domain + [("id", "in", [row.id for row in rows.values()])])
        self.assertEqual(found, rows[23])

    def test_secrets_never_reach_the_row(self):
        row = self.Log._log_event(
            "connection",
            "token refresh failed for refresh_token=Atzr|IwEBIsecretvalue123",
            reference="A1",
            payload={
                "access_token": "Atza|abcdef0123456789",
                "refresh_token": "Atzr|IwEBIsecretvalue123",
                "error": "invalid_grant",
            },
        )
        stored = row.message + row.payload_excerpt
        self.assertNotIn("IwEBIsecretvalue123", stored)
        self.assertNotIn("abcdef0123456789", stored)
        self.assertIn("invalid_grant", row.payload_excerpt)
        self.assertEqual(row.level, "error")

    def test_a_nul_character_never_loses_the_row(self):
        # PostgreSQL refuses NUL in text; hostile Amazon data can carry one
        row = self.env["amazon.sync.log"]._log_event(
            "import", "Order A\x00B refused", payload="raw\x00body"
        )
        self.assertEqual(row.message, "Order AB refused")
        self.assertNotIn("\x00", row.payload_excerpt)

    def test_row_links_to_its_document_and_takes_its_company(self):
        partner = self.env["res.partner"].create(
            {"name": "Linked", "company_id": self.company_b.id}
        )
        row = self.Log._log_event("import", "Unknown SKU X-1", record=partner, level="warning")
        self.assertEqual((row.res_model, row.res_id), ("res.partner", partner.id))
        self.assertEqual(row.company_id, self.company_b)
        action = row.action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", partner.id))

    def test_users_read_and_resolve_but_never_forge_rows(self):
        row = self.Log._log_event("routing", "Held: no store has JBJ-S")
        as_user = row.with_user(self.user)
        self.assertEqual(as_user.message, "Held: no store has JBJ-S")
        as_user.action_mark_resolved()
        self.assertTrue(row.resolved)
        with self.assertRaises(AccessError):
            self.Log.with_user(self.user).create({"flow": "import", "message": "forged"})

    def test_outsiders_see_nothing(self):
        self.Log._log_event("import", "something")
        with self.assertRaises(AccessError):
            self.Log.with_user(self.outsider).search([])

    def test_companies_are_kept_apart(self):
        row_a = self.Log._log_event("import", "company A event")
        row_b = self.Log.with_company(self.company_b)._log_event("import", "company B event")
        seen_by_b = self.Log.with_user(self.user_b).search([("id", "in", (row_a | row_b).ids)])
        self.assertEqual(seen_by_b, row_b)
        seen_by_a = self.Log.with_user(self.user).search([("id", "in", (row_a | row_b).ids)])
        self.assertEqual(seen_by_a, row_a)

    # ------------------------------------------------------------ how long rows are kept

    def logged_days_ago(self, days, level="info", resolved=False):
        row = self.Log._log_event("import", "%s, %s days ago" % (level, days), level=level)
        row.resolved = resolved
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE amazon_sync_log SET create_date = create_date - %s * interval '1 day' "
            "WHERE id = %s",
            (days, row.id),
        )
        row.invalidate_recordset()
        return row

    def keep_days(self, days):
        self.env["ir.config_parameter"].sudo().set_param(KEEP_DAYS_PARAM, str(days))

    def test_old_rows_go_each_night_but_unresolved_errors_stay(self):
        vacuums = [name for name, _method in inspect.getmembers(type(self.Log), is_autovacuum)]
        self.assertIn("_gc_old_rows", vacuums, "Odoo's nightly auto-vacuum calls it")
        self.keep_days(30)
        gone = (
            self.logged_days_ago(40)
            | self.logged_days_ago(40, "warning")
            | self.logged_days_ago(40, "error", resolved=True)
        )
        kept = self.logged_days_ago(40, "error") | self.logged_days_ago(20, "warning")
        self.assertGreaterEqual(self.Log._gc_old_rows(), 3)
        self.assertFalse(gone.exists())
        self.assertEqual(kept.exists(), kept, "an open error is work still to do")

    def test_zero_days_keeps_every_row(self):
        self.keep_days(0)
        old = self.logged_days_ago(400)
        self.assertEqual(self.Log._gc_old_rows(), 0)
        self.assertTrue(old.exists())

    def test_a_backlog_goes_over_several_nights_oldest_first(self):
        self.keep_days(30)
        first, second = self.logged_days_ago(60), self.logged_days_ago(50)
        with patch.object(type(self.Log), "_vacuum_batch_size", 1):
            self.assertEqual(self.Log._gc_old_rows(), 1)
            self.assertEqual((first | second).exists(), second)
            self.assertEqual(self.Log._gc_old_rows(), 1)
        self.assertFalse(second.exists())

    def test_the_setting_is_in_the_connectors_settings(self):
        settings = self.env["res.config.settings"].create({"connector_sync_log_days": 45})
        settings.execute()
        self.assertEqual(self.Log._keep_days(), 45)
        settings = self.env["res.config.settings"].create({"connector_sync_log_days": 0})
        settings.execute()
        self.assertEqual(self.Log._keep_days(), 0, "0 keeps every row, not the default")
        self.assertEqual(self.env["res.config.settings"].create({}).connector_sync_log_days, 0)
        for wrong in ({"connector_sync_log_days": -1}, {"connector_run_budget": 0}):
            with self.subTest(values=wrong), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create(wrong)
        self.keep_days("not a number")
        self.assertEqual(self.Log._keep_days(), 90, "a broken value falls back to the default")
