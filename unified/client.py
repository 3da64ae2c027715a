"""The clients a product uses: ``AsyncUnifiedClient`` and its sync twin ``UnifiedClient``.

Every request is checked against the connector's declared capabilities before it leaves the process: an
undeclared operation, filter or sort is refused with a clear error instead of being silently ignored. The sync
client runs the async one on a private event loop, so both share one implementation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import datetime
from typing import Any, Generic, TypedDict, TypeVar, Unpack

import httpx
from pydantic import BaseModel, ValidationError

from schemas import Bill, Contact, Expense, Invoice, TaxRate
from unified._portal import Portal
from unified.connector import Capabilities, Connector, ListQuery, Operation, Page, ResourceCapabilities, Sort
from unified.errors import (
    ConnectorExecutionError,
    RequestValidationError,
    UnsupportedFiltersError,
    UnsupportedSortFieldError,
)
from unified.filters import check_filters

__all__ = ["AsyncResource", "AsyncUnifiedClient", "PageOptions", "Resource", "UnifiedClient"]

ModelT = TypeVar("ModelT", bound=BaseModel)


class PageOptions(TypedDict, total=False):
    """Options of ``page`` and ``list``. ``limit`` is the page size."""

    limit: int
    updated_since: datetime | None
    filters: Mapping[str, Any] | None
    sort: Sort | str | None
    detail: bool
    raw: bool


def _parse_sort(sort: Sort | str | None) -> Sort | None:
    if sort is None or isinstance(sort, Sort):
        return sort
    if sort.startswith("-"):
        return Sort(by=sort[1:], direction="desc")
    return Sort(by=sort, direction="asc")


def validation_error(model: type[BaseModel], exc: ValidationError) -> RequestValidationError:
    """A pydantic error as one RequestValidationError that names every bad field and what to do."""
    problems = []
    first_field = None
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(record)"
        first_field = first_field or loc
        if err["type"] == "extra_forbidden":
            problems.append(
                f"{loc}: unknown field; remove it (see `unified schema` for the fields of {model.__name__})"
            )
        else:
            # pydantic words a validator's own message "Value error, ...": the message alone says it
            text = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
            problems.append(f"{loc}: {text}")
    message = f"Invalid {model.__name__}: " + "; ".join(problems)
    return RequestValidationError(message, field=first_field, detail={"errors": problems})


class AsyncResource(Generic[ModelT]):
    """One resource of a connection: ``page``, auto-paging ``list``, ``get``, ``create``, ``update``, ``delete``."""

    def __init__(self, connector: Connector, name: str, model: type[ModelT]) -> None:
        self._connector = connector
        self.name = name
        self.model = model

    @property
    def capabilities(self) -> ResourceCapabilities:
        return self._connector.capabilities().for_resource(self.name)

    def _require(self, operation: Operation) -> ResourceCapabilities:
        return self._connector.capabilities().require(self.name, operation)

    def _query(self, cursor: str | None, options: PageOptions) -> tuple[ListQuery, datetime | None]:
        """Check a list request against the capabilities; return it and any client-side ``updated_since``."""
        caps = self._require(Operation.LIST)
        limit = options.get("limit", min(100, caps.max_page_size))
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= caps.max_page_size:
            raise RequestValidationError(
                f"limit must be a whole number from 1 to {caps.max_page_size} for {self.name}; got {limit!r}.",
                field="limit",
            )
        given_filters = options.get("filters") or {}
        if not isinstance(given_filters, Mapping):
            raise RequestValidationError(
                f"filters must be a mapping of filter name to value, like {{'status': 'paid'}}; got "
                f"{type(given_filters).__name__}.",
                field="filters",
            )
        filters = dict(given_filters)
        if "updated_since" in filters and "updated_since" not in caps.filters:
            # Apideck's updated_since filter is this API's updated_since parameter
            since = check_filters(self.name, {"updated_since": filters.pop("updated_since")})["updated_since"]
            options = {**options, "updated_since": options.get("updated_since") or since}
        unknown = sorted(set(filters) - caps.filters)
        if unknown:
            supported = ", ".join(sorted(caps.filters)) or "none"
            raise UnsupportedFiltersError(
                f"{self.name} cannot be filtered by {', '.join(unknown)}; supported filters: {supported}.",
                field=f"filters.{unknown[0]}",
            )
        filters = check_filters(self.name, filters)
        updated_since = options.get("updated_since")
        client_side_since = None
        if updated_since is not None:
            if not isinstance(updated_since, datetime) or updated_since.tzinfo is None:
                raise RequestValidationError(
                    "updated_since must be a timezone-aware datetime, e.g. datetime(2024, 1, 1, tzinfo=UTC).",
                    field="updated_since",
                )
            if caps.updated_since is None:
                raise UnsupportedFiltersError(
                    f"{self.name} cannot be filtered by updated_since with this connector.",
                    field="updated_since",
                )
            if caps.updated_since == "client":
                client_side_since, updated_since = updated_since, None
        sort = _parse_sort(options.get("sort"))
        if sort is not None and sort.by not in caps.sorts:
            supported = ", ".join(sorted(caps.sorts)) or "none"
            raise UnsupportedSortFieldError(
                f"{self.name} cannot be sorted by {sort.by!r}; supported sort fields: {supported}.",
                field="sort",
            )
        if sort is not None and sort.direction not in ("asc", "desc"):
            raise RequestValidationError("sort direction must be 'asc' or 'desc'.", field="sort")
        query = ListQuery(
            limit=limit,
            cursor=cursor,
            updated_since=updated_since,
            filters=filters,
            sort=sort,
            detail=bool(options.get("detail", False)),
            raw=bool(options.get("raw", False)),
        )
        return query, client_side_since

    async def page(self, cursor: str | None = None, **options: Unpack[PageOptions]) -> Page[ModelT]:
        """One page of records; pass ``page.next_cursor`` back as ``cursor`` for the next one."""
        query, since = self._query(cursor, options)
        page: Page[ModelT] = await self._connector.list(self.name, query)
        if since is not None:
            kept = [r for r in page.data if _updated_at(r) is None or _updated_at(r) >= since]  # type: ignore[operator]
            page = Page(data=kept, next_cursor=page.next_cursor)
        return page

    def list(self, **options: Unpack[PageOptions]) -> AsyncIterator[ModelT]:
        """Every record, page after page, fetched lazily as the caller iterates.

        Pages are as large as the provider allows unless ``limit`` says otherwise. Bad options raise here, at the
        call, not at the first ``async for`` step.
        """
        options = self._paging_options(options)
        self._query(None, options)
        return self._iterate(options)

    def _paging_options(self, options: PageOptions) -> PageOptions:
        if "limit" in options:
            return options
        return {**options, "limit": self.capabilities.max_page_size}

    async def _iterate(self, options: PageOptions) -> AsyncIterator[ModelT]:
        async for page in self._pages(options):
            for record in page.data:
                yield record

    async def _pages(self, options: PageOptions) -> AsyncIterator[Page[ModelT]]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.page(cursor, **options)
            yield page
            if page.next_cursor is None:
                return
            if page.next_cursor in seen:
                raise ConnectorExecutionError(
                    f"The connector returned the cursor {page.next_cursor!r} twice while listing {self.name}; "
                    "stopping instead of looping forever."
                )
            seen.add(page.next_cursor)
            cursor = page.next_cursor

    async def get(self, id: str, *, raw: bool = False) -> ModelT:
        self._require(Operation.GET)
        return await self._connector.get(self.name, _check_id(id), raw=raw)  # type: ignore[return-value]

    async def create(
        self, record: ModelT | Mapping[str, Any], *, raw: bool = False, idempotency_key: str | None = None
    ) -> ModelT:
        """Create a record. With ``idempotency_key``, creating again with the same key yields the same record
        where the provider honours keys (see the connector's write safety)."""
        self._require(Operation.CREATE)
        model = self._coerce(record)
        key = _check_key(idempotency_key)
        view = self._for_view(model)
        if key is None:
            return await self._connector.create(self.name, view, raw=raw)  # type: ignore[return-value]
        return await self._connector.create(self.name, view, raw=raw, idempotency_key=key)  # type: ignore[return-value]

    async def update(self, id: str, record: ModelT | Mapping[str, Any], *, raw: bool = False) -> ModelT:
        """Write the fields the record sets (``model_fields_set``); others stay as they are."""
        self._require(Operation.UPDATE)
        model = self._coerce(record)
        return await self._connector.update(self.name, _check_id(id), model, raw=raw)  # type: ignore[return-value]

    async def delete(self, id: str) -> None:
        self._require(Operation.DELETE)
        await self._connector.delete(self.name, _check_id(id))

    def _coerce(self, record: ModelT | Mapping[str, Any]) -> ModelT:
        if isinstance(record, self.model):
            return record
        if isinstance(record, BaseModel):
            raise RequestValidationError(
                f"{self.name} takes a {self.model.__name__}, not a {type(record).__name__}.", field="record"
            )
        try:
            return self.model.model_validate(record)
        except ValidationError as exc:
            raise validation_error(self.model, exc) from None

    def _for_view(self, model: ModelT) -> ModelT:
        """customers and suppliers are views of contacts: a new record gets the view's role unless it has one."""
        role = {"customers": "is_customer", "suppliers": "is_supplier"}.get(self.name)
        if role is None or not isinstance(model, Contact):
            return model
        if model.is_customer or model.is_supplier:
            return model
        return model.model_copy(update={role: True})


def _check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip() or len(key) > 255 or not key.isprintable():
        raise RequestValidationError(
            "idempotency_key must be a non-empty printable string of at most 255 characters, e.g. your own "
            "record's id.",
            field="idempotency_key",
        )
    return key.strip()


def _updated_at(record: BaseModel) -> datetime | None:
    value = getattr(record, "updated_at", None)
    return value if isinstance(value, datetime) else None


def _check_id(id: str) -> str:
    if not isinstance(id, str) or not id.strip():
        raise RequestValidationError(f"id must be a non-empty string; got {id!r}.", field="id")
    return id


class AsyncUnifiedClient:
    """The unified API over one connector, for asyncio code.

    ``async with AsyncUnifiedClient(connector) as client: async for invoice in client.invoices.list(): ...``
    """

    contacts: AsyncResource[Contact]
    customers: AsyncResource[Contact]
    suppliers: AsyncResource[Contact]
    invoices: AsyncResource[Invoice]
    bills: AsyncResource[Bill]
    expenses: AsyncResource[Expense]
    tax_rates: AsyncResource[TaxRate]

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.contacts = AsyncResource(connector, "contacts", Contact)
        self.customers = AsyncResource(connector, "customers", Contact)
        self.suppliers = AsyncResource(connector, "suppliers", Contact)
        self.invoices = AsyncResource(connector, "invoices", Invoice)
        self.bills = AsyncResource(connector, "bills", Bill)
        self.expenses = AsyncResource(connector, "expenses", Expense)
        self.tax_rates = AsyncResource(connector, "tax_rates", TaxRate)

    @property
    def capabilities(self) -> Capabilities:
        return self.connector.capabilities()

    def resource(self, name: str) -> AsyncResource[Any]:
        """A resource by name (``"tax-rates"`` and ``"tax_rates"`` both work)."""
        found = getattr(self, name.replace("-", "_"), None)
        if not isinstance(found, AsyncResource):
            raise RequestValidationError(f"Unknown resource {name!r}.", field="resource")
        return found

    async def proxy(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Call the provider's native API with the connection's auth and settings filled in."""
        return await self.connector.proxy(method, path, params=params, json=json, headers=headers)

    async def organizations(self) -> list[dict[str, Any]]:
        """The organizations (companies, tenants) the connection's credentials reach, as the provider lists them."""
        return await self.connector.organizations()

    async def aclose(self) -> None:
        await self.connector.aclose()

    async def __aenter__(self) -> AsyncUnifiedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class Resource(Generic[ModelT]):
    """The sync face of :class:`AsyncResource`: the same calls, blocking."""

    def __init__(self, inner: AsyncResource[ModelT], portal: Portal) -> None:
        self._inner = inner
        self._portal = portal
        self.name = inner.name
        self.model = inner.model

    @property
    def capabilities(self) -> ResourceCapabilities:
        return self._inner.capabilities

    def page(self, cursor: str | None = None, **options: Unpack[PageOptions]) -> Page[ModelT]:
        return self._portal.call(lambda: self._inner.page(cursor, **options))

    def list(self, **options: Unpack[PageOptions]) -> Iterator[ModelT]:
        options = self._inner._paging_options(options)
        self._inner._query(None, options)  # refuse bad options at the call, not at the first next()
        # one crossing to the event loop per page, not per record
        pages = self._portal.iterate(lambda: self._inner._pages(options))
        return (record for page in pages for record in page.data)

    def get(self, id: str, *, raw: bool = False) -> ModelT:
        return self._portal.call(lambda: self._inner.get(id, raw=raw))

    def create(
        self, record: ModelT | Mapping[str, Any], *, raw: bool = False, idempotency_key: str | None = None
    ) -> ModelT:
        return self._portal.call(lambda: self._inner.create(record, raw=raw, idempotency_key=idempotency_key))

    def update(self, id: str, record: ModelT | Mapping[str, Any], *, raw: bool = False) -> ModelT:
        return self._portal.call(lambda: self._inner.update(id, record, raw=raw))

    def delete(self, id: str) -> None:
        self._portal.call(lambda: self._inner.delete(id))


class UnifiedClient:
    """The unified API over one connector, for blocking code.

    ``with UnifiedClient(connector) as client: for invoice in client.invoices.list(): ...``
    """

    contacts: Resource[Contact]
    customers: Resource[Contact]
    suppliers: Resource[Contact]
    invoices: Resource[Invoice]
    bills: Resource[Bill]
    expenses: Resource[Expense]
    tax_rates: Resource[TaxRate]

    def __init__(self, connector: Connector) -> None:
        self._async = AsyncUnifiedClient(connector)
        self._portal = Portal()
        self.connector = connector
        self.contacts = Resource(self._async.contacts, self._portal)
        self.customers = Resource(self._async.customers, self._portal)
        self.suppliers = Resource(self._async.suppliers, self._portal)
        self.invoices = Resource(self._async.invoices, self._portal)
        self.bills = Resource(self._async.bills, self._portal)
        self.expenses = Resource(self._async.expenses, self._portal)
        self.tax_rates = Resource(self._async.tax_rates, self._portal)

    @property
    def capabilities(self) -> Capabilities:
        return self.connector.capabilities()

    def resource(self, name: str) -> Resource[Any]:
        found = getattr(self, name.replace("-", "_"), None)
        if not isinstance(found, Resource):
            raise RequestValidationError(f"Unknown resource {name!r}.", field="resource")
        return found

    def proxy(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return self._portal.call(lambda: self._async.proxy(method, path, params=params, json=json, headers=headers))

    def organizations(self) -> list[dict[str, Any]]:
        """The organizations (companies, tenants) the connection's credentials reach, as the provider lists them."""
        return self._portal.call(self._async.organizations)

    def close(self) -> None:
        try:
            self._portal.call(self._async.aclose)
        finally:
            self._portal.close()

    def __enter__(self) -> UnifiedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
