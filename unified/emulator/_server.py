"""uvicorn on 127.0.0.1: in a background thread for tests, in the foreground for the CLI; ready means listening.

Both bind the socket before uvicorn runs (so the port is known and a busy port is a clear error), close
connections that stay idle (fresh ones that never send a request included) after ``idle_timeout`` seconds,
and let faults drop a connection without an answer.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_IDLE_TIMEOUT = 5.0
ABORT_KEY = "unified.emulator.abort"
GONE_KEY = "unified.emulator.gone"


def listen(host: str, port: int) -> socket.socket:
    """A bound socket (port 0: a free one); OSError with a message saying what to do when the port is taken."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # without it every answer waits ~40 ms for the peer's delayed ACK (Nagle), as h11 writes head and body apart
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another port, or 0") from None
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _IdleBoundedH11(H11Protocol):
    """uvicorn arms its keep-alive timer only after a response; a connection that never sends a complete
    request head would stay open for ever. This one is closed ``timeout_keep_alive`` after it opened or
    last finished an answer, whatever trickles in meanwhile."""

    _deadline = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.loop.time() + self.timeout_keep_alive)

    def on_response_complete(self) -> None:
        self._deadline = self.loop.time() + self.timeout_keep_alive
        super().on_response_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and self.timeout_keep_alive_task is None and not self.transport.is_closing():
            self._arm(self._deadline)

    def _arm(self, deadline: float) -> None:
        self._deadline = deadline
        self.timeout_keep_alive_task = self.loop.call_at(deadline, self.timeout_keep_alive_handler)


def with_abort(app: ASGIApp) -> ASGIApp:
    """Wrap an app for a real uvicorn server so a fault can close the connection without an answer.

    uvicorn passes its request cycle's bound ``send``; its transport is the socket. Aborting it and waiting
    until uvicorn has noticed the loss leaves uvicorn nothing to answer or to log.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        cycle = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if scope["type"] == "http" and transport is not None:

            async def abort() -> None:
                transport.abort()
                for _ in range(1000):
                    if getattr(cycle, "disconnected", True):
                        return
                    await asyncio.sleep(0.001)

            scope[ABORT_KEY] = abort
            scope[GONE_KEY] = lambda: bool(getattr(cycle, "disconnected", False)) or transport.is_closing()
        await app(scope, receive, send)

    return wrapped


class _Server(uvicorn.Server):
    """Calls ``on_ready`` once uvicorn listens (startup done), not before."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_ready is not None:
            self._on_ready()


def _uvicorn(app: ASGIApp, idle_timeout: float, on_ready: Callable[[], None] | None = None) -> _Server:
    config = uvicorn.Config(
        with_abort(app),
        log_level="warning",
        lifespan="off",
        http=_IdleBoundedH11,
        loop="asyncio",
        timeout_keep_alive=idle_timeout,  # type: ignore[arg-type]  # typed int; the timer takes any seconds
        timeout_graceful_shutdown=2,
        access_log=False,
    )
    return _Server(config, on_ready)


class BackgroundServer:
    """Serves ``app`` on a background thread; :meth:`start` returns once the socket accepts connections."""

    def __init__(
        self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    ) -> None:
        self.host = host
        self._socket = listen(host, port)
        self.port: int = self._socket.getsockname()[1]
        self.url = url_of(self._socket)
        self._ready = threading.Event()
        self._server = _uvicorn(app, idle_timeout, self._ready.set)
        self._thread = threading.Thread(target=self._run, name="emulator-server", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # surfaced by start()
            self._error = exc
        finally:
            self._ready.set()

    def start(self, timeout: float = 15.0) -> None:
        """Start serving; returns once the server listens, or raises RuntimeError saying why not."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if time.monotonic() > deadline:
                break
        if not self._server.started:
            self.stop()
            raise RuntimeError(f"the emulator did not start on {self.host}:{self.port}: {self._error!r}")

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()


def serve_forever(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    on_ready: Callable[[str], None] | None = None,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
) -> None:
    """Serve in the foreground until Ctrl-C (which ends it normally); ``on_ready(base_url)`` is called once
    uvicorn listens. Binding fails before anything is served, with an OSError saying what to do."""
    sock = listen(host, port)
    base = url_of(sock)

    def ready() -> None:
        if on_ready is not None:
            on_ready(base)
            sys.stdout.flush()

    server = _uvicorn(app, idle_timeout, ready)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled: stopping is the normal end here
        pass
    finally:
        sock.close()
