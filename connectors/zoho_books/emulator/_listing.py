"""List endpoints: Zoho's filters, sorting and `page` / `per_page` paging over a collection."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ._errors import invalid_param
from ._store import Collection, Record, dumps
from ._time import parse_timestamp

MAX_PER_PAGE = 200
Predicate = Callable[[Record], bool]
Getter = Callable[[Record], Any]


@dataclass(frozen=True)
class ListSpec:
    """What a module's list endpoint accepts."""

    key: str
    report_name: str
    sort_columns: Mapping[str, Getter]
    default_sort: str
    default_order: str = "D"
    filter_by: Mapping[str, Predicate] = field(default_factory=dict)
    default_filter: str = "Status.All"
    text: Mapping[str, Getter] = field(default_factory=dict)  # name, name_startswith, name_contains
    exact: Mapping[str, Getter] = field(default_factory=dict)
    dates: Mapping[str, Getter] = field(default_factory=dict)  # name, _start, _end, _before, _after
    status: Mapping[str, Predicate] = field(default_factory=dict)
    search: Getter | None = None
    modified_time: bool = True
    per_page: int = MAX_PER_PAGE  # when the query sends none


def text_of(*keys: str) -> Getter:
    def get(record: Record) -> str:
        return " ".join(str(record.get(k) or "") for k in keys)

    return get


def _page_number(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_param(name, "Send a whole number of 1 or more.") from None
    if value < 1:
        raise invalid_param(name, "Send a whole number of 1 or more.")
    return value


def _date_param(query: Mapping[str, str], name: str) -> str:
    raw = query[name]
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise invalid_param(name, "Send a date as yyyy-mm-dd.") from None


def _predicates(spec: ListSpec, query: Mapping[str, str]) -> list[Predicate]:
    checks: list[Predicate] = []
    filter_by = query.get("filter_by")
    if filter_by:
        if filter_by not in spec.filter_by:
            raise invalid_param("filter_by", f"Use one of: {', '.join(spec.filter_by)}.")
        checks.append(spec.filter_by[filter_by])
    status = query.get("status")
    if status and spec.status:
        if status not in spec.status:
            raise invalid_param("status", f"Use one of: {', '.join(spec.status)}.")
        checks.append(spec.status[status])
    for name, getter in spec.exact.items():
        if query.get(name):
            checks.append(_compare(getter, query[name], _equals, lower=False))
    for name, getter in spec.text.items():
        for suffix, test in _TEXT_TESTS:
            if query.get(name + suffix):
                checks.append(_compare(getter, query[name + suffix].lower(), test, lower=True))
    for name, getter in spec.dates.items():
        for suffix, test in _DATE_TESTS.items():
            if query.get(name + suffix):
                checks.append(_compare(getter, _date_param(query, name + suffix), test, lower=False, blank=False))
    if spec.search and query.get("search_text"):
        needle = query["search_text"].lower()
        search = spec.search
        checks.append(lambda r: needle in str(search(r)).lower())
    if spec.modified_time and query.get("last_modified_time"):
        since = parse_timestamp(query["last_modified_time"])
        if since is None:
            raise invalid_param("last_modified_time", "Send a time like 2024-01-31T09:30:00+0530.")
        checks.append(lambda r: (parse_timestamp(str(r.get("last_modified_time") or "")) or 0.0) > since)
    return checks


def _compare(
    getter: Getter, wanted: str, test: Callable[[str, str], bool], *, lower: bool, blank: bool = True
) -> Predicate:
    def check(record: Record) -> bool:
        value = getter(record)
        if not blank and not value:
            return False
        text = str(value)
        return test(text.lower() if lower else text, wanted)

    return check


def _equals(value: str, wanted: str) -> bool:
    return value == wanted


def _startswith(value: str, wanted: str) -> bool:
    return value.startswith(wanted)


def _contains(value: str, wanted: str) -> bool:
    return wanted in value


_TEXT_TESTS: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("", _equals),
    ("_startswith", _startswith),
    ("_contains", _contains),
)
_DATE_TESTS: dict[str, Callable[[str, str], bool]] = {
    "": lambda v, w: v == w,
    "_start": lambda v, w: v >= w,
    "_end": lambda v, w: v <= w,
    "_after": lambda v, w: v > w,
    "_before": lambda v, w: v < w,
}


def list_page(collection: Collection, spec: ListSpec, query: Mapping[str, str]) -> bytes:
    """The whole list response body, rows joined from their pre-serialised form."""
    page = _page_number(query, "page", 1)
    per_page = min(_page_number(query, "per_page", spec.per_page), MAX_PER_PAGE)
    column = query.get("sort_column") or spec.default_sort
    if column not in spec.sort_columns:
        raise invalid_param("sort_column", f"Use one of: {', '.join(spec.sort_columns)}.")
    order = (query.get("sort_order") or spec.default_order).upper()
    if order not in ("A", "D"):
        raise invalid_param("sort_order", "Use A (ascending) or D (descending).")
    ids = collection.ordered_ids(column, order == "D", spec.sort_columns[column])
    checks = _predicates(spec, query)
    skip = (page - 1) * per_page
    chosen: list[bytes] = []
    more = False
    for record_id in ids:
        if checks:
            record = collection.records[record_id]
            if not all(check(record) for check in checks):
                continue
        if skip:
            skip -= 1
            continue
        if len(chosen) == per_page:
            more = True
            break
        chosen.append(collection.row(record_id))
    context = {
        "page": page,
        "per_page": per_page,
        "has_more_page": more,
        "report_name": spec.report_name,
        "applied_filter": query.get("filter_by") or spec.default_filter,
        "sort_column": column,
        "sort_order": order,
    }
    return b"".join(
        (
            b'{"code":0,"message":"success","',
            spec.key.encode(),
            b'":[',
            b",".join(chosen),
            b'],"page_context":',
            dumps(context),
            b"}",
        )
    )
