"""The drills' machinery: a database per drill, both simulators on loopback, worker processes.

``tools/run_tests.py`` runs the drills after the Odoo tests and hands over, in the environment
variable ALC_DRILL_CONFIG (JSON), the installed database to copy and how to reach PostgreSQL.
Without it (plain ``pytest drills``) every drill is skipped.
"""

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from odoo_servers import OdooServer  # noqa: E402
from processes import ProcessOutput, diagnose_and_kill, kill_group  # noqa: E402
from secret_scan import MARKER_ENV, scan_database  # noqa: E402

from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, line  # noqa: E402
from amazon_lightspeed_connector.tests.simulators.amazon.rate_limits import (  # noqa: E402
    documented_limits,
)
from amazon_lightspeed_connector.tests.simulators.core import SystemClock  # noqa: E402
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import (  # noqa: E402
    AMAZON_DEMO,
    LIGHTSPEED_DEMO,
)
from amazon_lightspeed_connector.tests.simulators.http_server import SimulatorServer  # noqa: E402
from amazon_lightspeed_connector.tests.simulators.lightspeed import (  # noqa: E402
    LightspeedSimulator,
)

WORKER = Path(__file__).resolve().parent / "worker.py"
# Lightspeed drips one unit a second; a drill that waited on it would take an hour. A faster
# drip keeps the bucket's shape (the client still paces from the headers) at drill speed.
DRILL_DRIP_RATE = 200.0
# Amazon's searchOrders allows one call every three minutes once its burst of 20 is spent, and
# the drills start a hundred workers. Amazon grants some sellers a raised usage plan and says so
# in x-amzn-RateLimit-Limit on every answer; the client adopts that rate and keeps it in the
# pacing state every worker shares. The drills run on such a plan (the simulator's quotas are
# off; quotas are proven by the unit tests and bench/). On the default plan the shared state
# rightly carries the spent burst from one worker to the next: the kill drill's workers each
# slept up to three minutes inside the import, and CI's 30-minute timeout killed the drill.
DRILL_AMAZON_RATE = 50.0


@pytest.fixture(scope="session")
def drill_config():
    raw = os.environ.get("ALC_DRILL_CONFIG")
    if not raw:
        pytest.skip("drills need a real Odoo database: run them through tools/run_tests.py")
    return json.loads(raw)


ACTIVITY_QUERY = """
    SELECT pid, state, wait_event_type || ':' || wait_event AS waiting_on,
           pg_blocking_pids(pid) AS blocked_by,
           date_trunc('second', now() - xact_start) AS in_transaction_for,
           date_trunc('second', now() - state_change) AS in_state_for,
           left(regexp_replace(query, '\\s+', ' ', 'g'), 300) AS last_query
      FROM pg_stat_activity
     WHERE datname = %s AND pid != pg_backend_pid()
     ORDER BY xact_start NULLS LAST"""
LOCKS_QUERY = """
    SELECT l.pid, l.granted, l.mode, l.locktype,
           coalesce(l.relation::regclass::text, l.classid::text || '/' || l.objid::text,
                    l.transactionid::text, l.virtualxid) AS what
      FROM pg_locks l
     WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        OR l.locktype IN ('transactionid', 'virtualxid') AND NOT l.granted
     ORDER BY l.granted, l.pid"""


