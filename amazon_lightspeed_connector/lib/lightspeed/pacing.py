"""Pace calls from Lightspeed's leaky-bucket headers instead of waiting for 429s.

Every app the retailer connects drinks from the same bucket: ``X-LS-API-Bucket-Level:
used/size`` says how full it is after our call, ``X-LS-API-Drip-Rate`` how many units drain a
second. A GET costs 1 unit, a write 10. The pacer keeps a model of the level between answers
and, before each call, waits on the clock until the call fits under ``share`` of the bucket, so
the registers and other apps keep the rest. It also learns how fast the other apps are filling
the bucket (the part of each observed level our own calls do not explain), so a long run of
writes drains at the rate actually left for us rather than at the full drip rate.

What the pacer knows survives the run: ``snapshot()`` gives it as plain data (times on the
pacer's clock, the epoch for the system clock) and ``restore()`` takes it back, so the next run,
or another worker, starts from the level last seen instead of an empty bucket.
"""

import threading

from ..errors import ThrottledError

DEFAULT_SIZE = 90.0  # the size in the recordings and Lightspeed's current base bucket
DEFAULT_DRIP_RATE = 1.0
# Kept free even at share 1.0: the header is rounded, and the bucket drains in real time
# between our estimate and the server's check.
SAFETY_UNITS = 1.0
# An estimate of the other apps' rate needs some elapsed time to mean anything.
MIN_LEARNING_SECONDS = 1.0
LEARNING_WEIGHT = 0.3
# Until the first measurement, assume the other apps take this share of the drip rate: a guess
# too high costs a few seconds once, one too low lets the first wait overshoot our share.
PRIOR_OTHERS_SHARE = 0.25


def request_cost(method, params=None):
    """What a call takes from the bucket: a GET 1 unit, a write (or a count=1 query) 10."""
    if method.upper() != "GET":
        return 10.0
    if params and str(params.get("count", "")) == "1":
        return 10.0
    return 1.0


def parse_bucket_level(value):
    """``"13.65/90"`` to (13.65, 90.0); None when absent or unreadable."""
    if not value:
        return None
    used, _, size = str(value).partition("/")
    try:
        return float(used), float(size)
    except ValueError:
        return None


