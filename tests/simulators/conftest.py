"""Fixtures of the simulator tests: the demo Lightspeed shop served in process (``sim``, ``api``);
a file that tests another simulator defines its own ``sim``."""

import pytest

from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.lightspeed import API_BASE, LightspeedSimulator
from amazon_lightspeed_connector.tests.simulators.lightspeed.testing import ApiCaller
from amazon_lightspeed_connector.tests.simulators.transport import in_process


@pytest.fixture
def sim():
    """The demo shop on a manual clock, answering Lightspeed's API address in process."""
    simulator = LightspeedSimulator.demo(clock=ManualClock())
    with in_process({API_BASE: simulator}):
        yield simulator


@pytest.fixture
def api(sim):
    return ApiCaller(sim)
