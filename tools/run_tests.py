#!/usr/bin/env python3
"""Run every test of the project: lint, the Odoo-free layer, then the Odoo layer.

    python3 tools/run_tests.py            # everything
    python3 tools/run_tests.py --no-odoo  # lint and Odoo-free tests only
    python3 tools/run_tests.py --keep-db  # leave the Odoo test database for inspection
    python3 tools/run_tests.py --odoo-only --test-tags /amazon_lightspeed_connector:TestX
                                          # quick loop: one Odoo test class, nothing else

The Odoo layer runs where Odoo 18 is importable by this python3: it starts a throwaway
PostgreSQL on 127.0.0.1 (tools/pg_cluster.py), copies a cached template database that has the
addon's Odoo dependencies installed, installs the addon (the install must log no warning),
upgrades it (likewise), runs the addon's Odoo tests, uninstalls it, and drops the database.
The test addon tests/addons/alc_extension_example (the connector extended through its hooks
only, README "Extending the connector") is installed in a copy of that database, never in the
addon's own, and runs its tests there (tag /alc_extension_example).
Where Odoo is not importable it says so in one line and runs the rest.

The last line is "total: N passed, N failed, N skipped"; the exit code is non-zero on any
failure, on lint errors, and when a layer that ran collected no test.
"""

import argparse
import copy
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from odoo_runner import ADDON, REPO, OdooRunner, odoo_env, odoo_location, run
from pg_cluster import DB_ROLE, PgCluster, default_base_dir
from secret_scan import ensure_marker, scan_database, scan_logs

ODOO_REPORT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
LOG_PROBLEM = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ")
# the test addon that extends the connector through its hooks: installed by this tool only
EXAMPLE = "alc_extension_example"
TEST_ADDONS = REPO / "tests" / "addons"
# the benchmarks' figures (tests/test_bench.py logs them at INFO): shown, or a long run is lost
BENCH_FIGURES = re.compile(r" INFO \S+ odoo\.addons\.%s\.tests\.test_bench: " % ADDON)


class Totals:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.problems = []

    def fail(self, message):
        self.problems.append(message)
        print("FAILED: %s" % message, flush=True)


def banner(title):
    print("\n=== %s" % title, flush=True)


# -- lint and the Odoo-free layer ------------------------------------------------------------


def lint(totals):
    banner("lint (ruff)")
    if shutil.which("ruff") is None:
        totals.fail("ruff is not installed: pip install -r requirements-test.txt")
        return
    if run(["ruff", "check", "."]).returncode:
        totals.fail("ruff check found problems")
    if run(["ruff", "format", "--check", "."]).returncode:
        totals.fail("ruff format: files need formatting (run: ruff format .)")
    pylint_odoo(totals)


def pylint_odoo(totals):
    """OCA's mandatory pylint-odoo checks, as .pre-commit-config.yaml runs them."""
    banner("lint (pylint-odoo, OCA's mandatory checks)")
    if subprocess.run([sys.executable, "-c", "import pylint_odoo"], capture_output=True).returncode:
        totals.fail("pylint-odoo is not installed: pip install -r requirements-test.txt")
        return
    args = [sys.executable, "-m", "pylint", "--rcfile=.pylintrc-mandatory", ADDON]
    args.append(str((TEST_ADDONS / EXAMPLE).relative_to(REPO)))
    if run(args).returncode:
        totals.fail("pylint-odoo found problems (config: .pylintrc-mandatory)")


def pytest_layer(totals, label, targets, extra_args=(), env=None):
    """Run pytest over ``targets`` (a folder, or a list of files); add its junit counts to
    ``totals``."""
    targets = [targets] if isinstance(targets, str) else list(targets)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", *targets, "-q", "--junitxml=%s" % report]
        code = run(cmd + list(extra_args), env=env).returncode
        if code == 5:
            totals.fail("%s: pytest collected no test" % label)
            return
        if not report.exists():
            totals.fail("%s did not run (exit code %d)" % (label, code))
            return
        suite = ET.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        tests, failures, errors, skipped = (
            int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")
        )
    totals.passed += tests - failures - errors - skipped
    totals.failed += failures + errors
    totals.skipped += skipped
    if code:
        totals.fail("%s: %d failed" % (label, failures + errors))


