#!/usr/bin/env python3
"""Regenerate the addon's translation template (.pot) with Odoo and merge it into every .po.

    python3 tools/update_translations.py              # export the .pot, merge fr, nl, de, es...
    python3 tools/update_translations.py --merge-only # merge the committed .pot into the .po
    python3 tools/update_translations.py --add-language it   # also start i18n/it.po

The .pot is exported by Odoo itself (``--i18n-export`` with ``--modules``) from a database
where the addon is installed with its demo data, as the Odoo tests install it: it holds every
term of the models, fields, selections, views, menus, data files and the ``_()`` / ``_lt()``
strings of the code. The database comes from the test cluster (tools/pg_cluster.py, or
ALC_PG_DIR) and its cached template, and is dropped afterwards.

The merge works as msgmerge does, with polib (the library Odoo reads and writes .po files
with): each .po gets the .pot's entries in the .pot's order, with their references; a
translation is kept when its msgid is still there; a new term gets an empty msgstr; a term
gone from the code is dropped. The script then lists the terms left to translate per language;
tests/test_translations.py fails until every one has a translation.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import polib  # Odoo's own .po library (an Odoo dependency; pinned in requirements-test.txt)
from odoo_runner import ADDON, OdooRunner, odoo_location
from pg_cluster import PgCluster, default_base_dir

I18N = Path(__file__).resolve().parent.parent / ADDON / "i18n"
POT = I18N / ("%s.pot" % ADDON)
# Plural-Forms as Odoo's own translations of these languages declare them
PLURAL_FORMS = {
    "fr": "nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;",
    "nl": "nplurals=2; plural=(n != 1);",
    "de": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=3; plural=n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;",
}


def export_pot(target):
    """Install the addon into a copy of the demo template and let Odoo export its terms."""
    odoo_pkg, version = odoo_location()
    if odoo_pkg is None:
        raise SystemExit("cannot export: %s (install Odoo 18.0 first)" % version)
    base = default_base_dir("test")  # the test cluster: its cached template is reused
    with PgCluster(base) as cluster:
        data_dir = base / "odoo-data"
        data_dir.mkdir(exist_ok=True)
        runner = OdooRunner(cluster, odoo_pkg, version, data_dir, Path(tempfile.mkdtemp()))
        template = runner.ensure_template(demo=True)
        dbname = "alc_test_%d_i18n" % os.getpid()  # a name run_tests.py cleans if left behind
        try:
            runner.copy_database(template, dbname)
            code, log = runner.odoo(dbname, "i18n-install", "-i", ADDON)
            if code:
                raise SystemExit("installing the addon failed:\n%s" % log[-3000:])
            export = ("--i18n-export=%s" % target, "--modules=%s" % ADDON)
            code, log = runner.odoo(dbname, "i18n-export", *export)
            if code or not Path(target).is_file():
                raise SystemExit("Odoo did not export the terms:\n%s" % log[-3000:])
        finally:
            runner.drop_database(dbname)


def merged(pot, po):
    """``po`` brought to ``pot``'s entries: a new polib.POFile (the translations kept)."""
    known = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete and e.msgstr}
    result = polib.POFile(wrapwidth=pot.wrapwidth)
    result.header = po.header or pot.header
    result.metadata = {**po.metadata, "POT-Creation-Date": pot.metadata["POT-Creation-Date"]}
    for template_entry in pot:
        entry = polib.POEntry(
            msgid=template_entry.msgid,
            msgctxt=template_entry.msgctxt,
            comment=template_entry.comment,
            occurrences=list(template_entry.occurrences),
            flags=[flag for flag in template_entry.flags if flag != "fuzzy"],
        )
        old = known.get((template_entry.msgctxt, template_entry.msgid))
        entry.msgstr = old.msgstr if old else ""
        result.append(entry)
    return result


def new_po(pot, lang):
    po = polib.POFile(wrapwidth=pot.wrapwidth)
    po.header = pot.header
    po.metadata = {**pot.metadata, "Language": lang, "Plural-Forms": PLURAL_FORMS.get(lang, "")}
    return po


def update(add_languages=()):
    pot = polib.pofile(str(POT))
    paths = set(I18N.glob("*.po")) | {I18N / ("%s.po" % lang) for lang in add_languages}
    for path in sorted(paths):
        lang = path.stem
        po = polib.pofile(str(path)) if path.exists() else new_po(pot, lang)
        result = merged(pot, po)
        result.save(str(path))
        missing = [entry.msgid for entry in result if not entry.msgstr]
        print("%s: %d terms, %d to translate" % (path.name, len(result), len(missing)))
        for msgid in missing:
            print("    %r" % msgid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--merge-only", action="store_true", help="do not export: merge the committed .pot"
    )
    parser.add_argument(
        "--add-language",
        action="append",
        default=[],
        metavar="CODE",
        help="start i18n/CODE.po (e.g. it, pt_BR) from the .pot; may be repeated",
    )
    args = parser.parse_args()
    I18N.mkdir(exist_ok=True)
    if not args.merge_only:
        export_pot(POT)
        print("exported %s" % POT)
    update(args.add_language)
    return 0


if __name__ == "__main__":
    sys.exit(main())
