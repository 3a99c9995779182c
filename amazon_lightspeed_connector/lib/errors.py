"""The small error hierarchy every external call maps to.

The flows decide what to do from the class alone:

- ``ThrottledError``: the service asked us to slow down. Stop this account's run, keep its
  cursor, try again next run (``retry_after`` says when, if the service said).
- ``TransientError``: a 5xx, a timeout, a dropped connection. Safe to retry later; for a write,
  the outcome is unknown (``outcome_unknown``) and must be looked up before any retry.
- ``PermanentError``: the request itself is wrong (4xx, malformed payload, unknown SKU). Retrying
  the same thing gives the same answer: log it on the record and move on.
- ``AuthError``: credentials are wrong, revoked or lack a role. Nothing for this account works
  until a person fixes the settings.

Messages are written for back-office staff and never contain a credential.
"""


class ConnectorError(Exception):
    """Base of every error the connector's clients raise."""

    def __init__(self, message, status=None, code=None, payload=None):
        super().__init__(message)
        self.message = message
        self.status = status  # HTTP status, when there was one
        self.code = code  # the service's own error code, e.g. "InvalidInput"
        self.payload = payload  # the (redacted) response body, for the sync log

    def __str__(self):
        return self.message


class ThrottledError(ConnectorError):
    def __init__(self, message, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after  # seconds, when the service said


class TransientError(ConnectorError):
    def __init__(self, message, outcome_unknown=False, **kwargs):
        super().__init__(message, **kwargs)
        self.outcome_unknown = outcome_unknown  # a write whose answer was lost


class PermanentError(ConnectorError):
    pass


class PayloadError(PermanentError):
    """The service answered, but not with anything we can read (truncated, wrong shape)."""


class AuthError(ConnectorError):
    pass
