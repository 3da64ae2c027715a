"""X-Unified-Signature (t=<unix>,v1=<hex hmac of "t.body">): round trips, tampering, staleness, rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unified.secret import Secret
from unified.webhooks import (
    WebhookSignatureError,
    hmac_signature_matches,
    sign_payload,
    verify_hmac_signature,
    verify_signature,
)

SECRET = "whsec_test_0123456789"
NOW = 1_714_564_800


def test_the_header_is_stripe_style_over_timestamp_dot_body() -> None:
    header = sign_payload(b'{"id":"evt_1"}', SECRET, timestamp=NOW)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + b'{"id":"evt_1"}', hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"
    assert verify_signature(b'{"id":"evt_1"}', header, SECRET, now=NOW + 10) == NOW


@settings(max_examples=30)
@given(body=st.binary(max_size=300), flip=st.integers(min_value=0, max_value=299))
def test_any_change_of_the_body_is_refused(body: bytes, flip: int) -> None:
    header = sign_payload(body, SECRET, timestamp=NOW)
    assert verify_signature(body, header, SECRET, now=NOW) == NOW
    if body:
        index = flip % len(body)
        tampered = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]
        with pytest.raises(WebhookSignatureError, match="does not match"):
            verify_signature(tampered, header, SECRET, now=NOW)
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(body + b" ", header, SECRET, now=NOW)


def test_a_wrong_secret_or_a_changed_timestamp_is_refused() -> None:
    body = b'{"type":"accounting.invoice.created"}'
    header = sign_payload(body, SECRET, timestamp=NOW)
    with pytest.raises(WebhookSignatureError, match="does not match") as caught:
        verify_signature(body, header, "another-secret-value", now=NOW)
    assert caught.value.status_code == 401
    moved = header.replace(f"t={NOW}", f"t={NOW + 1}")
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(body, moved, SECRET, now=NOW)


def test_stale_and_future_timestamps_are_refused_within_the_tolerance_only() -> None:
    body = b"{}"
    header = sign_payload(body, SECRET, timestamp=NOW)
    verify_signature(body, header, SECRET, tolerance=300, now=NOW + 300)
    with pytest.raises(WebhookSignatureError, match="old, beyond the tolerance of 300"):
        verify_signature(body, header, SECRET, tolerance=300, now=NOW + 301)
    with pytest.raises(WebhookSignatureError, match="in the future"):
        verify_signature(body, header, SECRET, tolerance=300, now=NOW - 301)
    assert verify_signature(body, header, SECRET, tolerance=None, now=NOW + 10**6) == NOW


@pytest.mark.parametrize("header", [None, "", "  ", "v1=abc", f"t={NOW}", "t=soon,v1=abc", "garbage"])
def test_a_missing_or_malformed_header_is_refused_with_its_shape(header: str | None) -> None:
    with pytest.raises(WebhookSignatureError, match=r"no X-Unified-Signature|malformed") as caught:
        verify_signature(b"{}", header, SECRET, now=NOW)
    assert SECRET not in str(caught.value)


def test_one_matching_v1_of_several_is_enough_while_a_secret_rotates() -> None:
    body = b'{"a":1}'
    old = sign_payload(body, "old-secret-value", timestamp=NOW).split(",v1=")[1]
    new = sign_payload(body, SECRET, timestamp=NOW).split(",v1=")[1]
    verify_signature(body, f"t={NOW},v1={old},v1={new}", SECRET, now=NOW)
    verify_signature(body, f"t={NOW}, v1={new.upper()}", Secret(SECRET), now=NOW)  # spaces, case


def test_str_bodies_sign_as_their_utf8_bytes_and_empty_secrets_are_refused() -> None:
    header = sign_payload('{"name":"Müller"}', SECRET, timestamp=NOW)
    verify_signature('{"name":"Müller"}'.encode(), header, SECRET, now=NOW)
    with pytest.raises(ValueError, match="must not be empty"):
        sign_payload(b"{}", "")


# ----- junk headers are refusals, never crashes -----


@pytest.mark.parametrize("v1", ["é" * 64, "ü", "\u0663" * 64, "\x00", "abc\udcff"])
def test_a_non_ascii_v1_is_a_refusal_not_a_type_error(v1: str) -> None:
    with pytest.raises(WebhookSignatureError, match="does not match") as caught:
        verify_signature(b"{}", f"t={NOW},v1={v1}", SECRET, now=NOW)
    assert caught.value.status_code == 401


def test_a_timestamp_of_non_ascii_digits_is_malformed() -> None:
    digest = sign_payload(b"{}", SECRET, timestamp=123).split(",v1=")[1]
    with pytest.raises(WebhookSignatureError, match="malformed"):
        verify_signature(b"{}", f"t=\u0661\u0662\u0663,v1={digest}", SECRET, tolerance=None)


@settings(max_examples=60)
@given(junk=st.one_of(st.text(max_size=120), st.binary(max_size=120)))
def test_the_generic_check_never_raises_on_junk(junk: str | bytes) -> None:
    assert hmac_signature_matches(junk, SECRET, [b"{}"]) is False
    with pytest.raises(WebhookSignatureError) as caught:
        verify_hmac_signature(b"{}", junk, SECRET, header="X-Any-Signature")
    assert caught.value.status_code == 401 and "X-Any-Signature" in caught.value.message


def test_the_generic_check_takes_hex_or_base64_as_each_provider_sends_it() -> None:
    body = b'{"events":[]}'
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    hex_, b64, urlsafe = digest.hex(), base64.b64encode(digest).decode(), base64.urlsafe_b64encode(digest).decode()
    verify_hmac_signature(body, hex_.upper(), SECRET, header="X-Zoho-Webhook-Signature")  # hex in any case
    verify_hmac_signature(body, f" {b64} ", Secret(SECRET), header="x-xero-signature", encodings=["base64"])
    verify_hmac_signature(body, urlsafe.encode(), SECRET, header="intuit-signature", encodings=["base64"])
    with pytest.raises(WebhookSignatureError, match="x-xero-signature does not match"):
        verify_hmac_signature(body, hex_, SECRET, header="x-xero-signature", encodings=["base64"])
    with pytest.raises(WebhookSignatureError, match=r"no intuit-signature header.*Intuit"):
        verify_hmac_signature(body, None, SECRET, header="intuit-signature", hint="Set it in the Intuit portal.")
    prefixed = b"key1value1" + body
    other = hmac.new(SECRET.encode(), prefixed, hashlib.sha256).hexdigest()
    verify_hmac_signature(body, other, SECRET, header="X-Sig", also_signed=[prefixed])
    with pytest.raises(ValueError, match="encodings"):
        hmac_signature_matches(hex_, SECRET, [body], encodings=["base32"])  # type: ignore[list-item]
