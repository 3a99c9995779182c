"""Issue 16, secrets in their own tables: the Amazon LWA client secret and refresh token and the
Lightspeed client secret live in tables only administrators read (amazon.credential,
lightspeed.token), not in the account rows that every error about them prints; databases of
the previous version have them moved there by the upgrade."""

from odoo.tests import tagged

from .common import load_migration
from .connector_common import ConnectorCase
from .simulators.demo_catalogue import LIGHTSPEED_DEMO


@tagged("post_install", "-at_install")
class TestSecretTables(ConnectorCase):
    def row_of(self, table, record_id):
        self.env.flush_all()
        query = "SELECT row_to_json(t)::text FROM %s t WHERE id = %%s" % table
        self.env.cr.execute(query, [record_id])
        return self.env.cr.fetchone()[0]

    def test_the_account_rows_hold_no_secret(self):
        amazon = self.amazon_account("http://127.0.0.1:9", lwa_client_secret="amzn-sec-row-1")
        amazon.refresh_token = "Atzr|row-refresh-1"
        lightspeed = self.lightspeed_account("http://127.0.0.1:9", client_secret="ls-sec-row-1")
        for table, record in (("amazon_account", amazon), ("lightspeed_account", lightspeed)):
            row = self.row_of(table, record.id)
            for secret in ("amzn-sec-row-1", "Atzr|row-refresh-1", "ls-sec-row-1"):
                self.assertNotIn(secret, row)
        # where they are, and that the form (administrators) still reads and writes them
        self.assertEqual(amazon.credential_ids.lwa_client_secret, "amzn-sec-row-1")
        self.assertEqual(amazon.credential_ids.refresh_token, "Atzr|row-refresh-1")
        self.assertEqual(lightspeed.token_ids.client_secret, "ls-sec-row-1")
        amazon.lwa_client_secret = "amzn-sec-row-2"
        self.assertEqual(amazon.credential_ids.lwa_client_secret, "amzn-sec-row-2")
        self.assertEqual(len(amazon.credential_ids), 1)

    def test_only_administrators_read_the_secret_tables(self):
        access = self.env["ir.model.access"].search(
            [("model_id.model", "in", ("amazon.credential", "lightspeed.token"))]
        )
        self.assertEqual(access.group_id, self.env.ref("base.group_system"))
        for model in ("amazon.credential", "lightspeed.token"):
            self.assertFalse(self.env["ir.rule"].search([("model_id.model", "=", model)]))

    def test_upgrade_moves_the_secrets_out_of_the_account_rows(self):
        """A database of 18.0.1.1.0: the secrets in columns of the account tables."""
        amazon = self.amazon_account("http://127.0.0.1:9", lwa_client_secret=False)
        amazon.credential_ids.unlink()
        lightspeed = self.lightspeed_account("http://127.0.0.1:9", client_secret=False)
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE amazon_account ADD COLUMN lwa_client_secret varchar, "
            "ADD COLUMN refresh_token varchar"
        )
        cr.execute("ALTER TABLE lightspeed_account ADD COLUMN client_secret varchar")
        cr.execute(
            "UPDATE amazon_account SET lwa_client_secret = 'old-lwa', refresh_token = 'Atzr|old' "
            "WHERE id = %s",
            [amazon.id],
        )
        cr.execute(
            "UPDATE lightspeed_account SET client_secret = 'old-ls' WHERE id = %s", [lightspeed.id]
        )
        load_migration("18.0.1.2.0", "post-secret_tables.py").migrate(cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(amazon.lwa_client_secret, "old-lwa")
        self.assertEqual(amazon.refresh_token, "Atzr|old")
        self.assertEqual(lightspeed.client_secret, "old-ls")
        self.assertEqual(lightspeed.refresh_token, LIGHTSPEED_DEMO["refresh_token"])
        cr.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_name IN ('amazon_account', 'lightspeed_account') "
            "AND column_name IN ('lwa_client_secret', 'refresh_token', 'client_secret')"
        )
        self.assertEqual(cr.fetchall(), [], "the old columns are dropped")
