from odoo import api, fields, models


class LightspeedReferenceMixin(models.AbstractModel):
    """A Lightspeed record copied by the reference-data sync: registers, employees, payment types.

    Read-only in Odoo: the sync creates and updates one row per Lightspeed id and archives the
    rows Lightspeed no longer lists, so a channel that already uses one keeps showing it.
    """

    _name = "lightspeed.reference.mixin"
    _description = "Lightspeed Reference Data"
    _order = "name, id"

    name = fields.Char(required=True, readonly=True, help="The name in Lightspeed.")
    lightspeed_id = fields.Char(
        "Lightspeed ID", required=True, readonly=True, help="The record's ID in Lightspeed."
    )
    lightspeed_account_id = fields.Many2one(
        "lightspeed.account",
        "Lightspeed Account",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
        help="The Lightspeed account it was read from.",
    )
    active = fields.Boolean(
        default=True,
        help="Cleared when it is archived or no longer listed in Lightspeed: it stays visible "
        "where it is already used, but can no longer be chosen.",
    )
    company_id = fields.Many2one(
        related="lightspeed_account_id.company_id",
        store=True,
        index=True,
        string="Company",
        help="The company of the Lightspeed account it belongs to.",
    )

    _sql_constraints = [
        (
            "lightspeed_id_unique",
            "UNIQUE(lightspeed_account_id, lightspeed_id)",
            "A Lightspeed record is copied once per account.",
        ),
    ]

    @api.model
    def _mirror_lightspeed_rows(self, account, wanted):
        """Create or update one row per Lightspeed id in ``wanted``; archive every other row.

        ``wanted`` maps each Lightspeed id the account lists to the values of its row.
        """
        Model = self.with_context(active_test=False)
        existing = Model.search([("lightspeed_account_id", "=", account.id)])
        by_id = {record.lightspeed_id: record for record in existing}
        to_create = []
        for lightspeed_id, values in wanted.items():
            record = by_id.get(lightspeed_id)
            if record:
                record.write(values)
            else:
                to_create.append(
                    dict(values, lightspeed_id=lightspeed_id, lightspeed_account_id=account.id)
                )
        Model.create(to_create)
        gone = existing.filtered(lambda r: r.lightspeed_id not in wanted and r.active)
        gone.write({"active": False})
