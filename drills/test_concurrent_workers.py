"""Two Odoo workers run the same scheduled actions at the same moment, on separate cursors of
a real PostgreSQL: no order is processed twice and no rotated Lightspeed token is lost."""

from drill_checks import assert_exactly_once, refused_token_refreshes, settle

ROUNDS = 3


def _expire_lightspeed_access_token(database):
    # Both workers then refresh at once: the rotation race the token store must serialise.
    database.execute(
        "UPDATE lightspeed_token SET access_token = NULL, access_token_expires_at = NULL"
    )


def test_two_workers_at_once(database, simulators, workers, rng):
    simulators.new_orders(40, rng)
    for _ in range(ROUNDS):
        _expire_lightspeed_access_token(database)
        pair = [workers.start("--cycles", "2") for _ in range(2)]
        for process in pair:
            workers.finish(process, timeout=600)
        simulators.new_orders(10, rng)
    rounds = settle(workers, database, simulators)
    figures = assert_exactly_once(database, simulators)
    refused = refused_token_refreshes(simulators)
    assert not refused, "a rotated refresh token was lost: %s" % refused
    refreshes = [c for c in simulators.lightspeed.calls if c.path.endswith("/oauth/token")]
    print(
        "\nconcurrency drill: %d rounds of two workers, %d token refreshes, none refused; "
        "settled in %d cycle(s); %s" % (ROUNDS, len(refreshes), rounds, figures)
    )
