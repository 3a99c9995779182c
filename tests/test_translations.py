"""The addon's translations: a .pot exported by Odoo, and complete fr, nl, de and es .po files.

Each .po holds exactly the .pot's terms, every one translated (none fuzzy), and a translation
keeps the term's placeholders (%s, %(name)s, {name}) and its HTML/XML tags: Odoo formats the
translated string with the same arguments, and a view's translated block replaces the original
markup. The Odoo test TestTranslationTemplate checks that the .pot holds every term of the
code and views; tools/update_translations.py regenerates and merges.
"""

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

polib = pytest.importorskip("polib")

ADDON = "amazon_lightspeed_connector"
I18N = Path(__file__).resolve().parent.parent / ADDON / "i18n"
LANGUAGES = ("fr", "nl", "de", "es")

# printf-style (%s, %d, %(name)s, %%) and str.format style ({name}, {0}, {}); "30 % off" is text
PRINTF = re.compile(r"%(?:\([^)]+\))?[-#0+]*\d*(?:\.\d+)?[sdifrx%]")
BRACES = re.compile(r"\{\{.*?\}\}|\{[A-Za-z0-9_.]*\}")
TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def _entries(path):
    return [entry for entry in polib.pofile(str(path)) if not entry.obsolete]


@pytest.fixture(scope="module")
def template():
    path = I18N / ("%s.pot" % ADDON)
    assert path.is_file(), "no %s: run tools/update_translations.py" % path
    return _entries(path)


def _markers(text):
    return Counter(PRINTF.findall(text)), Counter(BRACES.findall(text)), Counter(TAG.findall(text))


def test_the_template_is_odoos_export_of_the_addon(template):
    pot = polib.pofile(str(I18N / ("%s.pot" % ADDON)))
    assert pot.metadata["Project-Id-Version"].startswith("Odoo Server 18.0")
    assert len(template) > 100
    assert all(entry.comment.startswith("module: %s" % ADDON) for entry in template)
    assert all(not entry.msgstr for entry in template)
    assert len({entry.msgid for entry in template}) == len(template)


def test_no_other_language_file_than_the_documented_ones():
    assert sorted(path.stem for path in I18N.glob("*.po")) == sorted(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_term_is_translated(template, lang):
    po = polib.pofile(str(I18N / ("%s.po" % lang)))
    assert po.metadata.get("Language") == lang
    entries = [entry for entry in po if not entry.obsolete]
    assert [e.msgid for e in entries] == [e.msgid for e in template], (
        "%s.po does not hold the .pot's terms: run tools/update_translations.py --merge-only" % lang
    )
    untranslated = [e.msgid for e in entries if not e.msgstr.strip()]
    assert not untranslated, "%s.po: %d terms without translation: %r" % (
        lang,
        len(untranslated),
        untranslated[:10],
    )
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, "%s.po: fuzzy translations %r" % (lang, fuzzy[:10])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_placeholders_and_tags(lang):
    wrong = []
    for entry in _entries(I18N / ("%s.po" % lang)):
        if entry.msgstr and _markers(entry.msgid) != _markers(entry.msgstr):
            wrong.append((entry.msgid, entry.msgstr))
    assert not wrong, "%s.po: %d translations change a placeholder or a tag, e.g. %r" % (
        lang,
        len(wrong),
        wrong[:3],
    )


@pytest.mark.parametrize(
    "text, printf, braces, tags",
    [
        ("Order %s failed: %(reason)s, 100%%", ["%s", "%(reason)s", "%%"], [], []),
        ("30 % of {count} orders, {{ object.name }}", [], ["{count}", "{{ object.name }}"], []),
        ('<span class="o_stat">Sent</span>', [], [], ['<span class="o_stat">', "</span>"]),
    ],
)
def test_markers_found(text, printf, braces, tags):
    assert _markers(text) == (Counter(printf), Counter(braces), Counter(tags))


def _locals_and_translations(function):
    """The names ``function`` binds (its parameters included) and its ``_()`` / ``_lt()``
    calls, nested functions aside (they have frames of their own)."""
    names = {a.arg for a in function.args.args + function.args.kwonlyargs}
    calls = []
    stack = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "_lt"):
            calls.append(node.lineno)
        stack.extend(ast.iter_child_nodes(node))
    return names, calls


def test_no_translated_text_beside_a_local_odoo_takes_for_the_database_cursor():
    """Where the context has no language (a scheduled action's has none), Odoo's ``_()``
    looks for the user's through its caller's locals ``cr``, then ``cursor``, and takes
    what it finds for the database cursor: a datetime named ``cursor`` there fails the
    call (an AssertionError in the middle of a run)."""
    offenders = []
    for path in sorted((I18N.parent).rglob("*.py")):
        if {"tests", "lib"} & set(path.relative_to(I18N.parent).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names, calls = _locals_and_translations(node)
                if calls and names & {"cr", "cursor"}:
                    offenders.append("%s:%s %s" % (path.name, node.lineno, node.name))
    assert offenders == []
