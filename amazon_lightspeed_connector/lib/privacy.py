"""Erasing Amazon buyers' personal data, as Amazon's Data Protection Policy requires.

When: ``retention_days`` (at most 30, Amazon's limit) after the order shipped or was
cancelled (``erasure_due``).

What: the buyer's and recipient's name, street lines, phone and e-mail, wherever the
connector copied them (the Amazon order, its routed orders, its sale order, its partner when
nothing else uses it). Each field is declared with its kind (``NAME``, ``STREET``, ``PHONE``,
``EMAIL``); ``erase_fields`` gives the values to write:

- name, street lines, phone and e-mail become ``REPLACEMENT`` ("Amazon Replaced"), as
  Amazon's policy words it: none of the e-mail fields the connector erases is validated by
  Odoo (``res.partner.email`` and ``amazon.order.buyer_email`` are plain text), and a value
  that is no address at all can never be mailed to by mistake (Odoo's mailer refuses it);
- a field a program does validate or send to is declared ``EMAIL_ADDRESS``: it gets an
  address under the reserved ``.invalid`` top-level domain (RFC 2606), which no mail server
  delivers to and which still reads "amazon-replaced" to a person. With ``unique_key`` (a
  record id, never anything personal) the placeholder differs per record, e.g.
  ``amazon-replaced+partner-42@amazon-replaced.invalid``, for fields kept unique;
- empty fields stay empty (there is nothing to erase, and a placeholder would invent data).

What stays, for reporting and tax: amounts, products, city, region, postal code and country.
Those are simply never declared as personal fields.

Free text (chatter bodies, sync log rows, payload excerpts) is cleaned with ``scrub_text``:
every personal value is replaced by ``REPLACEMENT`` wherever it appears, whatever its case,
spacing, HTML or JSON escaping or URL encoding, phones whatever their punctuation, and
(through ``personal_values``) each word of a name and the local part of an e-mail too.
"""

from __future__ import annotations

import html
import html.entities
import json
import re
from datetime import timedelta, timezone
from urllib.parse import quote, quote_plus

REPLACEMENT = "Amazon Replaced"
MAX_RETENTION_DAYS = 30
ERASED_EMAIL_LOCAL = "amazon-replaced"
ERASED_EMAIL_DOMAIN = "amazon-replaced.invalid"

NAME = "name"
STREET = "street"
PHONE = "phone"
EMAIL = "email"
EMAIL_ADDRESS = "email_address"  # an e-mail field something validates: a placeholder address
KINDS = (NAME, STREET, PHONE, EMAIL, EMAIL_ADDRESS)
# Words of the replacement itself: never scrubbed (a buyer called "Amazon" must not turn every
# "Amazon order" of a log into "Amazon Replaced order").
_REPLACEMENT_WORDS = frozenset(REPLACEMENT.lower().split())

# res.partner's personal fields (plain names: lib never imports odoo).
PARTNER_FIELDS = {
    "name": NAME,
    "street": STREET,
    "street2": STREET,
    "phone": PHONE,
    "mobile": PHONE,
    "email": EMAIL,
}

MIN_SCRUB_LENGTH = 2  # a single character cannot be told apart from ordinary text
MIN_NAME_PART_LENGTH = 3  # "Al" or "Li" alone would eat ordinary words
MIN_PHONE_DIGITS = 7
_PHONE_CHARACTERS = re.compile(r"^[\d\s().+/-]+$")
_PHONE_SEPARATORS = r"[\s().+/-]*"


# ---------------------------------------------------------------- when


