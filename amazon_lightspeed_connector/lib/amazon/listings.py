"""Listing updates as Amazon wants them: patchListingsItem bodies and JSON_LISTINGS_FEED documents.

Few changes go one SKU at a time with patchListingsItem (5 requests/s); many go as JSON listings
feeds of at most 25,000 messages each (a feed costs a handful of calls whatever its size, but
takes minutes to process and createFeed allows about one every two minutes). ``choose_channel``
draws the line at the account's threshold; ``plan_push`` applies it to a batch.

Both channels carry the same JSON patches:

- ``/attributes/fulfillment_availability``: ``[{"fulfillment_channel_code": "DEFAULT",
  "quantity": n}]`` (DEFAULT is the merchant-fulfilled channel);
- ``/attributes/purchasable_offer``: ``[{"marketplace_id", "currency", "our_price":
  [{"schedule": [{"value_with_tax": price}]}]}]``.

A feed applies to every marketplace it is created for, so feeds are built per marketplace.
Each feed remembers which SKU each messageId carries, so its processing report
(``parse_processing_report``) can put each error on the right SKU.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import PayloadError

QUANTITY_PATH = "/attributes/fulfillment_availability"
PRICE_PATH = "/attributes/purchasable_offer"
MERCHANT_CHANNEL = "DEFAULT"
PATCH_OPS = ("merge", "replace")
MAX_FEED_MESSAGES = 25_000
FEED_VERSION = "2.0"
DEFAULT_ISSUE_LOCALE = "en_US"
# Amazon's product type for offer-only updates of any product; a binding that knows the real
# product type (SHIRT, PANTS...) passes it instead.
DEFAULT_PRODUCT_TYPE = "PRODUCT"
DEFAULT_FEED_THRESHOLD = 100  # changes from which one feed beats patching SKU by SKU
PATCH = "patch"
FEED = "feed"


# ---------------------------------------------------------------- patches


def listing_patches(update, op="merge"):
    """The JSON patches of one ListingUpdate (quantity, price, or both)."""
    if op not in PATCH_OPS:
        raise ValueError("op must be one of %s, not %r" % (", ".join(PATCH_OPS), op))
    patches = []
    if update.quantity is not None:
        availability = [{"fulfillment_channel_code": MERCHANT_CHANNEL, "quantity": update.quantity}]
        patches.append({"op": op, "path": QUANTITY_PATH, "value": availability})
    if update.price is not None:
        offer = {
            "marketplace_id": update.marketplace_id,
            "currency": update.currency,
            # Amazon's schema wants a JSON number; a price to the cent survives float exactly
            # enough for json to print it back as written.
            "our_price": [{"schedule": [{"value_with_tax": float(update.price)}]}],
        }
        patches.append({"op": op, "path": PRICE_PATH, "value": [offer]})
    if not patches:
        raise ValueError("SKU %s: nothing to send (no quantity, no price)" % update.sku)
    return patches


def patch_body(update, product_type=DEFAULT_PRODUCT_TYPE, op="merge"):
    """The patchListingsItem request body (sent with ``marketplaceIds=[update.marketplace_id]``)."""
    return {"productType": product_type, "patches": listing_patches(update, op)}


# ---------------------------------------------------------------- feeds


@dataclass(frozen=True)
class ListingsFeed:
    """One JSON_LISTINGS_FEED document, for one marketplace."""

    marketplace_id: str
    document: dict = field(repr=False)
    skus_by_message_id: dict = field(repr=False)

    @property
    def messages(self):
        return self.document["messages"]

    def __len__(self):
        return len(self.document["messages"])


def feed_message(message_id, update, product_type=DEFAULT_PRODUCT_TYPE, op="merge"):
    return {
        "messageId": message_id,
        "sku": update.sku,
        "operationType": "PATCH",
        "productType": product_type,
        "patches": listing_patches(update, op),
    }


def chunk_feed_messages(updates, max_messages=MAX_FEED_MESSAGES):
    """``updates`` cut into lists of at most ``max_messages``, in order."""
    if isinstance(max_messages, bool) or not 1 <= max_messages <= MAX_FEED_MESSAGES:
        raise ValueError("max_messages must be between 1 and %d" % MAX_FEED_MESSAGES)
    updates = list(updates)
    return [updates[start : start + max_messages] for start in range(0, len(updates), max_messages)]


def build_listings_feeds(
    seller_id,
    updates,
    product_types=None,
    issue_locale=DEFAULT_ISSUE_LOCALE,
    max_messages=MAX_FEED_MESSAGES,
    op="merge",
):
    """ListingsFeeds carrying ``updates``: grouped by marketplace, then chunked.

    ``product_types`` maps SKU to Amazon product type (missing: DEFAULT_PRODUCT_TYPE). A SKU
    may appear once per marketplace: two messages for one SKU in one feed would race.
    """
    product_types = product_types or {}
    feeds = []
    for marketplace_id, group in _by_marketplace(updates).items():
        for chunk in chunk_feed_messages(group, max_messages):
            messages = [
                feed_message(
                    number, update, product_types.get(update.sku, DEFAULT_PRODUCT_TYPE), op
                )
                for number, update in enumerate(chunk, start=1)
            ]
            header = {"sellerId": seller_id, "version": FEED_VERSION, "issueLocale": issue_locale}
            document = {"header": header, "messages": messages}
            skus = {message["messageId"]: message["sku"] for message in messages}
            feeds.append(ListingsFeed(marketplace_id, document, skus))
    return feeds


def _by_marketplace(updates):
    groups, seen = {}, set()
    for update in updates:
        key = (update.marketplace_id, update.sku)
        if key in seen:
            raise ValueError(
                "SKU %s appears twice for marketplace %s" % (update.sku, update.marketplace_id)
            )
        seen.add(key)
        groups.setdefault(update.marketplace_id, []).append(update)
    return groups


# ---------------------------------------------------------------- which channel


def choose_channel(count, threshold=DEFAULT_FEED_THRESHOLD):
    """ "feed" from ``threshold`` changed SKUs on, "patch" below it (0 changes: no calls)."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError("the feed threshold must be a whole number >= 1, not %r" % (threshold,))
    if count < 0:
        raise ValueError("count cannot be negative")
    return FEED if count >= threshold else PATCH


