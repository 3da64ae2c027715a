"""The emulator kit: what every provider's local emulator is built on. Importable without pytest.

A provider's emulator (``connectors/<name>/emulator/``) keeps only what is its provider's: routes, data,
arithmetic, error shapes, webhooks. The kit gives the rest:

- :class:`Emulator`: the base class. ``app`` (ASGI: ``/__emulator`` controls plus the provider's
  ``build_app()``), ``serve(host, port)`` (a context manager on a real socket), ``url``/``base_url``,
  ``connector_name``, ``connector_settings()``, ``stats()``, ``request_log``, ``reset*()``,
  ``advance_time()``, ``expire_tokens()``, ``faults``, ``limits``, ``oauth``, ``organization_ids``.
- :class:`Clock`: injectable time (``now()`` aware UTC, ``timestamp()``, ``monotonic()``, ``advance()``).
- :class:`Limits` of :class:`Rule` s by scope: ``acquire(keys)`` gives an :class:`Admission` (a context
  manager releasing in-flight slots, with ``usage`` per rule for rate-limit headers) or a :class:`Refusal`
  (``rule``, ``retry_after``). A day is 1440 windows of ``window_seconds``.
- :class:`Faults`: ``fail_next(n, kind, path=, method=)``, ``fail_fraction(p, kind, seed=)``, kinds
  :data:`FAULT_KINDS`; :func:`inject_fault` applies them to a call (the emulator renders the answers).
- :class:`OAuthServer` with a :class:`TokenPolicy`: the code flow, refresh (optionally rotating with a grace
  period), expiry, revocation, throttles; refusals are :class:`OAuthError` the emulator words its own way.
- :func:`served`: wraps a handler ``async (Exchange) -> Response`` into an ASGI app that logs the call
  (no secrets), limits the body size (413) and closes the connection on :class:`Dropped`.
- :func:`parse_json_body` raising :class:`BadBody` (400) for invalid JSON, huge numbers, deep nesting.
- :class:`Stats`, :func:`control_endpoint` / :func:`control_body` for an emulator's own controls.
- :func:`read_fixture` / :class:`FixtureError` (DESIGN section 3: the provider's records by collection).
- :class:`BackgroundServer` and :func:`serve_forever` (``on_ready(base_url)`` once listening).
- the CLI: :func:`run_emulator` and the shared typer options (``HostOption``, ``PortOption``, ...), loaded on
  first use.

Controls under ``/__emulator`` (JSON): ``GET health``, ``GET stats``, ``GET requests``, ``POST reset``
(``{"stats": true, "limits": true, "faults": true}``), ``GET|POST|DELETE faults`` (POST ``{"kind", "count"
| "fraction", "seed", "path", "method", "timeout_seconds"}``), ``POST tokens/expire``, ``GET time``,
``POST time/advance`` (``{"seconds": n}``, finite and >= 0), plus the emulator's ``controls()``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._base import Emulator, check_counts
from ._body import DEFAULT_MAX_BODY_BYTES, BadBody, parse_json_body
from ._clock import Clock
from ._control import CONTROL_PREFIX, control_body, control_endpoint
from ._exchange import Dropped, Exchange, Handler, close_connection, inject_fault, served
from ._faults import FAULT_KINDS, RENDERED_KINDS, Faults
from ._fixtures import FixtureError, read_fixture
from ._limits import WINDOWS_PER_DAY, Admission, Limits, Refusal, Rule, Usage
from ._oauth import AccessToken, OAuthError, OAuthServer, TokenPolicy, TokenSet
from ._server import (
    DEFAULT_IDLE_TIMEOUT,
    ASGIApp,
    BackgroundServer,
    Receive,
    Scope,
    Send,
    listen,
    serve_forever,
    url_of,
    with_abort,
)
from ._stats import SECRET_PARAMETERS, Stats, redact

if TYPE_CHECKING:
    from ._cli import (
        BillsOption,
        ClientIdOption,
        ClientSecretOption,
        ContactsOption,
        ExpensesOption,
        FixtureOption,
        HostOption,
        InvoicesOption,
        PortOption,
        RefreshTokenOption,
        SeedOption,
        WindowSecondsOption,
        export_lines_for,
        run_emulator,
    )

__all__ = [
    "CONTROL_PREFIX",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_MAX_BODY_BYTES",
    "FAULT_KINDS",
    "RENDERED_KINDS",
    "SECRET_PARAMETERS",
    "WINDOWS_PER_DAY",
    "ASGIApp",
    "AccessToken",
    "Admission",
    "BackgroundServer",
    "BadBody",
    "BillsOption",
    "ClientIdOption",
    "ClientSecretOption",
    "Clock",
    "ContactsOption",
    "Dropped",
    "Emulator",
    "Exchange",
    "ExpensesOption",
    "Faults",
    "FixtureError",
    "FixtureOption",
    "Handler",
    "HostOption",
    "InvoicesOption",
    "Limits",
    "OAuthError",
    "OAuthServer",
    "PortOption",
    "Receive",
    "RefreshTokenOption",
    "Refusal",
    "Rule",
    "Scope",
    "SeedOption",
    "Send",
    "Stats",
    "TokenPolicy",
    "TokenSet",
    "Usage",
    "WindowSecondsOption",
    "check_counts",
    "close_connection",
    "control_body",
    "control_endpoint",
    "export_lines_for",
    "inject_fault",
    "listen",
    "parse_json_body",
    "read_fixture",
    "redact",
    "run_emulator",
    "serve_forever",
    "served",
    "url_of",
    "with_abort",
]

# The CLI helpers import typer: loaded on first use, so emulators in tests do not pay for it.
_CLI_NAMES = frozenset(
    {
        "BillsOption",
        "ClientIdOption",
        "ClientSecretOption",
        "ContactsOption",
        "ExpensesOption",
        "FixtureOption",
        "HostOption",
        "InvoicesOption",
        "PortOption",
        "RefreshTokenOption",
        "SeedOption",
        "WindowSecondsOption",
        "export_lines_for",
        "run_emulator",
    }
)


def __getattr__(name: str) -> Any:
    if name not in _CLI_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("unified.emulator._cli"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
