from odoo import fields, models


class LightspeedRegister(models.Model):
    """A Lightspeed register (till), copied from Lightspeed by the reference-data sync."""

    _name = "lightspeed.register"
    _inherit = ["lightspeed.reference.mixin"]
    _description = "Lightspeed Register"
    _order = "warehouse_id, name, id"

    lightspeed_id = fields.Char("Lightspeed Register ID", help="The registerID in Lightspeed.")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Store",
        readonly=True,
        ondelete="set null",
        help="The store (Lightspeed shop) the register stands in.",
    )

    def _compute_display_name(self):
        for register in self:
            shop = register.warehouse_id.name
            register.display_name = "%s (%s)" % (register.name, shop) if shop else register.name
