"""Lightspeed V3 query parameters: operators in values, ``or``, ``sort`` and cursor paging.

An operator travels inside the value, before a comma: ``timeStamp=>,2026-01-01T00:00:00``
(URL-encoded ``%3E%2C``), ``itemID=IN,[1,2,3]``, ``itemID=><,1,10``, ``description=~,%jeans%``.
No operator means equality. Comparisons are typed the way MySQL would see the column: numbers
as numbers, timestamps as instants, strings case-insensitively.
"""

import base64
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

from ....lib.timestamps import parse_instant
from .wire import to_decimal

MAX_LIMIT = 100
RESERVED = {
    "limit",
    "sort",
    "after",
    "before",
    "load_relations",
    "count",
    "archived",
    "or",
    "offset",
    "orderby",
    "orderby_desc",
}
# Longest first, so ">=" is not read as ">" followed by "=".
OPERATORS = ("><", ">=", "<=", "!=", "!~", "IN", ">", "<", "~", "=")


class QueryError(ValueError):
    """A query Lightspeed would answer with 400."""


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    operands: tuple

    def matches(self, values):
        """True when any of the field's values (several through a to-many relation) matches."""
        return any(_compare(value, self.operator, self.operands) for value in values)


def parse_condition(field, raw):
    operator, rest = "=", raw
    head, comma, tail = raw.partition(",")
    if comma and head in OPERATORS:
        operator, rest = head, tail
    if operator == "IN":
        operands = _in_operands(rest)
    elif operator == "><":
        operands = tuple(part.strip() for part in rest.split(","))
        if len(operands) != 2:
            raise QueryError("The between operator (><) needs two values: %s" % raw)
    else:
        operands = (rest,)
    return Condition(field, operator, operands)


def _in_operands(rest):
    rest = rest.strip()
    if rest.startswith("["):
        try:
            values = json.loads(rest)
        except ValueError as exc:
            raise QueryError("Invalid IN list: %s" % rest) from exc
    else:
        values = [part for part in rest.split(",") if part != ""]
    if len(values) > 100:
        raise QueryError("A maximum of 100 values may be passed to IN.")
    return tuple(str(value) for value in values)


def parse_or(raw):
    """``or=description=foo|description=~,bar`` (already URL-decoded) to conditions."""
    conditions = []
    for operand in raw.split("|"):
        field, equals, value = operand.partition("=")
        if not equals or not field:
            raise QueryError("Invalid or clause: %s" % operand)
        conditions.append(parse_condition(field.strip(), value))
    return conditions


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?")


def _instant(text):
    # A "+" that was not URL-encoded arrives as a space: read it back as the offset sign.
    return parse_instant(re.sub(r" (\d{2}:?\d{2})$", r"+\1", text.strip()))


@lru_cache(maxsize=65536)
def _typed(text):
    """(number or None, instant or None, folded text): parsed once per distinct value.

    Cached because a large account repeats the same timestamps and quantities many times.
    """
    number = to_decimal(text)
    instant = _instant(text) if number is None and _TIMESTAMP.match(text) else None
    return number, instant, text.casefold()


def _typed_pair(left, right):
    """Both sides in a comparable type: Decimal, datetime or case-folded string."""
    left_number, left_instant, left_text = _typed(left)
    right_number, right_instant, right_text = _typed(right)
    if left_number is not None and right_number is not None:
        return left_number, right_number
    if left_instant is not None and right_instant is not None:
        return left_instant, right_instant
    return left_text, right_text


def _like(value, pattern):
    regex = ".*".join(re.escape(part) for part in pattern.split("%"))
    return re.fullmatch(regex, value, flags=re.IGNORECASE | re.DOTALL) is not None


def _compare(value, operator, operands):
    if operator == "IN":
        return any(_compare(value, "=", (operand,)) for operand in operands)
    if operator == "~":
        return _like(value, operands[0])
    if operator == "!~":
        return not _like(value, operands[0])
    if operator == "><":
        low, high = operands
        return _compare(value, ">=", (low,)) and _compare(value, "<=", (high,))
    left, right = _typed_pair(value, operands[0])
    return {
        "=": left == right,
        "!=": left != right,
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
    }[operator]


def field_values(record, path):
    """Every string at a dotted path, looking through Lightspeed's collection wrappers.

    ``Contact.Emails.ContactEmail.address`` and ``ItemShops.qoh`` both work: a dict without the
    next key but with a single wrapper key (``{"ItemShop": [...]}``) is stepped into.
    """
    found = []
    _walk(record, path.split("."), found)
    return found


def _walk(value, parts, found):
    if isinstance(value, list):
        for item in value:
            _walk(item, parts, found)
        return
    if not parts:
        if isinstance(value, str):
            found.append(value)
        return
    if not isinstance(value, dict):
        return
    if parts[0] in value:
        _walk(value[parts[0]], parts[1:], found)
    elif len(value) == 1:
        _walk(next(iter(value.values())), parts, found)


# --- sorting and cursors ----------------------------------------------------------------------


def sort_key(raw):
    """Order numbers numerically and everything else as text, never mixing the two."""
    if raw.isdigit():  # ids: the common case, kept cheap for large accounts
        return (0, int(raw), "")
    number = to_decimal(raw)
    return (0, number, "") if number is not None else (1, 0, raw)


def parse_sort(raw, allowed, default):
    raw = raw or default
    descending = raw.startswith("-")
    field = raw.lstrip("-")
    if field not in allowed:
        raise QueryError(
            "Invalid sort field '%s'. Allowed sort fields: %s" % (field, ", ".join(allowed))
        )
    return field, descending


def encode_cursor(sort_value, record_id):
    raw = json.dumps([sort_value, record_id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_cursor(token):
    try:
        sort_value, record_id = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        return (sort_key(str(sort_value)), int(record_id))
    except (ValueError, TypeError) as exc:
        raise QueryError("Invalid pagination cursor.") from exc


def page_url(request, params, **cursor):
    """The same query on the host the client used, with a fresh cursor.

    The host comes from the request so the URL works in process and over loopback alike.
    """
    parts = urlsplit(request.url)
    kept = [(key, value) for key, value in params if key not in ("after", "before")]
    kept.extend(cursor.items())
    return "%s://%s%s?%s" % (parts.scheme, parts.netloc, parts.path, urlencode(kept))


def parse_limit(raw):
    if raw in (None, ""):
        return MAX_LIMIT
    try:
        limit = int(raw)
    except ValueError as exc:
        raise QueryError("Invalid limit: %s" % raw) from exc
    if not 0 <= limit <= MAX_LIMIT:
        raise QueryError("Limit must be between 0 and %d." % MAX_LIMIT)
    return limit


def parse_relations(raw):
    """``load_relations`` as a set of names; "all" stays "all"."""
    if raw in (None, ""):
        return set()
    if raw.strip() == "all":
        return "all"
    try:
        names = json.loads(raw)
    except ValueError as exc:
        raise QueryError('load_relations must be a JSON array or "all".') from exc
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise QueryError("load_relations must be a JSON array of relation names.")
    return set(names)
