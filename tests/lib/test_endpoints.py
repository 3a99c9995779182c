"""Which addresses credentials may be sent to."""

import pytest

from amazon_lightspeed_connector.lib.endpoints import endpoint_problem, is_loopback


@pytest.mark.parametrize(
    "url",
    [
        "https://sellingpartnerapi-na.amazon.com",
        "https://api.amazon.com/auth/o2/token",
        "https://cloud.lightspeedapp.com/auth/oauth/token",
        "https://api.lightspeedapp.com:443/API/V3",
        "http://127.0.0.1:8701",
        "http://127.8.9.10/x",
        "http://localhost:8702/API/V3",
        "http://[::1]:8080/auth/oauth/token",
    ],
)
def test_https_and_loopback_http_are_accepted(url):
    assert endpoint_problem(url) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://files.example.com/token", "only https"),
        ("javascript:alert(1)", "only https"),
        ("JavaScript:alert(1)", "only https"),
        ("file:///etc/passwd", "only https"),
        ("gopher://example.com:70/1", "only https"),
        ("data:text/html,<script>", "only https"),
        ("free text", "spaces"),
        ("sellingpartnerapi-na.amazon.com", "only https"),
        ("http://sellingpartnerapi-na.amazon.com", "only allowed to this machine"),
        ("http://127.0.0.1.example.com", "only allowed to this machine"),
        ("http://localhost@collector.example.com", "user name or password"),
        ("https://user:pw@api.amazon.com", "user name or password"),
        ("https://api.amazon.com/?next=https://evil", "query"),
        ("https://api.amazon.com/#x", "fragment"),
        ("https://api.amazon.com:0/", "invalid port"),
        ("https://api.amazon.com:99999/", "cannot be read"),
        ("https:///path", "no host"),
        ("https://api.amazon.com/\x00", "control characters"),
        (" https://api.amazon.com", "spaces"),
        ("", "required"),
        (None, "required"),
        ("https://a.com/" + "x" * 3000, "longer than"),
    ],
)
def test_everything_else_is_refused_with_a_reason(url, problem):
    assert problem in endpoint_problem(url)


def test_loopback_is_this_machine_only():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("LOCALHOST")
    assert not is_loopback("10.0.0.1") and not is_loopback("example.com")
