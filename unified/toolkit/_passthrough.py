"""Pass-through: provider data a unified record carries for one backend, merged into the write's body.

Apideck's ``pass_through`` entries name a ``service_id``; the connector applies those meant for it::

    body = apply_pass_through(body, record, service_ids={"my-books"})

``extend_object`` is merged into the body first, then each ``extend_paths`` entry sets one value at a simple
JSONPath (``$.a.b[0].c`` or ``$['a b']``), creating what is missing on the way. A path that does not fit the body's
shape is a :class:`~unified.errors.RequestValidationError` naming ``pass_through``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel

from unified.errors import RequestValidationError

__all__ = ["apply_pass_through"]

_PART = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]")


def apply_pass_through(body: dict[str, Any], record: BaseModel, *, service_ids: Collection[str]) -> dict[str, Any]:
    """``body`` with the record's pass-through entries for ``service_ids`` applied (in place, and returned)."""
    wanted = {s.lower() for s in service_ids}
    for entry in getattr(record, "pass_through", None) or []:
        if str(getattr(entry, "service_id", "")).lower() not in wanted:
            continue
        if entry.extend_object:
            body.update(entry.extend_object)
        for change in entry.extend_paths or []:
            _set(body, change.path, change.value)
    return body


def _refuse(message: str) -> RequestValidationError:
    return RequestValidationError(message, field="pass_through")


def _parts(path: str) -> list[str | int]:
    if not isinstance(path, str) or not path.startswith("$"):
        raise _refuse(f"pass_through path {path!r} must be a JSONPath starting with $, e.g. $.reference.")
    parts: list[str | int] = []
    rest = path[1:]
    while rest:
        match = _PART.match(rest)
        if match is None:
            raise _refuse(f"pass_through path {path!r} is not a simple JSONPath like $.a.b[0].c.")
        name, index, quoted = match.groups()
        parts.append(int(index) if index is not None else (name or quoted))
        rest = rest[match.end() :]
    if not parts:
        raise _refuse(f"pass_through path {path!r} names no field.")
    return parts


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    parts = _parts(path)
    target: Any = body
    for part, following in itertools.pairwise(parts):
        target = _child(target, part, [] if isinstance(following, int) else {}, path)
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(target, list):
            raise _refuse(f"pass_through path {path!r} does not fit the shape of the body.")
        target.extend([None] * (last + 1 - len(target)))
    elif not isinstance(target, dict):
        raise _refuse(f"pass_through path {path!r} does not fit the shape of the body.")
    target[last] = value


def _child(target: Any, part: str | int, fresh: Any, path: str) -> Any:
    if isinstance(part, int):
        if not isinstance(target, list):
            raise _refuse(f"pass_through path {path!r} does not fit the shape of the body.")
        target.extend([None] * (part + 1 - len(target)))
    elif not isinstance(target, dict):
        raise _refuse(f"pass_through path {path!r} does not fit the shape of the body.")
    if not isinstance(target[part] if isinstance(part, int) else target.get(part), dict | list):
        target[part] = fresh
    return target[part]
