"""The production clock of both clients (pure Python, no odoo); tests give them a simulated
one with the same two methods."""

import time


class SystemClock:
    """Wall-clock time: the production clock."""

    def now(self):
        return time.time()

    def sleep(self, seconds):
        time.sleep(seconds)
