"""The client over real HTTP on loopback, with api_url and token_url pointing at the simulator."""

import pytest
from lightspeed_support import amazon_sale, make_client, make_store

from amazon_lightspeed_connector.lib.errors import TransientError
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.http_server import SimulatorServer
from amazon_lightspeed_connector.tests.simulators.lightspeed import LightspeedSimulator


def test_the_client_over_loopback():
    sim = LightspeedSimulator.demo(clock=ManualClock())
    store = make_store(sim)
    with SimulatorServer(sim) as server:
        client = make_client(
            sim,
            store,
            api_url=server.url + "/API/V3",
            token_url=server.url + "/auth/oauth/token",
            timeout=(2, 5),
        )
        assert client.test_connection() == "Demo Retail Account"
        assert store.current()[0] == sim.token_grants[-1].refresh_token
        assert [s.shop_id for s in client.shops()] == [1, 2, 3]
        assert len(list(client.iter_records("Item", limit=5))) == 12  # next links on loopback

        # The server drops the connection after creating the sale: outcome unknown, look it up.
        sim.faults.add("lost_response", method="POST", path="/Sale.json")
        with pytest.raises(TransientError) as raised:
            client.post("Sale", amazon_sale("113-0000003-0000001"))
        assert raised.value.outcome_unknown
        assert len(client.find_sales_by_reference("113-0000003-0000001")) == 1

    # Nobody listens any more (and no kept-alive connection): the write never happened.
    client.session.close()
    with pytest.raises(TransientError) as raised:
        client.post("Sale", amazon_sale("113-0000003-0000002"))
    assert not raised.value.outcome_unknown
