"""Feeds API: documents uploaded to the simulator's own URL, JSON_LISTINGS_FEED processing.

A feed moves IN_QUEUE -> IN_PROGRESS -> DONE as the clock passes fixed delays; it is applied
at the moment it reaches DONE, and its processing report lists issues per message, the shape
Amazon documents for JSON listings feeds (header, issues, summary).
"""

import json

from ..core import SimResponse
from . import errors, listings_api, schemas
from .listings_api import ListingPatch
from .state import Feed, iso

JSON_LISTINGS_FEED = "JSON_LISTINGS_FEED"
MAX_MESSAGES = 25000
QUEUE_SECONDS = 30  # IN_QUEUE this long after createFeed
PROCESSING_SECONDS = 60  # then IN_PROGRESS this long, then DONE


def base_url(request, sim=None):
    """Upload and download URLs point back at whatever host the caller reached us on.

    ``sim.public_base_url`` overrides it: python-amazon-sp-api sends ``Host`` as its endpoint
    minus eight characters, which mangles an ``http://`` loopback endpoint.
    """
    if sim is not None and sim.public_base_url:
        return sim.public_base_url.rstrip("/")
    scheme = request.url.split("://", 1)[0]
    return "%s://%s" % (scheme, request.host)


def create_feed_document(sim, request, token):
    try:
        body = request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("contentType"):
        return errors.invalid_input("Missing request parameter: contentType.")
    document = sim.new_document("amzn1.tortuga.4.na.", body["contentType"])
    url = "%s/_sim/uploads/%s" % (base_url(request, sim), document.document_id)
    return SimResponse.json(201, {"feedDocumentId": document.document_id, "url": url})


def upload(sim, request, documentId):
    """The pre-signed PUT: no SP-API token, like S3."""
    document = sim.documents.get(documentId)
    if document is None:
        return SimResponse.text(404, "NoSuchUpload", "application/xml")
    document.content = request.body
    return SimResponse(200, {}, b"")


def download(sim, request, documentId):
    document = sim.documents.get(documentId)
    if document is None or document.content is None:
        return SimResponse.text(404, "NoSuchKey", "application/xml")
    return SimResponse(200, {"Content-Type": document.content_type}, document.content)


def create_feed(sim, request, token):
    try:
        body = request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return errors.invalid_input("Request body must be a CreateFeedSpecification.")
    problems = [
        "Missing request parameter: %s." % name
        for name in ("feedType", "marketplaceIds", "inputFeedDocumentId")
        if not body.get(name)
    ]
    if not problems and body["feedType"] != JSON_LISTINGS_FEED:
        problems.append(
            "Unsupported feedType %s (the simulator has JSON_LISTINGS_FEED)." % body["feedType"]
        )
    document = sim.documents.get(body.get("inputFeedDocumentId"))
    if not problems and (document is None or document.content is None):
        problems.append(
            "inputFeedDocumentId %s has no uploaded content." % body["inputFeedDocumentId"]
        )
    if problems:
        return errors.many_invalid_inputs(problems)
    feed = Feed(
        sim.new_id("5"),
        body["feedType"],
        body["marketplaceIds"],
        body["inputFeedDocumentId"],
        sim.clock.now(),
        token.seller_id,
    )
    sim.feeds[feed.feed_id] = feed
    return SimResponse.json(202, {"feedId": feed.feed_id})


def feed_body(feed):
    body = {
        "feedId": feed.feed_id,
        "feedType": feed.feed_type,
        "marketplaceIds": feed.marketplace_ids,
        "createdTime": iso(feed.created),
        "processingStatus": feed.status,
    }
    if feed.started is not None:
        body["processingStartTime"] = iso(feed.started)
    if feed.ended is not None:
        body["processingEndTime"] = iso(feed.ended)
    if feed.result_document_id:
        body["resultFeedDocumentId"] = feed.result_document_id
    return body


def get_feed(sim, request, token, feedId):
    feed = sim.feeds.get(feedId)
    if feed is None or feed.seller_id != token.seller_id:
        return errors.not_found("Feed %s not found." % feedId)
    return SimResponse.json(200, feed_body(feed))


def get_feed_document(sim, request, token, feedDocumentId):
    document = sim.documents.get(feedDocumentId)
    if document is None:
        return errors.not_found("Feed document %s not found." % feedDocumentId)
    url = "%s/_sim/documents/%s" % (base_url(request, sim), document.document_id)
    return SimResponse.json(200, {"feedDocumentId": document.document_id, "url": url})


# ---------------------------------------------------------------- processing


