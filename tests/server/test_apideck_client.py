"""Apideck's own published Python client (apideck-unify) against the server, with only its server URL changed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import CONSUMER, KEY, Served

apideck_unify = pytest.importorskip("apideck_unify")

pytestmark = pytest.mark.e2e


@pytest.fixture
def sdk(served: Served) -> Any:
    return apideck_unify.Apideck(api_key=KEY, consumer_id=CONSUMER, app_id="any-app", server_url=served.url)


def test_list_pages_to_the_end(served: Served, sdk: Any) -> None:
    emu = served.emulator
    expected = {str(r["invoice_id"]) for r in emu.records(emu.organization_id, "invoices")}
    seen: list[str] = []
    page = sdk.accounting.invoices.list(limit=10)
    while page is not None:
        seen += [invoice.id for invoice in page.get_invoices_response.data]
        page = page.next()  # the client follows meta.cursors.next
    assert sorted(seen) == sorted(expected)


def test_every_shared_resource_parses(sdk: Any) -> None:
    for name, envelope in [
        ("customers", "get_customers_response"),
        ("suppliers", "get_suppliers_response"),
        ("bills", "get_bills_response"),
        ("expenses", "get_expenses_response"),
        ("tax_rates", "get_tax_rates_response"),
    ]:
        data = getattr(getattr(sdk.accounting, name).list(limit=5), envelope).data
        assert data and all(record.id for record in data), name


def test_get_with_raw(sdk: Any) -> None:
    listed = sdk.accounting.invoices.list(limit=1).get_invoices_response.data[0]
    one = sdk.accounting.invoices.get(id=listed.id, raw=True).get_invoice_response
    assert one.data.id == listed.id and one.data.line_items and one.data.total is not None
    assert isinstance(one.raw, dict) and one.raw


def test_create_update_delete(sdk: Any) -> None:
    created = sdk.accounting.customers.create(
        display_name="Apideck Client GmbH", emails=[{"email": "ap@client.example", "type": "primary"}]
    )
    record_id = created.create_customer_response.data.id
    assert sdk.accounting.customers.get(id=record_id).get_customer_response.data.display_name == "Apideck Client GmbH"
    updated = sdk.accounting.customers.update(id=record_id, display_name="Apideck Client AG")
    assert updated.update_customer_response.data.id == record_id
    assert sdk.accounting.customers.get(id=record_id).get_customer_response.data.display_name == "Apideck Client AG"
    assert sdk.accounting.customers.delete(id=record_id).delete_customer_response.data.id == record_id
    with pytest.raises(apideck_unify.models.NotFoundResponse):
        sdk.accounting.customers.get(id=record_id)


def test_errors_arrive_as_apideck_errors(served: Served, sdk: Any) -> None:
    with pytest.raises(apideck_unify.models.BadRequestResponse) as refused:
        sdk.accounting.invoices.list(sort={"by": served.backend.unsupported_sort})
    assert refused.value.data.type_name == "UnsupportedSortFieldError"
    stranger = apideck_unify.Apideck(api_key="not-a-key-0123456789", consumer_id=CONSUMER, server_url=served.url)
    with pytest.raises(apideck_unify.models.UnauthorizedResponse):
        stranger.accounting.invoices.list()


def test_proxy(served: Served, sdk: Any) -> None:
    answer = sdk.proxy.get(service_id=served.backend.connector, downstream_url=served.backend.proxy_path)
    assert answer.http_meta.response.status_code == 200 and answer.response_json
