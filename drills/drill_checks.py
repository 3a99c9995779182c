"""What "exactly once" means, checked on both sides: Odoo's tables and the simulators' state."""

from collections import Counter

from amazon_lightspeed_connector.lib.amazon.client import BEFORE_MARGIN
from amazon_lightspeed_connector.tests.simulators.lightspeed.app import TOKEN_PATH

FINAL_ROUTED_STATES = ("sent", "shipped", "confirmed", "voided", "held", "cancelled")


def remaining_work(database, simulators):
    """What a further worker cycle would still act on, by kind (each 0 when all is synced)."""
    imported = {name for (name,) in database.rows("SELECT name FROM amazon_order")}
    return {
        "orders not imported": len(set(simulators.amazon.orders) - imported),
        "orders to route or import again": database.value(
            """SELECT count(*) FROM amazon_order
                WHERE routing_state = 'to_route' OR import_state != 'imported'"""
        ),
        "routed orders not in a final state": database.value(
            "SELECT count(*) FROM amazon_routed_order WHERE state NOT IN %s",
            (FINAL_ROUTED_STATES,),
        ),
    }


def pending_work(database, simulators):
    """What a further worker cycle would still act on (0 when everything is synced)."""
    return sum(remaining_work(database, simulators).values())


def amazon_readable_at(simulators):
    """When the import can first read every change Amazon has made so far (clock seconds):
    searchOrders takes no LastUpdatedBefore closer to now than two minutes (BEFORE_MARGIN),
    so a cancellation is read two minutes after it happens, however often the import runs."""
    changes = [order.last_update for order in simulators.amazon.orders.values()]
    return max(changes, default=0) + BEFORE_MARGIN.total_seconds()


def settle(workers, database, simulators, max_rounds=12, cycles=1, jobs=None, remaining=None):
    """Run workers of ``cycles`` cycles (of ``jobs``, else the worker's own list) until
    ``remaining`` (by default the forward path's ``remaining_work``) counts nothing left; the
    rounds it took. Only rounds that start once the import may read Amazon's latest change
    count towards ``max_rounds``: on a quiet machine twelve rounds take less than Amazon's two
    minutes. A drill that does not settle says what was left, by kind."""
    remaining = remaining or remaining_work
    extra = ("--jobs", jobs) if jobs else ()
    rounds = counted = 0
    while counted < max_rounds:
        readable = simulators.amazon.clock.now() >= amazon_readable_at(simulators)
        workers.run("--cycles", str(cycles), *extra)
        rounds += 1
        counted += readable
        left = remaining(database, simulators)
        if not sum(left.values()):
            return rounds
    raise AssertionError(
        "still %d things to do after %d clean worker cycles, %d of them after Amazon's last "
        "change could be read (%s); last log:\n%s"
        % (
            sum(left.values()),
            rounds,
            counted,
            ", ".join("%s: %s" % (kind, n) for kind, n in left.items() if n),
            workers.log[-1][-3000:],
        )
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


def assert_after_sale_once(database, simulators, story):
    """After the sale (drills/after_sale.py), each thing done once on each side: every order
    once in Odoo; each shipment confirmed to Amazon once; each undo once in Lightspeed (a void,
    or one refund sale per reference); each refund credited once."""
    amazon_ids = sorted(simulators.amazon.orders)
    odoo_orders = Counter(name for (name,) in database.rows("SELECT name FROM amazon_order"))
    assert sorted(odoo_orders) == amazon_ids and set(odoo_orders.values()) == {1}, odoo_orders

    # Amazon: each package confirmed once, and every shipped order fully confirmed
    packages = Counter(s.package_reference_id for s in simulators.amazon.shipments())
    twice = {ref: n for ref, n in packages.items() if n > 1}
    assert not twice, "packages confirmed to Amazon twice: %s" % twice
    for order_id in story.shipped:
        order = simulators.amazon.orders[order_id]
        assert order.status == "Shipped", "%s shipped but %s on Amazon" % (order_id, order.status)
    unconfirmed = database.rows(
        """SELECT name, state, confirmation_state, error_message FROM amazon_routed_order
            WHERE state = 'shipped'
               OR confirmation_state IN ('to_confirm', 'waiting', 'unknown', 'failed')"""
    )
    assert not unconfirmed, "shipments never confirmed: %s" % unconfirmed
    confirmed = database.value(
        "SELECT count(*) FROM amazon_routed_order WHERE confirmation_state = 'confirmed'"
    )
    assert confirmed == len(simulators.amazon.shipments()), "Odoo and Amazon disagree"

    # Lightspeed: one live sale per reference (originals and refund sales alike)
    sales = simulators.lightspeed.sales()
    per_reference = Counter(s.reference_number for s in sales if not s.voided)
    twice = {ref: n for ref, n in per_reference.items() if n > 1}
    assert not twice, "Lightspeed sales written twice: %s" % twice
    reversals = database.rows(
        """SELECT r.state, r.action, r.reason, r.reference, r.refund_sale_id, r.error_message,
                  o.lightspeed_sale_id, o.name
             FROM amazon_sale_reversal r JOIN amazon_routed_order o ON o.id = r.routed_order_id"""
    )
    not_done = [row for row in reversals if row[0] != "done"]
    assert not not_done, "undos not done in Lightspeed: %s" % not_done
    by_id = {s.sale_id: s for s in sales}
    refund_sales = [s for s in sales if s.reference_number.rsplit("-R", 1)[-1].isdigit()]
    for _state, action, _reason, reference, refund_id, _error, sale_id, name in reversals:
        if action == "void":
            assert by_id[int(sale_id)].voided, "%s: sale %s not voided" % (name, sale_id)
        elif action == "refund":
            (made,) = [s for s in refund_sales if s.reference_number == reference]
            assert str(made.sale_id) == refund_id, "%s: Odoo keeps another refund sale" % name
    # the connector's own voids and refunds, read back before they were recorded (a worker
    # killed, an answer lost), are not taken for the store's doing: no order in error
    in_error = database.rows(
        "SELECT name, state, error_message FROM amazon_routed_order WHERE error_message IS NOT NULL"
    )
    assert not in_error, "routed orders in error: %s" % in_error
    made_by_odoo = {row[3] for row in reversals if row[1] == "refund"}
    extra = {s.reference_number for s in refund_sales} - made_by_odoo
    assert not extra, "refund sales Odoo does not know: %s" % extra
    per_reason = Counter(row[2] for row in reversals)
    expected = {
        "cancellation": len(story.cancelled) + len(story.item_cancelled),
        "return": len(story.refunds),
    }
    assert per_reason == Counter({k: n for k, n in expected.items() if n}), per_reason

    # Odoo: each refund of the settlements credited once
    credit_notes = Counter(
        ref
        for (ref,) in database.rows(
            """SELECT ref FROM account_move
                WHERE move_type = 'out_refund' AND ref LIKE 'Amazon refund%%'"""
        )
    )
    assert set(credit_notes.values()) <= {1}, "a refund credited twice: %s" % credit_notes
    assert len(credit_notes) == len(story.refunds), "%d refunds, %d credit notes" % (
        len(story.refunds),
        len(credit_notes),
    )
    unbooked = database.value("SELECT count(*) FROM amazon_settlement_line WHERE state = 'refund'")
    assert unbooked == 0, "%d refund rows left unbooked" % unbooked
    return {
        "orders": len(amazon_ids),
        "confirmed_packages": len(packages),
        "voids": sum(1 for row in reversals if row[1] == "void"),
        "refund_sales": len(refund_sales),
        "credit_notes": len(credit_notes),
    }
