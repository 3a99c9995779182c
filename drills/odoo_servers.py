"""Real Odoo servers for the drills: ``python3 -m odoo`` in prefork mode, crons on their own.

The worker drills call the scheduled actions' code directly; these run Odoo as production does:
a master process, HTTP workers and a cron worker that picks due jobs and triggers by itself,
under Odoo's own watchdog (``--limit-time-real``), which kills a worker that takes too long.
Everything such a server writes is kept (a file beside the drill, and in memory) so the drill
can read what Odoo said: worker timeouts, tracebacks, errors.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from processes import ProcessOutput, diagnose_and_kill, kill_group

# What Odoo logs when its watchdog or a limit ends a worker (odoo/service/server.py).
KILL_MESSAGES = re.compile(
    r"timeout after \d+s|time limit .* reached|CPU time limit|virtual real time limit"
    r"|memory limit .* reached"
)
TRACEBACK = "Traceback (most recent call last)"
LOG_LEVEL = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ")


# odoo-bin's twin without the long-polling process (why: in the script's docstring)
BOOT = Path(__file__).resolve().parent / "odoo_server.py"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OdooServer:
    """One ``odoo`` server process (its own session: its workers die with it)."""

    def __init__(self, config, database, name, log_path):
        self.config = config
        self.database = database
        self.name = name
        self.log_path = log_path
        self.port = free_port()
        self.process = None
        self.output = None
        self._log_file = None

    def command(self, *extra):
        return [
            sys.executable,
            str(BOOT),
            "--addons-path=%s" % self.config["addons_path"],
            "--data-dir=%s" % self.config["data_dir"],
            *self.config["db_args"],
            "-d",
            self.database.name,
            "--db-filter=^%s$" % re.escape(self.database.name),
            "--http-interface=127.0.0.1",
            "--http-port=%d" % self.port,
            "--gevent-port=%d" % free_port(),
            "--log-level=info",
            *extra,
        ]

    def start(self, *extra):
        self._log_file = open(self.log_path, "w", buffering=1)  # noqa: SIM115 - stop() closes
        self.process = subprocess.Popen(
            self.command(*extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "TZ": "UTC"},
            start_new_session=True,
        )
        self.output = ProcessOutput(self.process, echo=self._log_file)
        return self

    def wait_up(self, timeout=180):
        """Until the server answers HTTP; fails with its stacks and the database's locks."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    "Odoo server %s ended (exit code %s) before serving:\n%s"
                    % (self.name, self.process.returncode, self.output.text()[-4000:])
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1),
            ):
                return
            time.sleep(0.5)
        self.fail("Odoo server %s did not serve within %d s" % (self.name, timeout))

    def fail(self, why):
        """Stacks of every process of the server (Odoo dumps them on SIGQUIT), the database's
        sessions and locks, then SIGKILL; raises with that picture."""
        raise AssertionError(
            diagnose_and_kill(
                self.process, self.output, why, self.database, stack_signal=signal.SIGQUIT
            )
        )

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=30):
        """Stop the server as an admin would (SIGTERM: workers finish their request), then make
        sure nothing of it is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        kill_group(self.process)
        self.output.wait_closed(10)
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    # -- what the server said ------------------------------------------------------------------

    def log(self):
        return self.output.text() if self.output else ""

    def kills(self):
        """Lines where Odoo's watchdog or a limit ended a worker."""
        return [line for line in self.log().splitlines() if KILL_MESSAGES.search(line)]

    def tracebacks(self):
        return self.log().count(TRACEBACK)

    def problems(self):
        """WARNING, ERROR and CRITICAL lines."""
        return [line for line in self.log().splitlines() if LOG_LEVEL.match(line)]
