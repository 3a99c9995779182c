"""The simulator over real HTTP on loopback, large generated accounts, and the shared bucket."""

import requests

from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.demo_catalogue import LIGHTSPEED_DEMO
from amazon_lightspeed_connector.tests.simulators.http_server import SimulatorServer
from amazon_lightspeed_connector.tests.simulators.lightspeed import API_BASE, LightspeedSimulator
from amazon_lightspeed_connector.tests.simulators.lightspeed.bucket import LeakyBucket
from amazon_lightspeed_connector.tests.simulators.lightspeed.testing import ApiCaller, as_list
from amazon_lightspeed_connector.tests.simulators.transport import in_process


def test_loopback_serves_oauth_and_api_and_next_urls_point_back_at_it():
    sim = LightspeedSimulator.demo(clock=ManualClock())
    with SimulatorServer(sim) as server:
        form = {
            "grant_type": "refresh_token",
            "client_id": LIGHTSPEED_DEMO["client_id"],
            "client_secret": LIGHTSPEED_DEMO["client_secret"],
            "refresh_token": LIGHTSPEED_DEMO["refresh_token"],
        }
        token = requests.post(server.url + "/auth/oauth/token", data=form, timeout=5).json()
        api = ApiCaller(sim, token=token["access_token"], base=server.url)
        first = api.get("Item", limit=10)
        assert first.status_code == 200
        assert first.headers["X-LS-API-Bucket-Level"] == "1/90"
        next_url = first.json()["@attributes"]["next"]
        assert next_url.startswith(server.url + "/API/V3/Account/120645/Item.json?")
        rest = api.get_url(next_url).json()
        assert [item["itemID"] for item in rest["Item"]] == ["11", "12"]
        assert rest["@attributes"]["previous"].startswith(server.url)


def test_generated_account_is_deterministic_and_pages_through_twenty_thousand_items():
    # No time limit here: speed belongs to the benchmarks (shared machines are noisy).
    big = LightspeedSimulator(clock=ManualClock(), seed=7)
    shops = big.generate(shops=30, items=20_000, customers=200)
    assert len(shops) == 30 and len(big.store.items) == 20_000
    twin = LightspeedSimulator(clock=ManualClock(), seed=7)
    twin.generate(shops=30, items=20_000, customers=200)
    assert [big.qoh(n, 5) for n in range(1, 200)] == [twin.qoh(n, 5) for n in range(1, 200)]
    assert big.store.items[777]["description"] == twin.store.items[777]["description"]

    big.bucket.drip_rate = 1_000_000  # this test is about paging, not pacing
    with in_process({API_BASE: big}):
        api = ApiCaller(big)
        big.clock.advance(10)
        for number in (5, 19_999, 12_345):
            big.set_qoh("GEN-%06d" % number, shops[3], 2)
        changed = api.get("ItemShop", timeStamp=">,2026-01-01T00:00:05", shopID=shops[3])
        pages = 0
        url = api.url("Item") + "?limit=100&sort=itemID"
        while url and pages < 40:
            url = api.get_url(url).json()["@attributes"]["next"]
            pages += 1
    moved = [(s["itemID"], s["qoh"]) for s in as_list(changed.json()["ItemShop"])]
    assert moved == [("5", "2"), ("12345", "2"), ("19999", "2")]
    assert pages == 40 and url.endswith("after=" + url.rsplit("after=", 1)[1])


def test_other_apps_drain_the_shared_bucket_at_their_own_rate():
    clock = ManualClock()
    bucket = LeakyBucket(clock, size=60, drip_rate=1)
    bucket.background_rate = 0.5  # the registers spend half the drip
    assert bucket.try_take(10) == (True, 0)
    clock.advance(10)
    assert bucket.level == 5.0  # 10 + 10 s x (0.5 - 1)
    bucket.add_external(50)
    assert bucket.try_take(10) == (False, 10)  # 5 over, draining 0.5 a second
    clock.advance(10)
    assert bucket.try_take(10)[0]
    assert bucket.headers(10) == {
        "X-LS-API-Bucket-Level": "60/60",
        "X-LS-API-Drip-Rate": "1",
        "X-LS-API-Request-Cost": "10",
    }


def test_writes_cost_ten_and_reads_one_on_the_account_bucket():
    sim = LightspeedSimulator.demo(clock=ManualClock(), bucket_size=60)
    with in_process({API_BASE: sim}):
        api = ApiCaller(sim)
        assert api.get("Shop").headers["X-LS-API-Bucket-Level"] == "1/60"
        customer = {"firstName": "Jo"}
        assert api.post("Customer", customer).headers["X-LS-API-Bucket-Level"] == "11/60"
        sim.set_other_apps_rate(2)  # faster than the drip: the level climbs by itself
        sim.clock.advance(20)
        assert sim.bucket_level == 31
        assert api.post("Customer", customer).headers["X-LS-API-Bucket-Level"] == "41/60"
        sim.clock.advance(19)  # 41 + 19 x (2 - 1): full
        throttled = api.get("Shop")
        assert throttled.status_code == 429
        assert throttled.headers["X-LS-API-RateLimit-Type"] == "api-leaky-bucket"
