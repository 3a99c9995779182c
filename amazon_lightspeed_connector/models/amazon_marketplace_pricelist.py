from odoo import fields, models


class AmazonMarketplacePricelist(models.Model):
    """Which Odoo pricelist prices a channel's SKUs in one Amazon marketplace."""

    _name = "amazon.marketplace.pricelist"
    _inherit = ["amazon.marketplace.mixin"]
    _description = "Amazon Marketplace Pricelist"
    _order = "account_id, marketplace_id"

    marketplace_id = fields.Char(
        help="The Amazon marketplace, e.g. ATVPDKIKX0DER (amazon.com), A2EUQ1WTGCTBG2 (amazon.ca): "
        "one of the channel's Marketplace IDs."
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        "Pricelist",
        required=True,
        check_company=True,
        help="Prices of this marketplace's SKUs, in the pricelist's currency.",
    )

    _sql_constraints = [
        (
            "marketplace_unique",
            "UNIQUE(account_id, marketplace_id)",
            "A marketplace has one pricelist per channel.",
        ),
    ]
