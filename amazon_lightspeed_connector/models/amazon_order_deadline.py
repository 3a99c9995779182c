from odoo import api, fields, models

from .amazon_order import _naive_utc


class AmazonOrderDeadline(models.Model):
    """Amazon's latest ship date on the order: routing takes the most urgent orders first and
    the Held Queue shows how long a held order has left (amazon_routed_order_deadline)."""

    _inherit = "amazon.order"

    latest_ship_date = fields.Datetime(
        "Ship By",
        readonly=True,
        index=True,
        help="Amazon's latest ship date (v0 LatestShipDate, v2026 shipByWindow.latestDateTime): "
        "shipped after it, the order counts as late against the seller.",
    )

    def _most_urgent_first(self):
        """These orders by Amazon's latest ship date (none: last), then purchase date."""
        far = fields.Datetime.to_datetime("9999-12-31")
        return self.sorted(lambda o: (o.latest_ship_date or far, o.purchase_date or far, o.id))

    @api.model
    def _values_from_amazon(self, account, data):
        values = super()._values_from_amazon(account, data)
        values["latest_ship_date"] = _naive_utc(data.latest_ship_date)
        return values
