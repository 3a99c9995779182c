"""ISO 8601 instants, the published format both APIs write their timestamps in (pure Python)."""

from datetime import datetime, timezone


def parse_instant(text):
    """An ISO 8601 date-time ("2026-01-01T00:01:00Z", "...+02:00") as an aware datetime in its
    own offset, one without an offset taken as UTC; None when the text is not one."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment
