from odoo import fields, models


class LightspeedEmployee(models.Model):
    """A Lightspeed employee, copied by the reference-data sync; Sales are written in its name."""

    _name = "lightspeed.employee"
    _description = "Lightspeed Employee"
    _order = "name, id"

    name = fields.Char(required=True, readonly=True, help="First and last name in Lightspeed.")
    lightspeed_id = fields.Char(
        "Lightspeed Employee ID", required=True, readonly=True, help="The employeeID in Lightspeed."
    )
    lightspeed_account_id = fields.Many2one(
        "lightspeed.account",
        "Lightspeed Account",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
        help="The Lightspeed account the employee was read from.",
    )
    active = fields.Boolean(
        default=True,
        help="Cleared when the employee is archived or no longer listed in Lightspeed.",
    )
    company_id = fields.Many2one(
        related="lightspeed_account_id.company_id",
        store=True,
        index=True,
        string="Company",
        help="The company of the Lightspeed account this employee belongs to.",
    )

    _sql_constraints = [
        (
            "lightspeed_id_unique",
            "UNIQUE(lightspeed_account_id, lightspeed_id)",
            "A Lightspeed employee is recorded once per account.",
        ),
    ]
