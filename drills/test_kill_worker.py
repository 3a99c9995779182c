"""A worker killed (SIGKILL, no cleanup) at random points of import, routing and sending."""

from collections import Counter

from drill_checks import assert_exactly_once, settle

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
