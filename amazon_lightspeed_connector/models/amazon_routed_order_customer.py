"""The buyers of a send run as Lightspeed customers: kept ids, one batch search, lost ones.

Before the run's first Sale: the ids kept for returning buyers (``lightspeed.customer``) go in
the run's customer cache unsearched; the e-mails of the other buyers are searched together (one
GET per hundred, ``CustomerCache.prefill``); a buyer that search did not find is created
without a second search. Each id found or created is kept for the buyer's next order.
"""

import logging

from odoo import _, models

from ..lib.errors import PermanentError
from ..lib.lightspeed.sale_sender import is_lost_customer, send_sale

_logger = logging.getLogger(__name__)


class AmazonRoutedOrderCustomer(models.Model):
    _inherit = "amazon.routed.order"

    def _prepare_send_customers(self, run):
        """Fill ``run.customers`` for these routed orders (one Lightspeed account's share of
        a run) before the first Sale; ConnectorErrors (throttled, down) propagate."""
        Link = self.env["lightspeed.customer"].sudo()
        account = run.lightspeed_account
        buyers = {}  # case-folded e-mail -> contact
        for order in self.sudo().amazon_order_id:
            if order.buyer_email and order.partner_id:
                buyers.setdefault(run.customers.key(order.buyer_email), order.partner_id)

        def keep(email, customer_id):
            Link._remember(account, buyers.get(run.customers.key(email)), customer_id)

        run.customers.listener = keep
        partners = self.env["res.partner"].browse({p.id for p in buyers.values()})
        kept = Link._kept_ids(account, partners)
        for email, partner in buyers.items():
            if partner.id in kept:
                run.customers.keep(email, kept[partner.id])
        emails = {o.buyer_email for o in self.sudo().amazon_order_id if o.buyer_email}
        run.customers.prefill(run.client, sorted(emails))

    def _send_sale_for_buyer(self, run, request, payload, look_up_first):
        """``send_sale``, and once more when the returning buyer's kept customer id names a
        customer Lightspeed no longer has (the refused Sale wrote nothing): the id is
        forgotten, the customer found or created again. (request, payload, SendResult)."""
        email = request.order.buyer.email
        try:
            return request, payload, send_sale(run.client, payload, look_up_first=look_up_first)
        except PermanentError as error:
            kept = email and run.customers.is_kept(email)
            if not (kept and is_lost_customer(error, request.customer_id)):
                raise
        _logger.info(
            "%s: Lightspeed lost customer %s; finding or creating it again",
            self.name,
            request.customer_id,
        )
        self.env["amazon.sync.log"]._log_event(
            "lightspeed",
            _(
                "%(name)s: Lightspeed no longer has customer %(customer)s kept for this buyer; "
                "it is found or created again.",
                name=self.name,
                customer=request.customer_id,
            ),
            level="warning",
            reference=self.name,
            record=self,
        )
        run.customers.forget(email)
        self.env["lightspeed.customer"].sudo()._forget(run.lightspeed_account, request.customer_id)
        request = self._prepare_lightspeed_sale_request(run)
        payload = self._prepare_lightspeed_sale_payload(request)
        return request, payload, send_sale(run.client, payload, look_up_first=False)
