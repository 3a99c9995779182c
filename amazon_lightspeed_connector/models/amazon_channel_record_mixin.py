from odoo import fields, models


class AmazonChannelRecordMixin(models.AbstractModel):
    """A record of one Amazon channel (SKU bindings, orders, listings feeds, settlements...).

    It lives in the channel's company, which the multi-company record rules and the
    ``check_company`` fields read, and goes with the channel. A model says what its channel is
    to it by redeclaring ``account_id`` with only a ``help`` (or ``readonly``): Odoo merges the
    attributes.
    """

    _name = "amazon.channel.record.mixin"
    _description = "Amazon Channel Record"
    _check_company_auto = True

    account_id = fields.Many2one(
        "amazon.account", "Amazon Channel", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="account_id.company_id", store=True, index=True, string="Company"
    )
