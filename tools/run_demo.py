#!/usr/bin/env python3
"""Try the connector: Odoo 18 on localhost with the addon, demo data and both simulators.

    python3 tools/run_demo.py              # http://localhost:8069, login admin / admin
    python3 tools/run_demo.py --port 8070

It starts a PostgreSQL of its own on 127.0.0.1 (data kept in a cache folder, see
tools/pg_cluster.py), recreates the database "alc_demo" with the addon and its demo data
(three stores, a dozen products with stock, an Amazon and a Lightspeed account pointed at the
simulators), serves the Amazon and Lightspeed simulators on 127.0.0.1:8701 and :8702 (their
scenario controls, which tools/take_screenshots.py uses, on :8703), and runs
Odoo with its scheduled actions until Ctrl-C. The database is fresh on every start: the
simulators start fresh too, and a Lightspeed refresh token rotated in an earlier run would no
longer be valid against them.
"""

import argparse
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from odoo_runner import ADDON, REPO, OdooRunner, odoo_env, odoo_location
from pg_cluster import PgCluster, default_base_dir

DEMO_DB = "alc_demo"


def prepare_database(runner):
    template = runner.ensure_template(demo=True)
    runner.drop_database(DEMO_DB)
    runner.copy_database(template, DEMO_DB)
    print("installing %s with demo data into %s..." % (ADDON, DEMO_DB), flush=True)
    code, log = runner.odoo(DEMO_DB, "demo-install", "-i", ADDON)
    if code:
        raise RuntimeError("installing the addon failed:\n%s" % log[-3000:])


def serve(runner, port):
    simulators = subprocess.Popen(
        [sys.executable, "-m", "%s.tests.simulators.serve" % ADDON, "--control-port", "8703"],
        cwd=REPO,
    )
    server_args = runner.server_args(DEMO_DB, http_port=port, cron_threads=1)
    odoo = subprocess.Popen([*server_args, "--db-filter=^%s$" % DEMO_DB], env=odoo_env())
    print("\nOdoo is starting on http://localhost:%d  (login: admin, password: admin)" % port)
    print("Ctrl-C stops Odoo, the simulators and PostgreSQL.\n", flush=True)
    try:
        odoo.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (odoo, simulators):
            process.terminate()
            process.wait(timeout=30)


def _stop_on_sigterm(*_):
    raise KeyboardInterrupt  # so that the servers and PostgreSQL are stopped on the way out


def main():
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8069, help="Odoo's HTTP port")
    args = parser.parse_args()
    odoo_pkg, version = odoo_location()
    if odoo_pkg is None:
        print("Cannot start the demo: %s (install Odoo 18.0 first)." % version)
        return 1
    base = default_base_dir("demo")
    with PgCluster(base) as cluster:
        data_dir = base / "odoo-data"
        data_dir.mkdir(exist_ok=True)
        log_dir = Path(tempfile.mkdtemp(prefix="alc-demo-logs-"))
        runner = OdooRunner(cluster, odoo_pkg, version, data_dir, log_dir)
        prepare_database(runner)
        serve(runner, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
