"""Connection settings a connector declares once; flags, environment variables, vault records and reprs follow.

A connector lists what it takes to connect::

    class MyConnector(Connector):
        name = "my-books"
        settings = ConnectionSettings(
            env_prefix="UNIFIED_MYBOOKS_",
            settings=(
                Setting("client_id", help="OAuth client id."),
                Setting("client_secret", secret=True, help="OAuth client secret."),
                Setting("refresh_token", secret=True, help="OAuth refresh token."),
                Setting("company_id", help="The company to read."),
                Setting("api_url", required=False, help="API root, e.g. an emulator's."),
                Setting("window_seconds", type=float, required=False, flag=False, help="Rate window (tests)."),
            ),
        )

From that one declaration: the CLI offers ``--client-id`` ... ``--company-id`` (``flag=False``: environment
only), reads ``UNIFIED_MYBOOKS_CLIENT_ID`` ..., keeps ``secret=True`` values in the vault's encrypted part and
out of every repr and message, and ``unified emulator NAME`` prints :func:`export_lines` for them.
"""

from __future__ import annotations

import math
import os
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from unified.errors import RequestValidationError

__all__ = ["CONNECTOR_ENV", "ConnectionSettings", "Setting", "export_lines"]

#: picks the backend where more than one is configured
CONNECTOR_ENV = "UNIFIED_CONNECTOR"

_TYPES: tuple[type, ...] = (str, int, float, bool)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Setting:
    """One connection setting: a keyword argument of the connector."""

    name: str
    type: type = str
    #: kept in the vault's encrypted part, never printed
    secret: bool = False
    #: a connection cannot work without it (the connector's own default applies otherwise)
    required: bool = True
    help: str = ""
    #: offered as a CLI flag (``--name-with-dashes``); else only through the environment
    flag: bool = True
    #: saved in the vault with the connection (an access token is; a rate-window override is not)
    stored: bool = True

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise ValueError(f"setting name {self.name!r} must be a lower-case Python identifier")
        if self.type not in _TYPES:
            raise ValueError(f"setting {self.name!r}: type must be one of str, int, float, bool")

    @property
    def flag_name(self) -> str:
        return "--" + self.name.replace("_", "-")

    def parse(self, text: str, *, source: str) -> Any:
        """The value of ``text`` (from ``source``, named in the error) as this setting's type."""
        value = text.strip()
        try:
            if self.type is bool:
                lowered = value.lower()
                if lowered not in _TRUE | _FALSE:
                    raise ValueError
                return lowered in _TRUE
            if self.type is int:
                return int(value)
            if self.type is float:
                number = float(value)
                if not math.isfinite(number):
                    raise ValueError
                return number
        except ValueError:
            raise RequestValidationError(
                f"{source}={text!r} is not a {self.type.__name__}; fix or unset it.", field=self.name
            ) from None
        return value


@dataclass(frozen=True)
class ConnectionSettings:
    """A connector's settings and the prefix of their environment variables (e.g. ``UNIFIED_MYBOOKS_``)."""

    env_prefix: str
    settings: tuple[Setting, ...] = ()
    by_name: Mapping[str, Setting] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not (self.env_prefix.startswith("UNIFIED_") and self.env_prefix.endswith("_")):
            raise ValueError(f"env_prefix {self.env_prefix!r} must look like UNIFIED_NAME_")
        names = [s.name for s in self.settings]
        if len(set(names)) != len(names):
            raise ValueError("setting names must be unique")
        object.__setattr__(self, "by_name", {s.name: s for s in self.settings})

    def __iter__(self) -> Any:
        return iter(self.settings)

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def env_name(self, name: str) -> str:
        return self.env_prefix + name.upper()

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset(s.name for s in self.settings if s.secret)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.settings if s.required)

    def from_env(self, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The settings given as environment variables, parsed to their types."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in self.settings:
            name = self.env_name(setting.name)
            text = env.get(name)
            if text:
                values[setting.name] = setting.parse(text, source=name)
        return values

    def configured_in(self, environ: Mapping[str, str] | None = None) -> bool:
        """Whether any of these settings is set in the environment."""
        env = os.environ if environ is None else environ
        return any(env.get(self.env_name(s.name)) for s in self.settings)

    def parse(self, values: Mapping[str, Any], *, source: str = "flag") -> dict[str, Any]:
        """Flag values (text) to their types; unknown names are an error naming the known ones."""
        parsed: dict[str, Any] = {}
        for name, value in values.items():
            setting = self.by_name.get(name)
            if setting is None:
                known = ", ".join(s.flag_name for s in self.settings)
                raise RequestValidationError(
                    f"--{name.replace('_', '-')} is not a setting of this connector; its settings: {known}.",
                    field=name,
                )
            parsed[name] = setting.parse(value, source=setting.flag_name) if isinstance(value, str) else value
        return parsed

    def split(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """(plain, secret) parts of ``values`` for the vault; unstored settings and Nones are left out."""
        plain: dict[str, Any] = {}
        hidden: dict[str, str] = {}
        for name, value in values.items():
            setting = self.by_name.get(name)
            if value is None or (setting is not None and not setting.stored):
                continue
            if setting is not None and setting.secret:
                hidden[name] = value.reveal() if hasattr(value, "reveal") else str(value)
            else:
                plain[name] = value
        return plain, hidden

    def describe(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` safe to show: secrets as ``'***'``."""
        return {name: "***" if name in self.secret_names else value for name, value in values.items()}

    def missing(self, values: Mapping[str, Any]) -> list[Setting]:
        return [s for s in self.settings if s.required and values.get(s.name) in (None, "")]

    def help_lines(self) -> Iterable[str]:
        for setting in self.settings:
            where = setting.flag_name + " / " if setting.flag else ""
            yield f"{where}{self.env_name(setting.name)}: {setting.help}"


def export_lines(connector: str, values: Mapping[str, Any], *, settings: ConnectionSettings | None = None) -> list[str]:
    """Shell ``export`` lines after which ``unified`` commands use ``connector`` with ``values``.

    ``settings`` defaults to the declaration of the connector registered as ``connector``.
    """
    if settings is None:
        from unified.registry import connector_class

        declared = connector_class(connector).settings
        if declared is None:
            raise ValueError(f"{connector} declares no connection settings")
        settings = declared
    lines = [f"export {CONNECTOR_ENV}={shlex.quote(connector)}"]
    for name, value in values.items():
        if value is None:
            continue
        if name not in settings:
            raise ValueError(f"{connector} declares no setting {name!r}")
        text = ("true" if value else "false") if isinstance(value, bool) else f"{value}"
        if isinstance(value, float) and value.is_integer():
            text = f"{value:g}"
        lines.append(f"export {settings.env_name(name)}={shlex.quote(text)}")
    return lines
