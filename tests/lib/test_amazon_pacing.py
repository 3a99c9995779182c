"""Pacing on a ManualClock with Amazon's real quotas: no 429, and no slower than the quota.

The simulator enforces the documented token buckets on the same clock the client sleeps on,
so simulated seconds measure exactly how long an import takes against the real quotas.
Run with ``-s`` to see the figures.
"""

from amazon_support import INCLUDED, SINCE, make_client, make_sim

from amazon_lightspeed_connector.tests.simulators.amazon.testing import require_models
from amazon_lightspeed_connector.tests.simulators.transport import in_process

require_models()

SEARCH_RATE, SEARCH_BURST = 0.0056, 20


def _throttled(sim):
    return [c for c in sim.calls if c.status == 429]


def _import_search_pages(sim, page_size):
    with in_process(sim.routes()):
        client = make_client(sim)
        start = sim.clock.now()
        seen = [
            len(page.orders)
            for page in client.iter_order_pages(
                SINCE, max_per_page=page_size, included_data=INCLUDED
            )
        ]
        return sim.clock.now() - start, seen, client


def test_search_orders_pages_at_the_quota_without_a_429():
    pages, page_size = 40, 10
    sim = make_sim(seed=31)
    sim.generate_orders(pages * page_size, spread=86400)
    elapsed, seen, client = _import_search_pages(sim, page_size)
    bound = (pages - SEARCH_BURST) / SEARCH_RATE
    print(
        "\nsearchOrders: %d pages in %.0f simulated s; quota bound %.0f s (ratio %.4f); "
        "%d access tokens"
        % (pages, elapsed, bound, elapsed / bound, len(sim.authority.access_tokens))
    )
    assert seen == [page_size] * pages
    assert _throttled(sim) == []
    assert bound <= elapsed <= bound * 1.01
    assert len(sim.authority.access_tokens) == 2  # renewed once, before the hour ran out
    assert not [c for c in sim.calls if c.status == 403]


def test_a_slower_live_plan_from_the_header_is_adopted_before_it_bites():
    sim = make_sim(seed=32)
    sim.rate_limiter.overrides[("orders2026", "searchOrders")] = (0.0028, SEARCH_BURST)
    sim.generate_orders(300, spread=86400)
    elapsed, seen, client = _import_search_pages(sim, 10)
    assert client.pacer.bucket("orders2026.searchOrders").rate == 0.0028
    assert _throttled(sim) == []
    bound = (30 - SEARCH_BURST) / 0.0028
    print("\nslower live plan: %.0f simulated s; bound %.0f s" % (elapsed, bound))
    assert bound <= elapsed <= bound * 1.01


def test_v0_import_paces_order_items_and_addresses_without_a_429():
    count = 120
    sim = make_sim(seed=33)
    sim.generate_orders(count, spread=86400)
    with in_process(sim.routes()):
        client = make_client(sim)
        start = sim.clock.now()
        for page in client.iter_v0_order_pages(SINCE):
            for order in page.orders:
                client.get_order_items(order["AmazonOrderId"])
                client.get_order_address(order["AmazonOrderId"])
        elapsed = sim.clock.now() - start
    bound = (count - 30) / 0.5  # getOrderItems and getOrderAddress refill side by side
    requests = sum(client.calls.values())
    print(
        "\nv0: %d orders in %.0f simulated s (bound %.0f s); %d requests = %.2f per order; "
        "%d RDT" % (count, elapsed, bound, requests, requests / count, sim.rdts_issued)
    )
    assert _throttled(sim) == []
    assert bound <= elapsed <= bound * 1.02
    assert sim.rdts_issued == 1