class Database:
    """A copy of the installed test database, and SQL on it from outside Odoo."""

    def __init__(self, config, name):
        self.config = config
        self.name = name

    def _connect(self, dbname):
        pg = self.config["pg"]
        return psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], dbname=dbname)

    def filestore(self, name=None):
        return Path(self.config["data_dir"]) / "filestore" / (name or self.name)

    def create(self):
        admin = self._connect("postgres")
        admin.autocommit = True
        with admin.cursor() as cr:
            self._drop(cr)
            cr.execute('CREATE DATABASE "%s" TEMPLATE "%s"' % (self.name, self.config["template"]))
        admin.close()
        # the attachments' files too: Odoo's own crons read some (a server drill logs a
        # FileNotFoundError traceback for each one missing)
        template_files = self.filestore(self.config["template"])
        if template_files.is_dir():
            shutil.rmtree(self.filestore(), ignore_errors=True)
            shutil.copytree(template_files, self.filestore())

    def secret_leaks(self):
        """Where the run's secret marker sits outside the secret tables (tools/secret_scan)."""
        marker = os.environ.get(MARKER_ENV)
        if not marker:
            return []
        connection = self._connect(self.name)
        try:
            return scan_database(connection, marker)
        finally:
            connection.close()

    def drop(self):
        admin = self._connect("postgres")
        admin.autocommit = True
        with admin.cursor() as cr:
            self._drop(cr)
        admin.close()
        shutil.rmtree(self.filestore(), ignore_errors=True)

    def _drop(self, cr, attempts=10):
        """Drop the database as the test role (not a superuser). DROP ... WITH (FORCE) would
        refuse (InsufficientPrivilege) while an autovacuum worker is in it, which a drill's
        writes often start: PostgreSQL 15 lets a role end only its own sessions. So the role's
        sessions are ended, then a plain DROP DATABASE stops the autovacuum worker itself;
        a session still starting (ObjectInUse) is ended on the next attempt."""
        for attempt in range(attempts):
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid != pg_backend_pid() AND usename = current_user",
                (self.name,),
            )
            try:
                cr.execute('DROP DATABASE IF EXISTS "%s"' % self.name)
                return
            except psycopg2.errors.ObjectInUse:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5)

    def rows(self, query, params=None):
        connection = self._connect(self.name)
        try:
            with connection.cursor() as cr:
                cr.execute(query, params)
                return cr.fetchall()
        finally:
            connection.close()

    def value(self, query, params=None):
        return self.rows(query, params)[0][0]

    def execute(self, query, params=None):
        connection = self._connect(self.name)
        try:
            with connection, connection.cursor() as cr:
                cr.execute(query, params)
        finally:
            connection.close()

    def activity_snapshot(self):
        """Who is connected to the drill's database, doing what, waiting on whom, holding
        which locks: the picture a stuck worker is diagnosed from. Never raises."""
        try:
            connection = self._connect(self.name)
        except psycopg2.Error as exc:
            return "(could not connect for a snapshot: %s)" % exc
        try:
            with connection.cursor() as cr:
                cr.execute("SET statement_timeout = '10s'")
                cr.execute(ACTIVITY_QUERY, (self.name,))
                sessions = cr.fetchall()
                cr.execute(LOCKS_QUERY)
                locks = cr.fetchall()
        except psycopg2.Error as exc:
            return "(snapshot failed: %s)" % exc
        finally:
            connection.close()
        lines = ["pg_stat_activity (%d session(s)):" % len(sessions)]
        lines += ["  " + " | ".join(str(v) for v in row) for row in sessions]
        lines.append("pg_locks, waiting first (%d, at most 60 shown):" % len(locks))
        lines += ["  " + " | ".join(str(v) for v in row) for row in locks[:60]]
        return "\n".join(lines)


@pytest.fixture
def database(drill_config, request):
    db = Database(drill_config, "alc_drill_%d_%s" % (os.getpid(), request.node.name[:30]))
    db.create()
    yield db
    leaks = db.secret_leaks()
    if drill_config.get("keep_db"):  # tools/run_tests.py --keep-db: left for inspection
        print("\nkept the drill's database %s" % db.name)
    else:
        db.drop()
    assert not leaks, "a secret left its table in the drill's database: %s" % ", ".join(leaks)


class Simulators:
    """Amazon and Lightspeed on loopback, on the wall clock, seeded with the demo shop."""

    def __init__(self, seed):
        clock = SystemClock()
        self.amazon = AmazonSimulator(clock=clock, seed=seed, rate_limits_enabled=False)
        self.amazon.add_demo_offers()
        self.amazon.rate_limiter.overrides.update(
            {key: (DRILL_AMAZON_RATE, burst) for key, (_rate, burst) in documented_limits().items()}
        )
        self.lightspeed = LightspeedSimulator.demo(clock=clock, seed=seed)
        self.lightspeed.bucket.drip_rate = DRILL_DRIP_RATE
        self.lightspeed.set_negative_inventory(True)  # stock is not what these drills test
        self.amazon_server = SimulatorServer(self.amazon).start()
        self.amazon.public_base_url = self.amazon_server.url
        self.lightspeed_server = SimulatorServer(self.lightspeed).start()

    def account_settings(self):
        amazon_url, lightspeed_url = self.amazon_server.url, self.lightspeed_server.url
        return {
            "amazon": {
                # the run's secrets (with its marker), set as a person would in the form
                "lwa_client_secret": AMAZON_DEMO["lwa_client_secret"],
                "refresh_token": AMAZON_DEMO["refresh_token"],
                "endpoint_url": amazon_url,
                "lwa_endpoint_url": amazon_url + "/auth/o2/token",
                "import_enabled": True,
            },
            "lightspeed": {
                "client_secret": LIGHTSPEED_DEMO["client_secret"],
                "refresh_token": LIGHTSPEED_DEMO["refresh_token"],
                "api_url": lightspeed_url + "/API/V3",
                "token_url": lightspeed_url + "/auth/oauth/token",
            },
        }

    def new_orders(self, count, rng):
        """``count`` MFN orders of demo SKUs, just past Amazon's two-minute settling margin."""
        now = self.amazon.clock.now()
        skus = sorted(sku for sku, _marketplace in self.amazon.offers)
        for _ in range(count):
            chosen = rng.sample(skus, rng.randint(1, 3))
            lines = [line(sku, rng.randint(1, 2)) for sku in chosen]
            self.amazon.add_order(lines, created=now - 125)

    def stop(self):
        self.amazon_server.stop()
        self.lightspeed_server.stop()


