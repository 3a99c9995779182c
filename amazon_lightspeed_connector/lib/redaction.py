"""Keep secrets out of logs, sync log rows and error messages.

Every payload excerpt the connector stores or logs goes through ``redact``: credentials are
masked wherever they appear (JSON keys, form or query parameters, HTTP headers, bearer
tokens, Amazon refresh tokens) and the text is cut to a bounded size, so a sync log row can
never carry a usable credential or an unbounded response body.
"""

import json
import re

MASK = "***"
DEFAULT_MAX_CHARS = 2000

# Compared lower-cased, with "-" and "_" removed, so "x-amz-access-token", "clientSecret" and
# "client_secret" all match.
SECRET_KEYS = frozenset(
    {
        "accesstoken",
        "refreshtoken",
        "clientsecret",
        "lwaclientsecret",
        "authorization",
        "xamzaccesstoken",
        "restricteddatatoken",
        "password",
        "apikey",
        "code",  # OAuth authorisation codes are one-time credentials too
    }
)

_SECRET_NAMES = (
    r"access_token|refresh_token|client_secret|clientsecret|lwa_client_secret|code|password"
    r"|x-amz-access-token|authorization|restricteddatatoken"
)
_TEXT_PATTERNS = (
    # key=value in form bodies and query strings, key: value in header dumps, and the
    # 'key': 'value' of a Python repr or JSON text
    re.compile(
        r"(?i)\b(" + _SECRET_NAMES + r")(['\"]?\s*[=:]\s*['\"]?)"
        r"((?:bearer\s+|oauth\s+)?[^&\s,;\"'}]+)"
    ),
    re.compile(r"(?i)\b(bearer|oauth)(\s+)([A-Za-z0-9._~+/=|-]{8,})"),
    # LWA access and refresh tokens and Restricted Data Tokens ("Atz.sprdt|...") anywhere
    re.compile(r"()()(Atz(?:[ar]|\.sprdt)\|[A-Za-z0-9._~+/=|-]+)"),
)


def _is_secret_key(key):
    return str(key).lower().replace("-", "").replace("_", "") in SECRET_KEYS


def redact_data(data):
    """A copy of JSON-like ``data`` with the value of every secret key masked."""
    if isinstance(data, dict):
        return {
            key: MASK if _is_secret_key(key) and value else redact_data(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [redact_data(item) for item in data]
    if isinstance(data, str):
        return redact_text(data)
    return data


def redact_text(text):
    """``text`` with credentials that follow a known key or scheme masked."""
    for pattern in _TEXT_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    return text


def truncate(text, max_chars=DEFAULT_MAX_CHARS):
    if len(text) <= max_chars:
        return text
    return "%s… (%d more characters)" % (text[:max_chars], len(text) - max_chars)


def redact(payload, max_chars=DEFAULT_MAX_CHARS):
    """A bounded, secret-free text excerpt of ``payload`` (dict, list, bytes or text)."""
    if payload is None:
        return ""
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", errors="replace")
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return truncate(redact_text(payload), max_chars)
    text = json.dumps(redact_data(payload), ensure_ascii=False, sort_keys=True, default=str)
    return truncate(text, max_chars)
