"""Token buckets per operation and seller, with the rate and burst Amazon documents.

The numbers are read from each operation's "Usage Plan" table in the official models, so a
model update changes the simulator without anyone copying figures by hand.
"""

import functools

from . import schemas


class TokenBucket:
    """``burst`` tokens to start with, refilled at ``rate`` per second of the given clock."""

    def __init__(self, rate, burst, clock):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock.now()

    def _refill(self):
        now = self.clock.now()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self):
        """Spend one token; False when the bucket is empty (the caller answers 429)."""
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@functools.cache
def documented_limits():
    """``{(model, operationId): (rate, burst)}`` for every operation the models describe."""
    limits = {}
    for model in schemas.MODEL_FILES:
        for _method, _path, operation in schemas.operations(model):
            limit = schemas.documented_rate_limit(operation)
            if limit:
                limits[(model, operation["operationId"])] = limit
    return limits


def header_value(rate):
    """``x-amzn-RateLimit-Limit`` carries the rate as Amazon prints it: 0.0056, 0.5, 2.0."""
    return ("%f" % rate).rstrip("0").rstrip(".") if rate != int(rate) else "%.1f" % rate


class RateLimiter:
    """One bucket per (operation, seller); ``enabled = False`` lets every call through."""

    def __init__(self, clock, enabled=True):
        self.clock = clock
        self.enabled = enabled
        self.overrides = {}  # (model, operationId) -> (rate, burst), for a custom usage plan
        self._buckets = {}

    def limit(self, operation):
        return self.overrides.get(operation) or documented_limits()[operation]

    def allow(self, operation, seller_id):
        if not self.enabled:
            return True
        key = (operation, seller_id)
        bucket = self._buckets.get(key)
        if bucket is None:
            rate, burst = self.limit(operation)
            bucket = self._buckets[key] = TokenBucket(rate, burst, self.clock)
        return bucket.take()

    def reset(self):
        self._buckets.clear()
