from . import (
    amazon_account,
    amazon_carrier_mapping,
    amazon_payment_mapping,
    amazon_shipping_mapping,
    amazon_sync_log,
    lightspeed_account,
    lightspeed_employee,
    lightspeed_payment_type,
    lightspeed_register,
    stock_warehouse,
)
