"""What a pacer learned outlives its run: the next client starts from it, not from a guess.

Each scheduled run (and each worker) builds a new client. Without the snapshot the new client
believes the bucket is empty (Lightspeed) or full of tokens (Amazon) and its first calls meet
a 429; with it, the next run waits for room instead. The LWA access token is shared the same
way: one exchange per account and hour, whatever the number of runs.
"""

import json

import pytest
from amazon_support import INCLUDED, SINCE, make_sim
from amazon_support import make_client as make_amazon_client
from lightspeed_support import customer, make_store
from lightspeed_support import make_client as make_lightspeed_client

from amazon_lightspeed_connector.lib.amazon.pacing import Pacer, merge_snapshots
from amazon_lightspeed_connector.lib.errors import ThrottledError
from amazon_lightspeed_connector.lib.lightspeed.pacing import BucketPacer, newer_snapshot
from amazon_lightspeed_connector.tests.simulators.amazon.testing import require_models
from amazon_lightspeed_connector.tests.simulators.core import ManualClock
from amazon_lightspeed_connector.tests.simulators.lightspeed import (
    API_BASE,
    OAUTH_BASE,
    LightspeedSimulator,
)
from amazon_lightspeed_connector.tests.simulators.transport import in_process

SEARCH_BURST = 20
# These tests are about what the next client knows, not about how long a run may wait: the
# pacers may sleep as long as the quota needs (the run loop caps it in production).
LONG_WAIT = 3600.0


def _throttled(sim):
    return [c for c in sim.calls if c.status == 429]


# --- Lightspeed's bucket ---------------------------------------------------------------------


def _busy_lightspeed_run(sim, store, snapshot=None):
    """A run of Customer POSTs that ends with the bucket nearly full; its client."""
    client = make_lightspeed_client(sim, store)
    client.pacer.max_wait = LONG_WAIT
    if snapshot is not None:
        client.pacer.restore(json.loads(json.dumps(snapshot)))  # as stored: through JSON
    for number in range(12):
        client.post("Customer", customer(number))
    return client


def test_the_next_lightspeed_run_starts_from_the_level_last_seen():
    sim = LightspeedSimulator.demo(clock=ManualClock())
    with in_process({API_BASE: sim, OAUTH_BASE: sim}):
        store = make_store(sim)
        first = _busy_lightspeed_run(sim, store)
        assert sim.bucket_level > 0.8 * sim.bucket.size  # the run left the bucket full
        second = _busy_lightspeed_run(sim, store, first.pacer.snapshot())
    assert _throttled(sim) == []
    assert second.pacer.waited_seconds > 0  # it waited for room instead


def test_a_blind_lightspeed_run_meets_a_429_the_snapshot_avoids():
    sim = LightspeedSimulator.demo(clock=ManualClock())
    with in_process({API_BASE: sim, OAUTH_BASE: sim}):
        store = make_store(sim)
        _busy_lightspeed_run(sim, store)
        _busy_lightspeed_run(sim, store)  # no snapshot: the control
    assert len(_throttled(sim)) >= 1


def test_lightspeed_snapshot_round_trips_and_bad_data_is_ignored():
    clock = ManualClock()
    pacer = BucketPacer(clock)
    pacer.observe({"X-LS-API-Bucket-Level": "42/60", "X-LS-API-Drip-Rate": "2"})
    pacer.reserve(10)
    snapshot = json.loads(json.dumps(pacer.snapshot()))
    copy = BucketPacer(clock)
    copy.restore(snapshot)
    assert copy.snapshot() == pacer.snapshot()
    assert (copy.size, copy.drip_rate) == (60.0, 2.0)
    for junk in (None, "text", {}, {"size": "x"}, dict(snapshot, size=0)):
        fresh = BucketPacer(clock)
        fresh.restore(junk)
        assert fresh.snapshot() == BucketPacer(clock).snapshot()


