"""Fixture files (DESIGN section 3): the provider's own records keyed by collection, served as given."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any


class FixtureError(ValueError):
    """A fixture that cannot be loaded; the message names the place and the fix."""


def read_fixture(source: str | Path | dict[str, Any], *, known_keys: Collection[str]) -> dict[str, list[Any]]:
    """A fixture as ``{collection: [record, ...]}``, checked: a JSON object whose keys are among
    ``known_keys`` and whose values are lists of JSON objects. ``source`` is a path or the dict itself."""
    if isinstance(source, dict):
        data: Any = source
    else:
        path = Path(source)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FixtureError(f"fixture file {path} does not exist") from None
        except IsADirectoryError:
            raise FixtureError(f"fixture {path} is a directory: give a JSON file") from None
        except UnicodeDecodeError:
            raise FixtureError(f"fixture file {path} is not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise FixtureError(f"fixture file {path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    example = ", ".join(f'"{k}": [...]' for k in sorted(known_keys)[:2])
    if not isinstance(data, dict):
        raise FixtureError(f"a fixture is a JSON object like {{{example}}}")
    unknown = sorted(set(data) - set(known_keys))
    if unknown:
        raise FixtureError(f"unknown fixture key(s) {', '.join(unknown)}; use any of {', '.join(sorted(known_keys))}")
    for key, value in data.items():
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise FixtureError(f"fixture key {key!r} must be a list of JSON objects")
    return data
