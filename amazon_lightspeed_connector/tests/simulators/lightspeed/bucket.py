"""The account's leaky bucket: every app the retailer connects drinks from the same one.

A request adds its cost (GET 1, write 10); the bucket drains ``drip_rate`` units a second on the
simulator's clock. A request that would take the level over ``size`` is refused with 429 and a
Retry-After. ``background_rate`` models the store's other apps and registers, which fill the
bucket steadily whether or not the connector is calling.
"""

import math

# 90 is the size in the recordings (X-Ls-Api-Bucket-Level: 13.65/90) and Lightspeed's current
# base size; the 2016 best-practice post said 60. Both are constructor choices.
DEFAULT_SIZE = 90
DEFAULT_DRIP_RATE = 1.0


class LeakyBucket:
    def __init__(self, clock, size=DEFAULT_SIZE, drip_rate=DEFAULT_DRIP_RATE):
        self.clock = clock
        self.size = float(size)
        self.drip_rate = float(drip_rate)
        self.background_rate = 0.0
        self._level = 0.0
        self._updated = clock.now()

    def _settle(self):
        now = self.clock.now()
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        net = self.background_rate - self.drip_rate
        self._level = min(self.size, max(0.0, self._level + net * elapsed))

    @property
    def level(self):
        self._settle()
        return self._level

    def try_take(self, cost):
        """Add ``cost`` if it fits; return (taken, seconds to wait before it would fit)."""
        self._settle()
        excess = self._level + cost - self.size
        if excess <= 1e-9:
            self._level += cost
            return True, 0
        net_drain = self.drip_rate - self.background_rate
        wait = excess / net_drain if net_drain > 0 else 60.0
        return False, max(1, math.ceil(wait - 1e-9))

    def add_external(self, units):
        """Another app spent ``units`` on this account just now."""
        self._settle()
        self._level = min(self.size, self._level + float(units))

    def set_background_rate(self, units_per_second):
        self._settle()  # what was spent so far was spent at the old rate
        self.background_rate = float(units_per_second)

    def reset(self):
        self._settle()
        self._level = 0.0

    def headers(self, cost=None):
        level = round(self.level, 3)
        out = {
            "X-LS-API-Bucket-Level": "%s/%s" % (_num(level), _num(self.size)),
            "X-LS-API-Drip-Rate": _num(self.drip_rate),
        }
        if cost is not None:
            out["X-LS-API-Request-Cost"] = _num(cost)
        return out


def _num(value):
    return ("%.3f" % value).rstrip("0").rstrip(".")
