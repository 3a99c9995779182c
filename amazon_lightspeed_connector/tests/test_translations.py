"""The committed translation template holds every term Odoo exports from the addon, and the
language files load into Odoo: menus, fields and code strings read in the user's language, the
web client's own terms (static/src templates and scripts) served to the browser in it."""

import polib
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import (
    JAVASCRIPT_TRANSLATION_COMMENT,
    PYTHON_TRANSLATION_COMMENT,
    TranslationModuleReader,
    code_translations,
)

from .common import ADDON, open_figure

LANGUAGES = {"fr": "fr_FR", "nl": "nl_NL", "de": "de_DE", "es": "es_ES"}


@tagged("post_install", "-at_install")
class TestTranslationTemplate(TransactionCase):
    def _committed(self, name):
        return polib.pofile(file_path("%s/i18n/%s" % (ADDON, name)))

    def test_the_pot_holds_every_term_of_the_code_and_views(self):
        """What ``--i18n-export --modules=<addon>`` would write now, compared with the .pot:
        a new string in a model, view, data file or ``_()`` call fails here until
        tools/update_translations.py is run (and the new terms are translated)."""
        exported = {row[4] for row in TranslationModuleReader(self.env.cr, modules=[ADDON])}
        committed = {entry.msgid for entry in self._committed("%s.pot" % ADDON)}
        self.assertGreater(len(exported), 100)
        missing = sorted(exported - committed)
        stale = sorted(committed - exported)
        hint = "run tools/update_translations.py, then translate the new terms"
        self.assertFalse(
            missing, "%d terms missing from the .pot (%s): %r" % (len(missing), hint, missing[:20])
        )
        self.assertFalse(
            stale, "%d terms of the .pot are gone (%s): %r" % (len(stale), hint, stale[:20])
        )

    def test_each_language_loads_into_odoo(self):
        menu = self.env.ref("%s.menu_connector_root" % ADDON)
        form = self.env.ref("%s.amazon_account_view_form" % ADDON)
        for short, code in LANGUAGES.items():
            with self.subTest(lang=code):
                po = {e.msgid: e.msgstr for e in self._committed("%s.po" % short)}
                self.env["res.lang"]._activate_lang(code)
                self.env["ir.module.module"]._load_module_terms([ADDON], [code], overwrite=True)
                self.assertEqual(menu.with_context(lang=code).name, po[menu.name])
                # a view's terms: Odoo drops a translation whose markup does not match the term's
                self.assertIn(po["Connect to Amazon"], form.with_context(lang=code).arch_db)
                field = self.env["ir.model.fields"]._get("amazon.sync.log", "company_id")
                self.assertEqual(
                    field.with_context(lang=code).field_description, po[field.field_description]
                )
                # an Overview figure's list is titled with the figure's label, in that language
                channel = self.env.ref("%s.demo_amazon_account" % ADDON).with_context(lang=code)
                list_title = open_figure(channel, "dashboard_orders_today")["display_name"]
                self.assertEqual(list_title, "%s: %s" % (channel.name, po["Orders Today"]))
                # Code terms are read from the .po files, not the database, in two sets that
                # Odoo tells apart by the exported comment: the server's _() strings, and the
                # web client's (static/src), which /web/webclient/translations serves.
                python_terms = code_translations.get_python_translations(ADDON, code)
                self.assertEqual(
                    {m: python_terms.get(m) for m in self._code_msgids(PYTHON_TRANSLATION_COMMENT)},
                    {m: po[m] for m in self._code_msgids(PYTHON_TRANSLATION_COMMENT)},
                )
                served, _lang = self.env["ir.http"].get_translations_for_webclient([ADDON], code)
                web_terms = {t["id"]: t["string"] for t in served[ADDON]["messages"]}
                self.assertEqual(
                    web_terms, {m: po[m] for m in self._code_msgids(JAVASCRIPT_TRANSLATION_COMMENT)}
                )

    def _code_msgids(self, kind):
        """The .pot's terms of one kind of code (odoo-python or odoo-javascript): the comment
        Odoo's export writes and its loader filters on."""
        msgids = [
            entry.msgid
            for entry in self._committed("%s.pot" % ADDON)
            if kind in entry.comment.splitlines()
        ]
        self.assertTrue(msgids, "no %s term in the .pot" % kind)
        return msgids
