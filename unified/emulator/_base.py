"""The base class of every provider's emulator: what is served, how, and the Python controls."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Self

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Router

from ._body import DEFAULT_MAX_BODY_BYTES, BadBody
from ._clock import Clock
from ._control import CONTROL_PREFIX, control_routes
from ._faults import Faults
from ._limits import Limits
from ._oauth import OAuthServer
from ._server import DEFAULT_IDLE_TIMEOUT, ASGIApp, BackgroundServer
from ._stats import Stats


def check_counts(**counts: int) -> dict[str, int]:
    """The record counts an emulator was asked to seed, refused when negative (``contacts must be >= 0``)."""
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a whole number >= 0, not {value!r}")
    return dict(counts)


class Emulator:
    """A local stand-in for one provider. Subclass it::

        class MyEmulator(Emulator):
            connector_name = "my-books"                 # the entry point of the connector it stands in for
            title = "My Books emulator"

            def __init__(self, seed=7, *, window_seconds=60.0, **kit):
                super().__init__(window_seconds=window_seconds, **kit)   # clock, faults, request_stats
                self.limits = Limits(self.clock, window_seconds=window_seconds, rules={"org": [...]})
                self.oauth = OAuthServer(self.clock, TokenPolicy(access_lifetime=3600))
                ...seed data, self.oauth.add_client(...)...

            def build_app(self):                        # the provider's own paths; routes use served()
                return Starlette(routes=[Mount("/api", app=served(self, self._api))])

            def render_bad_body(self, error):           # BadBody (400, 413) in the provider's error shape
                return JSONResponse({"message": error.message}, status_code=error.status)

            def connector_settings(self):               # the connector's keyword arguments to reach it
                return {"client_id": ..., "api_url": self.url + "/api"}

    ``app`` is the whole ASGI app: ``/__emulator`` controls plus ``build_app()``. ``serve()`` runs it on a
    real socket; in-process, use ``httpx.ASGITransport(app=emu.app)``.
    """

    connector_name: ClassVar[str]
    title: ClassVar[str] = "Emulator"
    #: the parts ``reset()`` and ``POST /__emulator/reset`` know; a subclass adding one overrides reset()
    reset_parts: ClassVar[tuple[str, ...]] = ("stats", "limits", "faults")

    limits: Limits
    oauth: OAuthServer

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        window_seconds: float = 60.0,
        timeout_seconds: float = 30.0,
        fault_path_prefixes: Sequence[str] = (),
        stats_groups: dict[str, Sequence[str]] | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        if max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be >= 1, not {max_body_bytes}")
        if not idle_timeout > 0:
            raise ValueError(f"idle_timeout must be > 0 seconds, not {idle_timeout}")
        self.clock = clock or Clock()
        self.window_seconds = window_seconds
        self.faults = Faults(timeout_seconds, path_prefixes=fault_path_prefixes)
        self.request_stats = Stats(groups=stats_groups, window_seconds=window_seconds)
        self.max_body_bytes = max_body_bytes
        self.idle_timeout = idle_timeout
        self.stopping = False
        self._app: ASGIApp | None = None
        self._server: BackgroundServer | None = None
        self._url: str | None = None

    # --- what a subclass provides ------------------------------------------------------------------

    def build_app(self) -> ASGIApp:
        """The provider's paths (everything but ``/__emulator``), built once."""
        raise NotImplementedError

    def render_bad_body(self, error: BadBody) -> Response:
        """A refused body (``error.status`` 400 or 413) in the provider's error shape."""
        return JSONResponse({"error": error.message}, status_code=error.status)

    def connector_settings(self) -> dict[str, Any]:
        """The keyword arguments the connector takes to talk to this emulator (while serving)."""
        raise NotImplementedError

    def controls(self) -> list[BaseRoute]:
        """The emulator's own routes under ``/__emulator`` (see ``control_endpoint``)."""
        return []

    def banner(self) -> list[str]:
        """Lines the CLI prints once listening, before the export lines (credentials, URLs...)."""
        return [f"{self.title} on {self.url}"]

    def calls_per_window(self) -> int | None:
        """The tightest per-window request limit of an organization (the first scope of ``limits``), for reports."""
        limits = getattr(self, "limits", None)
        if limits is None:
            return None
        per_window = [rule.limit for rule in limits.rules() if rule.windows == 1.0]
        return min(per_window) if per_window else None

    def seeded_counts(self) -> dict[str, int]:
        """Records of the first organization by unified resource (contacts, invoices...), where the emulator knows."""
        return {}

    def api_calls(self) -> int:
        """Calls that counted against an organization's budget (OAuth and controls do not)."""
        return sum(int(n) for n in self.stats().get("by_organization", {}).values())

    @property
    def organization_ids(self) -> list[str]:
        """Every organization (tenant, company) this emulator serves."""
        return []

    @property
    def ready(self) -> bool:
        """Whether the data is in place (requests wait for it)."""
        return True

    def wait_ready(self, timeout: float = 120.0) -> Self:
        return self

    def on_stop(self) -> None:
        """Called when ``serve()`` ends (stop background threads)."""

    def close(self) -> None:
        """Release what the emulator holds (background threads); ``serve()`` does it when its block ends."""

    # --- the app and the server --------------------------------------------------------------------

    @property
    def app(self) -> ASGIApp:
        if self._app is None:
            self._app = Router(
                routes=[Mount(CONTROL_PREFIX, routes=control_routes(self)), Mount("", app=self.build_app())]
            )
        return self._app

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[Self]:
        """Serve on a real socket in a background thread until the block ends (port 0: a free port)."""
        if self._server is not None:
            raise RuntimeError("the emulator is already serving; leave the other serve() block first")
        server = BackgroundServer(self.app, host, port, idle_timeout=self.idle_timeout)
        self.stopping = False
        server.start()
        self._server = server
        self._url = server.url
        try:
            yield self
        finally:
            self.stopping = True
            self.faults.release()
            server.stop()
            self.on_stop()
            self._server = None
            self._url = None

    def _listening_at(self, url: str | None) -> None:
        """Set by the kit's foreground server (the CLI) once it listens."""
        self._url = url

    @property
    def serving(self) -> bool:
        return self._url is not None

    @property
    def base_url(self) -> str:
        """The root URL while serving, e.g. ``http://127.0.0.1:54321``."""
        if self._url is None:
            raise RuntimeError("base_url exists while serving: use `with emu.serve() as emu:` (or emu.app in-process)")
        return self._url

    @property
    def url(self) -> str:
        return self.base_url

    # --- inspection and control --------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Requests counted by endpoint, organization, status and fault (plus the emulator's own groups)."""
        return self.request_stats.snapshot()

    @property
    def request_log(self) -> list[dict[str, Any]]:
        """The newest calls (method, path, masked query, endpoint, organization, status, code, fault)."""
        return self.request_stats.entries()

    def reset_stats(self) -> None:
        self.request_stats.reset()

    def reset_limits(self) -> None:
        self.limits.reset()

    def reset_faults(self) -> None:
        self.faults.clear()

    def reset(self, stats: bool = True, limits: bool = True, faults: bool = True) -> None:
        if stats:
            self.reset_stats()
        if limits:
            self.reset_limits()
        if faults:
            self.reset_faults()

    def expire_tokens(self) -> None:
        """Every access token issued so far expires; refresh tokens stay valid."""
        self.oauth.expire_all()

    def advance_time(self, seconds: float) -> None:
        """Move the clock forward: rate windows, days, code and token lifetimes follow it."""
        self.clock.advance(seconds)

    def __repr__(self) -> str:
        where = f" at {self._url}" if self._url else ""
        return f"<{type(self).__name__}{where}>"
