from odoo import _, fields, models
from odoo.exceptions import ValidationError

from .lightspeed_account import DEFAULT_API_URL, DEFAULT_TOKEN_URL


class LightspeedAccountGuard(models.Model):
    """The addresses a Lightspeed account sends its credentials to belong to administrators.

    The client secret and refresh token go to the token URL, the access token to the API URL:
    only Settings administrators may change them; every value is checked (https, or http to
    loopback for the simulators) and every change is tracked in the chatter. The account number
    is checked unique before the row is written (see connector.account.guard why).
    """

    _name = "lightspeed.account"
    _inherit = ["lightspeed.account", "mail.thread", "connector.account.guard"]

    api_url = fields.Char(tracking=True, endpoint=True)
    token_url = fields.Char(tracking=True, endpoint=True)

    def _production_endpoints(self):
        return dict(
            super()._production_endpoints(),
            api_url={DEFAULT_API_URL},
            token_url={DEFAULT_TOKEN_URL},
        )

    def _lightspeed_client(self):
        self._check_stored_endpoints()
        return super()._lightspeed_client()

    def _check_new_accounts(self, vals_list):
        self._check_account_numbers_free(
            [(vals.get("account_number"), vals.get("company_id")) for vals in vals_list]
        )
        return super()._check_new_accounts(vals_list)

    def _check_account_changes(self, vals):
        if {"account_number", "company_id"} & set(vals):
            self._check_account_numbers_free(
                [
                    (
                        vals.get("account_number", account.account_number),
                        vals.get("company_id", account.company_id.id),
                    )
                    for account in self
                ]
            )
        return super()._check_account_changes(vals)

    def _check_account_numbers_free(self, keys):
        """UNIQUE(account_number, company_id), said before the database would refuse it."""
        Account = self.sudo().with_context(active_test=False)
        for index, (number, company_id) in enumerate(keys):
            taken = keys.index((number, company_id)) != index or Account.search_count(
                [
                    ("account_number", "=", number),
                    ("company_id", "=", company_id),
                    ("id", "not in", self.ids),
                ],
                limit=1,
            )
            if taken:
                raise ValidationError(
                    _("Lightspeed account %s is already configured in this company.", number)
                )
