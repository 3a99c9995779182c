"""A worker killed (SIGKILL, no cleanup) at random points of import, routing and sending."""

from collections import Counter

from drill_checks import assert_exactly_once, settle

KILLS = 50


def test_fifty_kills_lose_nothing_and_duplicate_nothing(database, simulators, workers, rng):
    simulators.new_orders(30, rng)
    landed = Counter()
    for _ in range(KILLS):
        simulators.new_orders(2, rng)  # orders keep arriving between crashes, as in a shop
        process = workers.start("--cycles", "2")
        landed[workers.kill_after(process, rng.uniform(0.0, 4.0))] += 1
    rounds = settle(workers, database, simulators)
    figures = assert_exactly_once(database, simulators)
    print(
        "\nkill drill: %d kills, landed in %s; settled in %d clean cycle(s); %s"
        % (KILLS, dict(landed), rounds, figures)
    )
    # The drill proves something only if most kills hit a worker in the middle of its work.
    mid_run = KILLS - landed["finished"] - landed["between jobs"]
    assert mid_run >= KILLS * 0.8, "only %d of %d kills hit a running job" % (mid_run, KILLS)
    # Routing runs inside the import as soon as an order is stored (the routing job only picks
    # up what is left), so kills in "import" land in routing too.
    jobs_hit = set(landed) - {"finished", "between jobs"}
    assert {"import", "send"} <= jobs_hit, "kills never landed in %s" % (
        {"import", "send"} - jobs_hit
    )
