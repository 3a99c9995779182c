# The abstract mixins first: the models inherit them when their classes are defined.
from . import connector_connection_mixin  # isort: skip
from . import amazon_channel_mapping_mixin  # isort: skip
from . import amazon_channel_record_mixin  # isort: skip
from . import amazon_marketplace_mixin  # isort: skip
from . import lightspeed_reference_mixin  # isort: skip
from . import connector_account_guard  # isort: skip
from . import connector_flow_fields  # isort: skip
from . import (
    account_account,
    amazon_account,
    amazon_account_access_token,
    amazon_account_after_sale,
    amazon_account_confirmation,
    amazon_account_connection,
    amazon_account_dashboard,
    amazon_account_guard,
    amazon_account_import,
    amazon_account_import_order,
    amazon_account_lightspeed,
    amazon_account_listings,
    amazon_account_listings_report,
    amazon_account_routing,
    amazon_account_run_summary,
    amazon_account_settlement,
    amazon_account_settlement_report,
    amazon_carrier_mapping,
    amazon_credential,
    amazon_listings_feed,
    amazon_marketplace_pricelist,
    amazon_offer,
    amazon_offer_sync,
    amazon_order,
    amazon_order_closing,
    amazon_order_confirmation,
    amazon_order_data,
    amazon_order_deadline,
    amazon_order_line,
    amazon_order_privacy,
    amazon_order_routing,
    amazon_order_sale,
    amazon_payment_mapping,
    amazon_routed_order,
    amazon_routed_order_confirmation,
    amazon_routed_order_customer,
    amazon_routed_order_deadline,
    amazon_routed_order_lightspeed,
    amazon_routed_order_line,
    amazon_routed_order_line_listings,
    amazon_routed_order_listings,
    amazon_routed_order_package,
    amazon_routed_order_sale_request,
    amazon_routed_order_send,
    amazon_routing_report,
    amazon_settlement,
    amazon_settlement_booking,
    amazon_settlement_line,
    amazon_shipping_mapping,
    amazon_sync_log,
    connector_pacing_state,
    connector_run_state,
    ir_cron,
    lightspeed_account,
    lightspeed_account_after_sale,
    lightspeed_account_guard,
    lightspeed_account_reference,
    lightspeed_account_sales,
    lightspeed_account_stock,
    lightspeed_account_stock_listings,
    lightspeed_customer,
    lightspeed_employee,
    lightspeed_payment_type,
    lightspeed_register,
    lightspeed_stock,
    lightspeed_stock_listings,
    lightspeed_token,
    mail_buyer_guard,
    product_pricelist_item,
    product_template,
    res_config_settings,
    res_partner,
    res_partner_privacy,
    sale_order,
    sale_order_invoice,
    sale_report,
    stock_warehouse,
)

# extends action_mark_shipped of amazon_routed_order_lightspeed: loaded after it
from . import amazon_routed_order_after_sale  # isort: skip
from . import amazon_sale_reversal  # isort: skip

# extends amazon_order's import and cancellation and amazon_order_routing's void hook
from . import amazon_order_after_sale  # isort: skip

# books refunds after amazon_settlement_booking books the orders
from . import amazon_settlement_refunds  # isort: skip
