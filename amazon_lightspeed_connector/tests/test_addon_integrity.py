"""The addon as installed: every data file loaded, every model guarded, menus per group."""

import csv
import io

from lxml import etree
from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path

from .common import ADDON, make_user
from .simulators import demo_catalogue


@tagged("post_install", "-at_install")
class TestAddonIntegrity(TransactionCase):
    def _declared_xml_ids(self, relative_path):
        with open(file_path("%s/%s" % (ADDON, relative_path)), "rb") as handle:
            content = handle.read()
        if relative_path.endswith(".csv"):
            rows = csv.DictReader(io.StringIO(content.decode("utf-8")))
            return [row["id"] for row in rows]
        tree = etree.fromstring(content)
        return [node.get("id") for node in tree.iter("record", "menuitem", "template")]

    def test_every_declared_record_of_every_data_file_exists(self):
        manifest = get_manifest(ADDON)
        files = manifest["data"] + (manifest["demo"] if self._demo_loaded() else [])
        self.assertTrue(files)
        checked = 0
        for relative_path in files:
            for xml_id in self._declared_xml_ids(relative_path):
                with self.subTest(file=relative_path, xml_id=xml_id):
                    self.assertTrue(self.env.ref("%s.%s" % (ADDON, xml_id), False))
                checked += 1
        self.assertGreater(checked, 10)

    def test_every_model_of_the_addon_has_access_rules_for_connector_groups_only(self):
        models = self.env["ir.model"].search([]).filtered(lambda m: ADDON in m.modules.split(", "))
        # abstract models (the mixins) have no table and no records: nothing to grant
        own_models = models.filtered(
            lambda m: (
                m.model.startswith(("amazon.", "lightspeed.")) and not self.env[m.model]._abstract
            )
        )
        self.assertTrue(own_models, "the addon defines no model of its own")
        connector_groups = self.env.ref("%s.group_connector_user" % ADDON) | self.env.ref(
            "%s.group_connector_manager" % ADDON
        )
        for model in own_models:
            with self.subTest(model=model.model):
                rules = model.access_ids
                self.assertTrue(rules, "no ir.model.access for %s" % model.model)
                self.assertFalse(rules.filtered(lambda r: not r.group_id), "public access")
                self.assertTrue(
                    rules.group_id <= connector_groups | self.env.ref("base.group_system")
                )

    def test_app_menu_is_shown_to_connector_users_only(self):
        root = self.env.ref("%s.menu_connector_root" % ADDON)
        configuration = self.env.ref("%s.menu_connector_configuration" % ADDON)
        connector_user = make_user(self.env, "alc_user", "%s.group_connector_user" % ADDON)
        manager = make_user(self.env, "alc_manager", "%s.group_connector_manager" % ADDON)
        outsider = make_user(self.env, "alc_outsider", "base.group_user")

        def visible(user):
            return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

        self.assertIn(root.id, visible(connector_user))
        self.assertNotIn(configuration.id, visible(connector_user))
        self.assertIn(configuration.id, visible(manager))
        self.assertNotIn(root.id, visible(outsider))

    def test_app_icon_ships_with_the_addon(self):
        self.assertTrue(file_path("%s/static/description/icon.png" % ADDON))

    def _demo_loaded(self):
        return bool(self.env["ir.module.module"].search([("name", "=", ADDON)]).demo)

    def test_demo_shop_matches_the_simulators_catalogue(self):
        if not self._demo_loaded():
            self.skipTest("installed without demo data")
        for store in demo_catalogue.STORES:
            warehouse = self.env.ref("%s.demo_warehouse_store_%s" % (ADDON, store.code.lower()))
            self.assertEqual(warehouse.name, store.name)
        for product_data in demo_catalogue.PRODUCTS:
            product = self.env["product.product"].search([("default_code", "=", product_data.sku)])
            self.assertEqual(len(product), 1, product_data.sku)
            self.assertEqual(product.barcode, product_data.upc)
            self.assertAlmostEqual(product.list_price, float(product_data.price))
            for store, qoh in zip(demo_catalogue.STORES, product_data.qoh, strict=True):
                warehouse = self.env.ref("%s.demo_warehouse_store_%s" % (ADDON, store.code.lower()))
                on_hand = product.with_context(warehouse_id=warehouse.id).qty_available
                self.assertEqual(on_hand, qoh, "%s in %s" % (product_data.sku, store.name))
        # the demo channel sells every demo product under its SKU, as the simulator lists it
        demo_channel = self.env.ref("%s.demo_amazon_account" % ADDON)
        bindings = self.env["amazon.offer"].search([("account_id", "=", demo_channel.id)])
        self.assertEqual(
            {(b.seller_sku, b.product_id.default_code) for b in bindings},
            {(p.sku, p.sku) for p in demo_catalogue.PRODUCTS},
        )