def test_of_two_workers_lightspeed_snapshots_the_later_one_wins():
    early, late = {"at": 10.0, "level": 80.0}, {"at": 20.0, "level": 5.0}
    assert newer_snapshot(early, late) is late
    assert newer_snapshot(late, early) is late
    assert newer_snapshot(None, early) is early


# --- Amazon's token buckets ------------------------------------------------------------------


def _search(client, pages):
    client.pacer.max_wait = LONG_WAIT
    for _ in range(pages):
        client.search_orders(SINCE, max_per_page=1, included_data=INCLUDED)


def test_the_next_amazon_run_does_not_spend_a_burst_amazon_already_counted():
    require_models()
    sim = make_sim(seed=5)
    sim.generate_orders(5, spread=3600)
    with in_process(sim.routes()):
        first = make_amazon_client(sim, throttle_retries=0)
        _search(first, SEARCH_BURST)  # the burst is spent
        snapshot = json.loads(json.dumps(first.pacer.snapshot()))
        second = make_amazon_client(sim, throttle_retries=0)
        second.pacer.restore(snapshot)
        _search(second, 2)
    assert _throttled(sim) == []
    assert second.pacer.waited > 0


def test_a_blind_amazon_run_meets_a_429():
    require_models()
    sim = make_sim(seed=5)
    sim.generate_orders(5, spread=3600)
    with in_process(sim.routes()):
        _search(make_amazon_client(sim), SEARCH_BURST)
        _search(make_amazon_client(sim), 1)  # the control: throttled once, then waited out
    assert len(_throttled(sim)) == 1


def test_amazon_snapshots_of_two_workers_merge_to_the_fewer_tokens():
    clock = ManualClock()
    pacer = Pacer(clock)
    pacer.before_call("ordersV0.getOrder")
    restored = Pacer(clock)
    restored.restore(json.loads(json.dumps(pacer.snapshot())))
    assert restored.snapshot() == pacer.snapshot()
    now = clock.now()
    one = {"ordersV0.getOrder": [29.0, now, 0.5], "feeds.getFeed": [3.0, now, 2.0]}
    other = {"ordersV0.getOrder": [10.0, now, 0.5]}
    merged = merge_snapshots(one, other, now)
    assert merged == {"ordersV0.getOrder": [10.0, now, 0.5], "feeds.getFeed": [3.0, now, 2.0]}
    junk = Pacer(clock)
    junk.restore({"ordersV0.getOrder": "x", "unknown.op": [1, 2, 3]})
    assert junk.snapshot() == {}


class SharedPacingState:
    """What ``connector.pacing.state`` does, in memory: each answer's snapshot merged into the
    account's stored one (through JSON, as stored); each new client starts from it."""

    def __init__(self):
        self.state = None

    def keep(self, client):
        client.pacer.restore(json.loads(json.dumps(self.state)) if self.state else None)
        client.pacer.listener = lambda snapshot: self.save(snapshot, client.clock.now())
        return client

    def save(self, snapshot, now):
        self.state = json.loads(json.dumps(merge_snapshots(self.state, snapshot, now)))

    def rate(self, key):
        return self.state[key][2]


GET_ORDER = "orders2026.getOrder"
# The account's live plan for getOrder, ten times Amazon's default (0.5 a second).
RAISED_RATE = 5.0


def _raised_get_order_plan(seed):
    sim = make_sim(seed=seed)
    sim.rate_limiter.overrides[("orders2026", "getOrder")] = (RAISED_RATE, 30)
    sim.generate_orders(1, spread=3600)
    return sim, next(iter(sim.orders))


def _throttled_get_order(sim, client, order_id):
    sim.faults.add("throttle", path="/orders/2026-01-01/orders/", times=1)
    with pytest.raises(ThrottledError):
        client.get_order(order_id)


