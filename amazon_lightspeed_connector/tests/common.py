from odoo.tests import new_test_user

ADDON = "amazon_lightspeed_connector"


def make_user(env, login, groups, company=None):
    """A user with exactly ``groups`` (comma-separated xml ids), in ``company`` when given."""
    company = company or env.company
    return new_test_user(
        env,
        login=login,
        groups=groups,
        company_id=company.id,
        company_ids=[(6, 0, company.ids)],
    )
