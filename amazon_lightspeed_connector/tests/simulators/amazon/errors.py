"""Amazon's error shapes: the SP-API ``{"errors": [...]}`` list and LWA's OAuth errors."""

from ..core import SimResponse

QUOTA_EXCEEDED_MESSAGE = "You exceeded your quota for the requested resource."


def error_body(code, message, details=""):
    return {"errors": [{"code": code, "message": message, "details": details}]}


def sp_error(status, code, message, details="", headers=None):
    return SimResponse.json(status, error_body(code, message, details), headers)


def invalid_input(message, details=""):
    return sp_error(400, "InvalidInput", message, details)


def many_invalid_inputs(messages):
    """Amazon lists every problem it found in one 400, not only the first."""
    errors = [{"code": "InvalidInput", "message": m, "details": ""} for m in messages]
    return SimResponse.json(400, {"errors": errors})


def not_found(message):
    return sp_error(404, "NotFound", message)


def unauthorized(details):
    return sp_error(403, "Unauthorized", "Access to requested resource is denied.", details)


def quota_exceeded(headers=None):
    return sp_error(429, "QuotaExceeded", QUOTA_EXCEEDED_MESSAGE, "", headers)


_STATUS_CODES = {
    400: "InvalidInput",
    403: "Unauthorized",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    429: "QuotaExceeded",
    500: "InternalFailure",
    503: "ServiceUnavailable",
}


def for_status(status, message):
    return sp_error(status, _STATUS_CODES.get(status, "InternalFailure"), message)


def lwa_error(status, error, description):
    """Login with Amazon answers in OAuth 2 shape, not the SP-API error list."""
    return SimResponse.json(status, {"error": error, "error_description": description})
