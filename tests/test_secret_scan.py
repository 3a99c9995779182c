"""tools/secret_scan.py: the marker is found where it is, named by file and line."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from secret_scan import ensure_marker, scan_logs


def test_the_marker_is_found_in_a_log_line_and_named(tmp_path):
    (tmp_path / "install.log").write_text("INFO all fine\n")
    (tmp_path / "drill-x.log").write_text("one\nPOST body client_secret=ls-alcmark0123\nthree\n")
    assert scan_logs(tmp_path, "alcmark0123") == ["%s:2" % (tmp_path / "drill-x.log")]
    assert scan_logs(tmp_path, "alcmark9999") == []


def test_one_marker_per_run_handed_on_by_the_environment(monkeypatch):
    monkeypatch.setenv("ALC_SECRET_MARKER", "")  # the variable is restored afterwards
    monkeypatch.delenv("ALC_SECRET_MARKER")
    marker = ensure_marker()
    assert marker.startswith("alcmark") and len(marker) > 12
    assert ensure_marker() == marker
