"""Webhook signatures: the kit-level HMAC check every receiver uses, and the signature of virtual deliveries.

Receivers of a provider's webhooks check a bare HMAC-SHA256 of the raw body with :func:`verify_hmac_signature`:
hex or base64, constant-time, and a refusal (:class:`WebhookSignatureError`, 401) for anything else, junk and
non-ASCII headers included, never a crash::

    verify_hmac_signature(body, headers.get("X-Books-Signature"), key, header="X-Books-Signature")   # hex
    verify_hmac_signature(body, headers.get("x-books-signature"), key, header="x-books-signature", encodings=["base64"])

Virtual deliveries are signed Stripe style: ``X-Unified-Signature: t=<unix>,v1=<hex>``, where ``v1`` is the hex
HMAC-SHA256 of ``"<t>.<raw body>"`` with the subscriber's secret. The timestamp is signed with the body, so a
captured delivery cannot be replayed later than ``tolerance`` seconds. A header may carry several ``v1`` values
(one per secret while a secret is being rotated); one match is enough.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable, Sequence
from typing import Literal

from unified.secret import Secret
from unified.webhooks._errors import WebhookSignatureError

__all__ = ["SIGNATURE_HEADER", "hmac_signature_matches", "sign_payload", "verify_hmac_signature", "verify_signature"]

SIGNATURE_HEADER = "X-Unified-Signature"

Encoding = Literal["hex", "base64"]
_ENCODINGS: tuple[Encoding, ...] = ("hex", "base64")


def _key(secret: str | Secret) -> bytes:
    value = Secret.of(secret).reveal()
    if not value:
        raise ValueError("A webhook secret must not be empty.")
    return value.encode()


def _bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else bytes(body)


def _digest(body: bytes, secret: str | Secret, timestamp: int) -> str:
    return hmac.new(_key(secret), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def _ascii(text: str | bytes) -> bytes | None:
    """The header value as bytes to compare, or None when it cannot be a signature (non-ASCII, say)."""
    if isinstance(text, bytes | bytearray):
        value = bytes(text)
        return value if value.isascii() else None
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        return None


def hmac_signature_matches(
    signature: str | bytes | None,
    secret: str | Secret,
    messages: Iterable[bytes | str],
    *,
    encodings: Sequence[Encoding] = _ENCODINGS,
) -> bool:
    """Whether ``signature`` is the HMAC-SHA256 of one of ``messages`` with ``secret``, written in one of
    ``encodings`` (hex in any case, or standard or URL-safe base64). Constant-time; False for junk, never raises."""
    unknown = [e for e in encodings if e not in _ENCODINGS]
    if unknown or not encodings:
        raise ValueError(f"encodings must be some of {', '.join(_ENCODINGS)}; got {list(encodings)!r}.")
    given = _ascii(signature) if signature is not None else None
    if not given or not given.strip():
        return False
    given = given.strip()
    key = _key(secret)
    matched = False
    for message in messages:
        digest = hmac.new(key, _bytes(message), hashlib.sha256).digest()
        if "hex" in encodings:
            matched |= hmac.compare_digest(digest.hex().encode(), given.lower())
        if "base64" in encodings:
            matched |= hmac.compare_digest(base64.b64encode(digest), given)
            matched |= hmac.compare_digest(base64.urlsafe_b64encode(digest), given)
    return matched


def verify_hmac_signature(
    body: bytes | str,
    signature: str | bytes | None,
    secret: str | Secret,
    *,
    header: str,
    encodings: Sequence[Encoding] = _ENCODINGS,
    also_signed: Iterable[bytes | str] = (),
    hint: str = "",
) -> None:
    """Refuse (:class:`WebhookSignatureError`, 401) a request whose ``header`` value is not the HMAC-SHA256 of the
    raw ``body`` (or of one of ``also_signed``, other forms a provider signs) with ``secret``.

    ``hint`` ends the messages, saying where the secret is set at the provider. Pass the body exactly as received.
    """
    suffix = f" {hint}" if hint else ""
    if signature is None or not (signature.strip() if isinstance(signature, str) else bytes(signature).strip()):
        raise WebhookSignatureError(f"The request has no {header} header; only signed deliveries are accepted.{suffix}")
    if not hmac_signature_matches(signature, secret, [body, *also_signed], encodings=encodings):
        raise WebhookSignatureError(
            f"The {header} does not match the body: the body was changed on the way, or the secret is not the one "
            f"the sender signs with.{suffix}"
        )


def sign_payload(body: bytes | str, secret: str | Secret, timestamp: int | None = None) -> str:
    """The ``X-Unified-Signature`` value for ``body``: ``t=<unix seconds>,v1=<hex hmac-sha256 of "t.body">``."""
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={stamp},v1={_digest(_bytes(body), secret, stamp)}"


def verify_signature(
    body: bytes | str,
    header: str | None,
    secret: str | Secret,
    tolerance: float | None = 300,
    *,
    now: float | None = None,
) -> int:
    """Check an ``X-Unified-Signature`` header against the raw request body; returns the signed timestamp.

    Raises :class:`WebhookSignatureError` (HTTP 401) when the header is missing or malformed, when its timestamp is
    more than ``tolerance`` seconds away from ``now`` (None: no limit), or when no ``v1`` matches. Pass the body
    exactly as received, before any JSON parsing.
    """
    if not header or not header.strip():
        raise WebhookSignatureError(
            f"The request has no {SIGNATURE_HEADER} header; only signed deliveries are accepted."
        )
    stamp: int | None = None
    candidates: list[bytes] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        text = value.strip()
        if name == "t" and text.isascii() and text.isdigit():
            stamp = int(text)
        elif name == "v1" and text:
            candidate = _ascii(text.lower())
            candidates.append(candidate if candidate is not None else b"")  # junk still counts as a (failed) try
    if stamp is None or not candidates:
        raise WebhookSignatureError(
            f"The {SIGNATURE_HEADER} header is malformed: expected 't=<unix seconds>,v1=<hex signature>'."
        )
    if tolerance is not None:
        age = (time.time() if now is None else now) - stamp
        if abs(age) > tolerance:
            raise WebhookSignatureError(
                f"The {SIGNATURE_HEADER} timestamp is {abs(age):.0f} s {'old' if age > 0 else 'in the future'}, "
                f"beyond the tolerance of {tolerance:g} s: a replayed delivery, or a clock that is off."
            )
    expected = _digest(_bytes(body), secret, stamp).encode()
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise WebhookSignatureError(
            f"The {SIGNATURE_HEADER} does not match the body: the body was changed, or the secret is not this "
            "subscriber's."
        )
    return stamp
