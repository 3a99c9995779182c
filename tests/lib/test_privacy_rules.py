"""Personal data erasure rules (lib/privacy.py)."""

import html
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amazon_lightspeed_connector.lib.privacy import (
    EMAIL,
    EMAIL_ADDRESS,
    MAX_RETENTION_DAYS,
    NAME,
    PARTNER_FIELDS,
    PHONE,
    REPLACEMENT,
    STREET,
    erase_fields,
    erasure_due,
    erasure_time,
    is_erased,
    personal_values,
    replacement_email,
    scrub_data,
    scrub_text,
    scrubber,
)
from amazon_lightspeed_connector.lib.redaction import redact

UTC = timezone.utc
SHIPPED = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)

ORDER_FIELDS = {
    "buyer_name": NAME,
    "ship_name": NAME,
    "ship_street": STREET,
    "ship_street2": STREET,
    "ship_phone": PHONE,
    "buyer_email": EMAIL,
}
ORDER = {
    "buyer_name": "Zoë O'Brien-Lovelace",
    "ship_name": "Zoë O'Brien-Lovelace",
    "ship_street": "410 Terry Ave N",
    "ship_street2": "Apt. 7B",
    "ship_phone": "+1 206-555-0100",
    "buyer_email": "k8x2qz91ab@marketplace.amazon.com",
    "ship_city": "Seattle",
    "ship_state": "WA",
    "ship_zip": "98109",
    "ship_country": "US",
    "amount_total": 131.43,
    "lines": [{"sku": "JBJ-M", "qty": 2, "price": 59.0}],
}
KEPT = ("ship_city", "ship_state", "ship_zip", "ship_country", "amount_total", "lines")


# ---------------------------------------------------------------- when


def test_due_after_the_retention_and_not_before():
    assert not erasure_due(SHIPPED, 30, SHIPPED + timedelta(days=30) - timedelta(seconds=1))
    assert erasure_due(SHIPPED, 30, SHIPPED + timedelta(days=30))
    assert erasure_due(SHIPPED, 0, SHIPPED)
    assert erasure_due(SHIPPED.replace(tzinfo=None), 7, datetime(2026, 1, 8, 9, 30))  # naive UTC


def test_an_order_neither_shipped_nor_cancelled_keeps_its_data():
    assert not erasure_due(None, 30, SHIPPED + timedelta(days=365))
    assert erasure_time(None) is None
    assert erasure_time(SHIPPED) == SHIPPED + timedelta(days=MAX_RETENTION_DAYS)


@pytest.mark.parametrize("days,message", [(31, "at most 30"), (-1, "negative"), (7.5, "whole")])
def test_retention_is_capped_at_30_days(days, message):
    with pytest.raises(ValueError, match=message):
        erasure_due(SHIPPED, days, SHIPPED)


# ---------------------------------------------------------------- fields


def test_personal_fields_are_replaced_and_the_rest_stays():
    erased = {**ORDER, **erase_fields(ORDER, ORDER_FIELDS)}
    for field, kind in ORDER_FIELDS.items():
        assert erased[field] == REPLACEMENT, (field, kind)
    for field in KEPT:
        assert erased[field] == ORDER[field], field


def test_nothing_personal_survives_anywhere_in_the_erased_record():
    erased = {**ORDER, **erase_fields(ORDER, ORDER_FIELDS, unique_key=42)}
    dumped = json.dumps(erased, ensure_ascii=False).lower()
    for value in personal_values(ORDER, ORDER_FIELDS):
        assert value.lower() not in dumped, value


def test_empty_fields_stay_empty_and_a_second_run_writes_nothing():
    partner = {"name": "Ada Lovelace", "street": False, "email": "ada@example.com", "phone": ""}
    values = erase_fields(partner, PARTNER_FIELDS, unique_key="res.partner,7")
    assert values == {"name": REPLACEMENT, "email": REPLACEMENT}
    assert erase_fields({**partner, **values}, PARTNER_FIELDS) == {}


def test_an_address_field_something_validates_gets_a_placeholder_address():
    record = {"login_email": "ada@example.com", "name": "Ada Lovelace"}
    fields = {"login_email": EMAIL_ADDRESS, "name": NAME}
    values = erase_fields(record, fields, unique_key="res.partner,7")
    assert values == {
        "login_email": "amazon-replaced+res.partner-7@amazon-replaced.invalid",
        "name": REPLACEMENT,
    }
    assert erase_fields({**record, **values}, fields) == {}
    assert "ada" in personal_values(record, fields)


def test_the_replacement_words_are_never_scrubbed():
    buyer = {"name": "Amazon Customer"}
    assert personal_values(buyer, {"name": NAME}) == ["Amazon Customer", "Customer"]
    assert scrub_text(
        "Amazon order of Amazon Customer", personal_values(buyer, {"name": NAME})
    ) == ("Amazon order of Amazon Replaced")


def test_placeholder_emails_never_deliver_and_can_be_unique():
    assert replacement_email() == "amazon-replaced@amazon-replaced.invalid"
    assert replacement_email(1) != replacement_email(2)
    assert replacement_email("a b/c") == "amazon-replaced+a-b-c@amazon-replaced.invalid"
    assert all(is_erased(replacement_email(k)) for k in (None, 3, "x"))
    assert is_erased(REPLACEMENT) and not is_erased("Ada")


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        erase_fields(ORDER, {"ship_city": "city"})


