"""Which connector and connection a command uses: flags, then environment variables, then the vault.

Everything here derives from the settings each connector declares (``Connector.settings``): the flags
(``--client-id``...), the environment variables (``<prefix><SETTING>``, e.g. ``UNIFIED_MYBOOKS_CLIENT_ID``), which
values are secret, and the messages that name them. No connector is named here.

The connector: ``--connector NAME`` or ``UNIFIED_CONNECTOR``; else the one the flags, environment or vault point
at; else the only one installed. Where several are configured and none is named, the error lists them.
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
from unified.registry import connector_class, connector_names
from unified.settings import CONNECTOR_ENV, ConnectionSettings, Setting
from unified.vault import Connection, Vault, build_connector

SETTINGS_GROUP = "unified.settings"


def declared(connector: str) -> ConnectionSettings:
    """The connector's declared settings, from the light ``unified.settings`` entry point when it has one."""
    found = _settings_entry_points().get(connector)
    if found is not None:
        loaded = found.load()
        if isinstance(loaded, ConnectionSettings):
            return loaded
    settings = connector_class(connector).settings
    if settings is None:
        prefix = "UNIFIED_" + connector.upper().replace("-", "_") + "_"
        return ConnectionSettings(env_prefix=prefix)
    return settings


def _settings_entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=SETTINGS_GROUP)}


def env_name(connector: str, setting: str) -> str:
    return declared(connector).env_name(setting)


def flag_name(setting: str) -> str:
    return "--" + setting.replace("_", "-")


def flag_settings() -> dict[str, list[tuple[str, Setting]]]:
    """Every flag any installed connector declares: setting name -> [(connector, setting)]."""
    flags: dict[str, list[tuple[str, Setting]]] = {}
    for name in sorted(set(connector_names()) | set(_settings_entry_points())):
        try:
            settings = declared(name)
        except Exception:  # a broken plugin must not take the whole CLI down
            continue
        for setting in settings:
            if setting.flag:
                flags.setdefault(setting.name, []).append((name, setting))
    return flags


@dataclass
class ConnectionOptions:
    """What the user said on the command line about the connection."""

    connector: str | None = None
    connection: str | None = None
    flags: dict[str, str | None] = field(default_factory=dict)

    def chosen(self, vault: Vault | None = None) -> str:
        """The connector: named, else the only configured one, else the only installed one."""
        if self.connector:
            connector_class(self.connector)  # a clear error for an unknown name
            return self.connector
        named = os.environ.get(CONNECTOR_ENV)
        if named:
            connector_class(named)
            return named
        installed = connector_names()
        configured = [name for name in installed if declared(name).configured_in()]
        if not configured:
            vault = vault or Vault()
            try:
                configured = sorted({c.connector for c in vault.list() if c.connector in installed})
            except UnifiedError:
                configured = []
        if len(configured) == 1:
            return configured[0]
        if not configured and len(installed) == 1:
            return installed[0]
        if not configured:
            from unified.cli._demo import default_connector

            default = default_connector()
            return default if default in installed else installed[0]
        raise RequestValidationError(
            f"Several connectors are configured ({', '.join(configured)}): say which with --connector NAME or "
            f"{CONNECTOR_ENV}=NAME.",
            field="connector",
        )

    def given(self, connector: str | None = None) -> dict[str, Any]:
        """Settings from flags, else from the connector's environment variables, parsed to their types."""
        settings = declared(connector or self.chosen())
        values = settings.from_env()
        flagged = {k: v for k, v in self.flags.items() if v not in (None, "")}
        unknown = sorted(k for k in flagged if k not in settings)
        if unknown:
            name = connector or self.chosen()
            known = ", ".join(s.flag_name for s in settings if s.flag) or "none"
            raise RequestValidationError(
                f"{flag_name(unknown[0])} is not a setting of {name}; its flags: {known}.", field=unknown[0]
            )
        values.update(settings.parse(flagged))
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


def resolve(options: ConnectionOptions, vault: Vault | None = None, *, need_organization: bool = True) -> Resolved:
    """Flags and env first; ``--connection NAME`` takes the vault's connection, which flags may override.

    With neither, the vault's connection for the connector (named like it, or its only one) is used.
    """
    if options.connection:
        vault = vault or Vault()
        stored = vault.get(options.connection)
        given = options.given(stored.connector)
        return Resolved(stored.connector, given, f"connection {stored.name!r}", stored.name, vault)
    connector = options.chosen(vault)
    given = options.given(connector)
    required = declared(connector).required_names
    if any(name in given for name in required):
        if not need_organization:
            # listing organizations is how a user finds the id: a placeholder stands in until then
            given = {**{n: "0" for n in required if n.endswith("_id") and n != "client_id" and n not in given}, **given}
        return Resolved(connector, given, "flags and environment")
    vault = vault or Vault()
    default = _default_connection(vault, connector)
    if default is not None:
        return Resolved(default.connector, given, f"connection {default.name!r}", default.name, vault)
    raise RequestValidationError(missing_connection_message(connector, vault), field="connection")


