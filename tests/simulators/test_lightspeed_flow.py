"""The Lightspeed simulator end to end with plain requests: the life of one Amazon order."""

import pytest
import requests

from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import LIGHTSPEED_DEMO
from amazon_lightspeed_connector.tests.simulators.lightspeed import (
    API_BASE,
    DEMO_EMPLOYEE_ID,
    DEMO_PAYMENT_TYPE_ID,
    OAUTH_BASE,
    LightspeedSimulator,
)
from amazon_lightspeed_connector.tests.simulators.transport import in_process

TOKEN_URL = OAUTH_BASE + "/auth/oauth/token"
ACCOUNT_URL = API_BASE + "/API/V3/Account/%s" % LIGHTSPEED_DEMO["account_id"]


@pytest.fixture
def sim():
    simulator = LightspeedSimulator.demo(clock=ManualClock())
    with in_process({API_BASE: simulator, OAUTH_BASE: simulator}):
        yield simulator


def refresh(refresh_token, secret=LIGHTSPEED_DEMO["client_secret"]):
    form = {
        "grant_type": "refresh_token",
        "client_id": LIGHTSPEED_DEMO["client_id"],
        "client_secret": secret,
        "refresh_token": refresh_token,
    }
    return requests.post(TOKEN_URL, data=form, timeout=5)


def bearer(token):
    return {"Authorization": "Bearer %s" % token}


def amazon_sale(reference, completed=True, quantity=1, payment="59.00"):
    """JBJ-S (item 1, stocked only at store C) shipped to an Amazon buyer from store C."""
    sale = {
        "employeeID": DEMO_EMPLOYEE_ID,
        "registerID": 3,
        "shopID": 3,
        "completed": completed,
        "referenceNumber": reference,
        "referenceNumberSource": "Amazon",
        "SaleLines": {"SaleLine": [{"itemID": 1, "unitQuantity": quantity, "unitPrice": "59.00"}]},
        "ShipTo": {
            "firstName": "Jo",
            "lastName": "Buyer",
            "shipNote": "Amazon order %s - Standard shipping" % reference,
            "Contact": {
                "Addresses": {
                    "ContactAddress": {
                        "address1": "1 Pike St",
                        "city": "Seattle",
                        "state": "WA",
                        "zip": "98101",
                        "country": "United States",
                    }
                }
            },
        },
    }
    if payment:
        sale["SalePayments"] = {
            "SalePayment": {"amount": payment, "paymentTypeID": DEMO_PAYMENT_TYPE_ID}
        }
    return sale


