from . import amazon_account, amazon_order, amazon_routed_order, lightspeed_account, stock_warehouse