@dataclass(frozen=True)
class PushPlan:
    """How one push reaches Amazon: SKU-by-SKU patches, or feeds (never both)."""

    patches: tuple = ()  # ListingUpdates, one patchListingsItem each
    feeds: tuple = ()  # ListingsFeeds, one createFeed each

    @property
    def channel(self):
        return FEED if self.feeds else PATCH

    def calls(self, feed_calls=6):
        """Requests the plan needs: one per patch, ``feed_calls`` per feed (document, upload,
        createFeed, one getFeed once done, the report document and its download)."""
        return len(self.patches) + feed_calls * len(self.feeds)


def plan_push(
    seller_id,
    updates,
    threshold=DEFAULT_FEED_THRESHOLD,
    product_types=None,
    max_messages=MAX_FEED_MESSAGES,
):
    updates = [u for u in updates if not u.is_empty]
    if choose_channel(len(updates), threshold) == PATCH:
        return PushPlan(patches=tuple(updates))
    feeds = build_listings_feeds(seller_id, updates, product_types, max_messages=max_messages)
    return PushPlan(feeds=tuple(feeds))


# ---------------------------------------------------------------- processing reports
#
# The processing report of a JSON_LISTINGS_FEED (the document getFeed's resultFeedDocumentId
# names), in the shape Amazon documents for listings feeds and the simulator writes:
#
#   {"header": {"sellerId": ..., "version": "2.0", "feedId": ...},
#    "issues": [{"messageId": 2, "code": "...", "severity": "ERROR", "message": "...",
#                "attributeNames": [...]}, ...],
#    "summary": {"errors": 1, "warnings": 0, "messagesProcessed": 3, "messagesAccepted": 2,
#                "messagesInvalid": 1}}
#
# An issue with a messageId is about that message (one SKU); one without is about the whole
# feed, and an ERROR of that kind means nothing in the feed was applied.

MAX_ISSUE_MESSAGE = 1000  # characters of Amazon's message kept per issue (they end on records)
MAX_REPORT_COUNT = 10**9  # a feed holds at most 25,000 messages: beyond this is not a count
# control characters are dropped from what a report says (PostgreSQL refuses NUL, terminals
# obey escapes); tab and newline are kept
_CONTROL_CHARACTERS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n")


@dataclass(frozen=True)
class ListingIssue:
    code: str | None
    severity: str  # ERROR, WARNING or INFO
    message: str
    attribute_names: tuple = ()

    def __str__(self):
        return "%s %s: %s" % (self.severity, self.code or "-", self.message)


@dataclass(frozen=True)
class SkuResult:
    """Amazon's issues about one message of a feed (one SKU)."""

    errors: tuple = ()
    warnings: tuple = ()

    @property
    def accepted(self):
        return not self.errors


