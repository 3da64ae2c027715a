"""uvicorn on a background thread, bound to a free loopback port, started and stopped without sleeps."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import uvicorn


def listen(host: str, port: int) -> socket.socket:
    """A bound socket (port 0: a free one), so the port is known before the server runs."""
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


def uvicorn_server(app: Callable[..., object]) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        http="h11",
        loop="asyncio",
        timeout_graceful_shutdown=2,
        access_log=False,
    )
    return uvicorn.Server(config)


class BackgroundServer:
    def __init__(self, app: Callable[..., object], host: str, port: int) -> None:
        self.host = host
        self._socket = listen(host, port)
        self.port: int = self._socket.getsockname()[1]
        self._server = uvicorn_server(app)
        self._thread = threading.Thread(target=self._run, name="zoho-books-emulator", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # surfaced by start()
            self._error = exc

    def start(self, timeout: float = 15.0) -> None:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator did not start on {self.host}:{self.port}: {self._error!r}")
            self._thread.join(0.005)  # polls readiness while letting the server thread run

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()
