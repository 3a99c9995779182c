"""A stateful simulator of Amazon's Selling Partner API and Login with Amazon.

``AmazonSimulator`` (app.py) serves it; ``scenario.line`` describes order lines; the official
models in the shared directory (schemas.py) are the contract it is tested against.
"""

from .app import AmazonSimulator
from .auth import ROLE_FINANCE, ROLE_LISTINGS, ROLE_ORDERS, ROLE_PII
from .scenario import LineSpec, line
from .schemas import SharedDirMissing
