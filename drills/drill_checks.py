"""What "exactly once" means, checked on both sides: Odoo's tables and the simulators' state."""

from collections import Counter

from amazon_lightspeed_connector.tests.simulators.lightspeed.app import TOKEN_PATH

FINAL_ROUTED_STATES = ("sent", "shipped", "confirmed", "voided", "held")


def pending_work(database, simulators):
    """What a further worker cycle would still act on (0 when everything is synced)."""
    imported = {name for (name,) in database.rows("SELECT name FROM amazon_order")}
    not_imported = len(set(simulators.amazon.orders) - imported)
    return not_imported + database.value(
        """SELECT (SELECT count(*) FROM amazon_order
                    WHERE routing_state = 'to_route' OR import_state != 'imported')
                + (SELECT count(*) FROM amazon_routed_order
                    WHERE state NOT IN %s)""",
        (FINAL_ROUTED_STATES,),
    )


def settle(workers, database, simulators, max_rounds=12, cycles=1):
    """Run workers of ``cycles`` cycles until nothing is left to do; the rounds it took."""
    for round_number in range(1, max_rounds + 1):
        workers.run("--cycles", str(cycles))
        if not pending_work(database, simulators):
            return round_number
    raise AssertionError(
        "still %d things to do after %d clean worker cycles; last log:\n%s"
        % (pending_work(database, simulators), max_rounds, workers.log[-1][-3000:])
    )


def assert_exactly_once(database, simulators):
    """Every Amazon order once in Odoo; every routed order once in Lightspeed; nothing extra."""
    amazon_ids = sorted(simulators.amazon.orders)
    odoo_orders = Counter(name for (name,) in database.rows("SELECT name FROM amazon_order"))
    duplicates = {name: n for name, n in odoo_orders.items() if n > 1}
    assert not duplicates, "Amazon orders imported twice: %s" % duplicates
    lost = sorted(set(amazon_ids) - set(odoo_orders))
    assert not lost, "Amazon orders never imported: %s" % lost

    routed = database.rows(
        "SELECT name, state, lightspeed_sale_id FROM amazon_routed_order WHERE state != 'voided'"
    )
    routed_names = Counter(name for name, _state, _sale in routed)
    assert not [n for n, c in routed_names.items() if c > 1], "an order routed twice"
    unrouted = database.value(
        """SELECT count(*) FROM amazon_order o
            WHERE NOT EXISTS (SELECT 1 FROM amazon_routed_order r WHERE r.amazon_order_id = o.id)"""
    )
    assert unrouted == 0, "%d imported orders were never routed" % unrouted

    sales = [s for s in simulators.lightspeed.sales() if not s.voided]
    per_reference = Counter(s.reference_number for s in sales)
    twice = {ref: n for ref, n in per_reference.items() if n > 1}
    assert not twice, "Lightspeed sales written twice: %s" % twice
    unsent = sorted(name for name, state, _sale in routed if state != "sent" and state != "held")
    assert not unsent, "routed orders not in Lightspeed: %s" % unsent[:10]
    sent = {name: sale for name, state, sale in routed if state == "sent"}
    assert set(per_reference) == set(sent), "Lightspeed and Odoo disagree on what was sent"
    by_reference = {s.reference_number: str(s.sale_id) for s in sales}
    wrong_ids = {n: (sale, by_reference[n]) for n, sale in sent.items() if sale != by_reference[n]}
    assert not wrong_ids, "Odoo keeps another sale id than Lightspeed: %s" % wrong_ids
    return {"amazon_orders": len(amazon_ids), "routed": len(routed), "sales": len(sales)}


def refused_token_refreshes(simulators):
    """Refresh answers Lightspeed refused: each one would mean a rotated token was lost."""
    return [
        call
        for call in simulators.lightspeed.calls
        if call.path.endswith(TOKEN_PATH) and call.status >= 400
    ]
