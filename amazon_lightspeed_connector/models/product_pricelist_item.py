from odoo import api, models

from .access_guard import check_rights


class ProductPricelistItem(models.Model):
    """A pricelist rule that changes flags the SKU bindings priced by that pricelist."""

    _inherit = "product.pricelist.item"

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items._flag_amazon_offers()
        return items

    def write(self, vals):
        check_rights(self, "write")  # before the offers are read as superuser
        self._flag_amazon_offers()  # what the rules applied to before
        result = super().write(vals)
        self._flag_amazon_offers()
        return result

    def unlink(self):
        check_rights(self, "unlink")  # before the offers are read as superuser
        self._flag_amazon_offers()
        return super().unlink()

    def _flag_amazon_offers(self):
        pricelists = self.pricelist_id
        if not pricelists:
            return
        Account = self.env["amazon.account"].sudo().with_context(active_test=False)
        accounts = Account.search(
            [
                "|",
                ("listings_pricelist_id", "in", pricelists.ids),
                ("marketplace_pricelist_ids.pricelist_id", "in", pricelists.ids),
            ]
        )
        if not accounts:
            return
        Offer = self.env["amazon.offer"]
        if any(item.applied_on not in ("0_product_variant", "1_product") for item in self):
            Offer._flag_accounts(accounts.ids)  # a category or global rule: any product
            return
        products = self.product_id | self.product_tmpl_id.product_variant_ids
        Offer._flag_products(products.ids, accounts.ids)
