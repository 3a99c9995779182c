"""18.0.1.3.0: an Amazon order says whether its sale order was closed (``sale_close_state``).

The confirmation run now closes the sales of orders confirmed lately and still open. The orders
an earlier version confirmed in full were closed then (or their failure logged): they are marked
closed, so that the upgrade does not close them a second time.
"""

import logging

_logger = logging.getLogger(__name__)


def mark_confirmed_orders_closed(cr):
    cr.execute(
        """
        UPDATE amazon_order o
           SET sale_close_state = 'closed'
         WHERE o.sale_close_state IS NULL
           AND o.sale_order_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM amazon_routed_order part
                        WHERE part.amazon_order_id = o.id AND part.state = 'confirmed')
           AND NOT EXISTS (SELECT 1 FROM amazon_routed_order other
                            WHERE other.amazon_order_id = o.id
                              AND other.state NOT IN ('confirmed', 'voided'))
        """
    )
    return cr.rowcount


def migrate(cr, version):
    if not version:
        return
    marked = mark_confirmed_orders_closed(cr)
    _logger.info("Amazon orders confirmed in full marked closed: %d", marked)
