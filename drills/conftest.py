"""The drills' machinery: a database per drill, both simulators on loopback, worker processes.

``tools/run_tests.py`` runs the drills after the Odoo tests and hands over, in the environment
variable ALC_DRILL_CONFIG (JSON), the installed database to copy and how to reach PostgreSQL.
Without it (plain ``pytest drills``) every drill is skipped.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from secret_scan import MARKER_ENV, scan_database  # noqa: E402

from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, line  # noqa: E402
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
# Amazon's searchOrders allows one call every three minutes once its burst of 20 is spent, and
# the drills start a hundred workers: its quotas are off here (each worker process still paces
# itself from the documented ones). Quotas are proven by the unit tests and bench/.
DRILL_DRIP_RATE = 200.0


@pytest.fixture(scope="session")
def drill_config():
    raw = os.environ.get("ALC_DRILL_CONFIG")
    if not raw:
        pytest.skip("drills need a real Odoo database: run them through tools/run_tests.py")
    return json.loads(raw)


class Database:
    """A copy of the installed test database, and SQL on it from outside Odoo."""

    def __init__(self, config, name):
        self.config = config
        self.name = name

    def _connect(self, dbname):
        pg = self.config["pg"]
        return psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], dbname=dbname)

    def create(self):
        admin = self._connect("postgres")
        admin.autocommit = True
        with admin.cursor() as cr:
            cr.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name)
            cr.execute('CREATE DATABASE "%s" TEMPLATE "%s"' % (self.name, self.config["template"]))
        admin.close()

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
            cr.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name)
        admin.close()

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


@pytest.fixture
def database(drill_config, request):
    db = Database(drill_config, "alc_drill_%d_%s" % (os.getpid(), request.node.name[:30]))
    db.create()
    yield db
    leaks = db.secret_leaks()
    db.drop()
    assert not leaks, "a secret left its table in the drill's database: %s" % ", ".join(leaks)


class Simulators:
    """Amazon and Lightspeed on loopback, on the wall clock, seeded with the demo shop."""

    def __init__(self, seed):
        clock = SystemClock()
        self.amazon = AmazonSimulator(clock=clock, seed=seed, rate_limits_enabled=False)
        self.amazon.add_demo_offers()
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


@pytest.fixture
def simulators():
    sims = Simulators(seed=2026)
    yield sims
    sims.stop()


class Workers:
    """Starts ``drills/worker.py`` processes on the drill's database."""

    def __init__(self, config, database):
        self.config = json.dumps(
            {key: config[key] for key in ("addons_path", "data_dir", "db_args")}
        )
        self.database = database
        self.log = []
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
        return process

    @staticmethod
    def wait_ready(process, timeout=180):
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.strip() == "READY":
                return True
        raise AssertionError("worker did not start: %s" % process.stdout.read()[-3000:])

    def run(self, *args, timeout=600):
        """Run a worker to its end; its output. It must end without a traceback."""
        process = self.start(*args)
        output, _ = process.communicate(timeout=timeout)
        self.keep(output)
        assert process.returncode == 0, output[-4000:]
        assert "Traceback" not in output, output[-4000:]
        return output

    def kill_during(self, process, job, seconds):
        """SIGKILL the worker ``seconds`` after it starts ``job`` (no cleanup, no rollback
        handler). Aiming at a job, not at a moment, makes the kills land in every job whatever
        the machine's speed. Returns where it landed: the job running, or "finished"."""
        self.wait_ready(process)
        seen = ["READY"]
        for text in process.stdout:
            seen.append(text.strip())
            if text.strip() == "JOB %s start" % job:
                break
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        output = "\n".join(seen) + "\n" + process.stdout.read()
        process.stdout.close()
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


@pytest.fixture
def workers(drill_config, database, simulators):
    pool = Workers(drill_config, database)
    pool.setup(simulators.account_settings())
    return pool


@pytest.fixture
def rng():
    return random.Random(int(os.environ.get("ALC_DRILL_SEED", "2026")))
