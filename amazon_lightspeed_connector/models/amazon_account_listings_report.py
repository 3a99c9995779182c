"""The listings feeds' processing reports (step 1 of a listings push, see
``amazon_account_listings``): each finished feed's report gives every SKU Amazon's verdict;
accepted values become the "last accepted" ones, refused SKUs keep their flag and show Amazon's
message, and a feed unfinished after ``FEED_TIMEOUT`` is given up so its SKUs go again.
"""

from datetime import timedelta

from odoo import _, fields, models

from ..lib.errors import PermanentError
from ..lib.redaction import truncate

LOGGED_SKU_ERRORS = 50  # per run: beyond it one summary row, the rest are on the bindings
MAX_PUSH_ERROR_CHARS = 2000  # Amazon's verdict kept on a binding (a report may say megabytes)
# Amazon processes a listings feed in minutes, at worst hours. One still unfinished after a day
# (stuck, or in a status this code does not know) must not hold its SKUs forever: it is given
# up and its SKUs go again; sending the same quantities and prices twice is harmless.
FEED_TIMEOUT = timedelta(hours=24)


class AmazonAccount(models.Model):
    _inherit = "amazon.account"

    def _read_feed_reports(self, client, run):
        feeds = self.env["amazon.listings.feed"].search(
            [("account_id", "=", self.id), ("state", "=", "submitted")], order="id"
        )
        for feed in feeds:
            try:
                report = client.get_feed_result(feed.feed_id)
            except PermanentError as error:  # an unreadable report: the SKUs go again
                self._refuse_feed(feed, error.message, run)
                run.commit()
                continue
            if report is None:
                if fields.Datetime.now() - feed.create_date > FEED_TIMEOUT:
                    message = _(
                        "Amazon has not finished feed %(feed)s after %(hours)s hours; its SKUs "
                        "are sent again.",
                        feed=feed.feed_id,
                        hours=int(FEED_TIMEOUT.total_seconds() // 3600),
                    )
                    self._refuse_feed(feed, message, run)
                    run.commit()
                else:
                    run.counts["waiting"] += 1
                continue
            self._apply_feed_result(feed, report, run)
            run.commit()

    def _apply_feed_result(self, feed, report, run):
        """Amazon's verdict on each SKU of a finished feed (a ``ProcessingReport``)."""
        offers = feed.with_context(active_test=False).offer_ids
        by_message = {offer.feed_message_id: offer for offer in offers}
        if report.is_fatal:
            message = _(
                "Amazon refused feed %(feed)s (%(status)s): %(issues)s",
                feed=feed.feed_id,
                status=report.status,
                issues=truncate(
                    "; ".join(i.message for i in report.feed_errors), MAX_PUSH_ERROR_CHARS
                )
                or _("no details"),
            )
            self._refuse_feed(feed, message, run)
            return
        errors = report.errors_by_message()
        self._log_foreign_messages(feed, errors)
        # a message whose binding was deleted meanwhile has nobody to tell
        refused = {
            by_message[message_id].id: truncate(
                "; ".join("%s %s" % (issue.code or "", issue.message) for issue in issues).strip(),
                MAX_PUSH_ERROR_CHARS,
            )
            for message_id, issues in errors.items()
            if message_id in by_message
        }
        accepted = [offer.id for offer in offers if offer.id not in refused]
        self._accept_pending(accepted)
        self._set_push_errors(refused)
        feed.write(
            {
                "state": "done",
                "accepted_count": len(accepted),
                "error_count": len(refused),
                "result_message": _(
                    "%(processed)s processed, %(accepted)s accepted, %(invalid)s invalid.",
                    processed=report.processed,
                    accepted=report.accepted,
                    invalid=report.invalid,
                ),
            }
        )
        run.counts["accepted"] += len(accepted)
        run.counts["refused"] += len(refused)
        run.refused_offer_ids.update(refused)
        self._log_sku_errors(self.env["amazon.offer"].browse(list(refused)), refused, run)

    def _log_foreign_messages(self, feed, errors):
        """Errors about messages beyond the feed's own belong to nobody: said once in the sync
        log, then ignored (the feed's SKUs still get their verdict)."""
        foreign = sorted(key for key in errors if not 1 <= key <= feed.message_count)
        if foreign:
            self._log_listings(
                _(
                    "Amazon's report of feed %(feed)s has errors for messages the feed never "
                    "had (%(ids)s); they are ignored, the feed's own SKUs got their verdict.",
                    feed=feed.feed_id,
                    ids=truncate(", ".join(str(key) for key in foreign), 200),
                ),
                level="warning",
                reference=feed.feed_id,
                record=feed,
            )

    def _refuse_feed(self, feed, message, run):
        """Nothing of the feed was applied: every SKU in it shows why and goes again."""
        offers = feed.with_context(active_test=False).offer_ids
        self._set_push_errors({offer.id: message for offer in offers})
        feed.write({"state": "fatal", "result_message": message})
        run.counts["refused"] += len(offers)
        self._log_listings(message, reference=feed.feed_id, record=feed)

    def _accept_pending(self, offer_ids):
        """The values a feed carried become the last accepted ones; the flag stays, so this
        run checks whether anything changed while Amazon was processing."""
        if not offer_ids:
            return
        self.env.cr.execute(
            """
            UPDATE amazon_offer
               SET last_pushed_qty = pending_qty,
                   last_pushed_price = CASE WHEN pending_currency IS NULL
                                            THEN last_pushed_price ELSE pending_price END,
                   last_pushed_currency = COALESCE(pending_currency, last_pushed_currency),
                   last_push_date = now() at time zone 'UTC',
                   last_push_error = NULL,
                   pending_feed_id = NULL,
                   feed_message_id = NULL
             WHERE id = ANY(%s)
            """,
            (list(offer_ids),),
        )
        self.env["amazon.offer"].invalidate_model()

    def _set_push_errors(self, messages):
        """``{offer id: message}`` written in one statement; the offers leave their feed."""
        if not messages:
            return
        self.env.cr.execute_values(
            """
            UPDATE amazon_offer AS o
               SET last_push_error = v.message, pending_feed_id = NULL, feed_message_id = NULL
              FROM (VALUES %s) AS v(id, message)
             WHERE o.id = v.id
            """,
            list(messages.items()),
            page_size=1000,
        )
        self.env["amazon.offer"].invalidate_model()

    def _log_sku_errors(self, offers, messages, run):
        for offer in offers:
            if run.counts["logged"] >= LOGGED_SKU_ERRORS:
                break
            run.counts["logged"] += 1
            self._log_listings(
                _(
                    "Amazon refused SKU %(sku)s: %(error)s",
                    sku=offer.seller_sku,
                    error=messages[offer.id],
                ),
                reference=offer.seller_sku,
                record=offer,
            )
        hidden = len(offers) - min(len(offers), LOGGED_SKU_ERRORS)
        if hidden > 0:
            self._log_listings(
                _(
                    "%s more SKUs were refused: see the Push Error filter of the SKU bindings.",
                    hidden,
                ),
                level="warning",
            )
