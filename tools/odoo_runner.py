"""Run Odoo 18 beside the project: find it, build cached template databases, run commands.

Shared by tools/run_tests.py and tools/run_demo.py. Stdlib only.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pg_cluster import free_port

REPO = Path(__file__).resolve().parent.parent
ADDON = "amazon_lightspeed_connector"


def run(args, **kwargs):
    print("$ %s" % " ".join(str(a) for a in args), flush=True)
    return subprocess.run(args, cwd=REPO, **kwargs)


def odoo_location():
    """(odoo package folder, version) when this python3 imports Odoo 18, else (None, reason)."""
    probe = (
        "import json, odoo, odoo.release as r; "
        "print(json.dumps([odoo.__path__[0], r.version_info[0], r.version]))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    if result.returncode:
        return None, "python3 cannot import odoo"
    path, major, version = json.loads(result.stdout.strip().splitlines()[-1])
    if major != 18:
        return None, "python3 imports Odoo %s, not 18.0" % version
    return Path(path), version


def odoo_env():
    # odoo-bin sets TZ=UTC before anything imports time; "python -m odoo" does not
    return {**os.environ, "TZ": "UTC"}


def addons_path(odoo_pkg):
    paths = [str(odoo_pkg / "addons")]
    tree_addons = odoo_pkg.parent / "addons"
    if tree_addons.is_dir():
        paths.append(str(tree_addons))
    paths.extend(p for p in os.environ.get("ODOO_ADDONS_PATH", "").split(",") if p)
    paths.append(str(REPO))
    return ",".join(paths)


def addon_depends():
    manifest = (REPO / ADDON / "__manifest__.py").read_text()
    return sorted(eval(manifest, {"__builtins__": {}})["depends"])  # our own file: a dict literal


class OdooRunner:
    def __init__(self, cluster, odoo_pkg, version, data_dir, log_dir):
        self.cluster = cluster
        self.addons = addons_path(odoo_pkg)
        self.version = version
        self.data_dir = data_dir
        self.log_dir = log_dir

    def server_args(self, dbname, http_port=None, cron_threads=0):
        return [
            sys.executable,
            "-m",
            "odoo",
            "--addons-path=%s" % self.addons,
            "--data-dir=%s" % self.data_dir,
            "-d",
            dbname,
            *self.cluster.odoo_db_args(),
            "--max-cron-threads=%d" % cron_threads,
            "--http-interface=127.0.0.1",
            "--http-port=%d" % (http_port or free_port()),
        ]

    def odoo(self, dbname, log_name, *extra):
        """Run Odoo once on ``dbname`` (``--stop-after-init``); return (exit code, log text)."""
        log_file = self.log_dir / ("%s.log" % log_name)
        args = [*self.server_args(dbname), "--stop-after-init", *extra]
        with open(log_file, "w") as log:
            code = run(args, stdout=log, stderr=subprocess.STDOUT, env=odoo_env()).returncode
        return code, log_file.read_text(errors="replace")

    def template_name(self, demo):
        # the repository's addons folders (the addon, the test addons) are not in the template
        outside = [p for p in self.addons.split(",") if not Path(p).is_relative_to(REPO)]
        key = json.dumps([self.version, addon_depends(), outside])
        digest = hashlib.sha1(key.encode()).hexdigest()[:10]
        return "alc_template_%s_%s" % (digest, "demo" if demo else "nodemo")

    def ensure_template(self, demo):
        """A database with the addon's dependencies installed, with or without demo data.

        Both are needed: Odoo installs a module's demo data whenever its dependencies have
        theirs, so a production-like install needs a template without any.
        """
        name = self.template_name(demo)
        if self.cluster.database_exists(name):
            print("template database %s is ready (cached)" % name, flush=True)
            return name
        print("building template database %s (once per Odoo and dependency set)" % name)
        started = time.time()
        demo_args = () if demo else ("--without-demo=all",)
        code, log = self.odoo(name, "template", "-i", ",".join(addon_depends()), *demo_args)
        if code:
            self.cluster.drop_database(name)
            raise RuntimeError("could not build the template database:\n%s" % log[-3000:])
        print("template built in %.0f s" % (time.time() - started), flush=True)
        return name

    def copy_database(self, template, name):
        self.cluster.create_from_template(name, template)
        filestore = self.data_dir / "filestore"
        if (filestore / template).exists():
            shutil.copytree(filestore / template, filestore / name)

    def drop_database(self, name):
        self.cluster.drop_database(name)
        shutil.rmtree(self.data_dir / "filestore" / name, ignore_errors=True)