def pure_tests(totals, pytest_args):
    banner("Odoo-free tests (pytest)")
    pytest_layer(totals, "Odoo-free tests", "tests", pytest_args)


# -- the Odoo layer --------------------------------------------------------------------------


def problems_in(log):
    return [line for line in log.splitlines() if LOG_PROBLEM.match(line)]


def clean_step(totals, runner, dbname, label, *args):
    """Run an install or upgrade step that must succeed without any warning in the log."""
    banner("Odoo: %s %s" % (label, ADDON))
    code, log = runner.odoo(dbname, label, *args)
    problems = problems_in(log)
    for line in problems:
        print("  " + line)
    if code or problems:
        totals.fail("%s: exit code %d, %d warning or error line(s)" % (label, code, len(problems)))
        return False
    print("%s clean: no warning" % label)
    return True


def odoo_tests(totals, runner, dbname, test_tags, label="tests", *install):
    banner("Odoo %s (post_install, real PostgreSQL)" % label)
    code, log = runner.odoo(
        dbname, label, *install, "--test-tags", test_tags, "--log-handler=odoo.tests:INFO"
    )
    for line in log.splitlines():
        problem = LOG_PROBLEM.match(line) or line.startswith(("Traceback", "  File", "Assertion"))
        if problem or BENCH_FIGURES.search(line):
            print("  " + line)
    reports = ODOO_REPORT.findall(log)
    if not reports:
        totals.fail("Odoo tests did not report (exit code %d); see %s" % (code, runner.log_dir))
        return
    failed, errors, ran = (int(n) for n in reports[-1])
    print("Odoo: %d tests, %d failed, %d error(s)" % (ran, failed, errors))
    totals.passed += ran - failed - errors
    totals.failed += failed + errors
    if ran == 0:
        totals.fail("Odoo tests: no test ran")
    elif code or failed or errors:
        totals.fail("Odoo tests: %d failed, %d error(s)" % (failed, errors))


UNINSTALL_SCRIPT = (
    """
module = env["ir.module.module"].search([("name", "=", "%s")])
module.button_immediate_uninstall()
env.cr.commit()
left = env["ir.model"].search_count([("model", "=like", "amazon.%%")])
print("UNINSTALL RESULT:", module.state, left)
"""
    % ADDON
)


def split_test_tags(test_tags):
    """(the addon's tags, the test addon's tags): the default runs both addons' tests."""
    if test_tags == "/%s" % ADDON:
        return test_tags, "/%s" % EXAMPLE
    tags = [tag for tag in test_tags.split(",") if tag]
    example = [tag for tag in tags if tag.lstrip("-/").startswith(EXAMPLE)]
    return ",".join(t for t in tags if t not in example), ",".join(example)


def example_addon_tests(totals, runner, dbname, test_tags):
    """Install the test addon in ``dbname`` (a copy of the addon's test database) and run its
    tests: each of the connector's hooks extended by another addon."""
    odoo_tests(totals, runner, dbname, test_tags, "example-addon-tests", "-i", EXAMPLE)


def uninstall_step(totals, runner, dbname):
    banner("Odoo: uninstall %s" % ADDON)
    args = [
        sys.executable,
        "-m",
        "odoo",
        "shell",
        "--addons-path=%s" % runner.addons,
        "--data-dir=%s" % runner.data_dir,
        "-d",
        dbname,
        *runner.cluster.odoo_db_args(),
        "--no-http",
        "--log-level=warn",
    ]
    result = run(args, input=UNINSTALL_SCRIPT, capture_output=True, text=True, env=odoo_env())
    output = result.stdout + result.stderr
    problems = problems_in(output)
    if "UNINSTALL RESULT: uninstalled 0" not in output or problems:
        totals.fail("uninstall: %s" % (problems or output[-2000:]))
    else:
        print("uninstall clean: module uninstalled, its models removed")


