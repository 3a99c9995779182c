from odoo import fields, models


class AmazonListingsFeed(models.Model):
    """One JSON_LISTINGS_FEED sent to Amazon, until its processing report has been read.

    The bindings it carries point to it (``amazon.offer.pending_feed_id``) with their message
    number and the values sent; the push run that finds the feed finished puts Amazon's
    verdict on each of them.
    """

    _name = "amazon.listings.feed"
    _inherit = ["amazon.channel.record.mixin"]
    _description = "Amazon Listings Feed"
    _order = "id desc"
    _rec_name = "feed_id"

    account_id = fields.Many2one(readonly=True)
    feed_id = fields.Char("Feed ID", required=True, readonly=True, index=True)
    marketplace_id = fields.Char("Marketplace ID", required=True, readonly=True)
    message_count = fields.Integer("Messages", readonly=True)
    state = fields.Selection(
        [("submitted", "Submitted"), ("done", "Report read"), ("fatal", "Refused")],
        required=True,
        default="submitted",
        readonly=True,
        index=True,
        help="Submitted: Amazon is processing it. Report read: each SKU got its verdict. "
        "Refused: Amazon applied nothing; the SKUs are sent again by the next run.",
    )
    accepted_count = fields.Integer("Accepted", readonly=True)
    error_count = fields.Integer("SKUs in Error", readonly=True)
    result_message = fields.Text(readonly=True)
    offer_ids = fields.One2many("amazon.offer", "pending_feed_id", "SKUs Waiting", readonly=True)
