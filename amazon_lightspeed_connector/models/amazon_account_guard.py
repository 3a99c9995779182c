from odoo import fields, models
from odoo.exceptions import UserError

from .amazon_account_connection import LWA_TOKEN_URL, REGIONS


class AmazonAccountGuard(models.Model):
    """The addresses an Amazon channel sends its credentials to belong to administrators.

    The LWA client secret goes in the body of every token request and the access token in every
    SP-API call: whoever sets these addresses receives them. Only Settings administrators may
    change them; every value is checked (https, or http to loopback for the simulators) and
    every change is tracked in the chatter. Region picks Amazon's own addresses.
    """

    _name = "amazon.account"
    _inherit = ["amazon.account", "mail.thread", "connector.account.guard"]

    endpoint_url = fields.Char(tracking=True, endpoint=True)
    lwa_endpoint_url = fields.Char(tracking=True, endpoint=True)
    consent_url = fields.Char(tracking=True, endpoint=True)
    region = fields.Selection(tracking=True)

    def _production_endpoints(self):
        return dict(
            super()._production_endpoints(),
            endpoint_url={endpoint for endpoint, __ in REGIONS.values()},
            consent_url={consent for __, consent in REGIONS.values()},
            lwa_endpoint_url={LWA_TOKEN_URL},
        )

    def _amazon_client(self, refresh_token=None):
        self._check_stored_endpoints()
        return super()._amazon_client(refresh_token=refresh_token)

    def _consent_url(self):
        # the browser is sent to the Seller Central URL: never to a stored javascript: one
        problem = self._stored_endpoint_problem(["consent_url"])
        if problem:
            raise UserError(problem)
        return super()._consent_url()
