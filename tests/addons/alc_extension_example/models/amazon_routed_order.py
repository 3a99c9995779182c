from odoo import fields, models


class AmazonRoutedOrder(models.Model):
    _inherit = "amazon.routed.order"

    routing_mode = fields.Selection(selection_add=[("nearest", "Nearest store with everything")])

    def _prepare_lightspeed_sale_request(self, run=None, **options):
        order = self.amazon_order_id
        if order.is_prime and "ship_service_label" not in options:
            service = order.shipping_mapping_id.lightspeed_label or order.ship_service_level
            options["ship_service_label"] = "PRIME %s" % (service or "Standard")
        return super()._prepare_lightspeed_sale_request(run, **options)

    def _prepare_lightspeed_sale_payload(self, request):
        payload = super()._prepare_lightspeed_sale_payload(request)
        tax_category = self.amazon_order_id.account_id.example_tax_category
        if tax_category:
            payload["taxCategoryID"] = tax_category
        return payload
