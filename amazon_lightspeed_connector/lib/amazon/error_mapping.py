"""Translate whatever went wrong talking to Amazon into the connector's typed errors.

Sources: python-amazon-sp-api's ``SellingApiException`` family (an SP-API error list),
Login with Amazon's OAuth errors, httpx transport errors, and answers the library let through
without complaint (a non-JSON error page, a truncated body). Every message is written for
back-office staff and passes through ``redact_text``; payloads through ``redact``.
"""

import json
import re

import httpx
from sp_api.base.exceptions import SellingApiException

from ..errors import AuthError, PayloadError, PermanentError, ThrottledError, TransientError
from ..redaction import redact, redact_text

PII_ROLE = "Direct-to-Consumer Shipping"
_ROLE_IN_DETAILS = re.compile(r"lacks the (.+?) role", re.IGNORECASE)


class ExpiredTokenError(AuthError):
    """Amazon says the access token expired: the choke point refreshes it and retries once."""


def _first_error(errors):
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return {}


def _error_text(errors):
    """Amazon's error list as one sentence: every message and detail, secrets masked."""
    parts = []
    for error in errors if isinstance(errors, list) else ():
        if isinstance(error, dict):
            text = error.get("message") or ""
            if error.get("details"):
                text = "%s (%s)" % (text, error["details"])
            parts.append(text.strip())
    return redact_text("; ".join(p for p in parts if p)) or "no details"


def from_library(exc, operation, seconds_per_call=None):
    """A ConnectorError for a SellingApiException raised by python-amazon-sp-api."""
    status = getattr(exc, "code", None)
    errors = getattr(exc, "error", None)
    code = _first_error(errors).get("code")
    payload = redact({"errors": errors})
    if status == 429:
        return ThrottledError(
            "Amazon throttled %s: the account's quota is used up for now; the next run "
            "continues from the same point." % operation.name,
            retry_after=seconds_per_call,
            status=429,
            code=code,
            payload=payload,
        )
    if status == 403:
        return forbidden(errors, operation, payload)
    return from_status(status, operation, _error_text(errors), code=code, payload=payload)


def forbidden(errors, operation, payload=None):
    details = " ".join(
        str(e.get("details") or e.get("message") or "")
        for e in (errors if isinstance(errors, list) else ())
        if isinstance(e, dict)
    )
    kwargs = {"status": 403, "code": _first_error(errors).get("code"), "payload": payload}
    if "expired" in details.lower():
        return ExpiredTokenError("Amazon says the access token has expired.", **kwargs)
    if PII_ROLE.lower() in details.lower() or "data elements" in details.lower():
        return AuthError(
            "The app lacks the PII role for buyer data (%s): add the role to the app in "
            "Seller Central's Developer Central, then have the seller authorise the app "
            "again." % PII_ROLE,
            **kwargs,
        )
    role = _ROLE_IN_DETAILS.search(details)
    if role:
        return AuthError(
            "The app lacks the '%s' role that %s needs: add the role to the app, then have "
            "the seller authorise the app again." % (role.group(1), operation.name),
            **kwargs,
        )
    return AuthError(
        "Amazon refused %s (403 Unauthorized: %s). Check that the seller authorised this app "
        "and that the account's region and marketplaces are right."
        % (operation.name, redact_text(details) or "no details"),
        **kwargs,
    )


def from_status(status, operation, text, code=None, payload=None):
    """A ConnectorError for an HTTP error status, with Amazon's own ``text``."""
    kwargs = {"status": status, "code": code, "payload": payload}
    if status == 429:
        return ThrottledError("Amazon throttled %s." % operation.name, **kwargs)
    if status == 403:
        return AuthError("Amazon refused %s (403): %s" % (operation.name, text), **kwargs)
    if status is not None and status >= 500:
        # A 5xx may come after the write happened; only a lookup can tell.
        return TransientError(
            "Amazon could not process %s right now (HTTP %s: %s); try again later."
            % (operation.name, status, text),
            outcome_unknown=operation.write and status != 503,
            **kwargs,
        )
    if status == 404:
        return PermanentError(
            "Amazon does not know what %s asked for (404: %s)." % (operation.name, text), **kwargs
        )
    return PermanentError(
        "Amazon refused %s (HTTP %s: %s)." % (operation.name, status, text), **kwargs
    )


def from_transport(exc, operation, endpoint, timeout):
    """A TransientError for an httpx error: nothing, or no answer, came back."""
    where = redact_text(endpoint)
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol)):
        # The request never left: safe to retry, even a write.
        return TransientError(
            "Could not reach Amazon at %s (%s)." % (where, redact_text(str(exc)) or "no answer")
        )
    if isinstance(exc, httpx.TimeoutException):
        message = "Amazon at %s did not answer %s within %s seconds." % (
            where,
            operation.name,
            timeout,
        )
    else:
        message = "The connection to Amazon at %s dropped during %s (%s)." % (
            where,
            operation.name,
            redact_text(str(exc)) or type(exc).__name__,
        )
    if operation.write:
        message += " The change may or may not have been applied: check before repeating it."
    return TransientError(message, outcome_unknown=operation.write)


def from_lwa(status, body, grant_type):
    """An error for a refused Login with Amazon token request."""
    error, description = _lwa_error_fields(body)
    kwargs = {"status": status, "code": error, "payload": redact(body)}
    if status is not None and status >= 500:
        return TransientError(
            "Login with Amazon is unavailable (HTTP %s); try again later." % status, **kwargs
        )
    if error == "invalid_client":
        return AuthError(
            "Amazon rejected the LWA client secret (or client id): copy both again from the "
            "app's Login with Amazon credentials in Developer Central.",
            **kwargs,
        )
    if error == "invalid_grant" and grant_type == "authorization_code":
        return AuthError(
            "The authorization code is invalid or has expired (it lives five minutes): ask "
            "the seller to authorise the app again.",
            **kwargs,
        )
    if error == "invalid_grant":
        return AuthError(
            "The refresh token was revoked: reconnect the seller account (authorise the app "
            "again in Seller Central and save the new refresh token).",
            **kwargs,
        )
    return AuthError(
        "Login with Amazon refused the token request (%s: %s)."
        % (error or "HTTP %s" % status, redact_text(description or "no details")),
        **kwargs,
    )


def _lwa_error_fields(body):
    try:
        data = json.loads(body) if isinstance(body, (str, bytes)) else body
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    return data.get("error"), data.get("error_description")


def unreadable(operation, status, body):
    """Amazon answered 2xx with a body that is not the JSON it promised (e.g. truncated)."""
    excerpt = redact(body, max_chars=300)
    if operation.write:
        return TransientError(
            "Amazon's answer to %s was unreadable (truncated or malformed); the change may "
            "have been applied: check before repeating it." % operation.name,
            outcome_unknown=True,
            status=status,
            payload=excerpt,
        )
    return PayloadError(
        "Amazon's answer to %s was not valid JSON (truncated or malformed)." % operation.name,
        status=status,
        payload=excerpt,
    )


def is_library_error(exc):
    return isinstance(exc, SellingApiException)
