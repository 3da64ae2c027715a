"""Tools for testing with and for this library: the conformance kit, hypothesis strategies, emulator fixtures.

``from unified.testing import ConnectorConformance`` and ``from unified.testing import strategies`` need the
``testing`` extra (``pip install 'unified-accounting[testing]'``: pytest, hypothesis). The pytest plugin
(:mod:`unified.testing.plugin`, loaded by pytest itself) serves each installed emulator as a session fixture:
one per entry of the ``unified.emulators`` group (``my-books`` -> ``my_books_emulator``).

Names load on first use, so pytest loading the plugin imports neither the kit nor any connector.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unified.testing.conformance import Api, ConnectorConformance, assert_subset

__all__ = ["Api", "ConnectorConformance", "assert_subset"]

_NEEDS = ("pytest", "hypothesis")


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'unified.testing' has no attribute {name!r}")
    try:
        module = importlib.import_module("unified.testing.conformance")
    except ModuleNotFoundError as exc:
        if exc.name in _NEEDS:
            raise ModuleNotFoundError(
                f"unified.testing needs {exc.name}: install the testing extra, "
                "pip install 'unified-accounting[testing]'.",
                name=exc.name,
            ) from None
        raise
    # Not cached here: pytester's in-process runs drop and re-import the kit, and a cached name would outlive it.
    return getattr(module, name)