def _token_cache(cls: Callable[..., Any], connector: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the tokens a run refreshes for the next run with the same credentials.

    Providers cap how many access tokens a refresh token mints, so a script running the CLI in a loop must not
    mint one per run; and where refresh tokens rotate, the one in the environment dies at the first refresh, so
    the next run must continue from the newest. The cache is the vault's (encrypted); without a usable vault
    the connector simply refreshes.
    """
    if not settings.get("refresh_token") or "access_token" in settings:
        return {}
    params = inspect.signature(cls).parameters
    names = [s.name for s in declared(connector) if s.flag]
    identity = "\0".join([connector, *(f"{k}={_plain(settings.get(k))}" for k in names)])
    key = hashlib.sha256(identity.encode()).hexdigest()
    vault = Vault()
    if "token_store" in params and "token_store" not in settings:
        from unified.secret import Secret
        from unified.vault import CachedTokenStore

        return {"token_store": CachedTokenStore(vault, key, Secret(_plain(settings["refresh_token"])))}
    if not {"access_token", "expires_at", "on_token_refresh"} <= set(params):
        return {}
    try:
        cached = vault.cached_tokens(key)
    except UnifiedError:
        return {}
    cached.pop("refresh_token", None)

    def keep(token_set: Any) -> None:
        with contextlib.suppress(UnifiedError, OSError):
            vault.cache_tokens(key, token_set)

    return {**cached, "on_token_refresh": keep}


def _plain(value: Any) -> str:
    reveal = getattr(value, "reveal", None)
    return str(reveal() if callable(reveal) else (value or ""))


def _default_connection(vault: Vault, connector: str) -> Connection | None:
    try:
        names = vault.names()
    except UnifiedError:
        return None
    if not names:
        return None
    if connector in names:
        found = vault.get(connector)
        if found.connector == connector:
            return found
    candidates = [c for c in vault.list() if c.connector == connector]
    if len(candidates) > 1:
        listed = ", ".join(c.name for c in candidates)
        raise RequestValidationError(
            f"The vault holds {len(candidates)} {connector} connections ({listed}): say which with "
            "--connection NAME (or UNIFIED_CONNECTION=NAME).",
            field="connection",
        )
    return candidates[0] if candidates else None


def missing_connection_message(connector: str, vault: Vault | None = None) -> str:
    settings = declared(connector)
    required = [s for s in settings if s.required]
    flags = " ".join(s.flag_name for s in required if s.flag)
    env = ", ".join(settings.env_name(s.name) for s in required)
    return (
        f"No {connector} connection: run `unified connect {connector}` once, or pass --connection NAME, or set "
        f"{flags} (env {env}). To try it locally, start `unified emulator {connector}` and run the export lines "
        "it prints."
    )


def check_required(cls: Callable[..., Any], settings: Mapping[str, Any], connector: str) -> None:
    """Refuse early, naming the flag and variable, when a setting ``cls`` requires is missing."""
    declaration = declared(connector)
    missing = [
        name
        for name, param in inspect.signature(cls).parameters.items()
        if param.default is inspect.Parameter.empty
        and param.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and settings.get(name) in (None, "")
    ]
    if missing:
        parts = []
        for name in missing:
            setting = declaration.by_name.get(name)
            if setting is None:
                parts.append(name)
            elif setting.flag:
                parts.append(f"{setting.flag_name} (env {declaration.env_name(name)})")
            else:
                parts.append(f"env {declaration.env_name(name)}")
        raise RequestValidationError(
            f"Missing connection setting{'s' if len(missing) > 1 else ''}: {', '.join(parts)}; or use "
            f"--connection NAME from `unified connect {connector}`.",
            field=missing[0],
        )


def connection_from_settings(name: str, connector: str, settings: Mapping[str, Any]) -> Connection:
    """A vault connection from flat settings: secrets to the encrypted part, as the connector declares them."""
    plain, hidden = declared(connector).split(settings)
    return Connection(name=name, connector=connector, settings=plain, secrets=hidden)


def build_from_connection(connection: Connection, **overrides: Any) -> Connector:
    return build_connector(connection, None, **overrides)
