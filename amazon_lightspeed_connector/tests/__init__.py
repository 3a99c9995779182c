# Odoo's test loader imports this package as odoo.addons.<name>.tests and collects the test_*
# modules imported here. The simulators below it are pure Python and must stay importable
# without Odoo (see the addon's __init__.py), hence the guard.
if __name__.startswith("odoo.addons."):
    from . import (
        test_addon_integrity,
        test_after_sale,
        test_amazon_account,
        test_amazon_import,
        test_amazon_import_sandbox,
        test_bench,
        test_channel_security,
        test_channel_tour,
        test_connector_security,
        test_held_queue_tour,
        test_hostile_inputs,
        test_hostile_lightspeed,
        test_import_then_route,
        test_lightspeed_account,
        test_lightspeed_customers,
        test_lightspeed_sales,
        test_lightspeed_stock,
        test_listings_push,
        test_order_lifecycle_tour,
        test_order_routing,
        test_pacing_state,
        test_privacy_erasure,
        test_reporting,
        test_reporting_tour,
        test_settlement,
        test_ship_confirmation,
        test_sync_log,
        test_sync_summary_mail,
    )
