"""What the server drills share: crons made due, Lightspeed's calls timed, waiting on Odoo.

The server drills run ``python3 -m odoo`` itself, so they cannot look inside a run: they read
the database, the simulators' state and the server's log, and time every Lightspeed call as
it reaches the simulator.
"""

import contextlib
import re
import threading
import time

from drill_checks import pending_work

CONNECTOR = "amazon_lightspeed_connector"
# Odoo's own limits lowered from 120 s (cpu 60 s): a run that waits instead of ending and
# scheduling its next one is killed by Odoo's watchdog, and the server log says so.
LIMIT = 20
# Under LIMIT, and short enough that an idle cron worker is never killed in its sleep.
CRON_ALARM_SECONDS = 8
# "Job 'Amazon / Lightspeed: send routed orders to Lightspeed' (14) processed 3 records, ..."
JOB_DONE = re.compile(r"Job '(Amazon / Lightspeed: [^']+)' \(\d+\) processed")


def prefork_args(limit=LIMIT):
    """Odoo in prefork mode as in production: two HTTP workers and a cron worker; its time
    limits lowered to ``limit`` seconds (None: Odoo's own, 120 s real and 60 s cpu)."""
    args = ("--workers=2", "--max-cron-threads=1")
    if limit is None:
        return args
    return (
        *args,
        "--limit-time-real=%d" % limit,
        "--limit-time-real-cron=%d" % limit,
        "--limit-time-cpu=%d" % limit,
    )


def jobs_run(server):
    """The connector's scheduled actions this server's cron worker ran (Odoo's log lines)."""
    return sorted(set(JOB_DONE.findall(server.log())))


class TimedCalls(list):
    """A simulator's call log that also notes when each call was answered (wall clock)."""

    def __init__(self):
        super().__init__()
        self.times = []

    def append(self, call):
        self.times.append(time.time())
        super().append(call)


class BucketMeter:
    """Every unit Lightspeed's bucket accepted, and when; refusals counted."""

    def __init__(self, bucket):
        self.accepted = []  # (time, cost)
        self.refused = 0
        original = bucket.try_take

        def metered(cost):
            taken, wait = original(cost)
            if taken:
                self.accepted.append((time.time(), cost))
            else:
                self.refused += 1
            return taken, wait

        bucket.try_take = metered

    def units_between(self, start, end):
        return sum(cost for moment, cost in self.accepted if start <= moment <= end)


def make_connector_crons_due(database):
    """Every active scheduled action of the connector due now: the server starts working at
    once instead of at the interval the install gave (up to a day)."""
    database.execute(
        """UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC'
            WHERE active AND id IN (SELECT res_id FROM ir_model_data
                                     WHERE module = %s AND model = 'ir.cron')""",
        (CONNECTOR,),
    )


def sales_posted(simulators):
    """(answer time, path) of every Sale Lightspeed created, oldest first."""
    calls = simulators.lightspeed.calls
    with simulators.lightspeed.lock:
        pairs = list(zip(calls.times, list(calls), strict=False))
    return [
        (moment, call.path)
        for moment, call in pairs
        if call.method == "POST" and call.path.endswith("/Sale.json") and call.status == 200
    ]


def wait_until_synced(servers, database, simulators, timeout, poll=2.0):
    """Poll until nothing is left to do; the seconds it took. Fails (stacks, locks) when a
    server dies or the time is up."""
    started = time.monotonic()
    while True:
        for server in servers:
            if not server.alive():
                raise AssertionError(
                    "Odoo server %s ended (exit code %s):\n%s"
                    % (server.name, server.process.returncode, server.log()[-4000:])
                )
        left = pending_work(database, simulators)
        # an order in error waits for a person, not for a run: the drill's asserts report it
        if left <= len(orders_in_error(database)):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            servers[0].fail(
                "%d things still to do after %.0f s; states: %s"
                % (left, time.monotonic() - started, order_states(database))
            )
        time.sleep(poll)


def order_states(database):
    return {
        "amazon_order": database.rows(
            "SELECT import_state, routing_state, count(*) FROM amazon_order GROUP BY 1, 2"
        ),
        "amazon_routed_order": database.rows(
            "SELECT state, count(*) FROM amazon_routed_order GROUP BY 1"
        ),
    }


def orders_in_error(database):
    return database.rows(
        """SELECT 'amazon_order', name FROM amazon_order WHERE import_state = 'error'
           UNION ALL
           SELECT 'amazon_routed_order', name FROM amazon_routed_order WHERE state = 'error'"""
    )


def wake_cron_workers(database):
    """NOTIFY cron_trigger as Odoo does (ir.cron._notifydb): the cron workers LISTEN on the
    postgres database, so the notice is sent from there."""
    connection = database._connect("postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cr:
            cr.execute("SELECT pg_notify('cron_trigger', %s)", (database.name,))
    finally:
        connection.close()


@contextlib.contextmanager
def cron_alarm(database, every=CRON_ALARM_SECONDS):
    """Wake the servers' cron workers every ``every`` seconds while the drill runs.

    An idle Odoo cron worker sleeps 60 to 69 s between polls without telling the master it is
    alive, so under the lowered limit the master would kill it in its sleep, again and again,
    before it ran a single job (with Odoo's 120 s the sleep fits). A wake-up is what a trigger
    sends anyway; the cost is that a trigger set for later is seen within ``every`` seconds
    here, within about a minute in production."""
    stop = threading.Event()

    def ring():
        while True:
            with contextlib.suppress(Exception):  # a drill's teardown may have dropped the db
                wake_cron_workers(database)
            if stop.wait(every):
                return

    thread = threading.Thread(target=ring, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
