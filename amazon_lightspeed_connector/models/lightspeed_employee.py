from odoo import fields, models


class LightspeedEmployee(models.Model):
    """A Lightspeed employee, copied by the reference-data sync; Sales are written in its name."""

    _name = "lightspeed.employee"
    _inherit = ["lightspeed.reference.mixin"]
    _description = "Lightspeed Employee"

    name = fields.Char(help="First and last name in Lightspeed.")
    lightspeed_id = fields.Char("Lightspeed Employee ID", help="The employeeID in Lightspeed.")