def drill_seed():
    """``ALC_DRILL_SEED`` (default 2026, fixed so that a failure can be replayed): it seeds the
    drill's own choices (orders, kill moments) and the simulators (which calls fail), so that
    another seed is another run, faults included."""
    return int(os.environ.get("ALC_DRILL_SEED", "2026"))


@pytest.fixture
def simulators():
    sims = Simulators(seed=drill_seed())
    yield sims
    sims.stop()


class Workers:
    """Starts ``drills/worker.py`` processes on the drill's database. Every wait on a worker
    has a deadline; a worker that misses one is diagnosed (its Python stacks, the database's
    sessions and locks) and killed, and the drill fails with that picture."""

    READY_TIMEOUT = 180  # loading the registry takes seconds; minutes means something is stuck
    JOB_START_TIMEOUT = 300

    def __init__(self, config, database):
        self.config = json.dumps(
            {key: config[key] for key in ("addons_path", "data_dir", "db_args")}
        )
        self.database = database
        self.log = []
        self.started = []
        log_dir = config.get("log_dir")  # kept by tools/run_tests.py for the secret scan
        self.log_file = Path(log_dir) / ("drill-%s.log" % database.name) if log_dir else None

    def keep(self, output):
        self.log.append(output)
        if self.log_file:
            with open(self.log_file, "a") as log:
                log.write(output)

    def start(self, *args):
        command = [sys.executable, str(WORKER), self.config, self.database.name, *args]
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "TZ": "UTC"},
            start_new_session=True,
        )
        process.output = ProcessOutput(process)
        self.started.append(process)
        return process

    def fail(self, process, why):
        """Diagnose, kill and fail: the worker's stacks and the database's locks in the error."""
        message = diagnose_and_kill(process, process.output, why, self.database)
        self.keep(message)
        raise AssertionError(message)

    def wait_line(self, process, wanted, timeout):
        """Wait for the worker to print ``wanted``; False when it ended without printing it."""
        try:
            return process.output.wait_for_line(wanted, timeout) is not None
        except TimeoutError:
            self.fail(
                process, "worker %d did not print %r within %d s" % (process.pid, wanted, timeout)
            )

    def wait_ready(self, process, timeout=READY_TIMEOUT):
        if not self.wait_line(process, "READY", timeout):
            process.wait(timeout=30)
            raise AssertionError(
                "worker did not start (exit code %s): %s"
                % (process.returncode, process.output.text()[-3000:])
            )
        return True

    def finish(self, process, timeout=600):
        """Wait for a worker to end on its own; its output. It must end without a traceback."""
        self.wait_ready(process)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(process, "worker %d still running after %d s" % (process.pid, timeout))
        process.output.wait_closed(30)
        output = process.output.text()
        self.keep(output)
        assert process.returncode == 0, output[-4000:]
        assert "Traceback" not in output, output[-4000:]
        return output

    def run(self, *args, timeout=600):
        """Run a worker to its end; its output. It must end without a traceback."""
        return self.finish(self.start(*args), timeout=timeout)

    def kill_during(self, process, job, seconds):
        """SIGKILL the worker ``seconds`` after it starts ``job`` (no cleanup, no rollback
        handler). Aiming at a job, not at a moment, makes the kills land in every job whatever
        the machine's speed. Returns where it landed: the job running, or "finished"."""
        self.wait_ready(process)
        self.wait_line(process, "JOB %s start" % job, self.JOB_START_TIMEOUT)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            kill_group(process)
        process.output.wait_closed(30)
        output = process.output.text()
        self.keep(output)
        if process.returncode == 0:
            return "finished"
        running = None
        for text in output.splitlines():
            words = text.split()
            if words[:1] == ["JOB"] and len(words) == 3:
                running = words[1] if words[2] == "start" else None
        return running or "between jobs"

    def setup(self, settings):
        self.run("--setup", json.dumps(settings))

    def stop_all(self):
        """Kill whatever a failed drill left running: no worker outlives its drill."""
        for process in self.started:
            if process.poll() is None:
                kill_group(process)


@pytest.fixture
def workers(drill_config, database, simulators):
    pool = Workers(drill_config, database)
    try:
        pool.setup(simulators.account_settings())
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def rng():
    return random.Random(drill_seed())


class Servers:
    """Real ``odoo`` server processes on the drill's database; all stopped at the end."""

    def __init__(self, config, database, folder):
        self.config = config
        self.database = database
        self.folder = folder
        self.started = []

    def start(self, name, *args):
        log_path = self.folder / ("odoo-%s-%s.log" % (self.database.name, name))
        server = OdooServer(self.config, self.database, name, log_path)
        self.started.append(server.start(*args))
        return server

    def stop_all(self):
        for server in self.started:
            server.stop()


@pytest.fixture
def servers(drill_config, database, tmp_path):
    # in the test command's log folder, which its secret scan reads, else pytest's tmp folder
    folder = Path(drill_config.get("log_dir") or tmp_path)
    pool = Servers(drill_config, database, folder)
    try:
        yield pool
    finally:
        pool.stop_all()
