"""Amazon's usage plans per operation and seller, with the rate and burst Amazon documents.

The numbers are read from each operation's "Usage Plan" table in the official models, so a
model update changes the simulator without anyone copying figures by hand.
"""

import functools

from . import schemas

# The arrival time is a sum of intervals and the tolerance a product, and a clock reading near
# 1.7e9 seconds is exact only to a few tenths of a microsecond: a microsecond of slack keeps
# rounding from refusing the last call of a burst made at one instant.
FLOAT_SLACK_SECONDS = 1e-6


class ArrivalLimiter:
    """A usage plan enforced as the server side would: by each call's theoretical arrival time.

    The generic cell rate algorithm (GCRA) keeps one number, the time at which the seller's
    calls, spaced ``1 / rate`` seconds apart, would have caught up; a call is let through while
    that time is at most ``burst - 1`` intervals ahead of now. It admits exactly the calls a
    token bucket of ``burst`` tokens refilled at ``rate`` per second admits, but it is written
    differently on purpose: the client's pacing (lib/amazon/pacing.py) is a token bucket, and an
    oracle that shared its arithmetic would share its mistakes.
    """

    def __init__(self, rate, burst, clock):
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self.clock = clock
        self.origin = clock.now()
        self.theoretical_arrival = 0.0  # seconds after ``origin``, kept small to stay exact

    def take(self):
        """Admit one call; False when it comes too early (the caller answers 429)."""
        now = self.clock.now() - self.origin
        arrival = max(self.theoretical_arrival, now)
        if arrival - now > self.tolerance + FLOAT_SLACK_SECONDS:
            return False
        self.theoretical_arrival = arrival + self.interval
        return True


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
    """One limiter per (operation, seller); ``enabled = False`` lets every call through."""

    def __init__(self, clock, enabled=True):
        self.clock = clock
        self.enabled = enabled
        self.overrides = {}  # (model, operationId) -> (rate, burst), for a custom usage plan
        self._limiters = {}

    def limit(self, operation):
        return self.overrides.get(operation) or documented_limits()[operation]

    def allow(self, operation, seller_id):
        if not self.enabled:
            return True
        key = (operation, seller_id)
        limiter = self._limiters.get(key)
        if limiter is None:
            rate, burst = self.limit(operation)
            limiter = self._limiters[key] = ArrivalLimiter(rate, burst, self.clock)
        return limiter.take()

    def reset(self):
        self._limiters.clear()
