"""The proof that no secret leaks: the test command gives every secret of the test fixtures,
the demo credentials and the drills a unique marker (environment variable ALC_SECRET_MARKER,
read by amazon_lightspeed_connector/tests/simulators/demo_catalogue.py), then scans what the
run left for it: the captured server logs, and every text column of the test databases except
the tables made to hold the secrets (readable by Administration / Settings only).

Plain Python and psycopg2: ``drills/conftest.py`` scans each drill's database with it too.
"""

import os
import secrets
from pathlib import Path

MARKER_ENV = "ALC_SECRET_MARKER"
# where the secrets belong; anywhere else is a leak
SECRET_TABLES = ("amazon_credential", "lightspeed_token", "amazon_access_token")
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")


def ensure_marker():
    """The run's marker, created once and handed to every process through the environment."""
    if not os.environ.get(MARKER_ENV):
        os.environ[MARKER_ENV] = "alcmark%s" % secrets.token_hex(6)
    return os.environ[MARKER_ENV]


def scan_logs(folder, marker):
    """["file:line", ...] of every line of the files under ``folder`` holding ``marker``."""
    found = []
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        with open(path, errors="replace") as lines:
            found += ["%s:%d" % (path, n) for n, text in enumerate(lines, 1) if marker in text]
    return found


def scan_database(connection, marker):
    """["table.column (n rows)", ...] of every text column outside SECRET_TABLES holding
    ``marker``, through the open psycopg2 ``connection``."""
    found = []
    with connection.cursor() as cr:
        cr.execute(
            """
            SELECT c.table_name, c.column_name
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
               AND c.data_type IN %s AND c.table_name NOT IN %s
             ORDER BY 1, 2
            """,
            (TEXT_TYPES, SECRET_TABLES),
        )
        for table, column in cr.fetchall():
            cr.execute(
                'SELECT count(*) FROM "%s" WHERE "%s"::text LIKE %%s' % (table, column),
                ("%" + marker + "%",),
            )
            count = cr.fetchone()[0]
            if count:
                found.append("%s.%s (%d rows)" % (table, column, count))
    return found
