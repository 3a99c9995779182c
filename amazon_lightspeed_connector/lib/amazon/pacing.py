"""Client-side pacing: one token bucket per SP-API operation, on an injectable clock.

Amazon meters each operation with a token bucket (a rate per second and a burst). Mirroring
it here means a steady import waits exactly as long as the quota needs and never collects a
429 that would stop the account's run. The figures are Amazon's default usage plan; the live
plan comes back in ``x-amzn-RateLimit-Limit`` on every answer and replaces the rate.

The buckets outlive the run: ``Pacer.snapshot()`` gives their tokens, rates and times as plain
data and ``Pacer.restore()`` takes them back, so the next run (or another worker) does not
start with a full burst that Amazon has already spent. A rate read from Amazon's header carries
the moment it was read: when two workers' views are merged, the live rate last heard wins over
the documented guess of a worker that never heard one for that operation.
"""

from ..errors import ThrottledError

# (rate per second, burst) of Amazon's default usage plan, keyed like ``Operation.key``.
DOCUMENTED_LIMITS = {
    "orders2026.searchOrders": (0.0056, 20),
    "orders2026.getOrder": (0.5, 30),
    "ordersV0.getOrders": (0.0167, 20),
    "ordersV0.getOrder": (0.5, 30),
    "ordersV0.getOrderItems": (0.5, 30),
    "ordersV0.getOrderAddress": (0.5, 30),
    "ordersV0.getOrderBuyerInfo": (0.5, 30),
    "ordersV0.confirmShipment": (2.0, 10),
    "tokens.createRestrictedDataToken": (1.0, 10),
    "listings.patchListingsItem": (5.0, 5),
    "feeds.createFeedDocument": (0.5, 15),
    "feeds.createFeed": (0.0083, 15),
    "feeds.getFeed": (2.0, 15),
    "feeds.getFeedDocument": (0.0222, 10),
    "reports.getReports": (0.0222, 10),
    "reports.getReportDocument": (0.0167, 15),
}

# Waiting this much longer than the exact refill time keeps float rounding on either side
# from turning a just-in-time call into a 429.
SAFETY_MARGIN_SECONDS = 0.05


class TokenBucket:
    """``burst`` calls at once, then one call per ``1 / rate`` seconds."""

    def __init__(self, rate, burst, clock):
        self.rate = float(rate)
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock.now()
        self.heard = None  # when ``rate`` was read from Amazon's header (None: documented)

    def _refill(self):
        now = self.clock.now()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self):
        """Seconds until a token is available (0 when one is)."""
        self._refill()
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate + SAFETY_MARGIN_SECONDS

    def take(self):
        """Wait on the clock until a token is available, then spend it; the seconds waited."""
        waited = self.wait_time()
        if waited:
            self.clock.sleep(waited)
            self._refill()
        self.tokens = max(0.0, self.tokens - 1)
        return waited

    def empty(self):
        """Amazon said 429: assume the server's bucket is empty, whatever ours thought."""
        self._refill()
        self.tokens = 0.0

    def set_rate(self, rate, heard):
        """Amazon's header said ``rate`` at the clock time ``heard``."""
        self._refill()
        self.rate = float(rate)
        self.heard = heard


