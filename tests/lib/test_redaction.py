"""Secrets never survive redaction, whatever shape they come in; everything else does."""

import json

import yaml

from amazon_lightspeed_connector.lib.redaction import redact, redact_text


def _recorded_bodies(cassette):
    for interaction in yaml.safe_load(cassette.read_text())["http_interactions"]:
        yield interaction["request"], interaction["response"]


def _all_recorded_interactions(shared):
    cassettes = sorted((shared / "lightspeed-recorded").glob("*.yml"))
    assert len(cassettes) >= 20
    for cassette in cassettes:
        yield from _recorded_bodies(cassette)


def test_recorded_lightspeed_bodies_round_trip_unchanged(shared):
    """Real responses carry no credential: redaction must give back the same JSON."""
    checked = 0
    for _request, response in _all_recorded_interactions(shared):
        body = response["body"]["string"]
        if not body or len(body) > 50_000:
            continue
        assert json.loads(redact(body, max_chars=10**6)) == json.loads(body)
        checked += 1
    assert checked >= 20


def test_recorded_authorization_headers_are_masked(shared):
    checked = 0
    for request, _response in _all_recorded_interactions(shared):
        token = request["headers"].get("Authorization", [""])[0]
        if not token:
            continue
        redacted = redact(request["headers"])
        assert token.split()[-1] not in redacted
        assert json.loads(redacted)["User-Agent"] == request["headers"]["User-Agent"]
        checked += 1
    assert checked >= 20


def test_nested_keys_in_any_spelling_are_masked():
    payload = {
        "headers": {"X-Amz-Access-Token": "Atza|token", "Authorization": "Bearer abcdefghij"},
        "credentials": [{"clientSecret": "s3cr3t", "client_id": "kept"}],
        "AmazonOrderId": "902-1845936-5435065",
    }
    text = redact(payload)
    for secret in ("Atza|token", "abcdefghij", "s3cr3t"):
        assert secret not in text
    assert "kept" in text and "902-1845936-5435065" in text


def test_free_text_tokens_are_masked():
    text = "refresh failed: Atzr|IwEBIabc.def and header Authorization: Bearer 0123456789abcdef"
    redacted = redact_text(text)
    assert "IwEBIabc" not in redacted and "0123456789abcdef" not in redacted
    assert redacted.startswith("refresh failed: ")


def test_excerpts_are_bounded():
    text = redact("x" * 5000, max_chars=100)
    assert text.startswith("x" * 100) and text.endswith("(4900 more characters)")


def test_empty_payload_is_empty_text():
    assert redact(None) == ""
    assert redact(b'{"a": 1}') == '{"a": 1}'


def test_restricted_data_tokens_and_python_reprs_are_masked():
    text = redact_text(
        "rdt Atz.sprdt|IQEBLjAsAhRmHjNgHpi0U and "
        "{'refresh_token': 'Atzr|abc', 'client_secret': 's3'}"
    )
    for secret in ("IQEBLjAsAhRmHjNgHpi0U", "Atzr|abc", "s3'"):
        assert secret not in text
    assert "{'refresh_token': '***'" in text


def test_authorization_header_in_a_dump_loses_scheme_and_token():
    text = redact_text("Authorization: Bearer 0123456789abcdef, Accept: */*")
    assert "0123456789abcdef" not in text and "Accept: */*" in text
