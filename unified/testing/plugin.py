"""A pytest plugin (loaded by pytest once the package is installed): a local provider per installed emulator.

Each emulator registered in the ``unified.emulators`` entry-point group gets a session fixture named after it
(``my-books`` -> ``my_books_emulator``) that serves it on 127.0.0.1 for the test session and yields the emulator::

    from connectors.my_books import MyBooksConnector
    from unified import UnifiedClient

    def test_my_invoice_export(my_books_emulator):
        client = UnifiedClient(MyBooksConnector(**my_books_emulator.connector_settings()))
        assert my_export(client) ...

The emulator is built with its defaults; override ``unified_emulator_options`` in a ``conftest.py`` to change
them (``{"my-books": {"seed": 3, "contacts": 20, "invoices": 50}}``). One emulator serves the whole session, so
records a test writes are there for the next. Nothing is imported at collection time but entry-point metadata; an
emulator that cannot be loaded skips the tests that use it, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pytest

__all__ = ["EMULATOR_GROUP", "fixture_name", "unified_emulator_options"]

EMULATOR_GROUP = "unified.emulators"  # unified.registry.EMULATOR_GROUP, without importing the engine here


def fixture_name(emulator: str) -> str:
    """``my-books`` -> ``my_books_emulator``."""
    return re.sub(r"\W", "_", emulator.strip().lower()) + "_emulator"


@pytest.fixture(scope="session")
def unified_emulator_options() -> Mapping[str, Mapping[str, Any]]:
    """Keyword arguments of each emulator, by entry-point name; override this fixture to change them."""
    return {}


def _make_fixture(entry: EntryPoint) -> Callable[..., Iterator[Any]]:
    name = entry.name

    def emulator(unified_emulator_options: Mapping[str, Mapping[str, Any]]) -> Iterator[Any]:
        try:
            cls = entry.load()
        except Exception as exc:  # a missing extra, a broken install: skip its tests, keep the session
            pytest.skip(f"the {name!r} emulator ({entry.value}) cannot be loaded: {type(exc).__name__}: {exc}")
        options = dict(unified_emulator_options.get(name, {}))
        with cls(**options).serve() as served:
            wait_ready = getattr(served, "wait_ready", None)
            if callable(wait_ready):
                wait_ready()
            yield served

    emulator.__name__ = fixture_name(name)
    emulator.__doc__ = f"The {name!r} emulator, served on 127.0.0.1 for the test session ({entry.value})."
    return pytest.fixture(scope="session", name=fixture_name(name))(emulator)


def _register() -> None:
    try:
        found = list(entry_points(group=EMULATOR_GROUP))
    except Exception:  # unreadable metadata must not break the user's test session
        return
    for entry in found:
        name = fixture_name(entry.name)
        if name not in globals():
            globals()[name] = _make_fixture(entry)


_register()