class BucketPacer:
    def __init__(self, clock, share=1.0, max_wait=300.0):
        if not 0 < share <= 1:
            raise ValueError("bucket_share must be in (0, 1]")
        self.clock = clock
        self.share = float(share)
        self.max_wait = float(max_wait)  # longer than this: give the run up (ThrottledError)
        self.size = DEFAULT_SIZE
        self.drip_rate = DEFAULT_DRIP_RATE
        # Units a second the other apps add, learned from the headers; a prior until measured.
        self.others_rate = PRIOR_OTHERS_SHARE * DEFAULT_DRIP_RATE
        self._others_measured = False
        self._level = 0.0  # our model of the level at ``_at``
        self._at = None
        self._observed = None  # (level, time) of the last header seen
        self._spent_since_observed = 0.0
        self._lock = threading.Lock()
        self.waited_seconds = 0.0  # total time spent waiting, for benchmarks and logs
        # Called with ``snapshot()`` after every answer seen: where the caller keeps it.
        self.listener = None

    @property
    def budget(self):
        return self.size * self.share

    def _net_drain(self):
        return self.drip_rate - self.others_rate

    def _estimate(self, now):
        if self._at is None:
            return self._level
        elapsed = max(0.0, now - self._at)
        return min(self.size, max(0.0, self._level - self._net_drain() * elapsed))

    def reserve(self, cost):
        """Wait until ``cost`` fits under our share of the bucket, then count it as spent."""
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock.now()
                level = self._estimate(now)
                # A call bigger than our share may still go once the bucket is (nearly) empty.
                limit = max(self.budget - SAFETY_UNITS, cost)
                excess = level + cost - limit
                if excess <= 1e-6:
                    self._level, self._at = level + cost, now
                    self._spent_since_observed += cost
                    return waited
                wait = self._wait_for(excess, waited)
            self.clock.sleep(wait)
            waited += wait
            self.waited_seconds += wait

    def _wait_for(self, excess, waited):
        net_drain = self._net_drain()
        wait = excess / net_drain if net_drain > 1e-3 else self.max_wait
        if waited + wait > self.max_wait:
            if net_drain > 1e-3:
                message = "Lightspeed's API bucket has room for the next call in %d s" % wait
            else:
                message = "Lightspeed's API bucket stays full (other apps are using it)"
            error = ThrottledError(message, retry_after=round(wait))
            # no 429: the run ends rather than wait, and the next one goes on when there is room
            error.quota_wait = net_drain > 1e-3
            raise error
        return wait

    def snapshot(self):
        """What this pacer knows of the bucket, as plain data (JSON-ready)."""
        with self._lock:
            return {
                "size": self.size,
                "drip_rate": self.drip_rate,
                "others_rate": self.others_rate,
                "others_measured": self._others_measured,
                "level": self._level,
                "at": self._at,
                "observed": list(self._observed) if self._observed else None,
                "spent_since_observed": self._spent_since_observed,
            }

    def restore(self, snapshot):
        """Start from a ``snapshot()`` (of an earlier run or another worker); bad data is
        ignored, as a pacer that knows nothing only costs a 429 it learns from."""
        if not isinstance(snapshot, dict):
            return
        try:
            size = float(snapshot["size"])
            drip_rate = float(snapshot["drip_rate"])
            others_rate = float(snapshot["others_rate"])
            level = float(snapshot["level"])
            at = None if snapshot.get("at") is None else float(snapshot["at"])
            observed = snapshot.get("observed")
            observed = (float(observed[0]), float(observed[1])) if observed else None
            spent = float(snapshot.get("spent_since_observed") or 0.0)
        except (KeyError, TypeError, ValueError, IndexError):
            return
        if size <= 0 or drip_rate <= 0:
            return
        with self._lock:
            self.size, self.drip_rate = size, drip_rate
            self.others_rate = min(drip_rate, max(0.0, others_rate))
            self._others_measured = bool(snapshot.get("others_measured"))
            self._level, self._at = min(size, max(0.0, level)), at
            self._observed = observed
            self._spent_since_observed = max(0.0, spent)

    def observe(self, headers, charged=True):
        """Take the level and rates from an answer's headers; ``charged``: our call counted."""
        bucket = parse_bucket_level(headers.get("X-LS-API-Bucket-Level"))
        drip = _float(headers.get("X-LS-API-Drip-Rate"))
        with self._lock:
            if drip:
                self.drip_rate = drip
                if not self._others_measured:
                    self.others_rate = PRIOR_OTHERS_SHARE * drip
            if bucket is None:
                return
            level, size = bucket
            now = self.clock.now()
            if size > 0:
                self.size = size
            if charged:
                self._learn_others_rate(level, now)
            self._observed = (level, now)
            self._spent_since_observed = 0.0
            self._level, self._at = level, now
        if self.listener is not None:
            self.listener(self.snapshot())

    def _learn_others_rate(self, level, now):
        if self._observed is None:
            return
        previous, then = self._observed
        elapsed = now - then
        drained = previous - self.drip_rate * elapsed
        # Only while the bucket never ran dry: below zero the drain stops and says nothing.
        if elapsed < MIN_LEARNING_SECONDS or drained <= 0:
            return
        unexplained = level - (drained + self._spent_since_observed)
        sample = min(self.drip_rate, max(0.0, unexplained / elapsed))
        if self._others_measured:
            self.others_rate += LEARNING_WEIGHT * (sample - self.others_rate)
        else:  # the first measurement replaces the prior outright
            self.others_rate, self._others_measured = sample, True


def newer_snapshot(first, second):
    """Of two snapshots of one bucket (two workers saving), the one that saw it last."""
    if not first or not second:
        return first or second
    return second if (second.get("at") or 0) >= (first.get("at") or 0) else first


def _float(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None
