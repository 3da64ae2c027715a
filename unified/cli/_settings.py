"""Which connection a command uses: flags, then environment variables, then the vault.

The one place that knows connection flags' names: each flag is a connector setting of the same name (with
``-`` for ``_``), and each has an environment variable ``<prefix><SETTING>`` where the prefix is the
connector's (``UNIFIED_ZOHO_`` for zoho-books).
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from unified.connector import Connector
from unified.errors import RequestValidationError, UnifiedError
from unified.registry import connector_class
from unified.vault import Connection, Vault, build_connector

DEFAULT_CONNECTOR = "zoho-books"

#: connector settings that have a flag (``--client-id``...) and an environment variable
CONNECTION_SETTINGS: tuple[str, ...] = (
    "client_id",
    "client_secret",
    "refresh_token",
    "organization_id",
    "data_center",
    "api_url",
    "accounts_url",
)

#: settings taken only from the environment (``UNIFIED_ZOHO_WINDOW_SECONDS=2`` against an emulator whose rate
#: window is scaled the same way), with their types
ENV_ONLY_SETTINGS: dict[str, type[float] | type[str]] = {"window_seconds": float, "plan": str}

#: settings that are secrets: kept in the vault's encrypted part, never printed
SECRET_SETTINGS = frozenset({"client_secret", "refresh_token", "access_token"})

#: connector -> prefix of its environment variables
ENV_PREFIXES: dict[str, str] = {"zoho-books": "UNIFIED_ZOHO_"}


def env_name(connector: str, setting: str) -> str:
    prefix = ENV_PREFIXES.get(connector) or "UNIFIED_" + connector.upper().replace("-", "_") + "_"
    return prefix + setting.upper()


def flag_name(setting: str) -> str:
    return "--" + setting.replace("_", "-")


@dataclass
class ConnectionOptions:
    """What the user said on the command line about the connection."""

    connector: str = DEFAULT_CONNECTOR
    connection: str | None = None
    flags: dict[str, str | None] = field(default_factory=dict)

    def given(self) -> dict[str, str]:
        """Settings from flags, else from the connector's environment variables."""
        values: dict[str, str] = {}
        for setting in CONNECTION_SETTINGS:
            value = self.flags.get(setting) or os.environ.get(env_name(self.connector, setting))
            if value:
                values[setting] = value
        return values

    def extra(self) -> dict[str, Any]:
        """Advanced settings from the environment only (see ``ENV_ONLY_SETTINGS``)."""
        values: dict[str, Any] = {}
        for setting, kind in ENV_ONLY_SETTINGS.items():
            name = env_name(self.connector, setting)
            text = os.environ.get(name)
            if not text:
                continue
            try:
                values[setting] = kind(text)
            except ValueError:
                raise RequestValidationError(
                    f"{name}={text!r} is not a {kind.__name__}; fix or unset it.", field=setting
                ) from None
        return values


@dataclass
class Resolved:
    """The connection a command runs with, and where it came from (for messages)."""

    connector: str
    settings: dict[str, Any]
    source: str
    vault_name: str | None = None
    vault: Vault | None = None

    def build(self, **overrides: Any) -> Connector:
        if self.vault is not None and self.vault_name is not None:
            return self.vault.connector(self.vault_name, **{**self.settings, **overrides})
        cls = connector_class(self.connector)
        settings = {**self.settings, **overrides}
        check_required(cls, settings, self.connector)
        return cls(**settings, **_token_cache(cls, self.connector, settings))


def resolve(options: ConnectionOptions, vault: Vault | None = None) -> Resolved:
    """Flags and env first; ``--connection NAME`` takes the vault's connection, which flags may override.

    With neither, a vault connection named like the connector (or the vault's only one for it) is used.
    """
    given = options.given()
    extra = options.extra()
    if options.connection:
        vault = vault or Vault()
        stored = vault.get(options.connection)
        return Resolved(stored.connector, {**given, **extra}, f"connection {stored.name!r}", stored.name, vault)
    if given:
        return Resolved(options.connector, {**given, **extra}, "flags and environment")
    vault = vault or Vault()
    default = _default_connection(vault, options.connector)
    if default is not None:
        return Resolved(default.connector, extra, f"connection {default.name!r}", default.name, vault)
    raise RequestValidationError(missing_connection_message(options.connector), field="connection")


def _token_cache(cls: Callable[..., Any], connector: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Reuse the access token an earlier run got with the same credentials, and keep the ones refreshed now.

    Providers cap how many access tokens a refresh token mints (Zoho: 10 in 10 minutes), so a script running
    the CLI in a loop must not mint one per run. The cache is the vault's (encrypted); without a usable vault
    the connector simply refreshes.
    """
    if not settings.get("refresh_token") or "access_token" in settings:
        return {}
    params = inspect.signature(cls).parameters
    if not {"access_token", "expires_at", "on_token_refresh"} <= set(params):
        return {}
    identity = "\0".join([connector, *(f"{k}={settings.get(k) or ''}" for k in CONNECTION_SETTINGS)])
    key = hashlib.sha256(identity.encode()).hexdigest()
    vault = Vault()
    try:
        cached = vault.cached_tokens(key)
    except UnifiedError:
        return {}

    def keep(token_set: Any) -> None:
        with contextlib.suppress(UnifiedError, OSError):
            vault.cache_tokens(key, token_set)

    return {**cached, "on_token_refresh": keep}


def _default_connection(vault: Vault, connector: str) -> Connection | None:
    names = vault.names()
    if not names:
        return None
    if connector in names:
        return vault.get(connector)
    candidates = [c for c in vault.list() if c.connector == connector]
    return candidates[0] if len(candidates) == 1 else None


def missing_connection_message(connector: str) -> str:
    env = ", ".join(env_name(connector, s) for s in ("client_id", "client_secret", "refresh_token", "organization_id"))
    return (
        f"No {connector} connection: run `unified connect {connector}` once, or pass --connection NAME, or set "
        f"--client-id --client-secret --refresh-token --organization-id (env {env}). "
        "To try it locally, start `unified emulator zoho-books` and use the settings it prints."
    )


def check_required(cls: Callable[..., Any], settings: Mapping[str, Any], connector: str) -> None:
    """Refuse early, naming the flag and variable, when a setting ``cls`` requires is missing."""
    missing = [
        name
        for name, param in inspect.signature(cls).parameters.items()
        if param.default is inspect.Parameter.empty
        and param.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and settings.get(name) in (None, "")
    ]
    if missing:
        parts = [
            f"{flag_name(name)} (env {env_name(connector, name)})" if name in CONNECTION_SETTINGS else name
            for name in missing
        ]
        raise RequestValidationError(
            f"Missing connection setting{'s' if len(missing) > 1 else ''}: {', '.join(parts)}; or use "
            f"--connection NAME from `unified connect {connector}`.",
            field=missing[0],
        )


def connection_from_settings(name: str, connector: str, settings: Mapping[str, Any]) -> Connection:
    """A vault connection from flat settings: secrets to the encrypted part."""
    plain = {k: v for k, v in settings.items() if k not in SECRET_SETTINGS and v is not None}
    hidden = {k: str(v) for k, v in settings.items() if k in SECRET_SETTINGS and v is not None}
    return Connection(name=name, connector=connector, settings=plain, secrets=hidden)


def build_from_connection(connection: Connection, **overrides: Any) -> Connector:
    return build_connector(connection, None, **overrides)