class Pacer:
    """The buckets of one seller account (Amazon meters per seller and application)."""

    def __init__(self, clock, overrides=None):
        self.clock = clock
        self.limits = dict(DOCUMENTED_LIMITS)
        self.limits.update(overrides or {})
        self._buckets = {}
        self.waited = 0.0  # total seconds spent waiting, for benchmarks and logs
        # The longest wait for a token (None: as long as the quota needs); a longer one raises
        # ThrottledError with the seconds needed, so the caller ends its run and comes back then.
        self.max_wait = None
        # Called with ``snapshot()`` after every answer (and 429): where the caller keeps it.
        self.listener = None

    def bucket(self, key):
        """The bucket of an operation, or None when it is not metered (document transfers)."""
        if key not in self.limits:
            return None
        if key not in self._buckets:
            rate, burst = self.limits[key]
            self._buckets[key] = TokenBucket(rate, burst, self.clock)
        return self._buckets[key]

    def before_call(self, key):
        bucket = self.bucket(key)
        if bucket is None:
            return
        wait = bucket.wait_time()
        if self.max_wait is not None and wait > self.max_wait:
            error = ThrottledError(
                "Amazon's quota for %s has room again in %d s: the next run goes on" % (key, wait),
                retry_after=wait,
            )
            error.quota_wait = True  # not a 429: nothing to retry now
            raise error
        self.waited += bucket.take()

    def after_answer(self, key, rate_header):
        """Adopt the live rate from ``x-amzn-RateLimit-Limit`` when Amazon sent one."""
        bucket = self.bucket(key)
        rate = _parse_rate(rate_header)
        if bucket is not None and rate:
            bucket.set_rate(rate, self.clock.now())
        self._changed(bucket)

    def throttled(self, key):
        bucket = self.bucket(key)
        if bucket is not None:
            bucket.empty()
        self._changed(bucket)

    def _changed(self, bucket):
        if bucket is not None and self.listener is not None:
            self.listener(self.snapshot())

    def snapshot(self):
        """{operation key: [tokens, updated, rate, heard]} of every bucket used: JSON-ready
        (``heard``: when Amazon's header gave the rate, None for the documented one)."""
        return {
            key: [bucket.tokens, bucket.updated, bucket.rate, bucket.heard]
            for key, bucket in sorted(self._buckets.items())
        }

    def restore(self, snapshot):
        """Start from a ``snapshot()``; unknown operations and unreadable entries are ignored
        (a bucket that is not restored starts full, as before)."""
        for key, entry in (snapshot or {}).items() if isinstance(snapshot, dict) else ():
            try:
                tokens, updated, rate = (float(value) for value in entry[:3])
                heard = _heard(entry)
            except (TypeError, ValueError):
                continue
            bucket = self.bucket(key) if rate > 0 else None
            if bucket is None:
                continue
            bucket.rate = rate
            bucket.heard = heard
            bucket.tokens = min(float(bucket.burst), max(0.0, tokens))
            bucket.updated = min(updated, self.clock.now())

    def seconds_per_call(self, key):
        bucket = self.bucket(key)
        return None if bucket is None else 1 / bucket.rate


def merge_snapshots(first, second, now):
    """Two workers' snapshots of one account's buckets as one: per operation, the fewer
    tokens once both are refilled to ``now`` (each worker knows only its own calls, so the
    lower figure is the one that cannot overspend), at the rate Amazon's header gave last.

    The rate is not the fewer tokens' one: a worker throttled on an operation it never called
    before has an empty bucket at the documented rate, while the other worker (or its own
    header, read just after) knows the account's live, often higher, rate."""
    merged = dict(first or {})
    for key, entry in (second or {}).items():
        if key not in merged:
            merged[key] = entry
            continue
        fewer = min(merged[key], entry, key=lambda e: _tokens_at(e, now))
        last_heard = max(merged[key], entry, key=_heard_order)
        if _heard(last_heard) is not None and _heard(last_heard) != _heard(fewer):
            fewer = [*fewer[:2], last_heard[2], _heard(last_heard)]
        merged[key] = fewer
    return merged


def _tokens_at(entry, now):
    tokens, updated, rate = entry[:3]
    return tokens + max(0.0, now - updated) * rate


def _heard(entry):
    """When Amazon's header gave the entry's rate, or None (a documented rate, or a snapshot
    saved before the moment was kept)."""
    return float(entry[3]) if len(entry) > 3 and entry[3] is not None else None


def _heard_order(entry):
    heard = _heard(entry)
    return float("-inf") if heard is None else heard


def _parse_rate(text):
    try:
        rate = float(text)
    except (TypeError, ValueError):
        return None
    return rate if rate > 0 else None
