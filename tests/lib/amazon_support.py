"""Shared set-up for the Amazon client tests: the demo simulator and a client pointed at it."""

import dataclasses
from datetime import datetime, timezone

import pytest

from amazon_lightspeed_connector.lib.amazon import order_data
from amazon_lightspeed_connector.lib.amazon.client import AmazonClient, AmazonCredentials
from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, sandbox
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import AMAZON_DEMO
from amazon_lightspeed_connector.tests.simulators.transport import in_process

DEMO = AMAZON_DEMO
SINCE = datetime(2025, 12, 1, tzinfo=timezone.utc)
INCLUDED = ("BUYER", "RECIPIENT", "PROCEEDS", "PROMOTION", "FULFILLMENT", "PAYMENT")


def credentials(secret=DEMO["lwa_client_secret"], refresh_token=DEMO["refresh_token"]):
    return AmazonCredentials(DEMO["lwa_client_id"], secret, refresh_token)


def make_sim(seed=1, **options):
    return AmazonSimulator(clock=ManualClock(), seed=seed, **options)


def served_sim_fixture(seed):
    """A pytest ``sim`` fixture: the demo Amazon simulator (``seed``), served in process."""

    @pytest.fixture
    def sim():
        simulator = make_sim(seed=seed)
        with in_process(simulator.routes()):
            yield simulator

    return sim


def make_client(sim, creds=None, **options):
    """A client on the simulator's clock; default endpoints, which ``in_process`` serves."""
    options.setdefault("clock", sim.clock)
    return AmazonClient(
        creds or credentials(), DEMO["seller_id"], [DEMO["marketplace_id"]], **options
    )


def sim_now(sim):
    """The simulator's clock as a UTC datetime."""
    return datetime.fromtimestamp(sim.clock.now(), tz=timezone.utc)


def sandbox_payloads(model, operation_id, unwrap):
    """What Amazon's own examples of one operation answer (status 200), ``unwrap`` taking the
    list wanted (orders, items...) out of each response."""
    return [
        payload
        for example in sandbox.examples(model)
        if example.operation_id == operation_id and example.status == 200
        for payload in unwrap(example.response)
    ]


def sp_calls(sim, path_part=""):
    """How many SP-API requests (LWA and documents aside) reached the simulator."""
    return sum(
        1
        for call in sim.calls
        if path_part in call.path and not call.path.startswith(("/auth/", "/_sim/"))
    )


def comparable(order):
    """An ``AmazonOrder`` without what one Orders API version lacks (see order_mapping's
    docstring): the same order read through v0 and v2026-01-01 is then equal."""
    lines = tuple(
        dataclasses.replace(
            x,
            promotion_discount=x.promotion_discount + (x.promotion_discount_tax or 0),
            promotion_discount_tax=None,
            shipping_discount=x.shipping_discount + (x.shipping_discount_tax or 0),
            shipping_discount_tax=None,
            cancelled=False,
        )
        for x in order.lines
    )
    total = None if order.status == order_data.CANCELED else order.order_total
    return dataclasses.replace(order, status_raw=None, lines=lines, order_total=total)
