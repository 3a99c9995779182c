"""The demo simulators' command: both services answer on loopback with the demo credentials."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from amazon_lightspeed_connector.lib.amazon.client import AmazonClient, AmazonCredentials
from amazon_lightspeed_connector.lib.errors import PayloadError, TransientError
from amazon_lightspeed_connector.tests.simulators import demo_catalogue
from amazon_lightspeed_connector.tests.simulators.serve import (
    start_control_server,
    start_demo_servers,
)


def _token(url, path, demo, id_key="client_id", secret_key="client_secret"):
    """An access token for the ``demo`` credentials (a demo_catalogue dict)."""
    form = {
        "grant_type": "refresh_token",
        "client_id": demo[id_key],
        "client_secret": demo[secret_key],
        "refresh_token": demo["refresh_token"],
    }
    answer = requests.post(url + path, data=form, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def test_demo_servers_answer_token_requests_on_loopback(shared):
    amazon_server, lightspeed_server = start_demo_servers(amazon_port=0, lightspeed_port=0)
    try:
        assert amazon_server.url.startswith("http://127.0.0.1:")
        amazon = demo_catalogue.AMAZON_DEMO
        lwa_token = _token(
            amazon_server.url, "/auth/o2/token", amazon, "lwa_client_id", "lwa_client_secret"
        )
        assert lwa_token.startswith("Atza|")

        lightspeed = demo_catalogue.LIGHTSPEED_DEMO
        access_token = _token(lightspeed_server.url, "/auth/oauth/token", lightspeed)
        shops = requests.get(
            "%s/API/V3/Account/%s/Shop.json" % (lightspeed_server.url, lightspeed["account_id"]),
            headers={"Authorization": "Bearer %s" % access_token},
            timeout=10,
        ).json()
        names = sorted(shop["name"] for shop in shops["Shop"])
        assert names == sorted(store.name for store in demo_catalogue.STORES)
    finally:
        amazon_server.stop()
        lightspeed_server.stop()


def test_the_scenario_controls_cancel_on_amazon_and_ship_in_the_store(shared):
    amazon_server, lightspeed_server = start_demo_servers(amazon_port=0, lightspeed_port=0)
    amazon, lightspeed = amazon_server.app, lightspeed_server.app
    control = start_control_server(0, amazon, lightspeed)
    url = "http://127.0.0.1:%d" % control.server_address[1]
    try:
        order = next(o for o in amazon.orders.values() if len(o.lines) > 1)
        body = {"order_id": order.order_id, "sku": order.lines[0].sku}
        answer = requests.post(url + "/cancel", json=body, timeout=10)
        assert answer.status_code == 204
        assert [line.cancelled for line in order.lines] == [True] + [False] * (len(order.lines) - 1)
        answer = requests.post(url + "/cancel", json={"order_id": order.order_id}, timeout=10)
        assert (answer.status_code, order.status) == (204, "Canceled")

        # no such sale: a clear 400, and the server goes on
        answer = requests.post(url + "/ship-in-store", json={"reference": "NOPE"}, timeout=10)
        assert answer.status_code == 400
        answer = requests.post(url + "/nothing", json={}, timeout=10)
        assert answer.status_code == 400
    finally:
        control.shutdown()
        amazon_server.stop()
        lightspeed_server.stop()


def test_the_confirmation_unreadable_control_leaves_the_outcome_unknown(shared):
    """Amazon records the ship confirmation but its answer is lost, and the next read of the
    order's packages cannot be understood; the read after that finds the package."""
    amazon_server, lightspeed_server = start_demo_servers(amazon_port=0, lightspeed_port=0)
    amazon = amazon_server.app
    control = start_control_server(0, amazon, lightspeed_server.app)
    url = "http://127.0.0.1:%d" % control.server_address[1]
    demo = demo_catalogue.AMAZON_DEMO
    credentials = AmazonCredentials(
        demo["lwa_client_id"], demo["lwa_client_secret"], demo["refresh_token"]
    )
    client = AmazonClient(
        credentials,
        demo["seller_id"],
        [demo["marketplace_id"]],
        endpoint=amazon_server.url,
        lwa_endpoint=amazon_server.url,
        throttle_retries=0,
    )
    try:
        order = next(o for o in amazon.orders.values() if o.status == "Unshipped")
        answer = requests.post(
            url + "/confirmation-unreadable", json={"order_id": order.order_id}, timeout=10
        )
        assert answer.status_code == 204
        with pytest.raises(TransientError) as lost:
            client.confirm_shipment(order.order_id, _package(order, demo["marketplace_id"]))
        assert lost.value.outcome_unknown
        assert [s.package_reference_id for s in amazon.shipments(order.order_id)] == ["1"]
        with pytest.raises(PayloadError):
            client.find_package(order.order_id, "1")
        assert client.find_package(order.order_id, "1")["packageReferenceId"] == "1"

        answer = requests.post(
            url + "/confirmation-unreadable", json={"order_id": "NOPE"}, timeout=10
        )
        assert answer.status_code == 400
    finally:
        client.close()
        control.shutdown()
        amazon_server.stop()
        lightspeed_server.stop()


def _package(order, marketplace_id):
    """A confirmShipment body shipping all of ``order`` (a simulator order) as package 1."""
    shipped = datetime.fromtimestamp(order.purchase_date, timezone.utc) + timedelta(minutes=1)
    return {
        "marketplaceId": marketplace_id,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "UPS",
            "trackingNumber": "1Z999AA10123456785",
            "shipDate": shipped.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "orderItems": [
                {"orderItemId": item.order_item_id, "quantity": item.quantity}
                for item in order.lines
            ],
        },
    }
