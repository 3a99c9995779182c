"""The run loop every flow shares: time budget, per-item savepoint, conflicts, stops, commits.

Odoo kills a scheduled action's worker after ``limit_time_real_cron`` (by default
``limit_time_real``, 120 s), counted over the worker's whole pass through the ready jobs and
the up to ten calls it makes of a job reporting work left. So a run never waits out a quota:

- it has a **time budget** (``connector_budget.run_budget``): the setting "Run budget", never
  more than what is left of the cron worker's pass; a button gives its run about 10 s;
- a pacer may wait only ``MAX_WAIT`` seconds at once and never beyond the budget
  (``limit_waits``): a longer wait raises ``ThrottledError`` with the seconds needed;
- when the budget is spent (``items`` stops yielding) or the API needs time, the run commits
  and asks ir.cron to run again (``finish``): at once when work can go now, at the moment the
  pacer expects room otherwise.

Each item runs in its own savepoint (``attempt``). What goes wrong is classified once:

- a conflict with another worker (serialization failure, lock not available, unique violation,
  deadlock) rolls the item back and counts it "taken by another worker": never an error;
- ``PermanentError`` (and any unexpected exception: one bad item never stops the run) is the
  item's error, recorded by the flow;
- any other ``ConnectorError`` stops the run: throttled, unreachable, credentials refused.

Commits happen only here (``commit``), never in tests (their transaction is rolled back).
"""

import logging
import math
import time
from contextlib import contextmanager
from datetime import timedelta

from odoo import fields
from odoo.modules import module
from psycopg2.errors import (
    DeadlockDetected,
    LockNotAvailable,
    SerializationFailure,
    UniqueViolation,
)

from ..lib.errors import AuthError, ConnectorError, PermanentError, ThrottledError
from .connector_budget import BUDGET_CONTEXT_KEY, BUTTON_BUDGET, MIN_RUN, run_budget

_logger = logging.getLogger(__name__)

# The longest single wait for a quota inside a run or a request. Longer: the run ends and
# asks ir.cron to run again when the pacer expects room. A trigger in the future is taken
# when Odoo's cron worker next wakes (up to 60-69 s later without a notification), but the
# bucket drains meanwhile (Lightspeed's 60 units at 1 unit/s in 60 s), so the next run
# spends what drained: the wall time stays near the bucket's bound (bench/bench_quota.py:
# 1.04x). What shorter runs cost is units: each run looks its Sales up and searches its new
# buyers once. 5 s covers a read at any drip and a write (10 units) at 2 units/s or faster.
MAX_WAIT = 5.0
# A quota wait this close to MAX_WAIT is scheduled for its moment rather than "now": the
# pacer rounds the seconds it announces, and the next run must not meet the same wait.
WAIT_ROUNDING = 1.0
# work another worker held is tried again this much later, once that worker has committed
BUSY_RETRY = 5

# Raised by PostgreSQL when another worker holds or changed the same rows.
CONFLICTS = (SerializationFailure, LockNotAvailable, UniqueViolation, DeadlockDetected)

DONE, BUSY, ERROR, STOPPED = "done", "busy", "error", "stopped"


def in_tests(env):
    return bool(env.registry.in_test_mode() or module.current_test)


def commit(env):
    """Commit the run's work so far, except in tests (their transaction is rolled back)."""
    if not in_tests(env):
        env.cr.commit()  # pylint: disable=invalid-commit


def lock_rows(cr, query, params):
    """Run a row-locking query (NOWAIT, SKIP LOCKED, or a wait bounded by ``lock_timeout``)
    whose failure is a conflict with another worker (LockNotAvailable, SerializationFailure)
    that the caller expects and handles: Odoo must not log it as a "bad query" at ERROR level,
    which monitoring takes for a crash."""
    cr.execute(query, params, log_exceptions=False)


def try_lock(env, namespace, key):
    """A transaction-scoped advisory lock: two workers never run the same work together."""
    env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (namespace, key))
    return env.cr.fetchone()[0]


