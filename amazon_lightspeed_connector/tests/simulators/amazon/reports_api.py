"""Reports API: listing, reading and downloading reports the scenario generated."""

import base64
import json

from ..core import SimResponse
from . import errors
from .feeds_api import base_url
from .state import iso, parse_iso

DEFAULT_LOOKBACK = 90 * 86400  # getReports defaults createdSince to 90 days ago
STATUSES = frozenset({"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"})


def report_body(report):
    return {
        "reportId": report.report_id,
        "reportType": report.report_type,
        "marketplaceIds": report.marketplace_ids,
        "dataStartTime": iso(report.data_start),
        "dataEndTime": iso(report.data_end),
        "createdTime": iso(report.created),
        "processingStatus": report.status,
        "processingStartTime": iso(report.created),
        "processingEndTime": iso(report.created),
        "reportDocumentId": report.document_id,
    }


def _token(filters, offset):
    raw = json.dumps({"f": filters, "o": offset}, sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _untoken(token):
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        return decoded["f"], decoded["o"]
    except (ValueError, KeyError, TypeError):
        return None, None


def _filters(sim, request):
    types = request.args("reportTypes")
    if not types:
        raise ValueError("reportTypes is required unless nextToken is given.")
    statuses = request.args("processingStatuses")
    if set(statuses) - STATUSES:
        raise ValueError("Invalid processingStatuses.")
    page_size = request.arg("pageSize", "10")
    if not page_size.isdigit() or not 1 <= int(page_size) <= 100:
        raise ValueError("pageSize must be between 1 and 100.")
    since = request.arg("createdSince")
    until = request.arg("createdUntil")
    return {
        "types": types,
        "statuses": statuses,
        "marketplaces": request.args("marketplaceIds"),
        "since": parse_iso(since) if since else sim.clock.now() - DEFAULT_LOOKBACK,
        "until": parse_iso(until) if until else sim.clock.now(),
        "size": int(page_size),
    }


def get_reports(sim, request, token):
    next_token = request.arg("nextToken")
    if next_token:
        filters, offset = _untoken(next_token)
        if filters is None:
            return errors.invalid_input("Invalid nextToken.")
    else:
        try:
            filters, offset = _filters(sim, request), 0
        except ValueError as problem:
            return errors.invalid_input(str(problem))
    found = [
        r
        for r in sorted(sim.reports.values(), key=lambda r: -r.created)
        if r.report_type in filters["types"]
        and (not filters["statuses"] or r.status in filters["statuses"])
        and (not filters["marketplaces"] or set(r.marketplace_ids) & set(filters["marketplaces"]))
        and filters["since"] <= r.created <= filters["until"]
    ]
    page = found[offset : offset + filters["size"]]
    body = {"reports": [report_body(r) for r in page]}
    if offset + filters["size"] < len(found):
        body["nextToken"] = _token(filters, offset + filters["size"])
    return SimResponse.json(200, body)


def get_report(sim, request, token, reportId):
    report = sim.reports.get(reportId)
    if report is None:
        return errors.not_found("Report %s not found." % reportId)
    return SimResponse.json(200, report_body(report))


def get_report_document(sim, request, token, reportDocumentId):
    document = sim.documents.get(reportDocumentId)
    if document is None or document.content is None:
        return errors.not_found("Report document %s not found." % reportDocumentId)
    url = "%s/_sim/documents/%s" % (base_url(request, sim), document.document_id)
    body = {"reportDocumentId": document.document_id, "url": url}
    if document.compression:
        body["compressionAlgorithm"] = document.compression
    return SimResponse.json(200, body)
