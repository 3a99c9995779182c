from odoo import fields, models

ITEM_MATCH = [
    ("auto", "Custom SKU, then System ID, then UPC"),
    ("custom_sku", "Custom SKU"),
    ("system_sku", "System ID"),
    ("upc", "UPC"),
]
# item_match -> [(Lightspeed Item field, Odoo product field)], in the order tried
ITEM_KEYS = {
    "auto": [("customSku", "default_code"), ("systemSku", "default_code"), ("upc", "barcode")],
    "custom_sku": [("customSku", "default_code")],
    "system_sku": [("systemSku", "default_code")],
    "upc": [("upc", "barcode")],
}


class LightspeedAccountSales(models.Model):
    """Which Lightspeed item an Odoo product is (stock refresh and sales)."""

    _inherit = "lightspeed.account"

    item_match = fields.Selection(
        ITEM_MATCH,
        "Match Items by",
        required=True,
        default="auto",
        help="How a Lightspeed item is found for an Odoo product: the product's internal "
        "reference is the item's Custom SKU or System ID, or its barcode is the item's UPC. "
        "The stock refresh and the sales both use it.",
    )

    def _item_keys(self, product):
        """[(Lightspeed Item field, value)] to search the product's item by, in order."""
        self.ensure_one()
        return [
            (item_field, product[product_field])
            for item_field, product_field in ITEM_KEYS[self.item_match or "auto"]
            if product[product_field]
        ]

    def _item_match_label(self):
        self.ensure_one()
        return dict(ITEM_MATCH)[self.item_match or "auto"]
