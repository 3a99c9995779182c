"""A row written in a short transaction of its own, committed at once, or given up.

For what must outlive the caller's transaction but is no loss when another worker keeps it
first (an LWA access token, a buyer's Lightspeed customer id): the write waits at most a second
for a lock, and another worker holding or having changed the row, or a row it references not
committed yet, makes it give up rather than fail the caller.
"""

from psycopg2 import errors as pg_errors

BUSY = (
    pg_errors.LockNotAvailable,
    pg_errors.SerializationFailure,
    pg_errors.UniqueViolation,
    pg_errors.ForeignKeyViolation,
)


def write_apart(registry, query, params):
    """Run ``query`` in a transaction of its own, committed at once; False when given up."""
    try:
        with registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '1s'")
            cr.execute(query, params)
    except BUSY:
        return False
    return True
