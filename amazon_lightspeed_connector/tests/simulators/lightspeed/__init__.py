"""A stateful simulator of the Lightspeed Retail (R-Series) API V3 and its OAuth server.

``LightspeedSimulator`` (app.py) is the SimulatorApp; route both ``API_BASE`` and
``OAUTH_BASE`` to it. Modules: ``wire`` (string scalars, single objects, @attributes, errors),
``query`` (operators, sort, cursors), ``bucket`` (leaky bucket), ``auth`` (rotating tokens),
``state``/``records`` (resources), ``sales`` (the Sale rules), ``scenario`` (test-facing API).
"""

from .app import API_BASE, OAUTH_BASE, LightspeedSimulator
from .scenario import (
    DEMO_EMPLOYEE_ID,
    DEMO_PAYMENT_TYPE_ID,
    DEMO_TAX_CATEGORY_ID,
    SaleSnapshot,
)
