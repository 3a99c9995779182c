from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class AmazonMarketplaceMixin(models.AbstractModel):
    """A channel's record about one of its Amazon marketplaces (a SKU binding, a marketplace's
    pricelist): the marketplace must be one the channel sells in.

    The ID is typed by hand or imported from a spreadsheet: a space or a lower-case letter is
    set right, and an ID the channel does not list is refused at once. Kept, it would match no
    order and no listing, and the orders of the SKU would wait for a binding that seems to be
    there.
    """

    _name = "amazon.marketplace.mixin"
    _inherit = ["amazon.channel.record.mixin"]
    _description = "Amazon Marketplace Record"

    marketplace_id = fields.Char(
        "Marketplace ID",
        required=True,
        help="The Amazon marketplace, one of the channel's Marketplace IDs.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._normalized_marketplace(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._normalized_marketplace(vals))

    @api.model
    def _normalized_marketplace(self, vals):
        marketplace = vals.get("marketplace_id")
        if isinstance(marketplace, str):
            vals = dict(vals, marketplace_id=marketplace.strip().upper())
        return vals

    @api.constrains("account_id", "marketplace_id")
    def _check_channel_marketplace(self):
        for record in self:
            channel = record.account_id.sudo()
            known = channel._marketplace_list()
            if record.marketplace_id not in known:
                raise ValidationError(
                    _(
                        "%(marketplace)s is not a marketplace of the channel %(channel)s "
                        "(%(known)s): correct the Marketplace ID, or add it to the channel's "
                        "Marketplace IDs first.",
                        marketplace=record.marketplace_id,
                        channel=channel.name,
                        known=", ".join(known),
                    )
                )