def test_a_429_on_an_operation_never_called_keeps_the_live_rate_in_the_shared_state():
    """A worker throttled on its first getOrder: the 429's header gives the account's raised
    rate, and the next worker starts from it, not from Amazon's default."""
    require_models()
    sim, order_id = _raised_get_order_plan(seed=8)
    shared = SharedPacingState()
    with in_process(sim.routes()):
        _throttled_get_order(
            sim, shared.keep(make_amazon_client(sim, throttle_retries=0)), order_id
        )
        assert shared.state[GET_ORDER][0] == 0.0  # Amazon said the bucket is empty
        assert shared.rate(GET_ORDER) == RAISED_RATE
        following = shared.keep(make_amazon_client(sim))
    assert following.pacer.bucket(GET_ORDER).rate == RAISED_RATE


def test_a_worker_throttled_on_its_first_call_does_not_undo_what_another_worker_heard():
    """Worker A reads getOrder at the raised rate; worker B, started before A saved anything,
    meets a 429 on its first getOrder, without the header (a 429 may come without it): the
    shared state keeps B's empty bucket, at the rate A heard."""
    require_models()
    sim, order_id = _raised_get_order_plan(seed=9)
    shared = SharedPacingState()
    with in_process(sim.routes()):
        late = shared.keep(make_amazon_client(sim, throttle_retries=0))
        early = shared.keep(make_amazon_client(sim))
        early.get_order(order_id)
        assert shared.rate(GET_ORDER) == RAISED_RATE
    sim.clock.advance(1)
    late.pacer.throttled(GET_ORDER)  # the 429 without a header: only the bucket is emptied
    assert late.pacer.bucket(GET_ORDER).rate == 0.5  # all B itself knows: the default
    assert shared.state[GET_ORDER][0] == 0.0
    assert shared.rate(GET_ORDER) == RAISED_RATE


def test_a_live_rate_heard_later_replaces_one_heard_earlier():
    """Amazon lowered the plan: the rate heard last wins, whichever worker has fewer tokens."""
    now = 1000.0
    heard_early = {GET_ORDER: [3.0, now, RAISED_RATE, now - 60]}
    heard_late = {GET_ORDER: [20.0, now, 1.0, now - 5]}
    for merged in (
        merge_snapshots(heard_early, heard_late, now),
        merge_snapshots(heard_late, heard_early, now),
    ):
        assert merged == {GET_ORDER: [3.0, now, 1.0, now - 5]}


# --- the LWA access token ------------------------------------------------------------------


class MemoryAccessTokens:
    """What the Odoo model does, in memory: the account's last access token and its expiry."""

    def __init__(self):
        self.saved = None

    def current(self):
        return self.saved

    def save(self, answer, expires_at):
        self.saved = (json.loads(json.dumps(answer)), expires_at)


def test_one_lwa_exchange_serves_every_run_of_the_hour():
    require_models()
    sim = make_sim(seed=6)
    sim.generate_orders(3, spread=3600)
    store = MemoryAccessTokens()
    exchanges = 0
    with in_process(sim.routes()):
        for _ in range(6):  # six runs, ten minutes apart
            with make_amazon_client(sim, token_store=store) as client:
                _search(client, 1)
                exchanges += client.lwa_exchanges
            sim.clock.advance(600)
        with make_amazon_client(sim, token_store=store) as client:  # the hour has passed
            _search(client, 1)
            exchanges += client.lwa_exchanges
    assert exchanges == 2
    assert len(sim.authority.access_tokens) == 2


def test_a_token_amazon_refuses_is_not_taken_back_from_the_store():
    require_models()
    sim = make_sim(seed=7)
    sim.generate_orders(2, spread=3600)
    store = MemoryAccessTokens()
    with in_process(sim.routes()):
        with make_amazon_client(sim, token_store=store) as client:
            _search(client, 1)
        for token in sim.authority.access_tokens.values():  # Amazon ends it early
            token.expires_at = sim.clock.now()
        with make_amazon_client(sim, token_store=store) as client:
            _search(client, 1)
            assert client.lwa_exchanges == 1
    saved = sim.authority.access_tokens[store.saved[0]["access_token"]]
    assert saved.expires_at > sim.clock.now()
