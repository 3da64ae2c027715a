"""The conformance kit: one pytest suite every connector runs to show it keeps the unified contract.

Use it from a test module of your connector::

    import pytest
    from unified.testing import ConnectorConformance

    class TestMyConnector(ConnectorConformance):
        @pytest.fixture
        def connector_factory(self):
            return lambda: MyConnector(api_url=..., ...)   # a fresh connector pointed at a test backend

Every test runs twice, through the sync ``UnifiedClient`` and the ``AsyncUnifiedClient``. The suite checks that
declared capabilities are well formed and match what works, that pages are bounded and ids unique across them,
that records validate against the unified schema, that records created from hypothesis-generated models read
back equal on every field the connector declares writable, that updates and deletes take effect, and that
errors arrive as the right :mod:`unified.errors` classes. Override the hooks (``write_strategy``,
``update_for``, ``invalid_writes``, ``list_page_size``) where your backend needs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from unified.client import AsyncUnifiedClient, UnifiedClient
from unified.connector import RESOURCES, Connector, Operation, Page, ResourceCapabilities
from unified.errors import (
    ConnectorOperationUnsupportedError,
    EntityNotFoundError,
    RequestValidationError,
    UnifiedError,
    UnsupportedFiltersError,
    UnsupportedSortFieldError,
)

__all__ = ["Api", "ConnectorConformance", "assert_subset"]

ConnectorFactory = Callable[[], Connector]
_NO_SUCH_ID = "999999999999999999"


class Api:
    """One async face over either client, so each check is written once and run through both."""

    def __init__(self, client: UnifiedClient | AsyncUnifiedClient) -> None:
        self.client = client
        self.capabilities = client.capabilities

    async def _call(self, func: Callable[[], Any]) -> Any:
        if isinstance(self.client, AsyncUnifiedClient):
            return await func()
        return await asyncio.to_thread(func)

    async def page(self, resource: str, cursor: str | None = None, **options: Any) -> Page[Any]:
        res = self.client.resource(resource)
        return await self._call(lambda: res.page(cursor, **options))  # type: ignore[no-any-return]

    async def list_all(self, resource: str, *, max_items: int = 1000, **options: Any) -> list[Any]:
        if isinstance(self.client, AsyncUnifiedClient):
            ares = self.client.resource(resource)
            out = []
            async for record in ares.list(**options):
                out.append(record)
                if len(out) >= max_items:
                    break
            return out

        res = self.client.resource(resource)

        def collect() -> list[Any]:
            out = []
            for record in res.list(**options):
                out.append(record)
                if len(out) >= max_items:
                    break
            return out

        return await asyncio.to_thread(collect)

    async def get(self, resource: str, id: str, **kw: Any) -> Any:
        res = self.client.resource(resource)
        return await self._call(lambda: res.get(id, **kw))

    async def create(self, resource: str, record: Any, **kw: Any) -> Any:
        res = self.client.resource(resource)
        return await self._call(lambda: res.create(record, **kw))

    async def update(self, resource: str, id: str, record: Any, **kw: Any) -> Any:
        res = self.client.resource(resource)
        return await self._call(lambda: res.update(id, record, **kw))

    async def delete(self, resource: str, id: str) -> None:
        res = self.client.resource(resource)
        await self._call(lambda: res.delete(id))


def assert_subset(sent: Any, got: Any, path: str = "") -> None:
    """Every value ``sent`` sets is in ``got`` (the provider may add ids, totals and defaults around it)."""
    where = path or "record"
    if isinstance(sent, BaseModel):
        assert isinstance(got, BaseModel), f"{where}: expected an object, got {got!r}"
        for name in sent.model_fields_set:
            value = getattr(sent, name)
            if value is None or value == [] or name == "raw":
                continue
            assert_subset(value, getattr(got, name, None), f"{path}.{name}" if path else name)
    elif isinstance(sent, list):
        assert isinstance(got, list), f"{where}: expected a list, got {got!r}"
        assert len(got) == len(sent), f"{where}: sent {len(sent)} items, read back {len(got)}"
        for i, (a, b) in enumerate(zip(sent, got, strict=True)):
            assert_subset(a, b, f"{where}[{i}]")
    elif isinstance(sent, Decimal):
        assert got is not None and Decimal(str(got)) == sent, f"{where}: sent {sent}, read back {got!r}"
    else:
        assert got == sent, f"{where}: sent {sent!r}, read back {got!r}"


def _run(factory: ConnectorFactory, kind: str, scenario: Callable[[Api], Awaitable[None]]) -> None:
    async def main() -> None:
        connector = factory()
        if kind == "async":
            async with AsyncUnifiedClient(connector) as aclient:
                await scenario(Api(aclient))
        else:
            client = UnifiedClient(connector)
            try:
                await scenario(Api(client))
            finally:
                await asyncio.to_thread(client.close)

    asyncio.run(main())


# No shrinking: against a real backend each example costs round trips, and the failing record is printed as is.
_HYPOTHESIS = settings(
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class ConnectorConformance:
    """Subclass as ``Test<YourConnector>`` and provide the ``connector_factory`` fixture."""

    #: how many pages the paging checks walk at most
    max_pages: ClassVar[int] = 4

    # -- fixtures and hooks ----------------------------------------------------------------------------------

    @pytest.fixture
    def connector_factory(self) -> ConnectorFactory:
        raise NotImplementedError("Define a `connector_factory` fixture returning a zero-argument callable.")

    @pytest.fixture(params=["sync", "async"])
    def client_kind(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)

    def list_page_size(self, resource: str, caps: ResourceCapabilities) -> int:
        """Page size for the paging checks: small, so that a few records span several pages."""
        return min(3, caps.max_page_size)

    async def write_strategy(self, api: Api, resource: str) -> st.SearchStrategy[Any]:
        """Hypothesis strategy of records to create; references come from the backend's own records."""
        from unified.testing import strategies as s

        if resource in ("contacts", "customers", "suppliers"):
            role = {"customers": "customer", "suppliers": "supplier"}.get(resource)
            return s.contacts(role=role)
        if resource == "tax_rates":
            return s.tax_rates()
        customers = (
            [c.id for c in await api.list_all("customers", max_items=20)]
            if self._can(api, "customers", Operation.LIST)
            else []
        )
        suppliers = (
            [c.id for c in await api.list_all("suppliers", max_items=20)]
            if self._can(api, "suppliers", Operation.LIST)
            else []
        )
        if resource == "invoices":
            return s.invoices(customer_ids=st.sampled_from(customers) if customers else None)
        if resource == "bills":
            return s.bills(supplier_ids=st.sampled_from(suppliers) if suppliers else None)
        if resource == "expenses":
            return s.expenses()
        raise NotImplementedError(f"No default write strategy for {resource}; override write_strategy().")

    def update_for(self, resource: str, record: BaseModel) -> dict[str, Any] | None:
        """A small change to a created record, as a partial update; None skips the update check."""
        for name in ("display_name", "memo", "reference", "number", "name", "description"):
            if name in type(record).model_fields:
                return {name: f"updated by conformance {str(record.id)[-6:]}"}  # type: ignore[attr-defined]
        return None

    def invalid_writes(self, resource: str) -> list[tuple[Any, type[UnifiedError]]]:
        """Records the connector must refuse, and the error class it must raise (before any call ideally)."""
        return []

    @staticmethod
    def _can(api: Api, resource: str, op: Operation) -> bool:
        return api.capabilities.supports(resource, op)

    @staticmethod
    def _caps(api: Api, resource: str) -> ResourceCapabilities:
        return api.capabilities.for_resource(resource)

    # -- capabilities --------------------------------------------------------------------------------------

    def test_capabilities_are_well_formed(self, connector_factory: ConnectorFactory) -> None:
        connector = connector_factory()
        caps = connector.capabilities()
        assert caps.resources, "The connector declares no resources."
        for resource, rc in caps.resources.items():
            assert resource in RESOURCES, f"{resource!r} is not a unified resource; use one of {RESOURCES}"
            assert rc.operations, f"{resource}: declares no operations"
            assert rc.max_page_size >= 1
            model = AsyncUnifiedClient(connector).resource(resource).model
            for label, names in (
                ("writable_fields", rc.writable_fields),
                ("read_only_fields", rc.read_only_fields),
                ("detail_fields", rc.detail_fields),
            ):
                unknown = set(names) - set(model.model_fields)
                assert not unknown, f"{resource}.{label} names fields {model.__name__} lacks: {sorted(unknown)}"
            overlap = rc.writable_fields & rc.read_only_fields
            assert not overlap, f"{resource}: fields both writable and read-only: {sorted(overlap)}"
            if rc.operations & {Operation.CREATE, Operation.UPDATE}:
                assert rc.writable_fields, f"{resource}: writes are declared but no writable_fields"

    @pytest.mark.parametrize("resource", RESOURCES)
    def test_undeclared_operations_are_refused(
        self, connector_factory: ConnectorFactory, client_kind: str, resource: str
    ) -> None:
        async def scenario(api: Api) -> None:
            model = api.client.resource(resource).model
            calls: dict[Operation, Callable[[], Awaitable[Any]]] = {
                Operation.LIST: lambda: api.page(resource),
                Operation.GET: lambda: api.get(resource, _NO_SUCH_ID),
                Operation.CREATE: lambda: api.create(resource, model.model_construct()),
                Operation.UPDATE: lambda: api.update(resource, _NO_SUCH_ID, model.model_construct()),
                Operation.DELETE: lambda: api.delete(resource, _NO_SUCH_ID),
            }
            undeclared = [op for op in Operation if not api.capabilities.supports(resource, op)]
            for op in undeclared:
                with pytest.raises(ConnectorOperationUnsupportedError):
                    await calls[op]()

        _run(connector_factory, client_kind, scenario)

    # -- reads ---------------------------------------------------------------------------------------------

    @pytest.mark.parametrize("resource", RESOURCES)
    def test_pages_are_bounded_and_ids_unique(
        self, connector_factory: ConnectorFactory, client_kind: str, resource: str
    ) -> None:
        async def scenario(api: Api) -> None:
            if not self._can(api, resource, Operation.LIST):
                pytest.skip(f"{resource} has no list")
            caps = self._caps(api, resource)
            model = api.client.resource(resource).model
            limit = self.list_page_size(resource, caps)
            seen: list[str] = []
            cursor = None
            for _ in range(self.max_pages):
                page = await api.page(resource, cursor, limit=limit)
                assert len(page.data) <= limit, f"{resource}: page of {len(page.data)} with limit={limit}"
                for record in page.data:
                    assert isinstance(record, model), f"{resource}: {type(record).__name__} is not {model.__name__}"
                    model.model_validate(record.model_dump())
                    assert isinstance(record.id, str) and record.id, f"{resource}: a record without an id"
                    seen.append(record.id)
                assert page.next_cursor is None or isinstance(page.next_cursor, str)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            dupes = {i for i in seen if seen.count(i) > 1}
            assert not dupes, f"{resource}: ids repeated across pages: {sorted(dupes)[:5]}"

        _run(connector_factory, client_kind, scenario)

    @pytest.mark.parametrize("resource", RESOURCES)
    def test_auto_paging_matches_pages(
        self, connector_factory: ConnectorFactory, client_kind: str, resource: str
    ) -> None:
        async def scenario(api: Api) -> None:
            if not self._can(api, resource, Operation.LIST):
                pytest.skip(f"{resource} has no list")
            limit = self.list_page_size(resource, self._caps(api, resource))
            expected: list[str] = []
            cursor = None
            for _ in range(self.max_pages):
                page = await api.page(resource, cursor, limit=limit)
                expected.extend(r.id for r in page.data)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            listed = await api.list_all(resource, limit=limit, max_items=len(expected))
            assert [r.id for r in listed] == expected

        _run(connector_factory, client_kind, scenario)

    @pytest.mark.parametrize("resource", RESOURCES)
    def test_get_matches_list(self, connector_factory: ConnectorFactory, client_kind: str, resource: str) -> None:
        async def scenario(api: Api) -> None:
            if not (self._can(api, resource, Operation.LIST) and self._can(api, resource, Operation.GET)):
                pytest.skip(f"{resource} has no list and get")
            page = await api.page(resource, limit=self.list_page_size(resource, self._caps(api, resource)))
            for summary in page.data[:2]:
                full = await api.get(resource, summary.id)
                assert full.id == summary.id
            with pytest.raises(EntityNotFoundError):
                await api.get(resource, _NO_SUCH_ID)

        _run(connector_factory, client_kind, scenario)

    @pytest.mark.parametrize("resource", RESOURCES)
    def test_unsupported_filters_and_sorts_are_refused(
        self, connector_factory: ConnectorFactory, client_kind: str, resource: str
    ) -> None:
        async def scenario(api: Api) -> None:
            if not self._can(api, resource, Operation.LIST):
                pytest.skip(f"{resource} has no list")
            with pytest.raises(UnsupportedFiltersError):
                await api.page(resource, filters={"no_such_filter": "x"})
            with pytest.raises(UnsupportedSortFieldError):
                await api.page(resource, sort="no_such_field")
            with pytest.raises(RequestValidationError):
                await api.page(resource, limit=self._caps(api, resource).max_page_size + 1)

        _run(connector_factory, client_kind, scenario)

    @pytest.mark.parametrize("resource", RESOURCES)
    def test_updated_since_is_honoured(
        self, connector_factory: ConnectorFactory, client_kind: str, resource: str
    ) -> None:
        async def scenario(api: Api) -> None:
            if not self._can(api, resource, Operation.LIST):
                pytest.skip(f"{resource} has no list")
            if self._caps(api, resource).updated_since is None:
                with pytest.raises(UnsupportedFiltersError):
                    await api.page(resource, updated_since=datetime(2000, 1, 1, tzinfo=UTC))
                return
            records = await api.list_all(resource, max_items=50, limit=50)
            stamps = sorted(r.updated_at for r in records if r.updated_at is not None)
            if not stamps:
                pytest.skip(f"{resource}: no records with updated_at to filter on")
            since = stamps[len(stamps) // 2]
            after = await api.list_all(resource, updated_since=since, max_items=200, limit=50)
            for r in after:
                assert r.updated_at is None or r.updated_at >= since - timedelta(seconds=1), (
                    f"{resource}: {r.id} updated {r.updated_at} listed for updated_since={since}"
                )
            later = {r.id for r in records if r.updated_at is not None and r.updated_at > since}
            missing = later - {r.id for r in after}
            assert not missing, f"{resource}: records updated after {since} missing: {sorted(missing)[:5]}"

        _run(connector_factory, client_kind, scenario)

    # -- writes --------------------------------------------------------------------------------------------

    @pytest.mark.parametrize("resource", RESOURCES)
    @_HYPOTHESIS
    @given(data=st.data())
    def test_create_read_update_delete(
        self, connector_factory: ConnectorFactory, client_kind: str, resource: str, data: st.DataObject
    ) -> None:
        async def scenario(api: Api) -> None:
            if not self._can(api, resource, Operation.CREATE):
                return
            caps = self._caps(api, resource)
            model = api.client.resource(resource).model
            generated = data.draw(await self.write_strategy(api, resource), label="record")
            record = model.model_validate(generated.model_dump(include=set(caps.writable_fields), exclude_unset=True))
            created = await api.create(resource, record)
            assert isinstance(created, model) and created.id, f"{resource}: create returned no id"
            if self._can(api, resource, Operation.GET):
                got = await api.get(resource, created.id)
                assert_subset(record, got)
            change = self.update_for(resource, created)
            if change is not None and self._can(api, resource, Operation.UPDATE):
                updated = await api.update(resource, created.id, change)
                assert updated.id == created.id
                if self._can(api, resource, Operation.GET):
                    assert_subset(model.model_validate(change), await api.get(resource, created.id))
            if self._can(api, resource, Operation.DELETE):
                await api.delete(resource, created.id)
                if self._can(api, resource, Operation.GET):
                    with pytest.raises(EntityNotFoundError):
                        await api.get(resource, created.id)

        _run(connector_factory, client_kind, scenario)

    @pytest.mark.parametrize("resource", RESOURCES)
    def test_invalid_writes_map_to_the_right_errors(
        self, connector_factory: ConnectorFactory, client_kind: str, resource: str
    ) -> None:
        cases = self.invalid_writes(resource)
        if not cases:
            pytest.skip(f"no invalid writes declared for {resource}")

        async def scenario(api: Api) -> None:
            for record, error_class in cases:
                with pytest.raises(error_class):
                    await api.create(resource, record)

        _run(connector_factory, client_kind, scenario)

    def test_unknown_write_fields_are_refused(self, connector_factory: ConnectorFactory, client_kind: str) -> None:
        async def scenario(api: Api) -> None:
            writable = [r for r in api.capabilities.resources if self._can(api, r, Operation.CREATE)]
            if not writable:
                pytest.skip("the connector creates nothing")
            with pytest.raises(RequestValidationError) as info:
                await api.create(writable[0], {"no_such_field": 1})
            assert "no_such_field" in str(info.value)

        _run(connector_factory, client_kind, scenario)
