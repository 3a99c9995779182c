import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from ..lib.errors import ConnectorError, ThrottledError
from ..lib.lightspeed import LightspeedClient
from .access_guard import MANAGER, SYSTEM, requires
from .connector_connection_mixin import run_state_field, secret_field
from .connector_run import MAX_WAIT, ConnectorRun, button_env
from .lightspeed_token_store import OdooTokenStore

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

SYNC_CRON = "amazon_lightspeed_connector.ir_cron_lightspeed_sync_reference_data"

DEFAULT_API_URL = "https://api.lightspeedapp.com/API/V3"
DEFAULT_TOKEN_URL = "https://cloud.lightspeedapp.com/auth/oauth/token"
SECRET_FIELDS = ("client_secret", "refresh_token", "access_token", "access_token_expires_at")


class LightspeedAccount(models.Model):
    """A Lightspeed Retail (R-Series) account: its credentials and the reference data read from it.

    The secrets are readable by Administration / Settings only; connector managers press the
    buttons, which read them as superuser. The refresh token rotates on every refresh and is
    written by ``OdooTokenStore`` alone, under a row lock, in its own committed transaction; the
    client secret and the tokens live in ``lightspeed.token`` (see there why), shown here
    through computed fields.
    """

    _name = "lightspeed.account"
    _inherit = ["connector.connection.mixin", "connector.secrets.mixin"]
    _description = "Lightspeed Account"
    _order = "name, id"

    _secrets_rows = "token_ids"
    _secret_fields = SECRET_FIELDS
    _secrets_search_refused = _lt("Only administrators can search Lightspeed tokens.")

    name = fields.Char(required=True, help="A name for this account, shown in the drop-downs.")
    active = fields.Boolean(default=True, help="Archive the account to stop every exchange.")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        help="The company whose stores this Lightspeed account holds.",
    )
    account_number = fields.Char(
        "Lightspeed Account ID",
        required=True,
        help="The number in your Lightspeed Retail address (Account/<number>); also shown "
        "under Settings > Account in Lightspeed.",
    )
    client_id = fields.Char(
        "OAuth Client ID",
        help="The client id of the API client registered for this integration in the "
        "Lightspeed developer portal.",
    )
    client_secret = secret_field(
        fields.Char,
        "OAuth Client Secret",
        search="_search_client_secret",
        copy=False,
        help="The client secret of that API client. Readable by administrators only.",
    )
    token_ids = fields.One2many(
        "lightspeed.token",
        "lightspeed_account_id",
        groups="base.group_system",
        help="Where the tokens below are stored (one row), apart from the account: see "
        "lightspeed.token.",
    )
    refresh_token = secret_field(
        fields.Char,
        search="_search_refresh_token",
        help="The OAuth refresh token of the account. Lightspeed replaces it on every refresh; "
        "the connector saves each new one at once. Paste the first one here, or obtain it by "
        "the authorisation-code exchange.",
    )
    access_token = secret_field(
        fields.Char,
        search="_search_access_token",
        help="The short-lived access token currently in use, renewed automatically.",
    )
    access_token_expires_at = secret_field(
        fields.Datetime,
        "Access Token Expiry",
        search="_search_access_token_expires_at",
        help="When the current access token stops working; it is renewed shortly before.",
    )
    api_url = fields.Char(
        "API URL",
        required=True,
        default=DEFAULT_API_URL,
        help="The Lightspeed Retail API V3 address (https://api.lightspeedapp.com/API/V3). "
        "Only Settings administrators can change it, to test against a simulator.",
    )
    token_url = fields.Char(
        "Token URL",
        required=True,
        default=DEFAULT_TOKEN_URL,
        help="Lightspeed's OAuth token endpoint "
        "(https://cloud.lightspeedapp.com/auth/oauth/token). Only Settings administrators can "
        "change it, to test against a simulator.",
    )
    bucket_share = fields.Float(
        "Share of the API Bucket",
        default=1.0,
        exclusive_minimum=0.0,
        maximum=1.0,
        help="The part of Lightspeed's request allowance (shared with every other app of the "
        "retailer) this connector may use: 1.0 is all of it, 0.5 half.",
    )
    last_sync = run_state_field(
        fields.Datetime,
        "reference",
        "last_run",
        "Last Reference Sync",
        help="When shops, registers, employees and payment types were last read.",
    )
    warehouse_ids = fields.One2many(
        "stock.warehouse",
        "lightspeed_account_id",
        "Stores",
        help="The Odoo warehouses bound to this account's Lightspeed shops.",
    )
    register_ids = fields.One2many(
        "lightspeed.register",
        "lightspeed_account_id",
        "Registers",
        help="The registers read from Lightspeed (archived ones are hidden).",
    )
    employee_ids = fields.One2many(
        "lightspeed.employee",
        "lightspeed_account_id",
        "Employees",
        help="The employees read from Lightspeed (archived ones are hidden).",
    )
    payment_type_ids = fields.One2many(
        "lightspeed.payment.type",
        "lightspeed_account_id",
        "Payment Types",
        help="The payment types read from Lightspeed (archived ones are hidden).",
    )

    _sql_constraints = [
        (
            "account_number_unique",
            "UNIQUE(account_number, company_id)",
            "This Lightspeed account is already configured in this company.",
        ),
    ]

    # --- the tokens (rows of lightspeed.token) -------------------------------------------------

    def _search_client_secret(self, operator, value):
        return self._search_secret("client_secret", operator, value)

    def _search_refresh_token(self, operator, value):
        return self._search_secret("refresh_token", operator, value)

    def _search_access_token(self, operator, value):
        return self._search_secret("access_token", operator, value)

    def _search_access_token_expires_at(self, operator, value):
        return self._search_secret("access_token_expires_at", operator, value)

    # --- the client ---------------------------------------------------------------------------

    def _lightspeed_client(self):
        """A client for this account; secrets are read as superuser, never shown to the caller."""
        self.ensure_one()
        account = self.sudo()
        if not (account.client_id and account.client_secret and account.refresh_token):
            raise UserError(
                _("Fill in the client id, client secret and refresh token of %s first.", self.name)
            )
        client = LightspeedClient(
            account.account_number,
            account.client_id,
            account.client_secret,
            OdooTokenStore(account),
            api_url=account.api_url,
            token_url=account.token_url,
            bucket_share=account.bucket_share or 1.0,
        )
        # the bucket as the last run or another worker saw it, and every answer saved
        self.env["connector.pacing.state"]._keep(account, client.pacer)
        # never a long wait inside a worker, run or button: a run narrows this to its budget
        client.pacer.max_wait = MAX_WAIT
        return client

    def _connection_reference(self):
        return self.account_number

    # --- buttons ------------------------------------------------------------------------------

    @requires("write", MANAGER)
    def action_test_connection(self):
        self.ensure_one()
        try:
            account_name = self._lightspeed_client().test_connection()
        except ConnectorError as error:
            return self._connection_test_notification(error, _("Lightspeed connection test"))
        message = _("Connected to Lightspeed account %s.", account_name)
        self._record_connection("ok", message)
        return self._notification(message, "success")

    @requires("write", SYSTEM)
    def action_disconnect(self):
        """Forget the tokens: nothing reaches Lightspeed until a new refresh token is entered."""
        self.sudo().write(
            {"refresh_token": False, "access_token": False, "access_token_expires_at": False}
        )
        self._record_connection("draft", _("Disconnected: enter a new refresh token to reconnect."))

    @requires("write", MANAGER)
    def action_sync_reference_data(self):
        self.ensure_one()
        try:
            counts = self.with_env(button_env(self.env))._sync_reference_data()
        except ThrottledError as error:  # the bucket needs longer than a button may wait
            run = ConnectorRun(self.env, budget=0)
            run.stop(error)
            return self._run_notification(run, SYNC_CRON, trouble=True)
        except ConnectorError as error:
            return self._notification(
                self._connection_failed(error, _("Lightspeed synchronisation")), "danger", True
            )
        message = _(
            "Synchronised %(shops)s stores, %(registers)s registers, %(employees)s employees and "
            "%(payment_types)s payment types.",
            **counts,
        )
        return self._notification(message, "success")

    @api.model
    def _cron_sync_reference_data(self):
        """Daily: refresh every connected account's reference data; one failure stops no other."""
        for account in self.search([]):
            if not account.sudo().refresh_token:
                continue
            try:
                account._sync_reference_data()
            except ThrottledError as error:  # the bucket is full: again when it has room
                run = ConnectorRun(self.env, budget=0)
                run.stop(error)
                run.schedule(SYNC_CRON)
            except ConnectorError as error:
                account._connection_failed(error, _("Lightspeed synchronisation"))

    # --- reference data -----------------------------------------------------------------------

    def _sync_reference_data(self):
        """Read shops, registers, employees and payment types; mirror them, archive the gone."""
        self.ensure_one()
        client = self._lightspeed_client()
        ConnectorRun(self.env).limit_waits(client.pacer)  # never a long wait inside a worker
        # every list is read before anything is written: a failed read changes nothing
        shops = self._usable_records(client.shops(), "shop_id", _("shop"))
        registers = self._usable_records(client.registers(), "register_id", _("register"))
        employees = self._usable_records(client.employees(), "employee_id", _("employee"))
        payment_types = self._usable_records(
            client.payment_types(), "payment_type_id", _("payment type")
        )
        warehouses = self._sync_shops(shops)
        no_store = self.env["stock.warehouse"]
        self._mirror_reference(
            "lightspeed.register",
            registers,
            "register_id",
            _("Register %s"),
            lambda r: {"warehouse_id": warehouses.get(str(r.shop_id), no_store).id},
        )
        self._mirror_reference("lightspeed.employee", employees, "employee_id", _("Employee %s"))
        self._mirror_reference(
            "lightspeed.payment.type", payment_types, "payment_type_id", _("Payment type %s")
        )
        self._fill_default_registers()
        self._save_run_state("reference", last_run=fields.Datetime.now())
        self._record_connection("ok", _("Reference data synchronised."))
        return {
            "shops": len(shops),
            "registers": len(registers),
            "employees": len(employees),
            "payment_types": len(payment_types),
        }

    def _mirror_reference(self, model, records, id_attr, unnamed, values_of=None):
        """Mirror ``records`` read from Lightspeed into ``model``: a row per Lightspeed id,
        named as there (``unnamed`` % id when it has no name), archived as there, with
        ``values_of(record)`` added."""
        wanted = {}
        for record in records:
            lightspeed_id = getattr(record, id_attr)
            wanted[str(lightspeed_id)] = dict(
                values_of(record) if values_of else {},
                name=record.name or unnamed % lightspeed_id,
                active=not record.archived,
            )
        self.env[model]._mirror_lightspeed_rows(self, wanted)