def drills(totals, runner, template, keep_db=False):
    """Kill, fault and concurrency drills: real worker processes on copies of ``template``
    (kept after the drill with ``keep_db``, for inspection)."""
    banner("Drills (worker processes killed, faults, two workers at once)")
    cluster = runner.cluster
    config = {
        "template": template,
        "addons_path": runner.addons,
        "data_dir": str(runner.data_dir),
        "db_args": cluster.odoo_db_args(),
        "pg": {"host": "127.0.0.1", "port": cluster.port, "user": DB_ROLE},
        "log_dir": str(runner.log_dir),  # the workers' output, for the secret scan
        "keep_db": keep_db,
    }
    env = {**odoo_env(), "ALC_DRILL_CONFIG": json.dumps(config)}
    drill_args = ["-s", "-p", "no:cacheprovider", "--timeout=1800"]
    chosen, options = drill_selection(shlex.split(os.environ.get("ALC_DRILL_PYTEST_ARGS", "")))
    pytest_layer(totals, "drills", chosen or "drills", drill_args + options, env=env)


def drill_selection(words):
    """The drill files or node ids among ``words`` (ALC_DRILL_PYTEST_ARGS), and the rest.
    A file named there must replace the folder: pytest given both the folder and one of its
    files runs the whole folder."""
    chosen, options = [], []
    for word in words:
        path = word.split("::")[0]
        is_drill = path.startswith("drills/") and path.endswith(".py") and (REPO / path).exists()
        (chosen if is_drill else options).append(word)
    return chosen, options


def secret_scan_step(totals, runner, databases, marker):
    """The run's secret marker in no captured server log and no text column of the test
    databases (the drills scan their own databases before dropping them)."""
    banner("Secret marker %s: server logs and databases" % marker)
    import psycopg2  # only the Odoo layer needs it

    leaks = ["log %s" % where for where in scan_logs(runner.log_dir, marker)]
    for name in databases:
        if not runner.cluster.database_exists(name):
            continue
        connection = psycopg2.connect(
            host="127.0.0.1", port=runner.cluster.port, user=DB_ROLE, dbname=name
        )
        try:
            found = scan_database(connection, marker)
            leaks += ["database %s: %s" % (name, where) for where in found]
        finally:
            connection.close()
    for leak in leaks:
        print("  " + leak)
    if leaks:
        totals.fail("secret marker found in %d place(s): %s" % (len(leaks), "; ".join(leaks[:5])))
    else:
        print("found nowhere: logs in %s, databases %s" % (runner.log_dir, ", ".join(databases)))


# -- the addon as integrators take it: pytest-odoo, and the wheel installed by pip -----------

# one Odoo test class through pytest-odoo, so that the path the README documents stays working
PYTEST_ODOO_TESTS = "%s/tests/test_sync_log.py" % ADDON


def pytest_odoo_step(totals, runner, dbname):
    """Run ``PYTEST_ODOO_TESTS`` with pytest-odoo against ``dbname`` (the addon installed)."""
    banner("Odoo tests through pytest-odoo (%s)" % PYTEST_ODOO_TESTS)
    if importlib.util.find_spec("pytest_odoo") is None:
        totals.fail("pytest-odoo is not installed: pip install -r requirements-test.txt")
        return
    args = ["-p", "pytest_odoo", "--odoo-database=%s" % dbname]
    args += ["--odoo-addons-path=%s" % runner.addons]
    args += ["--odoo-extra=data-dir=%s" % runner.data_dir]
    for db_arg in runner.cluster.odoo_db_args():  # --db_host=... becomes --odoo-extra=db_host=...
        args.append("--odoo-extra=%s" % db_arg[2:])
    pytest_layer(totals, "pytest-odoo", PYTEST_ODOO_TESTS, args, env=odoo_env())


