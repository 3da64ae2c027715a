"""What every receiver of a provider's webhooks shares: handing an event to the product's handler, and the
answer a refused delivery gets."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from unified.events import Event
from unified.webhooks._errors import WebhookRejected

__all__ = ["deliver_event", "refusal_response"]


async def deliver_event(on_event: Callable[[Event], Any], event: Event) -> None:
    """Call the handler, a coroutine function or a plain one (run off the event loop)."""
    if inspect.iscoroutinefunction(on_event):
        await on_event(event)
        return
    result = await run_in_threadpool(on_event, event)
    if inspect.isawaitable(result):
        await result


def refusal_response(exc: WebhookRejected) -> Response:
    """The answer to a delivery refused for its signature, size or shape: the status the refusal names."""
    return JSONResponse({"error": exc.type_name, "message": exc.message}, status_code=exc.status_code)
