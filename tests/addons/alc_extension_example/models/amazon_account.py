from odoo import fields, models


class AmazonAccount(models.Model):
    _inherit = "amazon.account"

    routing_mode = fields.Selection(
        selection_add=[("nearest", "Nearest store with everything")],
        ondelete={"nearest": "set default"},
    )
    example_tax_category = fields.Integer(
        "Lightspeed Tax Category ID",
        help="Sent as the taxCategoryID of every Lightspeed Sale of this channel (0: not sent).",
    )
