from odoo import api, fields, models


class AmazonOffer(models.Model):
    """A SKU binding: an Amazon SellerSKU in one marketplace is this Odoo product.

    Orders whose SKU had no binding wait in error; creating (or fixing) the binding queues
    them for the next import run, which builds their sale orders.
    """

    _name = "amazon.offer"
    _inherit = ["amazon.marketplace.mixin"]
    _description = "Amazon SKU Binding"
    _order = "account_id, seller_sku, marketplace_id"
    _rec_name = "seller_sku"

    account_id = fields.Many2one(help="The Amazon channel that sells this SKU.")
    marketplace_id = fields.Char(
        help="The Amazon marketplace the SKU is listed in, e.g. ATVPDKIKX0DER (amazon.com): one "
        "of the channel's Marketplace IDs. "
        "A SKU listed in several marketplaces has one binding per marketplace.",
    )
    seller_sku = fields.Char(
        "Seller SKU", required=True, index=True, help="The SKU exactly as listed on Amazon."
    )
    product_id = fields.Many2one(
        "product.product",
        "Product",
        required=True,
        check_company=True,
        ondelete="restrict",
        help="The Odoo product Amazon orders of this SKU are sold as.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "sku_unique",
            "UNIQUE(account_id, marketplace_id, seller_sku)",
            "A SKU is bound once per channel and marketplace.",
        ),
    ]

    @api.constrains("active")
    def _check_restored_marketplace(self):
        """A binding restored from the archive must be in a marketplace the channel lists."""
        self.filtered("active")._check_channel_marketplace()

    @api.onchange("account_id")
    def _onchange_account_id(self):
        if self.account_id and not self.marketplace_id:
            self.marketplace_id = (self.account_id._marketplace_list() or [False])[0]

    @api.model_create_multi
    def create(self, vals_list):
        offers = super().create(vals_list)
        offers._queue_waiting_orders()
        return offers

    def write(self, vals):
        result = super().write(vals)
        if {"seller_sku", "marketplace_id", "product_id", "active"} & set(vals):
            self._queue_waiting_orders()
        return result

    def _queue_waiting_orders(self):
        """Orders in error for want of one of these SKUs are retried by the next import run."""
        offers = self.filtered("active")
        if not offers:
            return
        waiting = (
            self.env["amazon.order"]
            .sudo()
            .search(
                [
                    ("account_id", "in", offers.account_id.ids),
                    ("import_state", "=", "error"),
                    ("missing_skus", "!=", False),
                ]
            )
        )
        bound = {(o.account_id.id, o.seller_sku) for o in offers}
        waiting.filtered(
            lambda order: any(
                (order.account_id.id, sku) in bound for sku in order._missing_sku_list()
            )
        ).write({"import_state": "to_retry"})
