"""The unified clients: request checks before the connector, views, paging, and the sync/async pairing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas import Contact, Invoice
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified import (
    AsyncUnifiedClient,
    ConnectorExecutionError,
    ConnectorOperationUnsupportedError,
    EntityNotFoundError,
    Operation,
    RequestValidationError,
    Sort,
    UnifiedClient,
    UnsupportedFiltersError,
    UnsupportedSortFieldError,
)
from unified.connector import Capabilities, ListQuery, Page, ResourceCapabilities


@pytest.fixture
def backend() -> ReferenceBackend:
    return ReferenceBackend().seed()


@pytest.fixture
def client(backend: ReferenceBackend) -> Any:
    with UnifiedClient(ReferenceConnector(backend)) as c:
        yield c


def test_auto_paging_yields_every_record_once(client: UnifiedClient, backend: ReferenceBackend) -> None:
    ids = [inv.id for inv in client.invoices.list(limit=2)]
    assert ids == list(backend.tables["invoices"])
    assert len(set(ids)) == len(ids) == 7


def test_page_returns_data_and_cursor(client: UnifiedClient) -> None:
    first = client.invoices.page(limit=5)
    assert len(first.data) == 5 and first.next_cursor
    second = client.invoices.page(first.next_cursor, limit=5)
    assert len(second.data) == 2 and second.next_cursor is None


def test_views_filter_by_role(client: UnifiedClient) -> None:
    assert all(c.is_customer for c in client.customers.list())
    assert all(c.is_supplier for c in client.suppliers.list())
    assert len(list(client.contacts.list())) == len(list(client.customers.list())) + len(list(client.suppliers.list()))


def test_creating_through_a_view_sets_its_role(client: UnifiedClient) -> None:
    created = client.suppliers.create({"display_name": "Acme Supplies"})
    assert created.is_supplier and not created.is_customer
    kept = client.customers.create(Contact(display_name="Already a supplier", is_supplier=True))
    assert kept.is_supplier and not kept.is_customer


@pytest.mark.parametrize("limit", [0, 51, -1, "10", True])
def test_limit_out_of_range_is_refused(client: UnifiedClient, limit: Any) -> None:
    with pytest.raises(RequestValidationError, match="limit") as info:
        client.invoices.page(limit=limit)
    assert info.value.field == "limit"


def test_unknown_filter_is_refused_with_the_supported_ones(client: UnifiedClient) -> None:
    with pytest.raises(UnsupportedFiltersError) as info:
        client.invoices.page(filters={"status": "paid"})
    assert "status" in info.value.message and "customer_id" in info.value.message
    assert info.value.type_name == "UnsupportedFiltersError" and info.value.status_code == 400


def test_unknown_sort_is_refused(client: UnifiedClient) -> None:
    with pytest.raises(UnsupportedSortFieldError, match="total"):
        client.invoices.page(sort="-total")
    assert client.invoices.page(sort=Sort("updated_at", "desc")).data[0].number == "INV-6"


def test_sync_list_refuses_bad_options_at_the_call(client: UnifiedClient) -> None:
    with pytest.raises(UnsupportedFiltersError):
        client.invoices.list(filters={"nope": 1})


def test_naive_updated_since_is_refused(client: UnifiedClient) -> None:
    with pytest.raises(RequestValidationError, match="timezone-aware"):
        client.invoices.page(updated_since=datetime(2024, 1, 1))


def test_client_side_updated_since_filters_each_page(client: UnifiedClient, backend: ReferenceBackend) -> None:
    stamps = sorted(e.updated_at for e in backend.tables["expenses"].values())  # type: ignore[attr-defined]
    since = stamps[2]
    got = list(client.expenses.list(updated_since=since, limit=1))
    assert [e.updated_at for e in got] == stamps[2:]


def test_unknown_write_field_is_refused_naming_it(client: UnifiedClient) -> None:
    with pytest.raises(RequestValidationError) as info:
        client.contacts.create({"display_name": "X", "nickname": "x"})
    assert "nickname" in str(info.value) and info.value.field == "nickname"


def test_wrong_model_type_is_refused(client: UnifiedClient) -> None:
    with pytest.raises(RequestValidationError, match="takes a Invoice"):
        client.invoices.create(Contact(display_name="x"))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad_id", ["", "  ", None, 42])
def test_bad_ids_are_refused(client: UnifiedClient, bad_id: Any) -> None:
    with pytest.raises(RequestValidationError):
        client.invoices.get(bad_id)


def test_missing_record_is_entity_not_found(client: UnifiedClient) -> None:
    with pytest.raises(EntityNotFoundError):
        client.invoices.get("123")


def test_update_writes_only_the_fields_given(client: UnifiedClient) -> None:
    invoice = next(iter(client.invoices.list()))
    updated = client.invoices.update(invoice.id, {"reference": "PO-9"})
    assert updated.reference == "PO-9" and updated.number == invoice.number
    assert updated.updated_at > invoice.updated_at  # type: ignore[operator]


class ListOnly(ReferenceConnector):
    def capabilities(self) -> Capabilities:
        base = super().capabilities().resources
        return Capabilities(
            {
                "invoices": ResourceCapabilities(
                    operations=frozenset({Operation.LIST}), writable_fields=base["invoices"].writable_fields
                )
            }
        )


def test_undeclared_operations_and_resources_are_refused(backend: ReferenceBackend) -> None:
    with UnifiedClient(ListOnly(backend)) as client:
        with pytest.raises(ConnectorOperationUnsupportedError, match="cannot delete invoices"):
            client.invoices.delete("1")
        with pytest.raises(ConnectorOperationUnsupportedError, match="does not offer the resource 'bills'"):
            client.bills.page()
        with pytest.raises(UnsupportedFiltersError, match="updated_since"):
            client.invoices.page(updated_since=datetime(2024, 1, 1, tzinfo=UTC))


class LoopingCursor(ReferenceConnector):
    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        page = await super().list(resource, ListQuery(limit=query.limit))
        return Page(page.data, next_cursor="same")


def test_a_cursor_that_repeats_stops_with_an_error(backend: ReferenceBackend) -> None:
    with UnifiedClient(LoopingCursor(backend)) as client, pytest.raises(ConnectorExecutionError, match="twice"):
        list(client.invoices.list(limit=2))


def test_async_client_shares_the_same_behaviour(backend: ReferenceBackend) -> None:
    async def main() -> list[str]:
        async with AsyncUnifiedClient(ReferenceConnector(backend)) as client:
            with pytest.raises(UnsupportedFiltersError):
                client.invoices.list(filters={"nope": 1})
            created = await client.invoices.create(Invoice.model_validate({"number": "A-1"}))
            assert (await client.invoices.get(created.id)).number == "A-1"
            return [i.id async for i in client.invoices.list(limit=3)]

    ids = asyncio.run(main())
    assert len(ids) == 8 == len(set(ids))


def test_sync_client_works_from_inside_a_running_event_loop(backend: ReferenceBackend) -> None:
    async def main() -> int:
        with UnifiedClient(ReferenceConnector(backend)) as client:
            return len(list(client.invoices.list()))

    assert asyncio.run(main()) == 7


def test_resource_lookup_by_name(client: UnifiedClient) -> None:
    assert client.resource("tax-rates") is client.tax_rates
    with pytest.raises(RequestValidationError, match="Unknown resource"):
        client.resource("payments")


def test_proxy_reaches_the_connector(client: UnifiedClient) -> None:
    assert client.proxy("GET", "/anything").json() == {"method": "GET", "path": "/anything"}
