"""A worker killed (SIGKILL, no cleanup) at random points of import, routing and sending, and
of the jobs after the sale (shipments read back, confirmations, voids and refunds, settlements)."""

import time
from collections import Counter

from after_sale import ALL_JOBS, KILL_JOBS, AfterSale
from drill_checks import assert_after_sale_once, assert_exactly_once, settle

KILLS = 50
# Each kill aims at one job and falls a random fraction of a second into it. Routing runs
# inside the import, as soon as an order is stored (the route job only picks up leftovers).
TARGETS = ("import", "send")


def test_fifty_kills_lose_nothing_and_duplicate_nothing(database, simulators, workers, rng):
    simulators.new_orders(30, rng)
    landed = Counter()
    for kill in range(KILLS):
        simulators.new_orders(2, rng)  # orders keep arriving between crashes, as in a shop
        process = workers.start("--cycles", "1")
        target = TARGETS[kill % len(TARGETS)]
        landed[workers.kill_during(process, target, rng.uniform(0.0, 0.5))] += 1
    rounds = settle(workers, database, simulators)
    figures = assert_exactly_once(database, simulators)
    print(
        "\nkill drill: %d kills, landed in %s; settled in %d clean cycle(s); %s"
        % (KILLS, dict(landed), rounds, figures)
    )
    # The drill proves something only if most kills hit a worker in the middle of its work.
    mid_run = KILLS - landed["finished"] - landed["between jobs"]
    assert mid_run >= KILLS * 0.5, "only %d of %d kills hit a running job" % (mid_run, KILLS)
    jobs_hit = set(landed) - {"finished", "between jobs"}
    assert {"import", "send"} <= jobs_hit, "kills never landed in %s" % (
        {"import", "send"} - jobs_hit
    )


# Fewer kills on eight orders: each after-sale job has little to do, and every worker pays for
# loading the registry (the 50 kills above, with these jobs added, took over 30 minutes).
AFTER_SALE_KILLS = 16
AFTER_SALE_TARGETS = tuple(KILL_JOBS.split(","))


def test_kills_after_the_sale_confirm_undo_and_credit_each_thing_once(
    database, simulators, workers, rng
):
    started = time.monotonic()
    story = AfterSale(database, simulators, workers, rng)
    story.prepare(lambda: settle(workers, database, simulators))
    events = story.events()
    landed = Counter()
    for kill in range(AFTER_SALE_KILLS):
        events = story.happen(events, at_most=1)  # one thing happens before each worker
        process = workers.start("--cycles", "1", "--jobs", KILL_JOBS)
        target = AFTER_SALE_TARGETS[kill % len(AFTER_SALE_TARGETS)]
        landed[workers.kill_during(process, target, rng.uniform(0.0, 0.5))] += 1
    rounds = 0
    while events:  # the settlement waits for Amazon to hold the shipments it pays
        rounds += settle(
            workers, database, simulators, max_rounds=6, jobs=ALL_JOBS, remaining=story.remaining
        )
        left = story.happen(events)
        assert len(left) < len(events), "events that never could happen: %d" % len(left)
        events = left
    rounds += settle(workers, database, simulators, jobs=ALL_JOBS, remaining=story.remaining)
    figures = assert_after_sale_once(database, simulators, story)
    print(
        "\nafter-sale kill drill: %d kills, landed in %s; settled in %d clean cycle(s); %s; "
        "%.0f s" % (AFTER_SALE_KILLS, dict(landed), rounds, figures, time.monotonic() - started)
    )
    after_sale_hit = set(landed) & {"readback", "confirm", "reverse", "settle"}
    assert len(after_sale_hit) >= 2, "kills landed in %s only" % dict(landed)
