"""Pacing from the bucket headers: a long run of writes makes no 429 and leaves room to others."""

import pytest
from lightspeed_support import calls, customer, make_client

from amazon_lightspeed_connector.lib.errors import ThrottledError
from amazon_lightspeed_connector.lib.lightspeed.pacing import (
    BucketPacer,
    parse_bucket_level,
    request_cost,
)
from amazon_lightspeed_connector.tests.simulators.core import ManualClock

WRITES = 200
WRITE_COST = 10
SHARE = 0.8
OTHERS_BURST = 30.0  # units other apps spent just before the run
OTHERS_RATE = 0.2  # units a second other apps keep spending during the run


def watch_levels(sim):
    """Record the bucket level after every request the simulator lets in."""
    levels = []
    take = sim.bucket.try_take

    def try_take(cost):
        answer = take(cost)
        levels.append(sim.bucket._level)
        return answer

    sim.bucket.try_take = try_take
    return levels


def test_two_hundred_writes_beside_other_apps_make_no_429(sim):
    client = make_client(sim, bucket_share=SHARE)
    client.test_connection()  # token and a first look at the bucket
    sim.other_apps_spend(OTHERS_BURST)
    sim.set_other_apps_rate(OTHERS_RATE)
    levels = watch_levels(sim)
    size, drip = sim.bucket.size, sim.bucket.drip_rate
    start, level_at_start = sim.clock.now(), sim.bucket_level

    for number in range(WRITES):
        client.post("Customer", customer(number))

    elapsed = sim.clock.now() - start
    posts = calls(sim, "POST", "/Customer.json")
    assert len(posts) == WRITES and all(c.status == 200 for c in posts)
    assert [c for c in sim.calls if c.status == 429] == []
    assert len(sim.customers()) == WRITES

    # The bound: our units plus the others' must drain, less what fits under our share.
    units = WRITES * WRITE_COST
    budget = size * SHARE
    bound = (units + level_at_start - budget) / (drip - OTHERS_RATE)
    print(
        "\npacing: %d writes, %d units of ours, others %.0f + %.1f/s, share %.0f%% (%.0f of %.0f)"
        "\n        simulated %.0f s vs bound %.0f s (ratio %.3f), max level %.1f, 429s: 0,"
        " learned others' rate %.2f/s"
        % (
            WRITES,
            units,
            OTHERS_BURST,
            OTHERS_RATE,
            SHARE * 100,
            budget,
            size,
            elapsed,
            bound,
            elapsed / bound,
            max(levels),
            client.pacer.others_rate,
        )
    )
    assert bound <= elapsed <= bound * 1.10
    # The registers keep their part of the bucket: we never fill past our share.
    assert max(levels) <= budget + 1e-6
    assert client.pacer.others_rate == pytest.approx(OTHERS_RATE, abs=0.05)


def test_a_full_share_run_alone_stays_under_the_top(sim):
    client = make_client(sim)
    client.test_connection()
    start = sim.clock.now()
    for number in range(30):
        client.post("Customer", customer(number))
    elapsed = sim.clock.now() - start
    assert [c for c in sim.calls if c.status == 429] == []
    assert elapsed == pytest.approx(300 - (sim.bucket.size - 1 - 1), abs=3)


def test_a_429_teaches_the_level_and_the_call_goes_once_there_is_room(sim):
    client = make_client(sim, bucket_share=SHARE)
    client.test_connection()
    sim.other_apps_spend(sim.bucket.size)  # another app just filled the bucket
    before = sim.clock.now()
    client.post("Customer", customer(1))  # 429; the pacer now knows the bucket is full, waits
    assert sim.clock.now() - before >= 10 + (sim.bucket.size - sim.bucket.size * SHARE)
    assert [c.status for c in calls(sim, "POST", "/Customer.json")] == [429, 200]
    assert len(sim.store.customers) == 1


def test_a_429_that_comes_again_stops_the_call(sim):
    client = make_client(sim, bucket_share=SHARE)
    client.test_connection()
    sim.faults.add("throttle", method="POST", path="/Customer.json", times=2)
    with pytest.raises(ThrottledError) as raised:
        client.post("Customer", customer(1))
    assert raised.value.retry_after >= 1
    assert [c.status for c in calls(sim, "POST", "/Customer.json")] == [429, 429]


def test_pacer_gives_up_when_other_apps_keep_the_bucket_full():
    clock = ManualClock()
    pacer = BucketPacer(clock, share=0.5, max_wait=30)
    pacer.observe({"X-LS-API-Bucket-Level": "89/90", "X-LS-API-Drip-Rate": "1"})
    with pytest.raises(ThrottledError):
        pacer.reserve(10)


def test_costs_and_headers():
    assert request_cost("GET") == 1 and request_cost("get", {"count": "1"}) == 10
    assert request_cost("POST") == request_cost("PUT") == 10
    assert parse_bucket_level("13.65/90") == (13.65, 90.0)
    assert parse_bucket_level("") is None and parse_bucket_level("x/y") is None
