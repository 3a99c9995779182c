"""Stateful simulators of Amazon SP-API and Lightspeed Retail: test and demo infrastructure.

Pure Python (no odoo import): the Odoo-free tests, the Odoo tests and the demo server all use
them. Behaviour lives in one place per service; ``transport`` and ``http_server`` are the two
front doors.
"""
