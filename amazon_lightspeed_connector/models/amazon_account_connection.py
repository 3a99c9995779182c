"""How the connector reaches one Amazon seller account: the SP-API application's credentials
(the secrets themselves live in ``amazon.credential``), the region's endpoints, the client every
flow calls Amazon with, Test Connection, and Connect to Amazon (the seller authorises the app in
Seller Central; the OAuth route brings the code back to ``_complete_authorization``).
"""

import secrets
from urllib.parse import urlencode

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.amazon.client import AmazonClient, AmazonCredentials
from ..lib.errors import ConnectorError
from .access_guard import MANAGER, requires
from .connector_connection_mixin import secret_field
from .connector_run import MAX_WAIT

OAUTH_ROUTE = "/amazon_lightspeed_connector/amazon/oauth"
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
REGIONS = {
    # region: (SP-API endpoint, Seller Central where the seller authorises the app)
    "na": ("https://sellingpartnerapi-na.amazon.com", "https://sellercentral.amazon.com"),
    "eu": ("https://sellingpartnerapi-eu.amazon.com", "https://sellercentral-europe.amazon.com"),
    "fe": ("https://sellingpartnerapi-fe.amazon.com", "https://sellercentral.amazon.co.jp"),
}


class AmazonAccount(models.Model):
    _inherit = "amazon.account"

    # --- credentials --------------------------------------------------------------------------

    lwa_client_id = fields.Char(
        "LWA Client ID",
        help="The Login with Amazon client id of the SP-API application (Seller Central > "
        "Develop Apps > View LWA credentials).",
    )
    # stored in amazon.credential (see there why), shown here to administrators only
    lwa_client_secret = secret_field(
        fields.Char,
        "LWA Client Secret",
        search="_search_lwa_client_secret",
        copy=False,
        help="The Login with Amazon client secret of that application. Administrators only.",
    )
    refresh_token = secret_field(
        fields.Char,
        search="_search_refresh_token",
        copy=False,
        help="The seller's refresh token (Atzr|...): paste the one shown when you authorised "
        "the app, or obtain it with Connect to Amazon. Administrators only.",
    )
    endpoint_url = fields.Char(
        "SP-API Endpoint",
        compute="_compute_endpoint_url",
        store=True,
        readonly=False,
        help="Amazon's production endpoint of the region, set when the region is chosen "
        "(sellingpartnerapi-na/-eu/-fe.amazon.com). Only Settings administrators can change "
        "it, e.g. to Amazon's sandbox or a local simulator: https, or http to this machine.",
    )
    lwa_endpoint_url = fields.Char(
        "LWA Token Endpoint",
        default=LWA_TOKEN_URL,
        required=True,
        help="Login with Amazon's token endpoint (https://api.amazon.com/auth/o2/token in "
        "every region). Only Settings administrators can change it, for a simulator.",
    )
    spapi_application_id = fields.Char(
        "SP-API Application ID",
        help="The application id (amzn1.sp.solution...) of your SP-API app. With it, the "
        "Connect to Amazon button sends you to Seller Central to authorise the app.",
    )
    consent_url = fields.Char(
        "Seller Central URL",
        compute="_compute_consent_url",
        store=True,
        readonly=False,
        help="Where the seller authorises the app: Seller Central of the region, set when the "
        "region is chosen. Only Settings administrators can change it.",
    )
    oauth_redirect_url = fields.Char(
        "OAuth Redirect URL",
        compute="_compute_oauth_redirect_url",
        help="Register this address as the OAuth redirect URI of your SP-API app: Amazon "
        "sends the authorisation back to it.",
    )
    oauth_beta = fields.Boolean(
        "Draft Application",
        help="Tick while the SP-API app is still in draft: Amazon then needs version=beta "
        "in the authorisation address.",
    )
    oauth_state = fields.Char(
        "OAuth State",
        groups="base.group_system",
        copy=False,
        readonly=True,
        help="The one-time value that ties Amazon's answer to the Connect to Amazon request.",
    )

    # Two computes, not one: a value given for one field must not stop the other's default.
    @api.depends("region")
    def _compute_endpoint_url(self):
        for account in self:
            account.endpoint_url = REGIONS[account.region or "na"][0]

    @api.depends("region")
    def _compute_consent_url(self):
        for account in self:
            account.consent_url = REGIONS[account.region or "na"][1]

    def _compute_oauth_redirect_url(self):
        base_url = self.get_base_url() if self else ""
        for account in self:
            account.oauth_redirect_url = base_url + OAUTH_ROUTE

    # --- Amazon client and buttons ------------------------------------------------------------

    def _credentials(self, refresh_token=None):
        account = self.sudo()
        return AmazonCredentials(
            account.lwa_client_id or "",
            account.lwa_client_secret or "",
            refresh_token if refresh_token is not None else account.refresh_token or "",
        )

    def _amazon_client(self, refresh_token=None):
        """A client that starts from what earlier runs learned of the quota, with the access
        token still valid (``connector.pacing.state``, ``amazon.access.token``)."""
        self.ensure_one()
        own_token = refresh_token is None  # another refresh token: another seller's token
        client = AmazonClient(
            credentials=self._credentials(refresh_token),
            seller_id=self.seller_id,
            marketplace_ids=self._marketplace_list(),
            region=self.region.upper(),
            endpoint=self.endpoint_url or None,
            lwa_endpoint=self.lwa_endpoint_url or None,
            token_store=self._access_token_store() if own_token else None,
        )
        self.env["connector.pacing.state"]._keep(self, client.pacer)
        # never a long wait inside a worker (searchOrders has room once in 3 minutes): a
        # button says when to come back, a run narrows this to its budget and reschedules
        client.pacer.max_wait = MAX_WAIT
        return client

    def _marketplace_list(self):
        return [m.strip() for m in (self.marketplace_ids or "").split(",") if m.strip()]

    def _connection_reference(self):
        return self.seller_id

    @requires("write", MANAGER)
    def action_test_connection(self):
        self.ensure_one()
        account = self.sudo()
        if not (account.lwa_client_id and account.lwa_client_secret and account.refresh_token):
            raise UserError(_("Fill in the LWA client id and secret and the refresh token first."))
        try:
            with self._amazon_client() as client:
                summary = client.test_connection()
        except ConnectorError as error:
            return self._connection_test_notification(error, _("Amazon connection test"))
        self._record_connection("ok", summary)
        return self._notification(summary, "success")

    @requires("write", MANAGER)
    def action_connect_amazon(self):
        """Send the seller to Seller Central to authorise the app; the answer comes back to the
        OAuth redirect route with a one-time code and the state generated here."""
        self.ensure_one()
        if not self.spapi_application_id:
            raise UserError(_("Fill in the SP-API application id first, or paste a refresh token."))
        state = "%s-%s" % (self.id, secrets.token_urlsafe(24))
        self.sudo().oauth_state = state
        query = {
            "application_id": self.spapi_application_id,
            "state": state,
            "redirect_uri": self.oauth_redirect_url,
        }
        if self.oauth_beta:
            query["version"] = "beta"
        return {
            "type": "ir.actions.act_url",
            "url": "%s/apps/authorize/consent?%s" % (self._consent_url(), urlencode(query)),
            "target": "self",
        }

    def _consent_url(self):
        """Where Connect to Amazon sends the seller's browser (Seller Central's address)."""
        return self.consent_url.rstrip("/")

    def _complete_authorization(self, code, seller_id=None):
        """Exchange the code Amazon sent back for the seller's refresh token, and store it."""
        self.ensure_one()
        try:
            with self._amazon_client(refresh_token="") as client:
                refresh_token = client.exchange_authorization_code(code, self.oauth_redirect_url)
        except ConnectorError as error:
            self._connection_failed(error, _("Amazon authorisation"))
            return False
        values = {"refresh_token": refresh_token, "oauth_state": False}
        if seller_id:
            values["seller_id"] = seller_id
        self.sudo().write(values)
        self.write({"connection_state": "ok", "connection_message": _("Authorised by the seller.")})
        return True
