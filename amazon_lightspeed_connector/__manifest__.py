{
    "name": "Amazon to Lightspeed Connector",
    "summary": "Import Amazon orders, route them to Lightspeed Retail stores, sync stock back",
    "description": """
Imports Amazon orders (Selling Partner API), routes each to the Lightspeed Retail store that can
best fulfil it (single store, best store, hold queue, split), writes it into that store as a
Lightspeed Sale, confirms shipments to Amazon, keeps Amazon's quantity and price in step with the
stores, closes invoices from settlement reports and erases buyers' personal data after 30 days.
See README.md for installation and configuration.
""",
    "version": "18.0.1.1.0",
    "category": "Sales/Sales",
    "author": "amazon_lightspeed_connector contributors",
    "license": "LGPL-3",
    "depends": ["sale_stock", "stock_delivery", "mail"],
    "external_dependencies": {"python": ["python-amazon-sp-api", "requests"]},
    "data": [
        "security/connector_security.xml",
        "security/ir.model.access.csv",
        "data/connector_cron.xml",
        "data/amazon_import_data.xml",
        "data/lightspeed_stock_data.xml",
        "data/routing_data.xml",
        "data/ship_confirmation_data.xml",
        "data/privacy_data.xml",
        "views/amazon_sync_log_views.xml",
        "views/lightspeed_reference_views.xml",
        "views/lightspeed_account_views.xml",
        "views/amazon_account_views.xml",
        "views/amazon_mapping_views.xml",
        "views/stock_warehouse_views.xml",
        "views/amazon_order_views.xml",
        "views/lightspeed_stock_views.xml",
        "views/amazon_routed_order_views.xml",
        "views/amazon_order_routing_views.xml",
        "views/amazon_routed_order_confirmation_views.xml",
        "views/connector_report_views.xml",
        "views/amazon_account_dashboard_views.xml",
        "views/amazon_privacy_views.xml",
        "views/amazon_listings_views.xml",
        "views/amazon_routed_order_lightspeed_views.xml",
        "views/connector_menus.xml",
        "views/amazon_settlement_views.xml",
    ],
    "demo": [
        "demo/demo_stores.xml",
        "demo/demo_accounts.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "amazon_lightspeed_connector/static/src/js/tours/*.js",
        ],
    },
    "application": True,
    "installable": True,
}
