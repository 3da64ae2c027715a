"""Running the server: on a background thread (tests, embedding), or the app a ``--workers`` process builds."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from unified.server._app import create_app
from unified.server._settings import ServerSettings

__all__ = ["BackgroundServer", "app_from_environment", "listen"]


def app_from_environment() -> Starlette:
    """The app each ``unified serve --workers N`` process builds (uvicorn's factory): settings from the environment."""
    return create_app(ServerSettings.from_env())


def listen(host: str, port: int) -> socket.socket:
    """A bound socket (port 0: a free one), so the port is known before the server runs."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # without it every answer waits for the peer's delayed ACK, as h11 writes head and body apart
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another port, or 0") from None
    return sock


class BackgroundServer:
    """uvicorn serving ``app`` on a thread, on 127.0.0.1 and a free port unless told.

    >>> with BackgroundServer(create_app()) as server:
    ...     httpx.get(server.url + "/health")
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, **config: Any) -> None:
        self.host = host
        self._socket = listen(host, port)
        self.port: int = self._socket.getsockname()[1]
        options: dict[str, Any] = {
            "log_level": "warning",
            "http": "h11",
            "loop": "asyncio",
            "access_log": False,
            "timeout_graceful_shutdown": 2,
            # longer than clients keep idle connections (httpx: 5 s): none reuses one the server is closing
            "timeout_keep_alive": 65,
            **config,
        }
        self._server = uvicorn.Server(uvicorn.Config(app, **options))
        self._thread = threading.Thread(target=self._run, name="unified-server", daemon=True)
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # surfaced by start()
            self._error = exc

    def start(self, timeout: float = 15.0) -> BackgroundServer:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start on {self.host}:{self.port}: {self._error!r}")
            self._thread.join(0.005)  # polls readiness while letting the server thread run
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