def test_refresh_rotates_the_refresh_token_and_revokes_the_old_one_at_once(sim):
    first = refresh(LIGHTSPEED_DEMO["refresh_token"])
    assert first.status_code == 200
    grant = first.json()
    assert grant["token_type"] == "Bearer" and grant["expires_in"] == 3600
    assert grant["refresh_token"] != LIGHTSPEED_DEMO["refresh_token"]

    reused = refresh(LIGHTSPEED_DEMO["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"

    second = refresh(grant["refresh_token"])
    assert second.status_code == 200
    assert sim.revoked_refresh_tokens == [LIGHTSPEED_DEMO["refresh_token"], grant["refresh_token"]]
    assert sim.valid_refresh_tokens == {second.json()["refresh_token"]}
    answer = requests.get(ACCOUNT_URL + ".json", headers=bearer(grant["access_token"]), timeout=5)
    assert answer.json()["Account"]["accountID"] == LIGHTSPEED_DEMO["account_id"]


def test_one_amazon_order_through_the_api(sim):
    token = refresh(LIGHTSPEED_DEMO["refresh_token"]).json()["access_token"]

    # Page through the items by following @attributes.next.
    skus, url = [], ACCOUNT_URL + "/Item.json?limit=5"
    while url:
        page = requests.get(url, headers=bearer(token), timeout=5).json()
        skus.extend(item["customSku"] for item in page["Item"])
        url = page["@attributes"]["next"]
    assert len(skus) == 12 and len(set(skus)) == 12

    # One POST: lines, payment and ship-to; completed, so qoh drops at store C only.
    assert (sim.qoh("JBJ-S", 3), sim.total_qoh("JBJ-S")) == (3, 3)
    created = requests.post(
        ACCOUNT_URL + "/Sale.json", json=amazon_sale("113-0000001-0000001"), headers=bearer(token)
    )
    assert created.status_code == 200, created.text
    sale = created.json()["Sale"]
    assert sale["completed"] == "true" and sale["total"] == "59" and sale["balance"] == "0"
    assert sale["ShipTo"]["Contact"]["Addresses"]["ContactAddress"]["city"] == "Seattle"
    assert (sim.qoh("JBJ-S", 3), sim.qoh("JBJ-S", 1), sim.qoh("JBJ-S", 2)) == (2, 0, 0)

    # The exactly-once check: find it again by referenceNumber.
    found = requests.get(
        ACCOUNT_URL + "/Sale.json",
        params={"referenceNumber": "113-0000001-0000001"},
        headers=bearer(token),
        timeout=5,
    ).json()
    assert found["Sale"]["saleID"] == sale["saleID"]

    # "Deduct inventory when shipped": an open sale moves no stock until completed by PUT.
    open_sale = requests.post(
        ACCOUNT_URL + "/Sale.json",
        json=amazon_sale("113-0000002-0000002", completed=False),
        headers=bearer(token),
    ).json()["Sale"]
    assert open_sale["completed"] == "false" and sim.qoh("JBJ-S", 3) == 2
    completed = requests.put(
        ACCOUNT_URL + "/Sale/%s.json" % open_sale["saleID"],
        json={"completed": True, "ShipTo": {"shipped": True}},
        headers=bearer(token),
    )
    assert completed.status_code == 200, completed.text
    assert completed.json()["Sale"]["completed"] == "true"
    assert completed.json()["Sale"]["ShipTo"]["shipped"] == "true"
    assert sim.qoh("JBJ-S", 3) == 1
    assert [s.completed for s in sim.sales()] == [True, True]


def test_bucket_refuses_with_429_then_accepts_after_the_clock_drips(sim):
    token = sim.access_token()
    sim.other_apps_spend(85)  # the store's registers used most of the shared bucket
    first = requests.post(
        ACCOUNT_URL + "/Sale.json", json=amazon_sale("A-1"), headers=bearer(token)
    )
    assert first.status_code == 429
    assert first.json()["httpCode"] == "429"
    assert first.headers["X-LS-API-Bucket-Level"] == "85/90"
    retry_after = int(first.headers["Retry-After"])
    assert retry_after == 5  # 85 + 10 is 5 over 90, at 1 unit a second
    assert sim.sales() == []

    sim.clock.advance(retry_after)
    second = requests.post(
        ACCOUNT_URL + "/Sale.json", json=amazon_sale("A-1"), headers=bearer(token)
    )
    assert second.status_code == 200
    assert second.headers["X-LS-API-Bucket-Level"] == "90/90"
    assert second.headers["X-LS-API-Drip-Rate"] == "1"
    assert len(sim.sales("A-1")) == 1


def test_api_calls_need_a_live_bearer_token(sim):
    missing = requests.get(ACCOUNT_URL + "/Shop.json", timeout=5)
    assert missing.status_code == 401
    assert missing.json()["errorClass"] == "BadAuthenticationRequestError"
    token = refresh(LIGHTSPEED_DEMO["refresh_token"]).json()["access_token"]
    assert requests.get(ACCOUNT_URL + "/Shop.json", headers=bearer(token)).status_code == 200
    sim.clock.advance(3600)
    expired = requests.get(ACCOUNT_URL + "/Shop.json", headers=bearer(token), timeout=5)
    assert expired.status_code == 401
    assert expired.json()["hint"] == "Access token could not be verified"


def test_wrong_client_secret_is_invalid_client_and_spends_no_token(sim):
    answer = refresh(LIGHTSPEED_DEMO["refresh_token"], secret="not-the-secret")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert LIGHTSPEED_DEMO["refresh_token"] in sim.valid_refresh_tokens


def test_authorization_code_is_exchanged_once_within_a_minute(sim):
    form = {
        "grant_type": "authorization_code",
        "client_id": LIGHTSPEED_DEMO["client_id"],
        "client_secret": LIGHTSPEED_DEMO["client_secret"],
        "code": sim.oauth.issue_authorization_code(),
    }
    assert requests.post(TOKEN_URL, data=form, timeout=5).status_code == 200
    assert requests.post(TOKEN_URL, data=form, timeout=5).json()["error"] == "invalid_grant"
    form["code"] = sim.oauth.issue_authorization_code()
    sim.clock.advance(61)
    assert requests.post(TOKEN_URL, json=form, timeout=5).json()["error"] == "invalid_grant"
