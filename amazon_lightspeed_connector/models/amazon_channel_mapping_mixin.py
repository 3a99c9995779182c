from odoo import fields, models


class AmazonChannelMappingMixin(models.AbstractModel):
    """A row of a channel's mapping table: it belongs to one Amazon channel and its company.

    Shared by the payment, shipping and carrier mappings, which add what they map; each keeps
    its own table, order and uniqueness rule.
    """

    _name = "amazon.channel.mapping.mixin"
    _description = "Amazon Channel Mapping"
    _check_company_auto = True

    amazon_account_id = fields.Many2one(
        "amazon.account",
        "Amazon Channel",
        required=True,
        ondelete="cascade",
        index=True,
        help="The Amazon channel this mapping applies to.",
    )
    company_id = fields.Many2one(
        related="amazon_account_id.company_id",
        store=True,
        index=True,
        string="Company",
        help="The company of the Amazon channel.",
    )
