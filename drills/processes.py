"""Every wait on a drill's child process has a deadline, and a missed deadline says why.

A pipe read blocks for as long as the child neither writes nor exits: a worker stuck before
printing READY once held a whole CI run for 30 minutes, until pytest-timeout killed the drill
with nothing to show. Here a thread drains each child's output (so a chatty child never blocks
on a full pipe either) and the drill waits on what the thread has read, with a deadline. When
the deadline passes, the child is asked for its Python stacks (``faulthandler`` on SIGUSR1,
registered by drills/worker.py; an Odoo server dumps its own on SIGQUIT), the database is
photographed (pg_stat_activity and pg_locks), and only then is the child killed.
"""

import contextlib
import os
import signal
import subprocess
import threading
import time

STACK_DUMP_SIGNAL = signal.SIGUSR1
# faulthandler writes a thread's stack in microseconds; this leaves room for a loaded machine
STACK_DUMP_GRACE = 3.0


class ProcessOutput:
    """A child's merged stdout/stderr, read line by line on a daemon thread."""

    def __init__(self, process, echo=None):
        self.process = process
        self.lines = []
        self.closed = False
        self._echo = echo
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self):
        try:
            for text in self.process.stdout:
                with self._changed:
                    self.lines.append(text.rstrip("\n"))
                    self._changed.notify_all()
                if self._echo:
                    self._echo.write(text)
        except (OSError, ValueError):  # the pipe was closed under us: the child is gone
            pass
        finally:
            with contextlib.suppress(OSError):
                self.process.stdout.close()
            with self._changed:
                self.closed = True
                self._changed.notify_all()

    def wait_for_line(self, wanted, timeout, start=0):
        """The index of the first line equal to ``wanted`` at or after ``start``; None when the
        child closed its output first; raises TimeoutError when ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(start, len(self.lines)):
                    if self.lines[index].strip() == wanted:
                        return index
                start = max(start, len(self.lines))
                if self.closed:
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(wanted)
                self._changed.wait(left)

    def wait_closed(self, timeout):
        """True when the child closed its output within ``timeout`` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def quiet_for(self, seconds, at_most):
        """Wait until no line came for ``seconds`` (or ``at_most`` passed): a dump is complete."""
        deadline = time.monotonic() + at_most
        while time.monotonic() < deadline:
            count = len(self.lines)
            time.sleep(seconds)
            if len(self.lines) == count:
                return

    def text(self):
        with self._changed:
            return "\n".join(self.lines)


def kill_group(process):
    """SIGKILL the child's process group (drill children start their own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)


def dump_stacks(process, output, stack_signal=STACK_DUMP_SIGNAL):
    """Ask every live process of the child's group for its threads' Python stacks (drills'
    workers: faulthandler on SIGUSR1; Odoo servers: their own dump on SIGQUIT); the lines
    written for it."""
    if process.poll() is not None:
        return "(the process had already ended, exit code %s)" % process.returncode
    before = len(output.lines)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, stack_signal)
    output.quiet_for(0.5, STACK_DUMP_GRACE)
    dumped = output.lines[before:]
    return "\n".join(dumped) if dumped else "(no stack written: faulthandler not registered?)"


def diagnose_and_kill(
    process, output, why, database=None, tail_chars=6000, stack_signal=STACK_DUMP_SIGNAL
):
    """Stacks, a database snapshot, then SIGKILL: the message a drill fails with."""
    log_before = output.text()
    stacks = dump_stacks(process, output, stack_signal)
    snapshot = database.activity_snapshot() if database is not None else "(no database)"
    kill_group(process)
    output.wait_closed(10)
    return (
        "%s\n--- its output (last %d characters) ---\n%s\n"
        "--- its Python stacks (faulthandler, SIGUSR1) ---\n%s\n"
        "--- the database at that moment ---\n%s"
        % (why, tail_chars, log_before[-tail_chars:], stacks, snapshot)
    )
