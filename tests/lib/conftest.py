"""Fixtures shared by the lib tests.

``sim`` and ``client`` are the demo Lightspeed account, served in process on a manual clock, and
a client on it: most Lightspeed tests start there. A module that needs another simulator (the
Amazon tests) defines its own ``sim``, which takes precedence over these.
"""

import pytest
from lightspeed_support import make_client

from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.lightspeed import (
    API_BASE,
    OAUTH_BASE,
    LightspeedSimulator,
)
from amazon_lightspeed_connector.tests.simulators.transport import in_process


@pytest.fixture
def sim():
    simulator = LightspeedSimulator.demo(clock=ManualClock())
    with in_process({API_BASE: simulator, OAUTH_BASE: simulator}):
        yield simulator


@pytest.fixture
def client(sim):
    return make_client(sim)