class ConnectorRun:
    """One run of a flow: its budget, counters, how it stopped and when it may go again."""

    COUNTS = ("done", "error", "busy")
    SERVICE = "API"

    def __init__(self, env, budget=None, counts=None, deadline=None):
        self.env = env
        if deadline is None:  # else: a share of a run that started earlier (another account)
            deadline = time.monotonic() + (run_budget(env) if budget is None else budget)
        self.deadline = deadline
        self.counts = dict.fromkeys(counts or self.COUNTS, 0)
        self.counts.setdefault("busy", 0)
        self.stopped = None  # why the run stopped before its work was done (a message)
        self.stop_kind = None  # "budget", "throttled", "unreachable", "credentials", "setup"
        self.error = None  # the ConnectorError that stopped the run
        self.room_in = None  # seconds until the API has room again, when it needs time
        # the run ended rather than wait longer than MAX_WAIT for its own pacer (no 429): the
        # normal course at a slow drip, nothing to tell anyone
        self.waits_for_quota = False
        self.locks = []  # the advisory locks the run holds, taken again after each commit

    # --- the budget ----------------------------------------------------------------------------

    def remaining(self):
        return max(0.0, self.deadline - time.monotonic())

    def out_of_time(self):
        return self.remaining() < MIN_RUN

    def wait_cap(self):
        """The longest a pacer may wait now: a few seconds, never past the budget."""
        return min(MAX_WAIT, self.remaining())

    def limit_waits(self, pacer):
        """Keep ``pacer``'s waits (and the wait after a 429) under ``wait_cap``."""
        if pacer is not None and hasattr(pacer, "max_wait"):
            pacer.max_wait = self.wait_cap()

    def items(self, records, pacer=None):
        """The records, one by one, while the run may take new work; the pacer's longest
        wait follows the budget left."""
        for record in records:
            if self.stopped:
                return
            if self.out_of_time():
                self.stop_for_budget()
                return
            self.limit_waits(pacer)
            yield record

    @contextmanager
    def api_client(self, given, make):
        """The client the run calls its API with: ``given`` (left open), else ``make()``'s
        (closed at the end; its errors reach the caller), its pacer waiting within the budget."""
        client = given or make()
        try:
            self.limit_waits(getattr(client, "pacer", None))
            yield client
        finally:
            if given is None:
                client.close()

    def figures(self):
        return ""  # what the run did: a sentence of its counters, in each flow's own words

    def summary(self):
        """What the run did (``figures``) and, if it stopped early, why."""
        return " ".join(filter(None, [self.figures(), self.stopped]))

    def stop_for_budget(self):
        if not self.stopped:
            self.stop_kind = "budget"
            self.stopped = self.env._("The run's time is up: the next run takes the rest.")

    # --- one item ------------------------------------------------------------------------------

    def attempt(self, work, label="", item_errors=()):
        """``work()`` in a savepoint: (DONE, its result), (BUSY, error) when another worker
        holds or changed the same rows (rolled back, counted), (ERROR, PermanentError or one of
        the flow's ``item_errors``) for the flow to record on the item, or (STOPPED, error)
        after ``stop`` for the run's own trouble (throttled, unreachable, credentials)."""
        try:
            with self.env.cr.savepoint():
                return DONE, work()
        except CONFLICTS as error:
            _logger.info("%s: taken by another worker (%s)", label, type(error).__name__)
            self.counts["busy"] += 1
            return BUSY, error
        except (PermanentError, *item_errors) as error:
            return ERROR, error
        except ConnectorError as error:
            self.stop(error)
            return STOPPED, error
        except Exception as error:  # one bad item never stops the run
            _logger.warning("%s failed", label, exc_info=True)
            return ERROR, PermanentError(
                self.env._(
                    "%(label)s failed: %(error)s",
                    label=label,
                    error="%s: %s" % (type(error).__name__, error),
                )
            )

    # --- how the run stopped -------------------------------------------------------------------

    def stop(self, error):
        """Classify what stopped the run; the message is for the sync log and the button."""
        service = self.SERVICE
        self.error = error
        if isinstance(error, ThrottledError):
            self.stop_kind = "throttled"
            self.room_in = error.retry_after
            self.waits_for_quota = bool(getattr(error, "quota_wait", False))
            self.stopped = self.env._(
                "%(service)s throttled the run (%(error)s): the next run takes the rest.",
                service=service,
                error=error,
            )
        elif isinstance(error, AuthError):
            self.stop_kind = "credentials"
            self.stopped = self.env._(
                "%(service)s refused the credentials: %(error)s", service=service, error=error
            )
        elif isinstance(error, PermanentError):
            self.stop_kind = "setup"
            self.stopped = self.env._(
                "%(service)s cannot be used yet: %(error)s", service=service, error=error
            )
        else:
            self.stop_kind = "unreachable"
            self.stopped = self.env._(
                "%(service)s could not be reached or failed (%(error)s); the next run takes "
                "the rest.",
                service=service,
                error=error,
            )
        return self.stopped

    # --- the end of the run --------------------------------------------------------------------

    def next_run_at(self):
        """When the scheduled action should run again for the work left, or None (the
        regular interval: credentials refused, service down)."""
        now = fields.Datetime.now()
        if self.stop_kind == "budget":
            return now
        if self.stop_kind == "throttled":
            wait = self.room_in if self.room_in is not None else MAX_WAIT
            if wait + WAIT_ROUNDING <= MAX_WAIT:  # the next run waits it out
                return now
            return now + timedelta(seconds=math.ceil(wait))
        return None

    def schedule(self, cron_xmlid, work_left=True):
        """Ask ir.cron to run ``cron_xmlid`` again when it can take the work left; the
        moment, or None."""
        at = self.next_run_at() if work_left else None
        return trigger(self.env, cron_xmlid, at) if at else None

    def retry_soon(self, cron_xmlid):
        """Work another worker held (a conflict, rolled back) waits for no interval: ask
        ir.cron to run ``cron_xmlid`` again in ``BUSY_RETRY`` seconds, when that worker has
        committed. A trigger in the future survives the end of the current run."""
        trigger(self.env, cron_xmlid, fields.Datetime.now() + timedelta(seconds=BUSY_RETRY))

    def report(self, done, remaining):
        """Progress for ir.cron (outside a cron run, nothing): with work left and a run that
        did some, Odoo calls the action again at once, within what its pass has left."""
        self.env["ir.cron"].sudo()._notify_progress(done=done, remaining=max(0, remaining))

    # --- one lock helper, one commit ------------------------------------------------------

    def lock(self, namespace, key):
        """Take the transaction-scoped advisory lock (namespace, key) for this run and keep it
        across its commits; False when another worker holds it."""
        if not try_lock(self.env, namespace, key):
            return False
        self.locks.append((namespace, key))
        return True

    def commit(self):
        """Commit what is done (never in tests); the run's locks are taken again for the new
        transaction, and a lock another worker took meanwhile stops the run."""
        if in_tests(self.env):
            return
        try:
            commit(self.env)
        except CONFLICTS as error:
            # another worker changed rows this transaction writes since it began (a run's
            # snapshot may predate the lock it took after that worker committed): what was
            # not committed is done again by the next run, never an error
            self.env.cr.rollback()
            _logger.info("Commit taken by another worker (%s): the run ends", type(error).__name__)
            self.counts["busy"] += 1
            self.stop_taken()
            return
        for namespace, key in self.locks:
            if not try_lock(self.env, namespace, key) and not self.stopped:
                self.stop_taken()

    def stop_taken(self):
        self.stop_kind = "taken"
        self.stopped = self.env._("Another worker took over this work: it goes on there.")


