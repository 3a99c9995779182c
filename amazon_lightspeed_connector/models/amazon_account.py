import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize_all

MAX_RETENTION_DAYS = (
    30  # Amazon's Data Protection Policy: buyer data at most 30 days after shipment
)
MAX_PREFIX_LENGTH = 20  # the prefix starts every sale order name: short, printable
MARKETPLACE_ID = re.compile(r"^[A-Z0-9]{8,20}$")  # e.g. ATVPDKIKX0DER, A1F83G8C2ARO7P


class AmazonAccount(models.Model):
    """An Amazon seller account and every setting of the channel it feeds.

    Credentials (LWA client secret, refresh token) are readable by Administration / Settings
    only; connector managers use them through the buttons, which read them as superuser
    (``amazon_account_connection``). The routing, import and mapping settings here are read by
    the import, routing and sync flows.
    """

    _name = "amazon.account"
    _inherit = ["connector.connection.mixin"]
    _description = "Amazon Channel"
    _order = "name, id"
    _check_company_auto = True  # its Lightspeed account, stores and journals: its company's

    # --- identity -----------------------------------------------------------------------------

    name = fields.Char(required=True, help="A name for this Amazon channel.")
    active = fields.Boolean(default=True, help="Archive the channel to stop every exchange.")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        help="The company that sells through this Amazon account; its orders land here.",
    )
    region = fields.Selection(
        [("na", "North America"), ("eu", "Europe"), ("fe", "Far East")],
        required=True,
        default="na",
        help="The Selling Partner API region of the seller account.",
    )
    marketplace_ids = fields.Char(
        "Marketplace IDs",
        required=True,
        default="ATVPDKIKX0DER",
        help="Comma-separated Amazon marketplace ids to import from, e.g. ATVPDKIKX0DER "
        "(amazon.com), A2EUQ1WTGCTBG2 (amazon.ca).",
    )
    seller_id = fields.Char(
        "Seller ID",
        help="Your Merchant Token (Seller Central > Settings > Account Info > Business "
        "information); filled in by Connect to Amazon.",
    )

    # --- Lightspeed and defaults --------------------------------------------------------------

    lightspeed_account_id = fields.Many2one(
        "lightspeed.account",
        "Lightspeed Account",
        domain="[('company_id', '=', company_id)]",
        check_company=True,
        help="The Lightspeed Retail account whose stores fulfil this channel's orders.",
    )
    default_warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Default Store",
        domain="[('lightspeed_account_id', '=', lightspeed_account_id), "
        "('lightspeed_shop_archived', '=', False)]",
        check_company=True,
        help="The store orders go to in single-store mode, and the fallback of the other modes.",
    )
    default_register_id = fields.Many2one(
        "lightspeed.register",
        "Default Register",
        domain="[('lightspeed_account_id', '=', lightspeed_account_id), "
        "('warehouse_id', '=', default_warehouse_id)]",
        help="The register of the default store Amazon sales routed there are rung up on "
        "(it wins over that store's own Default Register); orders routed to another store use "
        "that store's Default Register.",
    )
    default_employee_id = fields.Many2one(
        "lightspeed.employee",
        "Default Employee",
        domain="[('lightspeed_account_id', '=', lightspeed_account_id)]",
        help="The Lightspeed employee Amazon sales are written in the name of. Create one "
        'called "Amazon Orders" in Lightspeed, press Sync, and pick it here.',
    )
    default_payment_type_id = fields.Many2one(
        "lightspeed.payment.type",
        "Default Payment Type",
        domain="[('lightspeed_account_id', '=', lightspeed_account_id)]",
        help="The Lightspeed payment type of Amazon sales when no payment mapping applies. "
        'Create one called "Amazon Payment" in Lightspeed, press Sync, and pick it here.',
    )

    # --- FBA and routing ----------------------------------------------------------------------

    fba_order_state = fields.Selection(
        [("draft", "Quotation"), ("sale", "Sales Order"), ("cancel", "Cancelled")],
        "FBA Order Status",
        required=True,
        default="sale",
        help="The status FBA orders imported for reporting get in Odoo.",
    )
    fbm_order_state = fields.Selection(
        [("draft", "Quotation"), ("sale", "Sales Order")],
        "Merchant-Fulfilled Order Status",
        required=True,
        default="sale",
        help="Orders you ship yourself land as a quotation (to review first) or as a "
        "confirmed sales order.",
    )
    routing_mode = fields.Selection(
        [
            ("single", "Single store"),
            ("best", "Best store"),
            ("queue", "Best store, else hold"),
            ("split", "Split across stores"),
        ],
        required=True,
        default="best",
        help="Single store: every order goes to the default store. Best store: the store that "
        "holds every line; if none does, the default store sells it on virtual inventory. "
        "Hold: the best store, else the order waits in a queue for a person to push or void "
        "it. Split: the fewest stores that together hold everything.",
    )
    queue_notify_emails = fields.Char(
        "Notify on Hold",
        help="Comma-separated e-mail addresses told when an order is held.",
    )
    queue_activity_group_id = fields.Many2one(
        "res.groups",
        "Activities for",
        help="Each member of this group gets an Odoo activity to push or void a held order.",
    )
    split_fallback = fields.Selection(
        [("hold", "Hold the order"), ("default", "Send to the default store")],
        "When a Split Cannot Fulfil",
        required=True,
        default="hold",
        help="What to do when not even a split across all stores holds every line.",
    )

    # --- mappings -----------------------------------------------------------------------------

    payment_mapping_ids = fields.One2many(
        "amazon.payment.mapping",
        "amazon_account_id",
        "Payment Mappings",
        help="Which Lightspeed payment type and Odoo journal each Amazon payment method uses.",
    )
    shipping_mapping_ids = fields.One2many(
        "amazon.shipping.mapping",
        "amazon_account_id",
        "Shipping Mappings",
        help="Which Odoo carrier and Lightspeed label each Amazon ship service level gets.",
    )
    carrier_mapping_ids = fields.One2many(
        "amazon.carrier.mapping",
        "amazon_account_id",
        "Carrier Codes",
        help="The Amazon carrier code each Odoo carrier is confirmed with.",
    )

    # --- orders and privacy -------------------------------------------------------------------

    order_prefix = fields.Char(
        "Order Number Prefix",
        default="AMZ-",
        help="Put before the Amazon order id in Odoo's order and invoice names.",
    )
    exclude_from_sales_reports = fields.Boolean(
        "Exclude from Sales Reports",
        help="Keep Amazon orders out of Odoo's sales analysis.",
    )
    inventory_deduction = fields.Selection(
        [("at_once", "At once"), ("when_shipped", "When shipped")],
        "Deduct Store Inventory",
        required=True,
        default="at_once",
        help="At once: the Lightspeed sale is completed when written, so store stock drops "
        "now. When shipped: the sale stays open until the parcel leaves.",
    )
    sync_log_email = fields.Char(
        "Send Sync Log To",
        help="Comma-separated e-mail addresses that get one summary after each import or "
        "Lightspeed run that did something: orders imported, routed, held, sent, failed, with "
        "links. Empty: no mail.",
    )
    pii_retention_days = fields.Integer(
        "Keep Buyer Data (days)",
        default=MAX_RETENTION_DAYS,
        required=True,
        minimum=1,
        maximum=MAX_RETENTION_DAYS,
        help="Days after shipment or cancellation before buyer names, addresses, phones and "
        'e-mails are replaced with "Amazon Replaced". Amazon allows at most 30.',
    )

    _sql_constraints = [
        (
            "pii_retention_days_range",
            "CHECK(pii_retention_days BETWEEN 1 AND %d)" % MAX_RETENTION_DAYS,
            "Buyer data may be kept 1 to 30 days.",
        ),
    ]

    @api.constrains("pii_retention_days")
    def _check_pii_retention_days(self):
        for account in self:
            if not 1 <= account.pii_retention_days <= MAX_RETENTION_DAYS:
                raise ValidationError(
                    _("Buyer data may be kept at most %s days (Amazon's Data Protection Policy).")
                    % MAX_RETENTION_DAYS
                )

    @api.constrains("order_prefix")
    def _check_order_prefix(self):
        for account in self:
            prefix = account.order_prefix or ""
            if len(prefix) > MAX_PREFIX_LENGTH or not prefix.isprintable():
                raise ValidationError(
                    _(
                        "The order prefix starts every sale order name: use at most %(max)s "
                        "printable characters (it has %(length)s).",
                        max=MAX_PREFIX_LENGTH,
                        length=len(prefix),
                    )
                )

    @api.constrains("marketplace_ids")
    def _check_marketplace_ids(self):
        for account in self:
            wrong = [m for m in account._marketplace_list() if not MARKETPLACE_ID.match(m)]
            if wrong or not account._marketplace_list():
                raise ValidationError(
                    _(
                        "Marketplace IDs are Amazon's codes separated by commas, such as "
                        "ATVPDKIKX0DER (Amazon.com); not valid: %s",
                        ", ".join(w[:30] for w in wrong) or _("(none given)"),
                    )
                )

    @api.constrains("queue_notify_emails", "sync_log_email")
    def _check_emails(self):
        for account in self:
            for value in (account.queue_notify_emails, account.sync_log_email):
                if value and not email_normalize_all(value):
                    raise ValidationError(_("%s is not a valid list of e-mail addresses.", value))

    @api.constrains(
        "lightspeed_account_id",
        "default_register_id",
        "default_employee_id",
        "default_payment_type_id",
    )
    def _check_defaults_belong_to_lightspeed_account(self):
        for account in self:
            defaults = (
                account.default_register_id,
                account.default_employee_id,
                account.default_payment_type_id,
            )
            for record in defaults:
                if record and record.lightspeed_account_id != account.lightspeed_account_id:
                    raise ValidationError(
                        _(
                            "%s does not belong to the chosen Lightspeed account.",
                            record.display_name,
                        )
                    )
