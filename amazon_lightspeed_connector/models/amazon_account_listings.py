"""Push inventory and prices to Amazon (flow 7): ``amazon.account._push_listings``.

One run of one channel:

1. Feeds sent by earlier runs are looked up; each finished one has its processing report read
   and every SKU in it gets Amazon's verdict: accepted values become the "last accepted" ones,
   refused SKUs keep their flag and show Amazon's message.
2. Flagged merchant-fulfilled bindings not waiting in a feed have their quantity and price
   computed (``amazon.offer._desired_listings``); those equal to what Amazon last accepted
   lose their flag without a call.
3. The rest go to Amazon: below the channel's feed threshold one patchListingsItem each
   (op merge, quantity and/or price), from it one JSON_LISTINGS_FEED per marketplace and 25,000
   SKUs. A patch is accepted at once; a feed's SKUs wait for its report (step 1 of a later
   run, ``amazon_account_listings_report``). Flags are cleared only for what Amazon accepted.
4. Throttling, a server error or refused credentials stop the run; every flag not cleared
   stays, so the next run sends the rest.
"""

import logging
from collections import Counter
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

from ..lib.amazon.listings import DEFAULT_FEED_THRESHOLD, plan_push
from ..lib.errors import ConnectorError, PermanentError, ThrottledError
from ..lib.inventory import changed_since_last_push
from .access_guard import MANAGER, requires
from .connector_connection_mixin import run_state_field
from .connector_run import CONFLICTS, ConnectorRun, button_env, lock_rows, run_each

_logger = logging.getLogger(__name__)

LOCK_CLASS = 0x4C5354  # advisory lock namespace: one listings push per channel at a time
LISTINGS_CRON = "amazon_lightspeed_connector.ir_cron_amazon_push_listings"


class ListingsRun(ConnectorRun):
    """Counters of one channel's push run."""

    SERVICE = "Amazon"

    def __init__(self, env, deadline=None):
        super().__init__(env, deadline=deadline)
        self.counts = Counter()
        # bindings a feed report of this run refused: Amazon has just said no to these very
        # values, so they wait for the next run instead of being sent (and refused) again now
        self.refused_offer_ids = set()

    def figures(self):
        c = self.counts
        return self.env._(
            "%(unchanged)s unchanged, %(patched)s patched, %(fed)s sent in %(feeds)s feed(s), "
            "%(accepted)s accepted from feed reports, %(refused)s refused, %(waiting)s feed(s) "
            "still processing.",
            unchanged=c["unchanged"],
            patched=c["patched"],
            fed=c["fed"],
            feeds=c["feeds"],
            accepted=c["accepted"],
            refused=c["refused"],
            waiting=c["waiting"],
        )


