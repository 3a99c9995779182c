from odoo import api, fields, models

from ..lib.amazon.payment import PAYMENT_METHODS, normalize_payment_method


class AmazonPaymentMapping(models.Model):
    """How an Amazon payment method is paid in Lightspeed and booked in Odoo."""

    _name = "amazon.payment.mapping"
    _inherit = ["amazon.channel.mapping.mixin"]
    _description = "Amazon Payment Method Mapping"
    _order = "amazon_account_id, payment_method, id"

    lightspeed_account_id = fields.Many2one(
        related="amazon_account_id.lightspeed_account_id",
        string="Lightspeed Account",
        help="The Lightspeed account of the channel, whose payment types can be chosen.",
    )
    payment_method = fields.Selection(
        PAYMENT_METHODS,
        "Amazon Payment Method",
        required=True,
        help="How Amazon says the order was paid, with either Orders API version (v0 COD and "
        "CVS are Cash on delivery and Convenience store). An order paid several ways counts as "
        "cash on delivery or convenience store when one of its payments is, else as the first "
        "one Amazon lists.",
    )
    lightspeed_payment_type_id = fields.Many2one(
        "lightspeed.payment.type",
        "Lightspeed Payment Type",
        required=True,
        domain="[('lightspeed_account_id', '=', lightspeed_account_id)]",
        help="The payment type of the Lightspeed sale for orders paid this way.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        "Odoo Journal",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="The journal the settlement of such orders is booked in.",
    )

    _sql_constraints = [
        (
            "payment_method_unique",
            "UNIQUE(amazon_account_id, payment_method)",
            "An Amazon payment method is mapped once per channel.",
        ),
    ]

    @api.model
    def _upgrade_free_text_methods(self):
        """Bring the rows typed as free text (before the field offered Amazon's values) to
        Amazon's spelling: "COD" becomes Cash on delivery, "creditcard" Credit card. A row
        whose value is not one Amazon sends, or that repeats a row of the same channel, never
        matched an order; it is deleted and named in the sync log. Plain SQL: the ORM cannot
        read a selection field holding a value it does not offer."""
        known = {key for key, _label in PAYMENT_METHODS}
        self.env.cr.execute(
            """
            SELECT m.id, m.amazon_account_id, m.payment_method, t.name
              FROM amazon_payment_mapping m
              LEFT JOIN lightspeed_payment_type t ON t.id = m.lightspeed_payment_type_id
             ORDER BY m.id
            """
        )
        rows = self.env.cr.fetchall()
        kept = {(account, method) for _id, account, method, _type in rows if method in known}
        for row_id, account_id, method, payment_type in rows:
            if method in known:
                continue
            value = normalize_payment_method(method)
            if value in known and (account_id, value) not in kept:
                kept.add((account_id, value))
                self.env.cr.execute(
                    "UPDATE amazon_payment_mapping SET payment_method = %s WHERE id = %s",
                    (value, row_id),
                )
                continue
            self.env.cr.execute("DELETE FROM amazon_payment_mapping WHERE id = %s", (row_id,))
            account = self.env["amazon.account"].browse(account_id)
            self.env["amazon.sync.log"]._log_event(
                "import",
                self.env._(
                    '%(channel)s: the payment mapping "%(method)s" (Lightspeed payment type '
                    "%(type)s) was deleted: %(why)s. Map the method again with one of the "
                    "values Amazon sends (Configuration > Mappings > Payment Methods).",
                    channel=account.name,
                    method=method,
                    type=payment_type or "-",
                    why=self.env._("the channel maps that method already")
                    if value in known
                    else self.env._("Amazon never sends that value"),
                ),
                level="warning",
                reference=method,
                record=account,
            )
        self.invalidate_model()