def test_personal_values_include_name_words_and_the_email_local_part():
    values = personal_values(ORDER, ORDER_FIELDS)
    assert "Zoë" in values and "O'Brien-Lovelace" in values
    assert "k8x2qz91ab" in values and "Seattle" not in values
    assert values.count("Zoë O'Brien-Lovelace") == 1


# ---------------------------------------------------------------- free text

VALUES = personal_values(ORDER, ORDER_FIELDS)


@pytest.mark.parametrize(
    "text",
    [
        "Ship to Zoë O'Brien-Lovelace, 410 Terry Ave N, Apt. 7B, Seattle WA 98109",
        "<p>Buyer: Zo&euml; or <b>Zoë O&#39;Brien-Lovelace</b></p>",  # chatter HTML
        "<p>Zoë O&#x27;Brien-Lovelace</p>",
        "<p>Zo&#235; O&#39;Brien-Lovelace</p>",
        '{"BuyerName": "Zo\\u00eb O\'Brien-Lovelace", "Phone": "+1 206-555-0100"}',
        "GET /buyer?email=k8x2qz91ab%40marketplace.amazon.com&name=Zo%C3%AB+O%27Brien-Lovelace",
        "Call (206) 555-0100 or 12065550100 or +1.206.555.0100",
        "mail K8X2QZ91AB@MARKETPLACE.AMAZON.COM, reply to k8x2qz91ab",
        "410  Terry\nAve   N",
        "Dear Zoë, thanks",
    ],
)
def test_scrub_text_leaves_nothing_personal(text):
    scrubbed = scrub_text(text, VALUES)
    assert REPLACEMENT in scrubbed
    lowered = scrubbed.lower()
    for value in VALUES:
        for form in (value, html.escape(value), quote_plus(value), json.dumps(value)[1:-1]):
            assert form.lower() not in lowered, (form, scrubbed)
    assert "zo&euml;" not in lowered and "zo&#235;" not in lowered
    assert "2065550100" not in "".join(c for c in scrubbed if c.isdigit())


def test_scrub_text_keeps_what_is_not_personal():
    text = "Order 111-222 shipped from Seattle WA 98109, total 131.43 USD (Adam's parcel)"
    assert scrub_text(text, VALUES) == text
    assert scrub_text("Zoë", []) == "Zoë" and scrub_text("", VALUES) == ""
    assert scrub_text(None, VALUES) is None
    assert scrub_text("a b", ["a", " ", None, 7]) == "a b"  # too short to scrub safely


def test_short_names_only_go_as_whole_words():
    assert scrub_text("Ada met Adam", ["Ada"]) == "%s met Adam" % REPLACEMENT


def test_scrub_data_cleans_a_sync_log_payload():
    payload = {
        "order": "111-222",
        "ShippingAddress": {"Name": "Zoë O'Brien-Lovelace", "Phone": "206 555 0100"},
        "notes": ["call +1 206-555-0100"],
        "amount": 131.43,
    }
    cleaned = scrub_data(payload, VALUES)
    assert cleaned["ShippingAddress"] == {"Name": REPLACEMENT, "Phone": REPLACEMENT}
    assert cleaned["notes"] == ["call %s" % REPLACEMENT]
    assert cleaned["order"] == "111-222" and cleaned["amount"] == 131.43
    excerpt = redact(cleaned)
    assert "Zo" not in excerpt and "555" not in excerpt


# ---------------------------------------------------------------- property

words = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'.@",
    min_size=4,
    max_size=12,
)
SURROUNDINGS = ("Hello", "order 111-222", "<p>", "</p>", "\n", "total 12.00", "by", ",")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(words, min_size=1, max_size=4),
    st.lists(st.sampled_from(SURROUNDINGS), max_size=6),
    st.sampled_from(["plain", "html", "json", "url"]),
)
def test_no_personal_value_survives_in_any_writing(values, filler, writing):
    encode = {
        "plain": lambda v: v,
        "html": html.escape,
        "json": lambda v: json.dumps(v)[1:-1],
        "url": quote_plus,
    }[writing]
    text = " ".join(filler[:3] + [encode(v) for v in values] + filler[3:])
    scrubbed = scrub_text(text, values).lower()
    for value in values:
        if value.lower() not in REPLACEMENT.lower():
            assert value.lower() not in scrubbed
            assert encode(value).lower() not in scrubbed


def test_a_scrubber_built_once_cleans_like_scrub_text():
    values = ["Ada Lovelace", "ada@example.com", "+1 206-555-0100"]
    scrub = scrubber(values)
    for text in (
        "<p>Ship to Ada Lovelace, (206) 555-0100</p>",
        '{"email": "ada@example.com"}',
        "nothing here",
    ):
        assert scrub(text) == scrub_text(text, values)
    assert scrub("<p>Ship to Ada Lovelace</p>") == "<p>Ship to Amazon Replaced</p>"
    assert scrub(False) is False and scrubber([])("Ada") == "Ada"
