"""The Amazon simulator over real HTTP on loopback."""

import httpx
import requests

from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, line
from amazon_lightspeed_connector.tests.simulators.amazon.testing import lwa_form, require_models
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.http_server import SimulatorServer

require_models()


def test_token_and_search_orders_over_loopback_http():
    sim = AmazonSimulator(clock=ManualClock(), seed=1)
    order = sim.add_order([line("JBJ-S")])
    with SimulatorServer(sim) as server:
        token = requests.post(server.url + "/auth/o2/token", data=lwa_form(), timeout=5)
        assert token.status_code == 200
        access = token.json()["access_token"]
        answer = httpx.get(
            server.url + "/orders/2026-01-01/orders",
            params={"createdAfter": "2025-12-01T00:00:00Z"},
            headers={"x-amz-access-token": access},
        )
        assert answer.status_code == 200
        assert answer.headers["x-amzn-RateLimit-Limit"] == "0.0056"
        assert [o["orderId"] for o in answer.json()["orders"]] == [order.order_id]
        refused = requests.post(
            server.url + "/auth/o2/token", data=lwa_form(client_secret="x"), timeout=5
        )
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"


def test_feed_upload_url_points_back_at_the_loopback_server():
    sim = AmazonSimulator(clock=ManualClock(), seed=2)
    with SimulatorServer(sim) as server:
        access = requests.post(server.url + "/auth/o2/token", data=lwa_form(), timeout=5).json()
        headers = {"x-amz-access-token": access["access_token"]}
        doc = httpx.post(
            server.url + "/feeds/2021-06-30/documents",
            json={"contentType": "application/json"},
            headers=headers,
        ).json()
        assert doc["url"].startswith(server.url + "/_sim/uploads/")
        assert httpx.put(doc["url"], content=b'{"x": 1}').status_code == 200
    assert sim.documents[doc["feedDocumentId"]].content == b'{"x": 1}'
