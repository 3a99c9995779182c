from odoo import api, models

# The accounts the settlement books on, one of each per company: (account type, name, where
# the code is taken from, so that the new account sits beside its kind in the chart)
DEDICATED_ACCOUNTS = {
    "fees": ("expense", "Amazon Fees", "property_account_expense_categ_id"),
    "withheld_tax": ("income", "Amazon Withheld Tax", "property_account_income_categ_id"),
}


class AccountAccount(models.Model):
    _inherit = "account.account"

    @api.model
    def _amazon_dedicated_account(self, kind):
        """The active company's account for Amazon's ``kind`` ("fees" or "withheld_tax"):
        found by name and type, else created beside the company's default account of that
        kind (next free code). Empty while the company has no chart of accounts."""
        account_type, name, category_field = DEDICATED_ACCOUNTS[kind]
        company = self.env.company
        domain = [*self._check_company_domain(company), ("account_type", "=", account_type)]
        found = self.search([*domain, ("name", "=", name)], limit=1)
        if found:
            return found
        category = self.env.ref("product.product_category_all", raise_if_not_found=False)
        beside = category.with_company(company)[category_field] if category else self.browse()
        beside = beside or self.search(domain, order="code desc", limit=1)
        if not beside.code:
            return self.browse()
        return self.create(
            {
                "name": name,
                "code": self._search_new_account_code(beside.code),
                "account_type": account_type,
                "company_ids": [(6, 0, company.ids)],
            }
        )
