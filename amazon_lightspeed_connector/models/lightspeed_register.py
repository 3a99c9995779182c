from odoo import fields, models


class LightspeedRegister(models.Model):
    """A Lightspeed register (till), copied from Lightspeed by the reference-data sync."""

    _name = "lightspeed.register"
    _description = "Lightspeed Register"
    _order = "warehouse_id, name, id"

    name = fields.Char(required=True, readonly=True, help="The register's name in Lightspeed.")
    lightspeed_id = fields.Char(
        "Lightspeed Register ID", required=True, readonly=True, help="The registerID in Lightspeed."
    )
    lightspeed_account_id = fields.Many2one(
        "lightspeed.account",
        "Lightspeed Account",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
        help="The Lightspeed account the register was read from.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Store",
        readonly=True,
        ondelete="set null",
        help="The store (Lightspeed shop) the register stands in.",
    )
    active = fields.Boolean(
        default=True,
        help="Cleared when the register is archived or no longer listed in Lightspeed: it stays "
        "visible where it is already used, but can no longer be chosen.",
    )
    company_id = fields.Many2one(
        related="lightspeed_account_id.company_id",
        store=True,
        index=True,
        string="Company",
        help="The company of the Lightspeed account this register belongs to.",
    )

    _sql_constraints = [
        (
            "lightspeed_id_unique",
            "UNIQUE(lightspeed_account_id, lightspeed_id)",
            "A Lightspeed register is recorded once per account.",
        ),
    ]

    def _compute_display_name(self):
        for register in self:
            shop = register.warehouse_id.name
            register.display_name = "%s (%s)" % (register.name, shop) if shop else register.name
