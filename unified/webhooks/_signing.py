"""Signatures of virtual webhook deliveries, Stripe style: ``X-Unified-Signature: t=<unix>,v1=<hex>``.

``v1`` is the hex HMAC-SHA256 of ``"<t>.<raw body>"`` with the subscriber's secret. The timestamp is signed with
the body, so a captured delivery cannot be replayed later than ``tolerance`` seconds. A header may carry several
``v1`` values (one per secret while a secret is being rotated); one match is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from unified.secret import Secret
from unified.webhooks._errors import WebhookSignatureError

__all__ = ["SIGNATURE_HEADER", "sign_payload", "verify_signature"]

SIGNATURE_HEADER = "X-Unified-Signature"


def _key(secret: str | Secret) -> bytes:
    value = Secret.of(secret).reveal()
    if not value:
        raise ValueError("A webhook secret must not be empty.")
    return value.encode()


def _bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else bytes(body)


def _digest(body: bytes, secret: str | Secret, timestamp: int) -> str:
    return hmac.new(_key(secret), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


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
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            stamp = int(value)
        elif name == "v1" and value:
            candidates.append(value.strip().lower())
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
    expected = _digest(_bytes(body), secret, stamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise WebhookSignatureError(
            f"The {SIGNATURE_HEADER} does not match the body: the body was changed, or the secret is not this "
            "subscriber's."
        )
    return stamp
