"""GET on a collection: If-Modified-Since, the id and status filters, where, order, and paging.

Paged collections (Contacts, Invoices, CreditNotes, Payments, BankTransactions) answer `page`/`pageSize`
with up to pageSize records (default 100; at most 1000, larger sizes are capped as Xero's clients report)
and a `pagination` block {page, pageSize, pageCount, itemCount}. Without `page` they answer every record,
and invoices and credit notes then leave out their line items, as Xero documents.
If-Modified-Since (RFC 1123 or ISO 8601; unparsable values are ignored, as HTTP says) keeps records whose
UpdatedDateUTC is later than it. Without `order`, records come by UpdatedDateUTC, oldest first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._batch import envelope
from ._call import Call, Reply
from ._errors import single_validation
from ._query import order, path_value, sort_value, where
from ._wire import Record, parse_http_date, parse_moment

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Mode:
    paged: bool
    summary: bool


@dataclass(frozen=True)
class Listing:
    key: str  # collection and envelope key
    type_name: str  # the model name QueryParseException messages use
    fields: tuple[str, ...]
    render: Callable[[Call, Record, Mode], Record]
    paged: bool = False
    modified_since: bool = True
    default_order: str | None = "UpdatedDateUTC ASC"
    visible: Callable[[Call, Record], bool] | None = None
    # query parameter -> the record field it filters on (comma-separated values, any of them)
    lists: dict[str, str] = field(default_factory=dict)
    search: tuple[str, ...] = ()


def _values(call: Call, name: str) -> list[str] | None:
    raw = call.arg(name)
    if raw is None or not raw.strip():
        return None
    return [part.strip().strip('"').lower() for part in raw.split(",") if part.strip()]


def _whole(call: Call, name: str, default: int | None) -> int | None:
    raw = call.arg(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise single_validation(f"The {name} parameter must be a whole number, not '{raw}'.") from None


def select(call: Call, listing: Listing, records: list[Record]) -> list[Record]:
    if listing.visible is not None:
        records = [r for r in records if listing.visible(call, r)]
    since_header = call.headers.get("if-modified-since")
    if listing.modified_since and since_header:
        since = parse_http_date(since_header)
        if since is not None:
            records = [r for r in records if (parse_moment(r.get("UpdatedDateUTC")) or since) > since]
    for parameter, field_name in listing.lists.items():
        wanted = _values(call, parameter)
        if wanted is not None:
            path = field_name.split(".")
            records = [r for r in records if str(path_value(r, path) or "").lower() in wanted]
    term = (call.arg("searchTerm") or "").strip().lower()
    if term and listing.search:
        records = [r for r in records if any(term in str(r.get(k) or "").lower() for k in listing.search)]
    clause = call.arg("where")
    if clause and clause.strip():
        predicate = where(clause, listing.type_name, (*listing.fields, *_keys(records)))
        records = [r for r in records if predicate(r)]
    sort = call.arg("order")
    spec = sort if sort and sort.strip() else listing.default_order
    if spec:
        keys = order(spec, listing.type_name, (*listing.fields, *_keys(records)))
        for path, descending in reversed(keys):
            records.sort(key=lambda r, p=path: sort_value(path_value(r, p)), reverse=descending)  # type: ignore[misc]
    return records


def _keys(records: list[Record]) -> set[str]:
    return set(records[0]) if records else set()


def list_collection(call: Call, listing: Listing) -> Reply:
    records = select(call, listing, list(call.tenant[listing.key]))
    extra: dict[str, Any] | None = None
    page = _whole(call, "page", None) if listing.paged else None
    summary = call.flag("summaryOnly")
    if page is not None:
        size = _whole(call, "pageSize", DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE
        size = max(1, min(size, MAX_PAGE_SIZE))
        page = max(page, 1)
        total = len(records)
        extra = {
            "pagination": {"page": page, "pageSize": size, "pageCount": math.ceil(total / size), "itemCount": total}
        }
        records = records[(page - 1) * size : page * size]
    mode = Mode(paged=page is not None, summary=summary)
    return Reply(200, envelope(call, listing.key, [listing.render(call, r, mode) for r in records], extra))
