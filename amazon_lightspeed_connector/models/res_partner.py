from odoo import api, fields, models
from odoo.tools import email_normalize


class ResPartner(models.Model):
    """Amazon buyers are ordinary customers, matched by e-mail (Amazon's anonymised relay
    address is stable per buyer), never followers of their orders."""

    _inherit = "res.partner"

    amazon_buyer = fields.Boolean(
        "Amazon Buyer",
        copy=False,
        help="Created by the Amazon import. Such contacts are never subscribed to documents "
        "and never e-mailed: Amazon forbids contacting buyers outside its messaging.",
    )

    @api.model
    def _amazon_buyer_partners(self, order, company):
        """(buyer, delivery contact) for an ``amazon.order``: the buyer found by e-mail or
        created, and a delivery contact under it with the order's shipping address."""
        email = email_normalize(order.buyer_email) if order.buyer_email else False
        buyer = self.browse()
        if email:
            buyer = self.search(
                [
                    ("email_normalized", "=", email),
                    ("company_id", "in", (company.id, False)),
                    ("parent_id", "=", False),
                ],
                order="amazon_buyer desc, id",
                limit=1,
            )
        country = self._amazon_country(order.ship_country_code)
        if not buyer:
            buyer = self.create(
                {
                    "name": order.buyer_name or order.ship_name or "Amazon buyer %s" % order.name,
                    "email": order.buyer_email or False,
                    "company_id": company.id,
                    "country_id": country.id,
                    "amazon_buyer": True,
                    "customer_rank": 1,
                }
            )
        if not (order.ship_street or order.ship_city or order.ship_zip):
            return buyer, buyer
        address = {
            "name": order.ship_name or buyer.name,
            "street": order.ship_street or False,
            "street2": order.ship_street2 or False,
            "city": order.ship_city or False,
            "zip": order.ship_zip or False,
            "country_id": country.id,
            "state_id": self._amazon_state(country, order.ship_state).id,
            "phone": order.ship_phone or False,
        }
        for child in buyer.child_ids:
            if child.type == "delivery" and all(
                (child[key].id if key.endswith("_id") else child[key] or False) == value
                for key, value in address.items()
                if key != "phone"
            ):
                return buyer, child
        delivery = self.create(
            dict(
                address,
                type="delivery",
                parent_id=buyer.id,
                company_id=company.id,
                amazon_buyer=True,
            )
        )
        return buyer, delivery

    @api.model
    def _amazon_buyer_ids(self, partner_ids):
        """The set of the given partner ids that are Amazon buyers (or their addresses)."""
        ids = [pid for pid in partner_ids if isinstance(pid, int)]
        if not ids:
            return set()
        self.flush_model(["amazon_buyer"])
        self.env.cr.execute(
            "SELECT id FROM res_partner WHERE amazon_buyer AND id = ANY(%s)", (list(set(ids)),)
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _amazon_buyer_emails(self, addresses):
        """The normalized e-mail addresses among ``addresses`` that belong to Amazon buyers."""
        emails = {email_normalize(a) for a in addresses} - {False, None}
        if not emails:
            return set()
        self.flush_model(["amazon_buyer", "email_normalized"])
        self.env.cr.execute(
            "SELECT email_normalized FROM res_partner "
            "WHERE amazon_buyer AND email_normalized = ANY(%s)",
            (list(emails),),
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _amazon_fba_partner(self, company, name):
        """The one customer of FBA orders imported for reporting: no address, no e-mail."""
        partner = self.search(
            [("name", "=", name), ("amazon_buyer", "=", True), ("company_id", "=", company.id)],
            limit=1,
        )
        return partner or self.create(
            {"name": name, "amazon_buyer": True, "company_id": company.id}
        )

    @api.model
    def _amazon_country(self, code):
        if not code:
            return self.env["res.country"]
        return self.env["res.country"].search([("code", "=", code.upper())], limit=1)

    @api.model
    def _amazon_state(self, country, value):
        State = self.env["res.country.state"]
        if not (country and value):
            return State
        return State.search(
            [
                ("country_id", "=", country.id),
                "|",
                ("code", "=ilike", value),
                ("name", "=ilike", value),
            ],
            limit=1,
        )