# --- buttons: a short run, the rest handed to the scheduled action, said so -----------------


def button_env(env):
    """The environment of a button's run: about ten seconds of work, then the scheduled
    action takes the rest."""
    return env(context=dict(env.context, **{BUDGET_CONTEXT_KEY: BUTTON_BUDGET}))


def trigger(env, cron_xmlid, at, only_active=False):
    """Ask ir.cron to run ``cron_xmlid`` at ``at`` (UTC; now when past); when it will, or None
    when the action is missing (or, with ``only_active``, switched off: a button says so)."""
    cron = env.ref(cron_xmlid, raise_if_not_found=False)
    if not cron or (only_active and not cron.sudo().active):
        return None
    now = fields.Datetime.now()
    at = max(at, now)
    if at <= now:
        # 'now' wakes the cron workers; Odoo deletes a trigger older than the job's start
        # when the job ends, so the one a second later is what keeps it due.
        cron.sudo()._trigger(at=[at, at + timedelta(seconds=1)])
    else:
        cron.sudo()._trigger(at=at)
    return at


def earliest_next_run(runs):
    """The earliest moment one of ``runs`` can go on (``next_run_at``), or None."""
    return min((at for at in (run.next_run_at() for run in runs if run) if at), default=None)


def schedule_earliest(env, cron_xmlid, runs):
    """After a scheduled action's runs (one per account): ask for its next run at the earliest
    moment one of them can go on (its time was up: now; its API has room later: then)."""
    at = earliest_next_run(runs)
    return trigger(env, cron_xmlid, at) if at else None


