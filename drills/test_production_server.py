"""Odoo as production runs it: a prefork server, crons on their own, a slow Lightspeed bucket.

One ``python3 -m odoo --workers=2 --max-cron-threads=1`` server with its time limits lowered to
20 s: Odoo's watchdog kills any worker whose run waits on Lightspeed's bucket instead of ending
and scheduling its next run (ir.cron._trigger(at=...)). Nothing calls the connector but Odoo's
cron worker. The orders must all reach Lightspeed once, no worker may be killed, nothing may
end in error, and the whole must take little more than the bucket itself imposes: the units
spent divided by the drip rate.
"""

from drill_checks import assert_exactly_once
from production import (
    BucketMeter,
    TimedCalls,
    cron_alarm,
    make_connector_crons_due,
    orders_in_error,
    prefork_args,
    sales_posted,
    wait_until_synced,
)

from amazon_lightspeed_connector.tests.simulators.amazon.scenario import DEMO_PRICES
from amazon_lightspeed_connector.tests.simulators.lightspeed.bucket import LeakyBucket

ORDERS = 30
REPEAT_BUYER_SHARE = 0.3
# Lightspeed's documented shape (a bucket of 60) at three times its drip of 1 unit a second:
# slow enough that about 500 units take minutes, fast enough for the test command.
BUCKET_SIZE = 60
DRIP_RATE = 3.0
MAX_RATIO = 1.2
# Units a new buyer's order costs (bench/README: 20; a returning buyer's 10), for the deadline
# only (1.5 x that bound, plus a minute to start): the bound itself is measured.
UNITS_PER_NEW_BUYER = 20


def test_prefork_server_within_limits_and_bucket_bound(database, simulators, workers, servers):
    lightspeed = simulators.lightspeed
    lightspeed.bucket = LeakyBucket(lightspeed.clock, size=BUCKET_SIZE, drip_rate=DRIP_RATE)
    meter = BucketMeter(lightspeed.bucket)
    lightspeed.calls = TimedCalls()
    now = simulators.amazon.clock.now()
    orders = simulators.amazon.generate_orders(
        ORDERS,
        skus=sorted(DEMO_PRICES),
        start=now - 185,
        spread=60,
        afn_share=0.0,
        shipped_share=0.0,
        repeat_buyer_share=REPEAT_BUYER_SHARE,
    )
    buyers = len({order.buyer.email for order in orders})
    assert buyers < ORDERS, "no repeat buyer among the orders"
    make_connector_crons_due(database)

    deadline = 60 + 1.5 * ORDERS * UNITS_PER_NEW_BUYER / DRIP_RATE
    with cron_alarm(database):
        server = servers.start("prefork", *prefork_args())
        server.wait_up()
        wait_until_synced([server], database, simulators, timeout=deadline)
    server.stop()

    figures = assert_exactly_once(database, simulators)
    errors = orders_in_error(database)
    kills = server.kills()
    tracebacks = server.tracebacks()
    sales = sales_posted(simulators)
    first_call, last_sale = lightspeed.calls.times[0], sales[-1][0]
    wall = last_sale - first_call
    units = meter.units_between(first_call, last_sale)
    bound = units / DRIP_RATE
    throttled = sum(1 for call in lightspeed.calls if call.status == 429)
    print(
        "\nproduction drill: %d orders (%d buyers) -> %s; %d Lightspeed units, drip %.0f/s: "
        "bound %.0f s, wall %.0f s (first Lightspeed call to last sale), ratio %.2f; "
        "%d worker kill(s), %d traceback(s), %d order(s) in error, %d Lightspeed 429(s), "
        "%d bucket refusal(s); server log: %s"
        % (
            ORDERS,
            buyers,
            figures,
            units,
            DRIP_RATE,
            bound,
            wall,
            wall / bound,
            len(kills),
            tracebacks,
            len(errors),
            throttled,
            meter.refused,
            server.log_path,
        )
    )
    assert not kills, "Odoo killed workers:\n%s" % "\n".join(kills)
    assert not tracebacks, "tracebacks in the server log:\n%s" % server.log()[-6000:]
    assert not errors, "orders in error: %s" % errors
    assert figures["sales"] == figures["routed"], figures
    assert wall / bound <= MAX_RATIO, "wall %.0f s is %.2f x the bucket bound %.0f s" % (
        wall,
        wall / bound,
        bound,
    )
