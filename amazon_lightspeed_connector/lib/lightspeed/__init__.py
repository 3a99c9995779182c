"""Lightspeed Retail (R-Series) API V3 client: pure Python over requests, no odoo import.

``client.LightspeedClient`` is the one way to the API; ``auth`` keeps rotating refresh tokens
safe through a ``TokenStore``; ``pacing`` shares the account's leaky bucket; ``wire`` reads the
string-typed JSON into plain data classes.
"""

from .auth import MemoryTokenStore, TokenGrant, TokenStore
from .client import LightspeedClient
from .wire import Customer, Employee, ItemStock, PaymentType, Register, Sale, Shop
