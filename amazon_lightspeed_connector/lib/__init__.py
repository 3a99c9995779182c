"""Pure-Python core of the connector: no import of odoo anywhere below this folder."""
