"""What a backend implements: the Connector interface, its declared capabilities, and list queries and pages.

A connector is async. The sync client drives the same coroutines on a private event loop, so a connector is
written once and serves both kinds of callers.
"""

from __future__ import annotations

import abc
import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, Literal, TypeVar

import httpx
from pydantic import BaseModel

from schemas import read_only_fields as read_only_model_fields
from unified.errors import ConnectorOperationUnsupportedError
from unified.settings import ConnectionSettings

__all__ = [
    "RESOURCES",
    "Capabilities",
    "Connector",
    "ListQuery",
    "Operation",
    "Page",
    "ResourceCapabilities",
    "Sort",
    "UpdatedSince",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

#: Every resource the unified API names. customers and suppliers are views of contacts by role.
RESOURCES: tuple[str, ...] = (
    "contacts",
    "customers",
    "suppliers",
    "invoices",
    "bills",
    "expenses",
    "tax_rates",
)

UpdatedSince = Literal["server", "client"]
"""How a connector honours ``updated_since``: the provider filters, or the connector filters each page."""


class Operation(StrEnum):
    LIST = "list"
    GET = "get"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class Sort:
    by: str
    direction: Literal["asc", "desc"] = "asc"


@dataclass(frozen=True)
class ResourceCapabilities:
    """What a connector offers on one resource. Declared honestly: the conformance kit checks each claim."""

    operations: frozenset[Operation]
    filters: frozenset[str] = frozenset()
    sorts: frozenset[str] = frozenset()
    updated_since: UpdatedSince | None = None
    #: unified fields a create or update writes to the provider and reads back unchanged
    writable_fields: frozenset[str] = frozenset()
    #: unified fields the provider sets; ignored on writes
    read_only_fields: frozenset[str] = frozenset()
    #: unified fields a list page leaves empty; ``detail=True`` fills them with one call per record
    detail_fields: frozenset[str] = frozenset()
    max_page_size: int = 200

    def supports(self, operation: Operation | str) -> bool:
        return Operation(operation) in self.operations

    @classmethod
    def of_model(
        cls,
        model: type[BaseModel],
        *,
        writable: Iterable[str],
        computed: Iterable[str] = (),
        operations: Iterable[Operation] = (),
        filters: Iterable[str] = (),
        sorts: Iterable[str] = (),
        updated_since: UpdatedSince | None = None,
        detail_fields: Iterable[str] = (),
        max_page_size: int = 200,
    ) -> ResourceCapabilities:
        """A resource's capabilities from what the connector writes and what the provider computes: the model's
        read-only fields, ``computed`` and ``raw`` are read-only, and never writable."""
        model_fields = frozenset(model.model_fields)
        read_only = (read_only_model_fields(model) | frozenset(computed) | {"raw"}) & model_fields
        return cls(
            operations=frozenset(operations) or frozenset(Operation),
            filters=frozenset(filters),
            sorts=frozenset(sorts),
            updated_since=updated_since,
            writable_fields=(frozenset(writable) & model_fields) - read_only,
            read_only_fields=read_only,
            detail_fields=frozenset(detail_fields),
            max_page_size=max_page_size,
        )


@dataclass(frozen=True)
class Capabilities:
    """A connector's capabilities per resource; a resource absent here is not offered at all."""

    resources: Mapping[str, ResourceCapabilities]

    def for_resource(self, resource: str) -> ResourceCapabilities:
        try:
            return self.resources[resource]
        except KeyError:
            offered = ", ".join(sorted(self.resources)) or "none"
            raise ConnectorOperationUnsupportedError(
                f"This connector does not offer the resource {resource!r}; it offers: {offered}."
            ) from None

    def require(self, resource: str, operation: Operation | str) -> ResourceCapabilities:
        caps = self.for_resource(resource)
        if not caps.supports(operation):
            offered = ", ".join(sorted(op.value for op in caps.operations)) or "none"
            raise ConnectorOperationUnsupportedError(
                f"This connector cannot {Operation(operation).value} {resource}; on {resource} it offers: {offered}."
            )
        return caps

    def supports(self, resource: str, operation: Operation | str) -> bool:
        caps = self.resources.get(resource)
        return caps is not None and caps.supports(operation)


@dataclass(frozen=True)
class ListQuery:
    """One page request. ``cursor`` is opaque: only the connector that made it reads it."""

    limit: int = 100
    cursor: str | None = None
    updated_since: datetime | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)
    sort: Sort | None = None
    #: fetch each record's detail (line items, addresses...) where the provider's list leaves it out
    detail: bool = False
    #: keep the provider payload on each record's ``raw``
    raw: bool = False


@dataclass(frozen=True)
class Page(Generic[ModelT]):
    """One page of records and the cursor of the next one (None on the last page); ``total`` is how many records
    the whole listing holds, where the provider says (sync progress shows it), else None."""

    data: list[ModelT]
    next_cursor: str | None = None
    total: int | None = None

    def __iter__(self) -> Any:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


class Connector(abc.ABC):
    """A backend. Subclasses declare ``name`` and implement the coroutines below.

    The client validates every request against :meth:`capabilities` before it reaches the connector, so an
    implementation may assume the operation is declared, the filters are declared, and ``limit`` is in range.
    Errors must be :class:`unified.errors.UnifiedError` subclasses.
    """

    #: the registry name, as in the ``unified.connectors`` entry-point group (e.g. "my-books")
    name: ClassVar[str]
    #: what a connection takes (flags, environment variables, vault records derive from it); None: nothing
    settings: ClassVar[ConnectionSettings | None] = None

    @abc.abstractmethod
    def capabilities(self) -> Capabilities: ...

    @abc.abstractmethod
    async def list(self, resource: str, query: ListQuery) -> Page[Any]: ...

    @abc.abstractmethod
    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel: ...

    async def create(
        self, resource: str, record: BaseModel, *, raw: bool = False, idempotency_key: str | None = None
    ) -> BaseModel:
        """Create ``record``. ``idempotency_key`` (the caller's) makes a repeat yield the same record where the
        provider honours keys; a connector that cannot use it documents what it does instead."""
        raise ConnectorOperationUnsupportedError(f"{self.name} cannot create {resource}.")

    async def update(self, resource: str, id: str, record: BaseModel, *, raw: bool = False) -> BaseModel:
        raise ConnectorOperationUnsupportedError(f"{self.name} cannot update {resource}.")

    async def delete(self, resource: str, id: str) -> None:
        raise ConnectorOperationUnsupportedError(f"{self.name} cannot delete {resource}.")

    async def proxy(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Call the provider's native API for what the unified model does not cover."""
        raise ConnectorOperationUnsupportedError(f"{self.name} offers no proxy to its native API.")

    async def organizations(self) -> builtins.list[dict[str, Any]]:
        """The organizations (companies, tenants) these credentials reach, as the provider lists them."""
        raise ConnectorOperationUnsupportedError(f"{self.name} cannot list the organizations it reaches.")

    async def aclose(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release connections. Called by the clients' ``close``."""


def operations(*ops: Operation | str) -> frozenset[Operation]:
    """Shorthand for declaring capabilities: ``operations("list", "get")``."""
    return frozenset(Operation(op) for op in ops)


ALL_OPERATIONS: frozenset[Operation] = frozenset(Operation)


def field_names(model: type[BaseModel], exclude: Iterable[str] = ()) -> frozenset[str]:
    """The unified field names of a model, minus ``exclude``: handy for ``writable_fields``."""
    skip = set(exclude)
    return frozenset(name for name in model.model_fields if name not in skip)
