# The pure-Python core (lib/) and the test simulators must import on a machine without Odoo,
# for the Odoo-free test layer and the demo simulators. The Odoo layer is loaded only when
# Odoo itself imports this package, which it always does as ``odoo.addons.<name>``.
if __name__.startswith("odoo.addons."):
    from . import controllers, models, wizard
