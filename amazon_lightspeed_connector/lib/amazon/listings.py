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
    errors: tuple = ()
    warnings: tuple = ()

    @property
    def accepted(self):
        return not self.errors


@dataclass(frozen=True)
class ProcessingReport:
    """A feed's processing report, read per SKU."""

    feed_id: str | None
    processed: int
    accepted: int
    invalid: int
    by_sku: dict = field(default_factory=dict)  # SKU -> SkuResult, for SKUs with an issue
    feed_errors: tuple = ()  # issues about the whole feed: nothing in it was applied

    @property
    def is_fatal(self):
        return bool(self.feed_errors)

    def skus_with_errors(self):
        return sorted(sku for sku, result in self.by_sku.items() if result.errors)

    def accepted_skus(self, skus_by_message_id):
        """SKUs of the feed Amazon applied: none when fatal, else those without an error."""
        if self.is_fatal:
            return []
        failed = set(self.skus_with_errors())
        return [sku for sku in skus_by_message_id.values() if sku not in failed]


def parse_processing_report(report, skus_by_message_id):
    """A ProcessingReport from the JSON processing report of a JSON_LISTINGS_FEED.

    ``skus_by_message_id`` is the feed's ``ListingsFeed.skus_by_message_id``. An issue
    without a messageId, or with one the feed never had, concerns the whole feed.
    """
    report = _load_report(report)
    summary = report.get("summary")
    if not isinstance(summary, dict):
        raise PayloadError("The feed processing report has no summary.", code="BadFeedReport")
    header = report.get("header") if isinstance(report.get("header"), dict) else {}
    by_sku, feed_errors = {}, []
    for raw in report.get("issues") or ():
        issue = _issue(raw)
        sku = skus_by_message_id.get(raw.get("messageId")) if isinstance(raw, dict) else None
        if sku is None:
            if issue.severity == "ERROR":
                feed_errors.append(issue)
            continue
        if issue.severity not in ("ERROR", "WARNING"):
            continue  # INFO issues need nobody's attention
        errors, warnings = by_sku.get(sku, ((), ()))
        if issue.severity == "ERROR":
            errors += (issue,)
        else:
            warnings += (issue,)
        by_sku[sku] = (errors, warnings)
    return ProcessingReport(
        feed_id=header.get("feedId"),
        processed=_count(summary, "messagesProcessed"),
        accepted=_count(summary, "messagesAccepted"),
        invalid=_count(summary, "messagesInvalid"),
        by_sku={sku: SkuResult(*pair) for sku, pair in by_sku.items()},
        feed_errors=tuple(feed_errors),
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


def _issue(raw):
    if not isinstance(raw, dict):
        return ListingIssue(None, "ERROR", "Unreadable issue: %r" % (raw,))
    return ListingIssue(
        code=raw.get("code"),
        severity=str(raw.get("severity") or "ERROR").upper(),
        message=str(raw.get("message") or ""),
        attribute_names=tuple(raw.get("attributeNames") or ()),
    )


def _count(summary, key):
    value = summary.get(key) or 0
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PayloadError(
            "The feed processing report's %s is not a number (%r)." % (key, value),
            code="BadFeedReport",
        ) from None