@dataclass(frozen=True)
class ProcessingReport:
    """Amazon's verdict on one JSON_LISTINGS_FEED, per message; per SKU through the feed's
    ``skus_by_message_id``. ``AmazonClient.get_feed_result`` returns one."""

    feed_id: str | None
    processed: int = 0
    accepted: int = 0
    invalid: int = 0
    by_message: dict = field(default_factory=dict, repr=False)  # messageId -> SkuResult
    feed_errors: tuple = ()  # ERROR issues about the whole feed: nothing in it was applied
    status: str = "DONE"  # the feed's processingStatus from getFeed (FATAL, CANCELLED...)

    @property
    def is_fatal(self):
        """Nothing of the feed was applied: Amazon did not finish it, or refused it whole."""
        return self.status != "DONE" or bool(self.feed_errors)

    def errors_by_message(self):
        """``{messageId: (ListingIssue, ...)}`` of the messages Amazon refused."""
        return {message_id: r.errors for message_id, r in self.by_message.items() if r.errors}

    def by_sku(self, skus_by_message_id):
        """``{SKU: SkuResult}`` of the SKUs with an issue. An issue about a message the feed
        never had (or whose SKU is gone) has nobody to tell and is left out."""
        return {
            skus_by_message_id[message_id]: result
            for message_id, result in self.by_message.items()
            if message_id in skus_by_message_id
        }

    def skus_with_errors(self, skus_by_message_id):
        return sorted(
            sku for sku, result in self.by_sku(skus_by_message_id).items() if result.errors
        )

    def accepted_skus(self, skus_by_message_id):
        """SKUs of the feed Amazon applied: none when fatal, else those without an error."""
        if self.is_fatal:
            return []
        failed = set(self.skus_with_errors(skus_by_message_id))
        return [sku for sku in skus_by_message_id.values() if sku not in failed]


def parse_processing_report(report, status="DONE", feed_id=None):
    """A ProcessingReport from a JSON_LISTINGS_FEED processing report (text, bytes or the
    decoded object). ``status`` is the feed's processingStatus from getFeed; ``feed_id``
    stands in when the report's header has none.

    Anything that cannot be read as such a report is a PayloadError (code BadFeedReport): no
    verdict is better than a wrong one, the caller sends the feed's SKUs again. An issue that
    cannot be placed on one message (no messageId, an unreadable one) is about the feed.
    """
    report = _load_report(report)
    summary = report.get("summary")
    if not isinstance(summary, dict):
        raise PayloadError("The feed processing report has no summary.", code="BadFeedReport")
    issues = report.get("issues") or []
    if not isinstance(issues, list):
        raise PayloadError(
            "The feed processing report's issues are not a list.", code="BadFeedReport"
        )
    header = report.get("header") if isinstance(report.get("header"), dict) else {}
    by_message, feed_errors = {}, []
    for raw in issues:
        issue = _issue(raw)
        message_id = _message_id(raw)
        if message_id is None:
            if issue.severity == "ERROR":
                feed_errors.append(issue)
            continue
        if issue.severity not in ("ERROR", "WARNING"):
            continue  # INFO issues need nobody's attention
        errors, warnings = by_message.get(message_id, ((), ()))
        if issue.severity == "ERROR":
            errors += (issue,)
        else:
            warnings += (issue,)
        by_message[message_id] = (errors, warnings)
    report_feed_id = header.get("feedId")
    return ProcessingReport(
        feed_id=str(report_feed_id) if report_feed_id not in (None, "") else feed_id,
        processed=_count(summary, "messagesProcessed"),
        accepted=_count(summary, "messagesAccepted"),
        invalid=_count(summary, "messagesInvalid"),
        by_message={key: SkuResult(*pair) for key, pair in by_message.items()},
        feed_errors=tuple(feed_errors),
        status=status,
    )


def _load_report(report):
    if isinstance(report, (bytes, str)):
        try:
            report = json.loads(report)
        except ValueError:
            raise PayloadError(
                "The feed processing report is not valid JSON.", code="BadFeedReport"
            ) from None
    if not isinstance(report, dict):
        raise PayloadError("The feed processing report is not a JSON object.", code="BadFeedReport")
    return report


def _message_id(raw):
    """The issue's messageId as the int the feed numbered it with; None: about the feed."""
    value = raw.get("messageId") if isinstance(raw, dict) else None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _issue(raw):
    if not isinstance(raw, dict):
        return ListingIssue(None, "ERROR", "Unreadable issue: %.200r" % (raw,))
    names = raw.get("attributeNames")
    return ListingIssue(
        code=_text(raw["code"], 100) if raw.get("code") is not None else None,
        severity=_text(raw.get("severity") or "ERROR", 20).upper(),
        message=_text(raw.get("message") or "", MAX_ISSUE_MESSAGE),
        attribute_names=tuple(_text(n, 200) for n in names) if isinstance(names, list) else (),
    )


def _text(value, max_chars):
    """What Amazon wrote, as printable text of at most ``max_chars`` characters."""
    text = value if isinstance(value, str) else str(value)
    return text[: max_chars * 2].translate(_CONTROL_CHARACTERS)[:max_chars]


def _count(summary, key):
    value = summary.get(key) or 0
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError):
        count = -1
    if (
        not 0 <= count <= MAX_REPORT_COUNT
        or isinstance(value, bool)
        or (isinstance(value, float) and value != count)
    ):
        raise PayloadError(
            "The feed processing report's %s is not a count (%.50r)." % (key, value),
            code="BadFeedReport",
        )
    return count
