"""Why a webhook delivery was refused: each error carries the HTTP status a receiver answers with."""

from __future__ import annotations

from unified.errors import UnifiedError

__all__ = ["WebhookEntityError", "WebhookRejected", "WebhookSignatureError"]


class WebhookRejected(UnifiedError):
    """The delivery is refused and gives no event: its body is not what a webhook sends (400)."""

    status_code = 400
    type_name = "WebhookRejected"

    def __init__(self, message: str) -> None:
        super().__init__(message, outcome="failed")


class WebhookSignatureError(WebhookRejected):
    """The signature is missing, malformed, stale or does not match the body (401)."""

    status_code = 401
    type_name = "WebhookSignatureError"


class WebhookEntityError(WebhookRejected):
    """The body is JSON but names no module the receiver knows, or its record cannot be read (422)."""

    status_code = 422
    type_name = "WebhookEntityError"
