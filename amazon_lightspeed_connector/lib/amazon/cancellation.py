"""Which units Amazon cancelled after the connector sent them to a store.

A buyer may cancel before shipment: Amazon cancels the whole order (status Canceled) or one
item of several (Orders API v2026-01-01 reports ``cancellation.cancellationExecution`` on the
item; ``AmazonOrderLine.cancelled``). ``cancelled_units`` compares what was sent with what
Amazon still wants; ``allocate`` spreads those units over the routed parts that hold them, the
parts listed first giving first (list open sales before completed ones: a void or a smaller
refund is the cheaper undo).
"""

from __future__ import annotations

from .order_data import CANCELED


def cancelled_units(order, sent_units):
    """SKU -> units of ``sent_units`` (SKU -> units already sent, not yet undone) that Amazon
    no longer wants."""
    if order.status == CANCELED:
        return {sku: units for sku, units in sent_units.items() if units > 0}
    wanted = {}
    for line in order.lines:
        if not line.cancelled:
            wanted[line.seller_sku] = wanted.get(line.seller_sku, 0) + line.quantity_ordered
    return {
        sku: units - wanted.get(sku, 0)
        for sku, units in sent_units.items()
        if units > wanted.get(sku, 0)
    }


def allocate(cancelled, parts):
    """``{part key: {SKU: units}}``: the cancelled units taken from ``parts``, a list of
    ``(part key, {SKU: units the part holds})``, first parts first."""
    left = {sku: units for sku, units in cancelled.items() if units > 0}
    taken = {}
    for key, holds in parts:
        for sku, units in holds.items():
            take = min(units, left.get(sku, 0))
            if take > 0:
                taken.setdefault(key, {})[sku] = take
                left[sku] -= take
    short = {sku: units for sku, units in left.items() if units > 0}
    if short:
        raise ValueError(
            "Amazon cancelled units no part holds: %s"
            % ", ".join("%d x %s" % (units, sku) for sku, units in sorted(short.items()))
        )
    return taken
