"""Apideck's query parameters: ``cursor``, ``limit``, ``filter[...]``, ``sort[by]``/``sort[direction]``, ``raw``,
``fields``. Anything else is refused with the parameter's name, never silently ignored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from unified.connector import Sort
from unified.errors import RequestValidationError

__all__ = ["ListParams", "parse_bool", "parse_list", "refuse_unknown"]

DEFAULT_LIMIT = 20  # Apideck's default page size


@dataclass
class ListParams:
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT
    filters: dict[str, str] = field(default_factory=dict)
    updated_since: datetime | None = None
    sort: Sort | None = None
    raw: bool = False
    fields: str | None = None


def parse_bool(name: str, value: str | None) -> bool:
    if value is None or value == "":
        return False
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise RequestValidationError(f"{name} must be true or false; got {value!r}.", field=name)


def refuse_unknown(params: Iterable[str], allowed: set[str]) -> None:
    for name in params:
        if name in allowed:
            continue
        if name.startswith("pass_through["):
            raise RequestValidationError(
                f"{name} is not supported: this server sends no unmapped parameters downstream; call the provider's "
                "own API through POST /proxy instead.",
                field=name,
            )
        raise RequestValidationError(
            f"Unknown query parameter {name!r}; this operation takes: {', '.join(sorted(allowed))}.", field=name
        )


def _since(value: str) -> datetime:
    try:
        since = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RequestValidationError(
            f"filter[updated_since] must be an ISO 8601 date-time like 2024-05-01T12:00:00Z; got {value!r}.",
            field="filter[updated_since]",
        ) from None
    return since if since.tzinfo is not None else since.replace(tzinfo=UTC)


def parse_list(query: list[tuple[str, str]]) -> ListParams:
    """The list parameters of a query string (as its ``(name, value)`` pairs)."""
    params = ListParams()
    seen: set[str] = set()
    sort_by: str | None = None
    direction: str | None = None
    for name, value in query:
        if name in seen:
            raise RequestValidationError(f"{name} is given twice; give it once.", field=name)
        seen.add(name)
        if name == "cursor":
            params.cursor = value or None
        elif name == "limit":
            try:
                params.limit = int(value)
            except ValueError:
                raise RequestValidationError(
                    f"limit must be a whole number from 1 to 200; got {value!r}.", field="limit"
                ) from None
            if not 1 <= params.limit <= 200:
                raise RequestValidationError(f"limit must be from 1 to 200; got {params.limit}.", field="limit")
        elif name == "raw":
            params.raw = parse_bool("raw", value)
        elif name == "fields":
            params.fields = value
        elif name.startswith("filter[") and name.endswith("]") and len(name) > len("filter[]"):
            key = name[len("filter[") : -1]
            if key == "updated_since":
                params.updated_since = _since(value)
            else:
                params.filters[key] = value
        elif name == "sort[by]":
            sort_by = value
        elif name == "sort[direction]":
            direction = value
        else:
            refuse_unknown([name], {"cursor", "limit", "raw", "fields", "filter[...]", "sort[by]", "sort[direction]"})
    if direction is not None and direction not in ("asc", "desc"):
        raise RequestValidationError(
            f"sort[direction] must be asc or desc; got {direction!r}.", field="sort[direction]"
        )
    if sort_by is not None:
        params.sort = Sort(by=sort_by, direction="desc" if direction == "desc" else "asc")
    elif direction is not None:
        raise RequestValidationError("sort[direction] needs sort[by]: name the field to sort on.", field="sort[by]")
    return params


def page_options(params: ListParams, *, detail: bool) -> dict[str, Any]:
    """The keyword arguments of ``AsyncResource.page``."""
    return {
        "limit": params.limit,
        "updated_since": params.updated_since,
        "filters": params.filters,
        "sort": params.sort,
        "detail": detail,
        "raw": params.raw,
    }
