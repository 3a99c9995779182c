"""What ``AmazonClient`` returns besides raw order payloads: small frozen records and parsers.

A feed's processing report is read by ``listings.parse_processing_report`` (one parser, next to
the feed builder whose message numbering it reads back).

Orders stay raw dicts on purpose (``OrderPage.orders``): the Odoo layer maps each one inside
its own savepoint, so one malformed order is logged and skipped instead of failing the page.
"""

import gzip
import zlib
from dataclasses import dataclass, field

from ..errors import PayloadError

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class OrderPage:
    orders: list = field(repr=False)  # raw Order payloads, in Amazon's order
    next_token: str | None = None  # pass back as page_token / next_token; None: last page
    window_end: str | None = None  # Amazon's upper bound of the search (ISO 8601, UTC)


@dataclass(frozen=True)
class ListingSubmission:
    sku: str
    status: str  # ACCEPTED (or VALID in a validation preview)
    submission_id: str | None
    issues: tuple = ()  # Amazon's issue dicts (warnings, when accepted)


@dataclass(frozen=True)
class FeedStatus:
    feed_id: str
    feed_type: str | None
    status: str  # IN_QUEUE, IN_PROGRESS, DONE, FATAL, CANCELLED
    result_document_id: str | None
    created: str | None

    @property
    def is_finished(self):
        return self.status in ("DONE", "FATAL", "CANCELLED")


@dataclass(frozen=True)
class ReportInfo:
    report_id: str
    report_type: str
    status: str
    document_id: str | None
    created: str | None
    data_start: str | None
    data_end: str | None
    marketplace_ids: tuple = ()


def feed_status(payload):
    if not isinstance(payload, dict) or not payload.get("feedId"):
        raise PayloadError("Amazon's getFeed answer has no feedId.", payload=str(payload)[:300])
    return FeedStatus(
        feed_id=payload["feedId"],
        feed_type=payload.get("feedType"),
        status=payload.get("processingStatus") or "UNKNOWN",
        result_document_id=payload.get("resultFeedDocumentId"),
        created=payload.get("createdTime"),
    )


def report_info(payload):
    return ReportInfo(
        report_id=payload.get("reportId"),
        report_type=payload.get("reportType"),
        status=payload.get("processingStatus"),
        document_id=payload.get("reportDocumentId"),
        created=payload.get("createdTime"),
        data_start=payload.get("dataStartTime"),
        data_end=payload.get("dataEndTime"),
        marketplace_ids=tuple(payload.get("marketplaceIds") or ()),
    )


def decode_document(content, compression, charset):
    """A downloaded document's text: unzipped when Amazon says GZIP, decoded by charset.

    A document that starts as gzip does is unzipped too: its ``compressionAlgorithm`` may be
    missing. One said GZIP that is not is a PayloadError (it is not what Amazon promised).
    """
    if compression == "GZIP" or content[:2] == GZIP_MAGIC:
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError, zlib.error):
            raise PayloadError("A GZIP document from Amazon could not be unzipped.") from None
    try:
        return content.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        # Amazon's flat files are sometimes Latin-1 without saying so: never fail on it.
        return content.decode("iso-8859-1")
