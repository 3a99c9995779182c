"""Where each scheduled flow of an account stands: how far it has read, when it last ran, what
it did, whether it goes on at once.

Kept apart from the account rows on purpose. An import moves its cursor after every order and
commits, a stock refresh after every batch, a settlement run after every report: on the
account row, each of those writes takes the row lock that a manager saving the channel's
settings, a button of the same account or another flow of it (the listings push, the
settlement) then waits for, or collides with at commit. Here each flow writes its own row,
in the run's transaction, so a cursor is still committed together with what it moved past.

The row is keyed by model and id, as ``connector.pacing.state`` is, so both account models
keep their runs in one table and one list view.
"""

from odoo import api, fields, models

FLOWS = [
    ("import", "Order import"),
    ("settlement", "Settlement reports"),
    ("listings", "Quantity and price push"),
    ("reference", "Reference data"),
    ("stock", "Store stock"),
    ("sales_read", "Sales read back"),
]


class ConnectorRunState(models.Model):
    _name = "connector.run.state"
    _description = "Connector Run Status"
    _order = "res_model, res_id, id"
    _rec_name = "flow"

    res_model = fields.Char("Account Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference("Account", model_field="res_model", required=True)
    company_id = fields.Many2one("res.company", "Company", readonly=True, index=True)
    flow = fields.Selection(FLOWS, required=True, readonly=True)
    cursor = fields.Datetime(
        "Read Up To",
        readonly=True,
        help="How far the flow has read: the next run starts here (Amazon's LastUpdateDate for "
        "the import, a report's creation date for settlements, Lightspeed's timeStamp for "
        "stock and sales).",
    )
    page_token = fields.Char(
        "Next Page",
        readonly=True,
        help="A read a run left unfinished: Amazon's token of the import search's next page, "
        "or Lightspeed's link to the next page of the stock or sales read. The next run goes on "
        "from that page; if the service no longer takes it, from the cursor.",
    )
    window_end = fields.Datetime(
        "Search Up To", readonly=True, help="The upper bound of the unfinished search."
    )
    last_reference = fields.Char(
        "Last Read", readonly=True, help="The last record the flow read (an Amazon order id)."
    )
    last_run = fields.Datetime(readonly=True, help="When the flow last ran.")
    last_result = fields.Char("Last Run Result", readonly=True, help="What the last run did.")
    backlog = fields.Boolean(
        "Continues at Once",
        readonly=True,
        help="The last run stopped with more waiting (its page limit, its time, or a quota that "
        "had no room): the scheduled action runs this flow again without waiting for its "
        "interval.",
    )

    _sql_constraints = [
        ("flow_unique", "UNIQUE(res_model, res_id, flow)", "One status per account and flow."),
    ]

    @api.model
    def _of(self, account, flow):
        """``account``'s row for ``flow``, or an empty recordset (whose fields read False)."""
        return self.sudo().search(
            [("res_model", "=", account._name), ("res_id", "=", account.id), ("flow", "=", flow)],
            limit=1,
        )

    @api.model
    def _save(self, account, flow, values):
        """Write ``values`` on ``account``'s row for ``flow`` (created the first time), in the
        caller's transaction. Flows call it under their run's lock, so two workers never
        create the same row; should they, the unique rule makes it a conflict the run
        loop treats as another worker's (a retry, not an error)."""
        values = dict(values, company_id=account.company_id.id)
        state = self._of(account, flow)
        if state:
            state.write(values)
            return state
        return self.sudo().create(
            dict(values, res_model=account._name, res_id=account.id, flow=flow)
        )
