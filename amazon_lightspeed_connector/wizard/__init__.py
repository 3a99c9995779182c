from . import amazon_routed_order_wizard  # isort: skip
from . import amazon_routed_order_push, amazon_routed_order_void
