"""Find connectors (and their emulators) through entry points, so the engine never imports a backend by name.

A backend registers itself in its distribution's metadata::

    [project.entry-points."unified.connectors"]
    my-books = "connectors.my_books:MyBooksConnector"
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

from unified.connector import Connector
from unified.errors import RequestValidationError

__all__ = [
    "CONNECTOR_GROUP",
    "EMULATOR_GROUP",
    "connector_class",
    "connector_names",
    "create_connector",
    "load",
]

CONNECTOR_GROUP = "unified.connectors"
EMULATOR_GROUP = "unified.emulators"


def _entry_points(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


def connector_names() -> list[str]:
    """Names of the installed connectors, sorted."""
    return sorted(_entry_points(CONNECTOR_GROUP))


def load(group: str, name: str) -> Any:
    """The object an entry point names; a clear error listing what is installed when it is missing."""
    found = _entry_points(group)
    if name not in found:
        known = ", ".join(sorted(found)) or "none installed"
        raise RequestValidationError(
            f"No {group.rsplit('.', 1)[-1][:-1]} named {name!r}; available: {known}.", field="connector"
        )
    return found[name].load()


def connector_class(name: str) -> type[Connector]:
    cls = load(CONNECTOR_GROUP, name)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise TypeError(f"The entry point {name!r} in {CONNECTOR_GROUP} does not name a Connector subclass.")
    return cls


def create_connector(name: str, **settings: Any) -> Connector:
    """Build a connector by its registry name: ``create_connector("my-books", client_id=..., ...)``."""
    return connector_class(name)(**settings)
