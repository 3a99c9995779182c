"""18.0.1.4.0: a routed order line keeps its sale's completion time (``sale_completed_at``).

The stock reads find the completed sales a stock row has not read yet through an index on this
copy of ``amazon_routed_order.lightspeed_completed_at``. Filled here in one statement, before
the ORM would compute the new stored field line by line on a table that holds every order ever
routed.
"""

import logging

from odoo.tools.sql import column_exists, create_column

_logger = logging.getLogger(__name__)


def copy_completion_times(cr):
    create_column(cr, "amazon_routed_order_line", "sale_completed_at", "timestamp")
    if not column_exists(cr, "amazon_routed_order", "lightspeed_completed_at"):
        return 0  # a database older than the completion time itself: nothing to copy
    cr.execute(
        """
        UPDATE amazon_routed_order_line l
           SET sale_completed_at = r.lightspeed_completed_at
          FROM amazon_routed_order r
         WHERE r.id = l.routed_order_id AND r.lightspeed_completed_at IS NOT NULL
        """
    )
    return cr.rowcount


def migrate(cr, version):
    if not version or column_exists(cr, "amazon_routed_order_line", "sale_completed_at"):
        return
    copied = copy_completion_times(cr)
    _logger.info("Routed order lines given their sale's completion time: %d", copied)
