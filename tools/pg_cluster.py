"""A throwaway PostgreSQL cluster on loopback, for the Odoo tests and the demo.

The cluster lives in a cache folder so that the template database (Odoo's dependencies
installed once) survives between runs: each test run then copies the template in under a
second instead of installing sale_stock for a minute. The server runs only while a command
needs it and listens on 127.0.0.1 on a free port. PostgreSQL refuses to run as root, so as
root the server runs as the ``postgres`` system user.

Stdlib only: this runs before anything else is known to be installed.
"""

import contextlib
import fcntl
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DB_ROLE = "odoo"  # Odoo refuses to connect as "postgres"


def _is_root():
    return os.geteuid() == 0


def default_base_dir(purpose):
    """Where a cluster for ``purpose`` ("test" or "demo") keeps its data between runs."""
    override = os.environ.get("ALC_PG_DIR")
    if override:
        return Path(override) / purpose
    if _is_root():
        # root's home is closed to the postgres user, so the data cannot live there
        return Path("/var/tmp/amazon_lightspeed_connector") / purpose
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "amazon_lightspeed_connector" / purpose


def find_pg_bin():
    """The folder of initdb and pg_ctl: PATH first, then Debian's versioned folders."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_ctl").exists():
            return candidate
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL 15 or newer"
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgCluster:
    def __init__(self, base_dir):
        self.base_dir = Path(base_dir)
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "postgres.log"
        self.bin_dir = find_pg_bin()
        self.port = None
        self._socket_dir = None
        self._lock_file = None

    # -- running commands as the cluster's owner ----------------------------------------

    def _as_owner(self, args):
        if _is_root():
            return ["runuser", "-u", "postgres", "--", *args]
        return args

    def _run(self, args, **kwargs):
        return subprocess.run(self._as_owner(args), check=True, capture_output=True, **kwargs)

    def _pg(self, tool):
        return str(self.bin_dir / tool)

    # -- life cycle ------------------------------------------------------------------------

    def _prepare_dirs(self):
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if _is_root():
            postgres = pwd.getpwnam("postgres")
            for path in (self.base_dir.parent, self.base_dir):
                os.chown(path, postgres.pw_uid, postgres.pw_gid)

    def _lock(self):
        """One run at a time per cluster: two runs must not start the same data folder."""
        self._lock_file = open(self.base_dir / ".lock", "w")  # noqa: SIM115 - held until stop
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)

    def _init(self):
        if (self.data_dir / "PG_VERSION").exists():
            return
        self._run(
            [
                self._pg("initdb"),
                "-D",
                str(self.data_dir),
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )

    def _stop_leftover(self):
        """A server still running on our data folder was left by a killed run: stop it."""
        status = subprocess.run(
            self._as_owner([self._pg("pg_ctl"), "-D", str(self.data_dir), "status"]),
            capture_output=True,
        )
        if status.returncode == 0:
            self._run([self._pg("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "stop"])

    def start(self):
        self._prepare_dirs()
        self._lock()
        self._init()
        self._stop_leftover()
        self.port = free_port()
        self._socket_dir = tempfile.mkdtemp(prefix="alc-pg-")
        os.chmod(self._socket_dir, 0o777)
        # fsync off: a throwaway cluster trades durability for speed
        options = (
            "-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=100" % (self.port, self._socket_dir)
        )
        self._run(
            [
                self._pg("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self._ensure_role()
        return self

    def stop(self):
        if self.port is not None:
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run([self._pg("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "stop"])
            self.port = None
        if self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None
        if self._lock_file:
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- SQL -------------------------------------------------------------------------------

    def psql(self, sql, dbname="postgres"):
        """Run ``sql`` as the cluster superuser; return its unaligned output."""
        result = self._run(
            [
                self._pg("psql") if (self.bin_dir / "psql").exists() else "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                dbname,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ],
            text=True,
        )
        return result.stdout.strip()

    def _ensure_role(self):
        exists = self.psql("SELECT 1 FROM pg_roles WHERE rolname = '%s'" % DB_ROLE)
        if not exists:
            self.psql("CREATE ROLE %s LOGIN CREATEDB" % DB_ROLE)

    def database_exists(self, name):
        return bool(self.psql("SELECT 1 FROM pg_database WHERE datname = '%s'" % name))

    def create_from_template(self, name, template):
        self.psql('CREATE DATABASE "%s" OWNER %s TEMPLATE "%s"' % (name, DB_ROLE, template))

    def drop_database(self, name):
        self.psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)

    def list_databases(self, prefix):
        rows = self.psql("SELECT datname FROM pg_database WHERE datname LIKE '%s%%'" % prefix)
        return [row for row in rows.splitlines() if row]

    def odoo_db_args(self):
        return ["--db_host=127.0.0.1", "--db_port=%d" % self.port, "--db_user=%s" % DB_ROLE]


def wait_for_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return True
        time.sleep(0.2)
    return False