def run_each(records, run_one, cron_xmlid, flow):
    """``run_one(record, deadline)`` for each record (an account) within one run's budget,
    ``deadline`` (``time.monotonic()``) shared by them all. A run None (another worker has
    it, or it failed) is skipped. Then the next run is asked for (``schedule_earliest``);
    returns the runs.

    A run that fails on what no flow expects (a defect, a value PostgreSQL refuses) loses only
    what it had not committed: the error goes to the sync log of ``flow`` on its account and
    the next account runs, so one broken account never holds up the others, pass after pass.
    """
    env, runs = records.env, []
    # set here, not by the first run: a first run that fails must not give the next a fresh one
    deadline = time.monotonic() + run_budget(env)
    for record in records:
        try:
            with _undone_if_raised(env):
                run = run_one(record, deadline)
        except Exception as error:  # logged on its account; the other accounts go on
            _logger.exception("%s run of %s failed", flow, record.display_name)
            env["amazon.sync.log"]._log_event(
                flow,
                env._(
                    "%(account)s: the run failed (%(error)s); the other accounts still run, "
                    "and the next run tries this one again.",
                    account=record.display_name,
                    error="%s: %s" % (type(error).__name__, error),
                ),
                record=record,
            )
            commit(env)
            continue
        if run:
            runs.append(run)
    schedule_earliest(env, cron_xmlid, runs)
    return runs


@contextmanager
def _undone_if_raised(env):
    """What the block did not commit is undone when it raises: by a savepoint in tests (where
    nothing commits), else by a rollback (a savepoint ends at the block's first commit)."""
    if in_tests(env):
        with env.cr.savepoint():
            yield
        return
    try:
        yield
    except Exception:
        env.cr.rollback()
        raise


def hand_over(env, cron_xmlid, runs, queued=None, more=False):
    """What a button says of the work its ``runs`` left, having handed it to the scheduled
    action ``cron_xmlid``: one sentence, "" when nothing is left. ``queued``: how many items
    of the selection are left (None: the runs say whether work is left, not how much);
    ``more``: work is left that can go on at once though no run stopped (a backfill's next
    page).

    The action is triggered for the earliest moment a run can go on (its time was up: now;
    the API has room later: then). Work a run left because the credentials were refused is
    not: the action would meet the same refusal; the sentence says what to do instead. Work
    left for another reason (the service down) waits for the action's next regular run."""
    at = earliest_next_run(runs)
    if at is None and more:
        at = fields.Datetime.now()
    refused = any(run and run.stop_kind == "credentials" for run in runs)
    if queued == 0 or (queued is None and at is None and not refused):
        return ""
    if at is not None:
        return queued_sentence(env, queued, trigger(env, cron_xmlid, at, only_active=True))
    if refused:
        return env._(
            "Nothing is queued: the scheduled action would meet the same refusal. Reconnect "
            "the account (new credentials or refresh token), then press the button again."
        )
    cron = env.ref(cron_xmlid, raise_if_not_found=False)
    regular = cron.sudo().nextcall if cron and cron.sudo().active else None
    return queued_sentence(env, queued, regular)


def time_label(env, moment):
    """``moment`` (UTC) as HH:MM in the user's time zone, for a notification."""
    return fields.Datetime.context_timestamp(env["res.users"], moment).strftime("%H:%M")


def queued_sentence(env, queued, at):
    """ "15 queued: the next run starts at 14:05" (or why nothing will take them); ``queued``
    None: "the rest", not counted."""
    if queued is None:
        if at is None:
            return env._(
                "The rest waits: the scheduled action is switched off, nothing will take it "
                "until it is on again."
            )
        return env._("The rest is queued: the next run starts at %s.", time_label(env, at))
    if not queued:
        return ""
    if at is None:
        return env._(
            "%(queued)s queued, but the scheduled action is switched off: nothing will take "
            "them until it is on again.",
            queued=queued,
        )
    return env._(
        "%(queued)s queued: the next run starts at %(at)s.", queued=queued, at=time_label(env, at)
    )
