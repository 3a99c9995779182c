"""Amazon SP-API for the connector: a paced, typed client and the order mappers.

- ``client``: ``AmazonClient`` (one choke point over python-amazon-sp-api) and
  ``AmazonCredentials``.
- ``order_data``: the frozen ``AmazonOrder`` / ``AmazonOrderLine`` both Orders APIs map into.
- ``order_mapping``: ``map_order_v2026`` and ``map_order_v0``.
- ``orders_adapter``: what the order import asks of either Orders API version
  (``orders_adapter(version, client)``).
- ``pacing``, ``error_mapping``, ``results``: the client's quota buckets, error translation and
  return records.

Pure Python: nothing below this folder imports odoo.
"""

from .client import AmazonClient, AmazonCredentials
from .listings import ProcessingReport
from .order_data import AmazonAddress, AmazonBuyer, AmazonOrder, AmazonOrderLine
from .order_mapping import map_order_v0, map_order_v2026
from .results import FeedStatus, ListingSubmission, OrderPage, ReportInfo
