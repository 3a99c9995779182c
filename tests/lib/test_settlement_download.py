"""Settlement reports through AmazonClient against the simulator: every page of getReports,
only reports created since the cursor, and gzipped documents unzipped on download."""

from datetime import datetime, timedelta

import pytest
from amazon_support import make_client, served_sim_fixture, sim_now, sp_calls

from amazon_lightspeed_connector.lib.amazon.settlement import parse_settlement_report
from amazon_lightspeed_connector.lib.errors import PayloadError
from amazon_lightspeed_connector.tests.simulators.amazon import line

sim = served_sim_fixture(seed=7)


def test_every_page_of_reports_is_listed_and_only_those_since_the_cursor(sim):
    for _ in range(103):
        sim.generate_settlement_report()
        sim.clock.advance(60)
    client = make_client(sim)

    listed = client.list_settlement_reports(sim_now(sim) - timedelta(days=1))
    assert len(listed) == 103
    assert sp_calls(sim, "/reports/2021-06-30/reports") == 2  # 100 a page, then nextToken
    assert len({report.report_id for report in listed}) == 103

    newest_first = sorted(listed, key=lambda r: r.created, reverse=True)
    cursor = datetime.fromisoformat(newest_first[2].created.replace("Z", "+00:00"))
    since = client.list_settlement_reports(cursor)
    assert {r.report_id for r in since} == {r.report_id for r in newest_first[:3]}


def test_gzipped_settlement_document_is_unzipped(sim):
    order = sim.add_order([line("JBJ-M", 2, tax="9.44")], status="Shipped")
    report = sim.generate_settlement_report(compress=True)
    assert sim.documents[report.document_id].content[:2] == b"\x1f\x8b"
    client = make_client(sim)

    (listed,) = client.list_settlement_reports(sim_now(sim) - timedelta(days=1))
    parsed = parse_settlement_report(client.download_report(listed.document_id))

    assert parsed.is_balanced
    assert {row.order_id for row in parsed.rows} == {order.order_id}


def test_a_document_said_gzip_but_not_gzipped_is_a_payload_error(sim):
    report = sim.generate_settlement_report()
    sim.documents[report.document_id].compression = "GZIP"
    client = make_client(sim)
    with pytest.raises(PayloadError, match="could not be unzipped"):
        client.download_report(report.document_id)
