"""Lightspeed Retail's JSON dialect, both ways.

Out: every scalar is a string ("true", "0", "2.46"), a collection of one is an object and of
none is an empty string, lists carry "@attributes", errors have httpCode/httpMessage/message/
errorClass (shared/lightspeed-recorded). In: clients send nested collections in several shapes
(``{"SaleLine": [...]}``, ``[{"SaleLine": {...}}]``, a bare list), all of which Lightspeed takes.
"""

import json
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from http import HTTPStatus

from ..core import SimResponse

CENT = Decimal("0.01")


def money(value):
    """Round like the register does: half up, to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_number(value):
    """A number the way Lightspeed prints it: no trailing zeros, no exponent ("2.46", "0")."""
    number = Decimal(value)
    if number == 0:
        return "0"
    return format(number.normalize(), "f")


def to_decimal(value, default=None):
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return default


def to_bool(value):
    """Lightspeed accepts JSON booleans, "true"/"false" and 1/0 for boolean fields."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def scalar(value):
    """One scalar in wire form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return fmt_number(value)
    return str(value)


def wire(value):
    """A whole structure in wire form, recursively."""
    if isinstance(value, dict):
        return {key: wire(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [wire(item) for item in value]
    return scalar(value)


def iso(timestamp):
    """Epoch seconds to Lightspeed's timestamp format, always in UTC."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def collection(singular, records):
    """A nested to-many relation: {"ItemShop": [...]} , {"ItemShop": {...}} or "" when empty."""
    records = list(records)
    if not records:
        return ""
    return {singular: records[0] if len(records) == 1 else records}


def public(record):
    """A stored record without the simulator's private bookkeeping (keys starting with _)."""
    return {key: value for key, value in record.items() if not key.startswith("_")}


def entries(value, singular):
    """Every dict in a nested collection as a client may send it, in order.

    Accepts ``{"SaleLine": [..] | {..}}``, ``[{"SaleLine": {..}}, ..]``, ``[{..}, ..]`` and a
    single ``{..}``; anything else yields nothing.
    """
    if value in (None, ""):
        return []
    if isinstance(value, list):
        out = []
        for item in value:
            out.extend(entries(item, singular))
        return out
    if isinstance(value, dict):
        if singular in value:
            return entries(value[singular], singular)
        return [value]
    return []


def single_body(resource, record):
    return {"@attributes": {"count": "1"}, resource: record}


def list_body(resource, records, next_url="", previous_url=""):
    """A V3 query answer; an empty page has no resource key at all."""
    body = {"@attributes": {"next": next_url, "previous": previous_url}}
    if records:
        body[resource] = records[0] if len(records) == 1 else records
    return body


def error_body(status, message, error_class=None):
    status = int(status)
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return {
        "httpCode": str(status),
        "httpMessage": reason,
        "message": message,
        "errorClass": error_class or _DEFAULT_ERROR_CLASS.get(status, "Exception"),
    }


# Only 401 ("BadAuthenticationRequestError") and 404 ("Exception") are recorded; the others are
# plausible names in the same style so a client has something stable to log.
_DEFAULT_ERROR_CLASS = {
    400: "InvalidQueryException",
    401: "BadAuthenticationRequestError",
    403: "ForbiddenException",
    404: "Exception",
    405: "MethodNotAllowedException",
    422: "ValidationException",
    429: "RateLimitExceededException",
    500: "Exception",
    503: "ServiceUnavailableException",
}


def json_response(status, payload, headers=None):
    # Lightspeed escapes forward slashes ("US\/Pacific"); json.loads reads both, so plain dumps
    # keeps bodies readable in test failures without changing what a client parses.
    answer = SimResponse(status, {"Content-Type": "application/json"}, b"")
    answer.headers.update(headers or {})
    answer.body = json.dumps(payload).encode("utf-8")
    return answer