def check_retention_days(days):
    """``days`` as an int from 0 to 30; ValueError otherwise (more would break Amazon's rule)."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValueError("the retention is a whole number of days, not %r" % (days,))
    if days > MAX_RETENTION_DAYS:
        raise ValueError(
            "personal data may be kept at most %d days after shipment or cancellation, not %d"
            % (MAX_RETENTION_DAYS, days)
        )
    if days < 0:
        raise ValueError("the retention cannot be negative (%d days)" % days)
    return days


def _utc(moment):
    if moment.tzinfo is None:  # Odoo stores naive UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def erasure_time(shipped_or_cancelled_at, retention_days=MAX_RETENTION_DAYS):
    """When the personal data must go; None while the order is neither shipped nor cancelled."""
    days = check_retention_days(retention_days)
    if shipped_or_cancelled_at is None:
        return None
    return _utc(shipped_or_cancelled_at) + timedelta(days=days)


def erasure_due(shipped_or_cancelled_at, retention_days, now):
    """True once ``retention_days`` have passed since shipment or cancellation."""
    due = erasure_time(shipped_or_cancelled_at, retention_days)
    return due is not None and _utc(now) >= due


# ---------------------------------------------------------------- fields


def replacement_email(unique_key=None):
    """A non-deliverable placeholder address; unique per ``unique_key`` when one is given."""
    if unique_key is None or str(unique_key) == "":
        return "%s@%s" % (ERASED_EMAIL_LOCAL, ERASED_EMAIL_DOMAIN)
    key = re.sub(r"[^A-Za-z0-9._-]+", "-", str(unique_key)).strip("-.") or "x"
    return "%s+%s@%s" % (ERASED_EMAIL_LOCAL, key, ERASED_EMAIL_DOMAIN)


def is_erased(value):
    """True for a value ``erase_fields`` wrote (so a second run writes nothing)."""
    text = str(value or "")
    return text == REPLACEMENT or text.lower().endswith("@" + ERASED_EMAIL_DOMAIN)


def _check_fields(fields):
    unknown = {kind for kind in fields.values() if kind not in KINDS}
    if unknown:
        raise ValueError(
            "unknown kind(s) of personal field %s; use one of %s"
            % (", ".join(sorted(map(str, unknown))), ", ".join(KINDS))
        )


def erase_fields(record, fields, unique_key=None):
    """``{field: replacement}`` for the personal ``fields`` of ``record`` that hold something.

    ``record`` is a dict of field values (Odoo's empty is False); ``fields`` maps each field
    name to its kind (NAME, STREET, PHONE or EMAIL). Fields not listed are not touched,
    which is how amounts, products, city, region, postal code and country stay.
    """
    _check_fields(fields)
    values = {}
    for name, kind in fields.items():
        value = record.get(name)
        if not value or is_erased(value):
            continue
        values[name] = replacement_email(unique_key) if kind == EMAIL_ADDRESS else REPLACEMENT
    return values


def personal_values(record, fields):
    """Every string to scrub from free text about ``record``: the values of its personal
    fields, each word of its names (3 letters or more) and the local part of its e-mails."""
    _check_fields(fields)
    found = []
    for name, kind in fields.items():
        value = record.get(name)
        if not value or is_erased(value) or not isinstance(value, str):
            continue
        found.append(value)
        if kind == NAME:
            found.extend(w for w in re.split(r"[\s,]+", value) if len(w) >= MIN_NAME_PART_LENGTH)
        elif kind in (EMAIL, EMAIL_ADDRESS) and "@" in value:
            local = value.rsplit("@", 1)[0]
            if len(local) >= MIN_NAME_PART_LENGTH:
                found.append(local)
    return [v for v in dict.fromkeys(found) if v.strip().lower() not in _REPLACEMENT_WORDS]


# ---------------------------------------------------------------- free text


def _entities(value, named):
    """``value`` with non-ASCII characters as HTML entities ("Zo&euml;" or "Zo&#235;")."""
    names = html.entities.codepoint2name if named else {}
    return "".join(
        c if ord(c) < 128 else "&%s;" % names[ord(c)] if ord(c) in names else "&#%d;" % ord(c)
        for c in value
    )


def _variants(value):
    """The ways ``value`` is written in HTML, JSON or URLs besides itself."""
    return {
        value,
        _entities(html.escape(value, quote=False), named=True),
        _entities(html.escape(value, quote=False), named=False),
        html.escape(value),
        html.escape(value, quote=False),
        # markupsafe (Odoo's chatter) writes quotes as decimal entities
        html.escape(value, quote=False).replace("'", "&#39;").replace('"', "&#34;"),
        json.dumps(value)[1:-1],  # ASCII-escaped, as json.dumps writes by default
        quote(value),
        quote_plus(value),
    }


def _text_pattern(variant):
    """A variant with any run of spaces matching any whitespace, bounded by non-word
    characters when short (so "Ada" does not eat "Adam")."""
    pattern = r"\s+".join(re.escape(part) for part in variant.split())
    if len(variant) < 4:
        pattern = r"(?<!\w)%s(?!\w)" % pattern
    return pattern


def _phone_pattern(value):
    """The phone's digits with any punctuation between them; a 10-digit national form too
    when the number carries a country code ("+1 206-555-0100" also as "(206) 555-0100")."""
    digits = re.sub(r"\D", "", value)
    forms = [digits] + ([digits[-10:]] if len(digits) > 10 else [])
    return "|".join(r"(?<!\d)%s(?!\d)" % _PHONE_SEPARATORS.join(form) for form in forms)


def _is_phone(value):
    return bool(_PHONE_CHARACTERS.match(value)) and len(re.sub(r"\D", "", value)) >= (
        MIN_PHONE_DIGITS
    )


def _scrub_pattern(values):
    values = sorted(
        {v.strip() for v in values if isinstance(v, str) and len(v.strip()) >= MIN_SCRUB_LENGTH},
        key=lambda v: (-len(v), v),
    )
    alternatives = []
    for value in values:  # longest first: "Ada Lovelace" goes before "Ada"
        if _is_phone(value):
            alternatives.append(_phone_pattern(value))
        variants = sorted(_variants(value), key=lambda v: (-len(v), v))
        alternatives.extend(_text_pattern(variant) for variant in variants)
    if not alternatives:
        return None
    return re.compile("|".join("(?:%s)" % a for a in alternatives), re.IGNORECASE)


def scrub_text(text, personal_values):
    """``text`` with every personal value replaced by REPLACEMENT (one pass, so a
    replacement is never matched again). Values shorter than 2 characters are ignored."""
    if not text or not isinstance(text, str):
        return text
    pattern = _scrub_pattern(personal_values)
    return pattern.sub(REPLACEMENT, text) if pattern else text


def scrubber(personal_values):
    """``scrub_text`` for many texts about the same values: the pattern is built once."""
    pattern = _scrub_pattern(personal_values)

    def scrub(text):
        if not text or not isinstance(text, str) or pattern is None:
            return text
        return pattern.sub(REPLACEMENT, text)

    return scrub


def scrub_data(data, personal_values):
    """A copy of JSON-like ``data`` (a sync log payload) with every string scrubbed."""
    pattern = _scrub_pattern(personal_values)
    if pattern is None:
        return data

    def scrub(item):
        if isinstance(item, dict):
            return {key: scrub(value) for key, value in item.items()}
        if isinstance(item, (list, tuple)):
            return [scrub(value) for value in item]
        if isinstance(item, str):
            return pattern.sub(REPLACEMENT, item)
        return item

    return scrub(data)
