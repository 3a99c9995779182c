"""Shared set-up for the Amazon client tests: the demo simulator and a client pointed at it."""

from datetime import datetime, timezone

from amazon_lightspeed_connector.lib.amazon.client import AmazonClient, AmazonCredentials
from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import AMAZON_DEMO

DEMO = AMAZON_DEMO
SINCE = datetime(2025, 12, 1, tzinfo=timezone.utc)
INCLUDED = ("BUYER", "RECIPIENT", "PROCEEDS", "PROMOTION", "FULFILLMENT", "PAYMENT")


def credentials(secret=DEMO["lwa_client_secret"], refresh_token=DEMO["refresh_token"]):
    return AmazonCredentials(DEMO["lwa_client_id"], secret, refresh_token)


def make_sim(seed=1, **options):
    return AmazonSimulator(clock=ManualClock(), seed=seed, **options)


def make_client(sim, creds=None, **options):
    """A client on the simulator's clock; default endpoints, which ``in_process`` serves."""
    options.setdefault("clock", sim.clock)
    return AmazonClient(
        creds or credentials(), DEMO["seller_id"], [DEMO["marketplace_id"]], **options
    )


def sp_calls(sim, path_part=""):
    """How many SP-API requests (LWA and documents aside) reached the simulator."""
    return sum(
        1
        for call in sim.calls
        if path_part in call.path and not call.path.startswith(("/auth/", "/_sim/"))
    )