def build_wheel(totals, folder):
    """Build the addon's wheel with whool (its pyproject.toml); return its path or None."""
    if importlib.util.find_spec("whool") is None:
        totals.fail("whool is not installed: pip install -r requirements-test.txt")
        return None
    dist = folder / "dist"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    if run([*pip_wheel, "--quiet", "-w", str(dist), "./%s" % ADDON]).returncode:
        totals.fail("the addon's wheel did not build")
        return None
    wheels = sorted(dist.glob("odoo_addon_%s-18.0.*-py3-none-any.whl" % ADDON))
    if len(wheels) != 1:
        totals.fail("expected one wheel odoo_addon_%s-18.0.*, found %s" % (ADDON, wheels))
        return None
    print("built %s" % wheels[0].name)
    return wheels[0]


def wheel_install_step(totals, runner, template):
    """Build the wheel, pip-install it into a throw-away folder and install the addon from there
    into a fresh database: Odoo's addons path does not include the repository."""
    banner("Odoo: install %s from its wheel (no addons path to the repository)" % ADDON)
    folder = Path(tempfile.mkdtemp(prefix="alc-wheel-"))
    dbname = "alc_test_%d_wheel" % os.getpid()
    try:
        wheel = build_wheel(totals, folder)
        if wheel is None:
            return
        site = folder / "site-packages"
        pip_install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
        if run([*pip_install, "--no-index", "--target", str(site), str(wheel)]).returncode:
            totals.fail("pip could not install %s" % wheel.name)
            return
        if not (site / "odoo" / "addons" / ADDON / "__manifest__.py").is_file():
            totals.fail("the wheel does not install odoo/addons/%s" % ADDON)
            return
        # what pip installs in site-packages, Odoo finds under odoo.addons with no addons path
        wheel_runner = copy.copy(runner)
        outside = (p for p in runner.addons.split(",") if not Path(p).is_relative_to(REPO))
        wheel_runner.addons = ",".join(outside)
        runner.copy_database(template, dbname)
        log_file = runner.log_dir / "install-from-wheel.log"
        args = [*wheel_runner.server_args(dbname), "--stop-after-init", "-i", ADDON]
        args.append("--without-demo=all")
        # Odoo's own source folder first: an editable Odoo (setuptools' import hook) would
        # otherwise lose the name "odoo" to the wheel's odoo/ folder, as in any site-packages
        odoo_root = Path(importlib.util.find_spec("odoo").origin).parent.parent
        env = {**odoo_env(), "PYTHONPATH": os.pathsep.join([str(odoo_root), str(site)])}
        with open(log_file, "w") as log:  # run from the folder: the repository is not on sys.path
            print("$ PYTHONPATH=%s %s" % (env["PYTHONPATH"], " ".join(args)), flush=True)
            result = subprocess.run(args, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        problems = problems_in(log_file.read_text(errors="replace"))
        for line in problems:
            print("  " + line)
        state = runner.cluster.psql(
            "SELECT state FROM ir_module_module WHERE name = '%s'" % ADDON, dbname=dbname
        ).strip()
        if result.returncode or problems or state != "installed":
            totals.fail(
                "install from the wheel: exit code %d, %d warning or error line(s), module %s"
                % (result.returncode, len(problems), state or "unknown")
            )
        else:
            print("installed from %s: no warning" % wheel.name)
    finally:
        runner.drop_database(dbname)
        shutil.rmtree(folder, ignore_errors=True)


def odoo_layer(totals, args):
    banner("Odoo layer")
    odoo_pkg, version = odoo_location()
    if odoo_pkg is None:
        print("Odoo tests did not run: %s (install Odoo 18.0 to run them)." % version)
        return
    base = default_base_dir("test")
    with PgCluster(base) as cluster:
        data_dir = base / "odoo-data"
        data_dir.mkdir(exist_ok=True)
        log_dir = Path(tempfile.mkdtemp(prefix="alc-odoo-logs-"))
        marker = ensure_marker()  # every secret of the fixtures and drills carries it
        runner = OdooRunner(cluster, odoo_pkg, version, data_dir, log_dir)
        runner.addons += ",%s" % TEST_ADDONS
        current = {runner.template_name(demo=True), runner.template_name(demo=False)}
        prefixes = ("alc_test_", "alc_template_", "alc_drill_")
        for stale in [db for prefix in prefixes for db in cluster.list_databases(prefix)]:
            if stale not in current:  # left by an interrupted run, or an outdated template
                runner.drop_database(stale)
        demo_template = runner.ensure_template(demo=True)
        production_template = runner.ensure_template(demo=False)
        # With demo data: install, upgrade and the tests. Without: a production-like install,
        # then uninstall (demo stock moves would rightly keep demo products from being deleted).
        kinds = ("demo", "prod", "drill", "example")
        names = ("alc_test_%d_%s" % (os.getpid(), n) for n in kinds)
        with_demo, without_demo, drill_template, with_example = names
        databases = (with_demo, without_demo, drill_template, with_example)
        addon_tags, example_tags = split_test_tags(args.test_tags)
        try:
            runner.copy_database(demo_template, with_demo)
            if clean_step(totals, runner, with_demo, "install", "-i", ADDON):
                clean_step(totals, runner, with_demo, "upgrade", "-u", ADDON)
                if not args.no_drills:
                    runner.copy_database(with_demo, drill_template)
                if example_tags and not args.drills_only:
                    runner.copy_database(with_demo, with_example)
                    example_addon_tests(totals, runner, with_example, example_tags)
                if addon_tags and not args.drills_only:
                    odoo_tests(totals, runner, with_demo, addon_tags)
                if not args.drills_only:
                    pytest_odoo_step(totals, runner, with_demo)
                if not args.no_drills:
                    drills(totals, runner, drill_template, keep_db=args.keep_db)
            if args.odoo_only or args.drills_only:
                return
            runner.copy_database(production_template, without_demo)
            args_prod = ("-i", ADDON, "--without-demo=all")
            if clean_step(totals, runner, without_demo, "install-without-demo", *args_prod):
                uninstall_step(totals, runner, without_demo)
            wheel_install_step(totals, runner, production_template)
        finally:
            secret_scan_step(totals, runner, list(databases), marker)
            if args.keep_db:
                print("kept databases %s; Odoo logs in %s" % (", ".join(databases), log_dir))
            else:
                for name in databases:
                    runner.drop_database(name)
                if not totals.problems:
                    shutil.rmtree(log_dir, ignore_errors=True)
                else:
                    print("Odoo logs kept in %s" % log_dir)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-odoo", action="store_true", help="skip the Odoo layer")
    parser.add_argument("--no-lint", action="store_true", help="skip ruff")
    parser.add_argument(
        "--odoo-only",
        action="store_true",
        help="skip lint, pytest and the install-without-demo/uninstall step (a quick loop)",
    )
    parser.add_argument("--no-drills", action="store_true", help="skip the drills (drills/)")
    parser.add_argument(
        "--drills-only",
        action="store_true",
        help="install the addon and run only the drills (no lint, pytest or Odoo tests)",
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the Odoo test database")
    parser.add_argument(
        "--test-tags",
        default="/%s" % ADDON,
        help="Odoo --test-tags to run (default: all of the addon's tests)",
    )
    parser.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
    args = parser.parse_args()

    started = time.time()
    totals = Totals()
    if args.odoo_only:
        args.no_drills = True
    quick = args.odoo_only or args.drills_only
    if not (args.no_lint or quick):
        lint(totals)
    if not quick:
        pure_tests(totals, args.pytest_args)
    if args.no_odoo:
        print("\nOdoo tests did not run: --no-odoo was given.")
    else:
        try:
            odoo_layer(totals, args)
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", None) or ""
            if isinstance(detail, bytes):  # the helpers capture as text or bytes
                detail = detail.decode(errors="replace")
            totals.fail("Odoo layer could not run: %s %s" % (exc, detail))

    banner("summary (%.0f s)" % (time.time() - started))
    for problem in totals.problems:
        print("- " + problem)
    print(
        "total: %d passed, %d failed, %d skipped" % (totals.passed, totals.failed, totals.skipped)
    )
    return 1 if totals.problems else 0


if __name__ == "__main__":
    sys.exit(main())