def advance(sim, feed, now):
    """Move a feed along its timeline; process it when it reaches DONE."""
    if feed.status in ("DONE", "FATAL", "CANCELLED"):
        return
    start, end = feed.created + QUEUE_SECONDS, feed.created + QUEUE_SECONDS + PROCESSING_SECONDS
    if now >= start and feed.started is None:
        feed.started, feed.status = start, "IN_PROGRESS"
    if now >= end:
        feed.ended = end
        report, fatal = process(sim, feed)
        document = sim.new_document("amzn1.tortuga.4.na.", "application/json")
        document.content = json.dumps(report).encode("utf-8")
        feed.result_document_id = document.document_id
        feed.status = "FATAL" if fatal else "DONE"


def process(sim, feed):
    """Validate and apply a JSON listings feed; ``(processing report, fatal?)``."""
    content = sim.documents[feed.input_document_id].content
    try:
        document = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _report(feed, sim.seller_id, [_fatal("The feed is not valid JSON.")], 0, 0), True
    messages = document.get("messages") if isinstance(document, dict) else None
    if isinstance(messages, list) and len(messages) > MAX_MESSAGES:
        problem = "The feed has %d messages; at most %d are allowed." % (
            len(messages),
            MAX_MESSAGES,
        )
        return _report(feed, sim.seller_id, [_fatal(problem)], 0, 0), True
    invalid, fatal = _schema_issues(document)
    if fatal:
        return _report(feed, sim.seller_id, fatal, 0, 0), True
    issues, accepted = [], 0
    for index, message in enumerate(messages):
        found = invalid.get(index) or _message_issues(sim, feed, message)
        for problem in found:
            issues.append({"messageId": message.get("messageId", index + 1), **problem})
        if not found:
            _apply(sim, feed, message)
            accepted += 1
    return _report(feed, document["header"]["sellerId"], issues, len(messages), accepted), False


def _fatal(message):
    return {"code": "100001", "severity": "ERROR", "message": message}


def _schema_issues(document):
    """Per-message schema errors by index, and document-level (fatal) errors."""
    per_message, fatal = {}, []
    for error in schemas.listings_feed_validator().iter_errors(document):
        path = list(error.absolute_path)
        if len(path) >= 2 and path[0] == "messages" and isinstance(path[1], int):
            per_message.setdefault(path[1], []).append(
                {"code": "4000001", "severity": "ERROR", "message": error.message}
            )
        else:
            fatal.append(_fatal(error.message))
    return per_message, fatal


def _message_issues(sim, feed, message):
    found = listings_api.sku_issues(sim, message["sku"], feed.marketplace_ids)
    if message["operationType"] == "PATCH":
        found += listings_api.patch_problems(message["patches"])
    if message["operationType"] in ("UPDATE", "PARTIAL_UPDATE"):
        attributes = message["attributes"]
        patches = [
            {"op": "replace", "path": "/attributes/" + k, "value": v} for k, v in attributes.items()
        ]
        found += listings_api.patch_problems(patches)
    return [
        {k: v for k, v in f.items() if k in ("code", "severity", "message", "attributeNames")}
        for f in found
    ]


def _patches_of(message):
    operation = message["operationType"]
    if operation == "PATCH":
        return message["patches"]
    if operation == "DELETE":
        return [
            {"op": "delete", "path": listings_api.QUANTITY_PATH},
            {"op": "delete", "path": listings_api.PRICE_PATH},
        ]
    return [
        {"op": "replace", "path": "/attributes/" + name, "value": value}
        for name, value in message["attributes"].items()
    ]


def _apply(sim, feed, message):
    patches = _patches_of(message)
    for marketplace_id in feed.marketplace_ids:
        if message["operationType"] == "DELETE":
            sim.offers.pop((message["sku"], marketplace_id), None)
        else:
            listings_api.apply_patches(
                sim, message["sku"], marketplace_id, message.get("productType"), patches
            )
    sim.listing_patches.append(
        ListingPatch(
            feed.seller_id,
            message["sku"],
            feed.marketplace_ids,
            message.get("productType"),
            patches,
            "ACCEPTED",
            sim.clock.now(),
            "feed:" + feed.feed_id,
        )
    )


def _report(feed, seller_id, issues, processed, accepted):
    errors_count = sum(1 for i in issues if i["severity"] == "ERROR")
    invalid = len({i.get("messageId") for i in issues if "messageId" in i})
    return {
        "header": {"sellerId": seller_id, "version": "2.0", "feedId": feed.feed_id},
        "issues": issues,
        "summary": {
            "errors": errors_count,
            "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
            "messagesProcessed": processed,
            "messagesAccepted": accepted,
            "messagesInvalid": invalid,
        },
    }
