"""A fifth of the calls to both simulators fail: 429, 500, no answer, an answer lost after
the write. Everything still ends synced, exactly once."""

import time

from after_sale import ALL_JOBS, AfterSale
from drill_checks import assert_after_sale_once, assert_exactly_once, settle

# Four faults of about 5.5 % each: 1 - (1 - 0.055) ** 4 = 20 % of the calls fail.
FAULTS = ("throttle", "server_error", "timeout", "lost_response")
EACH = 0.055


def inject_faults(simulators):
    for fault in FAULTS:
        simulators.amazon.faults.add(fault, probability=EACH, times=None)
        # Lightspeed's OAuth endpoint is spared: a lost answer to a refresh loses the rotated
        # token for good (Lightspeed revokes the old one at once); no client can survive that,
        # so it is a support case, not a retry case (README, troubleshooting).
        simulators.lightspeed.faults.add(fault, probability=EACH, times=None, path="^/API/")


def failed_calls(simulators):
    failed = sum(
        1 for sim in (simulators.amazon, simulators.lightspeed) for c in sim.calls if c.fault
    )
    return failed, len(simulators.amazon.calls) + len(simulators.lightspeed.calls)


def test_twenty_percent_of_calls_failing(database, simulators, workers, rng):
    simulators.new_orders(40, rng)
    inject_faults(simulators)
    # Each failure stops its run (the next one continues), so progress per cycle is small:
    # workers of five cycles each, as a busy cron would run them.
    rounds = settle(workers, database, simulators, max_rounds=25, cycles=5)
    figures = assert_exactly_once(database, simulators)
    failed, total = failed_calls(simulators)
    print(
        "\nfault drill: %d of %d calls failed (%.0f %%); settled in %d worker(s) of 5 cycles; %s"
        % (failed, total, 100.0 * failed / total, rounds, figures)
    )
    assert failed >= total * 0.1, "too few faults were injected to prove anything"


def test_after_the_sale_with_twenty_percent_of_calls_failing(database, simulators, workers, rng):
    """Shipments read back and confirmed, voids, refund sales and credit notes, with the same
    faults: each still done once."""
    started = time.monotonic()
    story = AfterSale(database, simulators, workers, rng)
    story.prepare(lambda: settle(workers, database, simulators))
    calls_before = failed_calls(simulators)[1]
    inject_faults(simulators)
    events = story.events()
    rounds = 0
    while True:
        left = story.happen(events)
        rounds += settle(
            workers,
            database,
            simulators,
            max_rounds=25,
            cycles=5,
            jobs=ALL_JOBS,
            remaining=story.remaining,
        )
        if not left:
            break
        assert len(left) < len(events), "events that never could happen: %d" % len(left)
        events = left
    figures = assert_after_sale_once(database, simulators, story)
    failed, total = failed_calls(simulators)
    print(
        "\nafter-sale fault drill: %d of %d calls failed (%.0f %%); settled in %d worker(s) of 5 "
        "cycles; %s; %.0f s"
        % (
            failed,
            total - calls_before,
            100.0 * failed / max(total - calls_before, 1),
            rounds,
            figures,
            time.monotonic() - started,
        )
    )
    assert failed >= (total - calls_before) * 0.1, "too few faults were injected"