class AmazonAccountListings(models.Model):
    _inherit = "amazon.account"

    listings_push_enabled = fields.Boolean(
        "Push Stock and Prices",
        help="Send the available quantity and price of merchant-fulfilled SKUs to Amazon on "
        "schedule, whenever they changed.",
    )
    listings_feed_threshold = fields.Integer(
        "Feed From (changed SKUs)",
        default=DEFAULT_FEED_THRESHOLD,
        minimum=1,
        help="Fewer changed SKUs than this are patched one by one (5 a second, seen on Amazon "
        "at once). From this many, they go in JSON listings feeds of up to 25,000 SKUs (a "
        "handful of calls, applied by Amazon within minutes).",
    )
    listings_pricelist_id = fields.Many2one(
        "product.pricelist",
        "Amazon Pricelist",
        check_company=True,
        help="Prices sent to Amazon for marketplaces without a pricelist of their own below. "
        "Empty: prices are not sent, only quantities.",
    )
    marketplace_pricelist_ids = fields.One2many(
        "amazon.marketplace.pricelist",
        "account_id",
        "Pricelist per Marketplace",
        help="A pricelist per Amazon marketplace (e.g. one in CAD for amazon.ca).",
    )
    listings_last_push = run_state_field(
        fields.Datetime, "listings", "last_run", "Last Push", help="When it last ran."
    )
    listings_push_result = run_state_field(
        fields.Char, "listings", "last_result", "Last Push Result", help="What the push did."
    )
    offers_to_sync_count = fields.Integer(
        "SKUs to Sync", compute="_compute_offer_sync_counts", help="Bindings flagged for a push."
    )
    offers_push_error_count = fields.Integer(
        "SKUs in Error",
        compute="_compute_offer_sync_counts",
        help="Bindings whose last push Amazon refused.",
    )

    _sql_constraints = [
        (
            "listings_feed_threshold_positive",
            "CHECK(listings_feed_threshold > 0)",
            "The feed threshold is at least 1 changed SKU.",
        ),
    ]

    def _compute_offer_sync_counts(self):
        to_sync = self._count_per_account("amazon.offer", [("need_sync", "=", True)])
        in_error = self._count_per_account("amazon.offer", [("last_push_error", "!=", False)])
        for account in self:
            account.offers_to_sync_count = to_sync.get(account, 0)
            account.offers_push_error_count = in_error.get(account, 0)

    def write(self, vals):
        result = super().write(vals)
        if {"listings_pricelist_id", "marketplace_pricelist_ids", "lightspeed_account_id"} & set(
            vals
        ):
            self.env["amazon.offer"]._flag_accounts(self.ids)
        return result

    # ------------------------------------------------------------ prices

    @api.constrains("marketplace_ids")
    def _check_dropped_marketplaces(self):
        """A marketplace the channel stops listing must hold none of its active SKU bindings
        or pricelists: they would match no order and no listing from then on, silently."""
        for channel in self:
            listed = channel._marketplace_list()
            left = [("account_id", "=", channel.id), ("marketplace_id", "not in", listed)]
            offers = self.env["amazon.offer"].sudo().search(left)
            pricelists = self.env["amazon.marketplace.pricelist"].sudo().search(left)
            if offers or pricelists:
                used = offers.mapped("marketplace_id") + pricelists.mapped("marketplace_id")
                marketplaces = sorted(set(used))
                raise ValidationError(
                    _(
                        "The channel %(channel)s still has %(offers)s SKU bindings and "
                        "%(pricelists)s pricelists per marketplace in %(marketplaces)s: archive "
                        "or delete them first (SKU Bindings, grouped by Marketplace ID), or "
                        "keep the marketplace.",
                        channel=channel.name,
                        offers=len(offers),
                        pricelists=len(pricelists),
                        marketplaces=", ".join(marketplaces),
                    )
                )

    def _listing_pricelist(self, marketplace_id):
        row = self.marketplace_pricelist_ids.filtered(lambda r: r.marketplace_id == marketplace_id)
        return row[:1].pricelist_id or self.listings_pricelist_id

    def _listing_prices(self, marketplace_id, products):
        """{product id: (Decimal price, currency code)} for a marketplace; {} without pricelist."""
        pricelist = self._listing_pricelist(marketplace_id).sudo()
        if not pricelist or not products:
            return {}
        currency = pricelist.currency_id
        prices = pricelist._get_products_price(products.sudo(), 1.0, currency=currency)
        return {
            product_id: (round_price(price, currency), currency.name)
            for product_id, price in prices.items()
        }

    # ------------------------------------------------------------ buttons and schedule

    @requires("write", MANAGER)
    def action_push_listings(self):
        """Push now, whatever the schedule."""
        self.ensure_one()
        account = self.sudo()
        run = account.with_env(button_env(account.env))._push_listings()
        return self._run_notification(run, LISTINGS_CRON, run.counts["refused"])

    @requires("read")
    def action_view_offers_to_sync(self):
        return self._records_action(
            "amazon_offer_action",
            context={"default_account_id": self.id, "search_default_needs_sync": 1},
        )

    @api.model
    def _cron_push_listings(self):
        """Push every channel that pushes, within one run's budget; a channel whose time was up
        or whose quota needs time asks for the next run."""
        run_each(
            self.search([("listings_push_enabled", "=", True)]),
            lambda account, deadline: account._push_listings(deadline=deadline),
            LISTINGS_CRON,
            "listings",
        )

    # ------------------------------------------------------------ the run

    def _listings_client(self):
        return self._amazon_client()

    def _push_listings(self, client=None, offers=None, deadline=None):
        """One push run of this channel within the run's budget; returns its ListingsRun."""
        self.ensure_one()
        account = self.with_company(self.company_id)
        run = ListingsRun(self.env, deadline=deadline)
        if not account.lightspeed_account_id:
            run.stopped = _("The channel has no Lightspeed account: no stock to send.")
            account._log_listings(run.stopped, "warning")
        elif not run.lock(LOCK_CLASS, self.id):
            run.stopped = _("A push of this channel is already running.")
        else:
            try:
                with run.api_client(client, account._listings_client) as client:
                    account._read_feed_reports(client, run)
                    account._send_changes(client, run, offers)
            except ConnectorError as error:
                account._stop_listings_run(run, error)
        account._save_run_state(
            "listings", last_run=fields.Datetime.now(), last_result=run.summary()
        )
        run.commit()
        return run

    def _stop_listings_run(self, run, error):
        run.stop(error)
        level = "warning" if isinstance(error, ThrottledError) else "error"
        self._log_listings(run.stopped, level, payload=error.payload)

    def _log_listings(self, message, level="error", reference=None, payload=None, record=None):
        self.env["amazon.sync.log"]._log_event(
            "listings",
            message,
            level=level,
            reference=reference or self.seller_id,
            payload=payload,
            record=record or self,
        )

    # --- sending --------------------------------------------------------------------------------

    def _send_changes(self, client, run, offers=None):
        Offer = self.env["amazon.offer"]
        domain = [
            ("account_id", "=", self.id),
            ("need_sync", "=", True),
            ("fulfillment_channel", "=", "MFN"),
            ("pending_feed_id", "=", False),
            ("id", "not in", list(run.refused_offer_ids)),
        ]
        if offers is not None:
            domain.append(("id", "in", offers.ids))
        candidates = Offer.search(domain, order="id")
        # read with the values: a flag set after this read must outlive the push (_clear_flags)
        read_seqs = {offer.id: offer.sync_seq for offer in candidates}
        desired = candidates._desired_listings()
        unchanged, changes = {}, []
        for offer in candidates:
            delta = changed_since_last_push(desired[offer.id], offer._last_accepted())
            if delta is None:
                unchanged[offer.id] = read_seqs[offer.id]
            else:
                changes.append((offer, desired[offer.id], delta))
        self._clear_flags(unchanged)
        run.counts["unchanged"] += len(unchanged)
        run.commit()
        if not changes:
            return
        plan = plan_push(
            self.seller_id,
            [delta for _offer, _update, delta in changes],
            self.listings_feed_threshold,
            {offer.seller_sku: offer.amazon_product_type for offer, _u, _d in changes},
        )
        by_key = {(o.marketplace_id, o.seller_sku): (o, update) for o, update, _d in changes}
        for delta in run.items(plan.patches, getattr(client, "pacer", None)):
            offer, update = by_key[(delta.marketplace_id, delta.sku)]
            self._patch_one(client, run, offer, update, delta, read_seqs[offer.id])
        for feed in run.items(plan.feeds, getattr(client, "pacer", None)):
            self._submit_feed(client, run, feed, by_key)

    def _clear_flags(self, read_seqs):
        """Clear the flag of bindings whose values Amazon has (``read_seqs``: {offer id: its
        ``sync_seq`` when the push read the values}), unless a change flagged one again since:
        its counter moved, or a worker flagging it holds its row (skipped, not waited for). A
        binding changed by a worker that committed after this transaction began is a conflict:
        every flag stays. Left flags cost one more comparison at the next push, never a
        quantity Amazon would keep too high."""
        if not read_seqs:
            return
        cr = self.env.cr
        try:
            with cr.savepoint():
                lock_rows(
                    cr,
                    "SELECT id FROM amazon_offer WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED",
                    (list(read_seqs),),
                )
                free = [(row[0], read_seqs[row[0]]) for row in cr.fetchall()]
                cr.execute_values(
                    """
                    UPDATE amazon_offer AS o SET need_sync = FALSE
                      FROM (VALUES %s) AS v(id, seq)
                     WHERE o.id = v.id AND o.sync_seq = v.seq
                    """,
                    free,
                    page_size=5000,
                )
        except CONFLICTS as error:
            _logger.info("Listing flags left for the next push (%s)", type(error).__name__)
        self.env["amazon.offer"].invalidate_model(["need_sync"])

    def _patch_one(self, client, run, offer, update, delta, read_seq):
        """One patchListingsItem; a refusal stays on the binding, anything else stops the run."""
        try:
            client.patch_listing(
                delta.sku,
                delta.marketplace_id,
                offer.amazon_product_type,
                quantity=delta.quantity,
                price=delta.price,
                currency=delta.currency,
            )
        except PermanentError as error:
            offer.last_push_error = error.message
            run.counts["refused"] += 1
            self._log_sku_errors(offer, {offer.id: error.message}, run)
            return
        values = {
            "last_pushed_qty": update.quantity,
            "last_push_date": fields.Datetime.now(),
            "last_push_error": False,
        }
        if update.price is not None:
            values.update(
                last_pushed_price=float(update.price), last_pushed_currency=update.currency
            )
        offer.write(values)
        self._clear_flags({offer.id: read_seq})
        run.counts["patched"] += 1
        run.commit()

    def _submit_feed(self, client, run, listings_feed, by_key):
        feed_id = client.submit_listings_feed(
            listings_feed.messages, [listings_feed.marketplace_id]
        )
        feed = self.env["amazon.listings.feed"].create(
            {
                "account_id": self.id,
                "feed_id": feed_id,
                "marketplace_id": listings_feed.marketplace_id,
                "message_count": len(listings_feed),
            }
        )
        rows = []
        for message_id, sku in listings_feed.skus_by_message_id.items():
            offer, update = by_key[(listings_feed.marketplace_id, sku)]
            rows.append(
                (
                    offer.id,
                    message_id,
                    update.quantity,
                    float(update.price) if update.price is not None else 0.0,
                    update.currency,
                )
            )
        self.env.cr.execute_values(
            """
            UPDATE amazon_offer AS o
               SET pending_feed_id = %s, feed_message_id = v.message_id,
                   pending_qty = v.qty, pending_price = v.price, pending_currency = v.currency
              FROM (VALUES %%s) AS v(id, message_id, qty, price, currency)
             WHERE o.id = v.id
            """
            % feed.id,
            rows,
            template="(%s, %s, %s, %s::numeric, %s::varchar)",
            page_size=5000,
        )
        self.env["amazon.offer"].invalidate_model()
        run.counts["feeds"] += 1
        run.counts["fed"] += len(rows)
        run.commit()


def round_price(amount, currency):
    """A pricelist price as Amazon gets it: rounded to the currency, as a Decimal."""
    return Decimal(str(float_round(amount, precision_rounding=currency.rounding)))
