"""One served call: its request-log entry, the body size limit, fault injection and dropping the connection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from ._body import BadBody, too_large
from ._server import ABORT_KEY, GONE_KEY, Receive, Scope, Send
from ._stats import SECRET_PARAMETERS, redact

if TYPE_CHECKING:
    from ._base import Emulator


class Dropped(Exception):
    """Raise it from a handler to close the connection without an answer (logged as status "dropped")."""


@dataclass
class Exchange:
    """What a handler gets: the request, its log entry to fill in, and work to run once the call is logged."""

    request: Request
    entry: dict[str, Any]
    after: list[Callable[[], None]] = field(default_factory=list)

    async def body(self) -> bytes:
        """The raw body, within the emulator's size limit (else :class:`BadBody` with status 413)."""
        return await self.request.body()


Handler = Callable[[Exchange], Awaitable[Response]]


def _limited(receive: Receive, limit: int) -> Receive:
    """``receive`` that refuses a body growing past ``limit`` bytes (chunked bodies carry no length)."""
    seen = 0

    async def wrapped() -> Any:
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(None, limit)
        return message

    return wrapped


async def close_connection(scope: Scope) -> None:
    """Close the client's connection without an answer: abort the socket under the kit's server; in-process
    (``httpx.ASGITransport``) raise what httpx raises for a dropped connection."""
    abort = scope.get(ABORT_KEY)
    if abort is None:
        import httpx

        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    await abort()


def served(
    emulator: Emulator, handler: Handler, *, secret_parameters: frozenset[str] = SECRET_PARAMETERS
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app serving ``handler`` the way every emulator call is served.

    It waits until the emulator's data is ready, logs and counts the call in ``emulator.request_stats``
    (method, path, query with secrets masked, never headers), refuses bodies over ``emulator.max_body_bytes``
    (:class:`BadBody`, rendered by ``emulator.render_bad_body``, as are malformed bodies the handler lets
    through), and closes the connection without an answer when the handler raises :class:`Dropped`.
    The handler sets ``entry["endpoint"]`` (a template such as ``GET /invoices/{id}``),
    ``entry["organization_id"]`` and ``entry["code"]`` as it learns them.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if not emulator.ready:
            await anyio.to_thread.run_sync(emulator.wait_ready)
        limit = emulator.max_body_bytes
        request = Request(scope, _limited(receive, limit))
        entry: dict[str, Any] = {
            "time": emulator.clock.timestamp(),
            "method": request.method,
            "path": scope["path"],
            "query": redact(request.query_params.multi_items(), secret_parameters),
            "endpoint": f"{request.method} {scope['path']}",
            "organization_id": "",
            "status": None,
            "code": None,
            "fault": None,
        }
        exchange = Exchange(request, entry)
        try:
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise too_large(int(length), limit)
            response = await handler(exchange)
        except BadBody as exc:
            response = emulator.render_bad_body(exc)
        except Dropped:
            entry["status"] = "dropped"
            emulator.request_stats.record(entry)
            _run(exchange.after)
            await close_connection(scope)
            return
        entry["status"] = response.status_code
        emulator.request_stats.record(entry)
        _run(exchange.after)
        await response(scope, receive, send)

    return app


def _run(work: list[Callable[[], None]]) -> None:
    for job in work:
        job()


async def inject_fault(emulator: Emulator, exchange: Exchange) -> str | None:
    """The fault picked for this call, if any, noted in its log entry.

    "timeout" holds the request (``emulator.faults.timeout_seconds``, or until released, the client leaves or
    the server stops) and "drop" closes it: both raise :class:`Dropped`. Any other kind is returned: the
    emulator answers "500", "503", "html" and "expired_token" in its provider's shape, and for
    "drop_after_commit" serves the call, then raises :class:`Dropped`.
    """
    request = exchange.request
    kind = emulator.faults.pick(request.method, request.url.path)
    if kind is None:
        return None
    exchange.entry["fault"] = kind
    if kind == "timeout":
        gone: Callable[[], bool] = request.scope.get(GONE_KEY, lambda: False)
        await emulator.faults.hold(lambda: gone() or emulator.stopping)
        raise Dropped
    if kind == "drop":
        raise Dropped
    return kind
