"""The Zoho Books connector against a served emulator: every declared filter and sort, updated_since, detail
mode, raw payloads, the proxy, checks before any call, custom fields, and creates whose outcome was lost."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from connectors.zoho_books.capabilities import SPECS
from connectors.zoho_books.emulator import ZohoBooksEmulator
from schemas import (
    Contact,
    CustomField,
    Email,
    Expense,
    ExpenseLineItem,
    Invoice,
    InvoiceLineItem,
    LinkedCustomer,
    LinkedFinancialAccount,
    LinkedLedgerAccount,
    LinkedTaxRate,
)
from tests.contract.test_zoho_conformance import emulator, emulator_connector
from unified import AsyncUnifiedClient, UnifiedClient
from unified.connector import Sort
from unified.errors import ConnectorExecutionError, EntityNotFoundError, RequestValidationError

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def emu() -> Iterator[ZohoBooksEmulator]:
    with emulator(contacts=25, invoices=30, bills=12, expenses=12).serve() as served:
        yield served


@pytest.fixture(scope="module")
def client(emu: ZohoBooksEmulator) -> Iterator[UnifiedClient]:
    with UnifiedClient(emulator_connector(emu)) as unified:
        yield unified


def writes(emu: ZohoBooksEmulator, method: str = "POST") -> int:
    """Books API calls of this method so far (token refreshes are not counted)."""
    return sum(1 for e in emu.request_log if e["method"] == method and e["path"].startswith("/books/v3/"))


def native(client: UnifiedClient, path: str, key: str, **params: Any) -> Any:
    return client.proxy("GET", path, params={"per_page": 200, **params}).json()[key]


def account_ids(client: UnifiedClient, *types: str) -> list[str]:
    accounts = native(client, "/chartofaccounts", "chartofaccounts", filter_by="AccountType.All")
    return [str(a["account_id"]) for a in accounts if a["account_type"] in types]


# -- reads -----------------------------------------------------------------------------------------------------


FILTER_VALUES: dict[str, Callable[[Any], Any]] = {
    "display_name": lambda r: r.display_name,
    "company_name": lambda r: r.company_name,
    "email": lambda r: r.emails[0].email if r.emails else None,
    "first_name": lambda r: r.first_name,
    "last_name": lambda r: r.last_name,
    "customer_id": lambda r: r.customer.id if r.customer else None,
    "supplier_id": lambda r: r.supplier.id if r.supplier else None,
    "number": lambda r: r.number,
    "bill_number": lambda r: r.bill_number,
    "reference": lambda r: r.reference,
}


@pytest.mark.parametrize(
    ("resource", "name"),
    [
        (resource, name)
        for resource, spec in SPECS.items()
        for name in spec.filters
        if name != "status" and not name.endswith("_since")
    ],
)
def test_each_declared_filter_keeps_exactly_the_matching_records(
    client: UnifiedClient, resource: str, name: str
) -> None:
    records = list(client.resource(resource).list(limit=200))
    value = next(FILTER_VALUES[name](r) for r in records if FILTER_VALUES[name](r))
    expected = {r.id for r in records if str(FILTER_VALUES[name](r)).lower() == str(value).lower()}
    found = list(client.resource(resource).list(limit=200, filters={name: value}))
    assert {r.id for r in found} == expected
    assert expected and len(expected) < len(records)


def test_status_filters_follow_zohos_statuses(client: UnifiedClient) -> None:
    contact = client.customers.page(limit=1).data[0]
    client.proxy("POST", f"/contacts/{contact.id}/inactive")
    everyone = list(client.contacts.list(limit=200))
    inactive = {r.id for r in client.contacts.list(limit=200, filters={"status": "inactive"})}
    assert contact.id in inactive
    assert inactive == {r.id for r in everyone if r.status == "inactive"}
    assert contact.id not in {r.id for r in client.contacts.list(limit=200, filters={"status": "active"})}
    client.proxy("POST", f"/contacts/{contact.id}/active")
    for resource in ("invoices", "bills"):
        records = list(client.resource(resource).list(limit=200))
        paid = {r.id for r in client.resource(resource).list(limit=200, filters={"status": "paid"})}
        assert paid == {r.id for r in records if r.status == "paid"}
        assert paid
    with pytest.raises(RequestValidationError, match="must be one of"):
        client.invoices.page(filters={"status": "submitted"})


def test_bills_filter_and_sort_as_apideck_does(client: UnifiedClient) -> None:
    bills = list(client.bills.list(limit=200))
    dates = sorted({b.bill_date for b in bills if b.bill_date})
    since = dates[len(dates) // 2]
    billed = {b.id for b in client.bills.list(filters={"billed_since": since.isoformat()})}
    assert billed == {b.id for b in bills if b.bill_date and b.bill_date >= since} and billed
    dues = sorted({b.due_date for b in bills if b.due_date})
    due = dues[len(dues) // 2]
    assert {b.id for b in client.bills.list(filters={"due_since": due})} == {
        b.id for b in bills if b.due_date and b.due_date >= due
    }
    unpaid_statuses = {"authorised", "partially_paid"}  # money still owed (open and overdue read as authorised)
    for status, wanted in (("paid", {"paid"}), ("partially_paid", {"partially_paid"}), ("unpaid", unpaid_statuses)):
        found = {b.id for b in client.bills.list(filters={"status": status})}
        assert found == {b.id for b in bills if str(b.status) in wanted}
    newest = [b.updated_at for b in client.bills.list(sort="-updated_at", limit=50)]
    assert newest == sorted(newest, reverse=True)  # type: ignore[type-var]
    with pytest.raises(RequestValidationError, match="paid, unpaid, partially_paid"):
        client.bills.page(filters={"status": "open"})
    with pytest.raises(RequestValidationError, match="date like"):
        client.bills.page(filters={"billed_since": "last week"})


def _sort_key(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


@pytest.mark.parametrize(
    ("resource", "field"), [(resource, field) for resource, spec in SPECS.items() for field in spec.sorts]
)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_each_declared_sort_orders_the_records(
    client: UnifiedClient, resource: str, field: str, direction: str
) -> None:
    records = list(client.resource(resource).list(limit=200, sort=Sort(field, direction)))  # type: ignore[arg-type]
    values = [_sort_key(getattr(r, field)) for r in records if getattr(r, field) is not None]
    assert len(values) > 3
    assert values == sorted(values, reverse=direction == "desc")


def test_updated_since_is_sent_to_zoho_for_invoices_and_honoured(client: UnifiedClient, emu: ZohoBooksEmulator) -> None:
    everything = list(client.invoices.list(limit=200))
    stamps = sorted(r.updated_at for r in everything if r.updated_at is not None)
    since = stamps[len(stamps) // 2]
    found = list(client.invoices.list(limit=200, updated_since=since))
    assert {r.id for r in found} == {r.id for r in everything if r.updated_at is not None and r.updated_at >= since}
    sent = [e["query"] for e in emu.request_log if e["path"].endswith("/invoices") and e["method"] == "GET"]
    assert any("last_modified_time" in query for query in sent)


def test_updated_since_on_contacts_is_filtered_page_by_page(client: UnifiedClient) -> None:
    assert client.contacts.capabilities.updated_since == "client"
    since = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    assert list(client.contacts.list(limit=200, updated_since=since)) == []


def test_list_rows_are_summaries_and_detail_fills_them_in(client: UnifiedClient) -> None:
    rows = client.invoices.page(limit=5).data
    assert rows and all(r.line_items is None for r in rows)
    assert SPECS["invoices"].declare().detail_fields >= {"line_items"}
    full = client.invoices.page(limit=5, detail=True).data
    assert [r.id for r in full] == [r.id for r in rows]
    assert all(r.line_items for r in full)
    assert full[0] == client.invoices.get(rows[0].id or "")


def test_detail_gets_run_with_bounded_concurrency(emu: ZohoBooksEmulator) -> None:
    in_flight = peak = 0

    class Counting(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            detail = request.method == "GET" and request.url.path.rsplit("/", 1)[-1].isdigit()
            in_flight += detail
            peak = max(peak, in_flight)
            try:
                return await super().handle_async_request(request)
            finally:
                in_flight -= detail

    async def scenario() -> None:
        connector = emulator_connector(emu, transport=Counting(), detail_concurrency=2)
        async with AsyncUnifiedClient(connector) as unified:
            page = await unified.bills.page(limit=10, detail=True)
            assert len(page.data) == 10 and all(b.line_items for b in page.data)

    asyncio.run(scenario())
    assert peak == 2


def test_raw_keeps_zohos_payload(client: UnifiedClient) -> None:
    row = client.bills.page(limit=1, raw=True).data[0]
    assert row.raw is not None and row.raw["bill_id"] == row.id
    got = client.bills.get(row.id or "", raw=True)
    assert got.raw is not None and "line_items" in got.raw and "custom_field_hash" in got.raw


def test_a_cursor_is_opaque_and_a_made_up_one_is_refused(client: UnifiedClient) -> None:
    first = client.contacts.page(limit=4)
    assert first.next_cursor and "page" not in first.next_cursor
    second = client.contacts.page(first.next_cursor, limit=4)
    assert not {r.id for r in first.data} & {r.id for r in second.data}
    with pytest.raises(RequestValidationError, match="cursor"):
        client.contacts.page("not-a-cursor", limit=4)


def test_views_hold_only_their_role(client: UnifiedClient) -> None:
    supplier = client.suppliers.page(limit=1).data[0]
    assert supplier.is_supplier and client.contacts.get(supplier.id or "").id == supplier.id
    with pytest.raises(EntityNotFoundError):
        client.customers.get(supplier.id or "")
    with pytest.raises(RequestValidationError, match="through contacts"):
        client.suppliers.update(supplier.id or "", {"is_customer": True})


def test_the_proxy_and_organizations(client: UnifiedClient, emu: ZohoBooksEmulator) -> None:
    response = client.proxy("GET", "/chartofaccounts", params={"filter_by": "AccountType.Expense"})
    assert response.status_code == 200 and response.json()["chartofaccounts"]
    missing = client.proxy("GET", "/invoices/1")
    assert missing.status_code == 404 and missing.json()["code"] == 1002
    connector = emulator_connector(emu)
    organizations = asyncio.run(connector.organizations())
    assert emu.organization_id in [o["organization_id"] for o in organizations]
    assert emu.client_secret not in repr(connector) and emu.refresh_token not in repr(connector)


# -- writes ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        Contact(display_name="n" * 201, is_customer=True),
        Contact(display_name="Both", is_customer=True, is_supplier=True),
        Invoice(line_items=[InvoiceLineItem(quantity=Decimal(1), unit_price=Decimal(1))]),
    ],
)
def test_what_zoho_would_refuse_is_refused_before_any_request(
    client: UnifiedClient, emu: ZohoBooksEmulator, record: Any
) -> None:
    before = len(emu.request_log)
    resource = "invoices" if isinstance(record, Invoice) else "contacts"
    with pytest.raises(RequestValidationError):
        client.resource(resource).create(record)
    assert len(emu.request_log) == before


def test_a_line_whose_rate_disagrees_with_its_tax_never_reaches_zoho(
    client: UnifiedClient, emu: ZohoBooksEmulator
) -> None:
    tax = next(t for t in client.tax_rates.list() if t.effective_tax_rate)
    customer = client.customers.page(limit=1).data[0]
    wrong = LinkedTaxRate(id=tax.id, rate=(tax.effective_tax_rate or 0) + 1)
    record = Invoice(
        customer=LinkedCustomer(id=customer.id),
        line_items=[InvoiceLineItem(quantity=Decimal(1), unit_price=Decimal(10), tax_rate=wrong)],
    )
    posts = writes(emu)
    with pytest.raises(RequestValidationError, match=f"{tax.effective_tax_rate}%"):
        client.invoices.create(record)
    assert writes(emu) == posts


def test_custom_fields_are_resolved_from_definitions_fetched_once(
    client: UnifiedClient, emu: ZohoBooksEmulator
) -> None:
    def definition_reads() -> int:
        return sum(1 for e in emu.request_log if e["path"].endswith("/settings/customfields"))

    reads = definition_reads()
    posts = writes(emu)
    with pytest.raises(RequestValidationError) as info:
        client.contacts.create(Contact(display_name="CF nobody", custom_fields=[CustomField(name="Colour", value="x")]))
    assert "Account Manager" in str(info.value) and "cf_account_manager" in str(info.value)
    assert writes(emu) == posts
    first = client.contacts.create(
        Contact(display_name="CF one", custom_fields=[CustomField(name="Tier", value="Gold")])
    )
    second = client.contacts.create(
        Contact(display_name="CF two", custom_fields=[CustomField(name="cf_priority", value=Decimal(4))])
    )
    assert first.custom_fields and first.custom_fields[0].value == "Gold"
    assert second.custom_fields and second.custom_fields[0].name == "Priority"
    # the refused name looked once more in case the definitions had changed; then they stayed cached
    assert definition_reads() - reads == 2
    for created in (first, second):
        client.contacts.delete(created.id or "")


def test_an_update_changes_the_primary_person_in_place(client: UnifiedClient) -> None:
    created = client.contacts.create(
        Contact(display_name="Person in place", first_name="Ann", emails=[Email(email="ann@x.io")], currency="EUR")
    )
    assert created.currency == "EUR"
    before = client.contacts.get(created.id or "", raw=True)
    updated = client.contacts.update(created.id or "", {"last_name": "Lee"})
    assert (updated.first_name, updated.last_name) == ("Ann", "Lee")
    after = client.contacts.get(created.id or "", raw=True)
    assert before.raw and after.raw
    ids = [p["contact_person_id"] for p in before.raw["contact_persons"]]
    assert [p["contact_person_id"] for p in after.raw["contact_persons"]] == ids
    client.contacts.delete(created.id or "")


# -- creates whose answer was lost ----------------------------------------------------------------------------


def _invoice(client: UnifiedClient, **fields: Any) -> Invoice:
    customer = client.customers.page(limit=1).data[0]
    line = InvoiceLineItem(quantity=Decimal(2), unit_price=Decimal("12.50"))
    return Invoice(customer=LinkedCustomer(id=customer.id), line_items=[line], **fields)


@pytest.mark.parametrize(
    ("resource", "build", "count"),
    [
        ("contacts", lambda c: Contact(display_name="Lost answer Ltd"), lambda r: {"contact_name": r.display_name}),
        ("invoices", lambda c: _invoice(c, number="LOST-1"), lambda r: {"invoice_number": r.number}),
    ],
)
def test_a_create_whose_answer_was_lost_is_found_not_sent_twice(
    client: UnifiedClient, emu: ZohoBooksEmulator, resource: str, build: Any, count: Any
) -> None:
    record = build(client)
    emu.faults.fail_next(1, "drop_after_commit", path=SPECS[resource].path, method="POST")
    posts = writes(emu)
    created = client.resource(resource).create(record)
    assert writes(emu) == posts + 1  # one POST, then a lookup
    spec = SPECS[resource]
    matches = native(client, spec.path, spec.list_key, **count(record))
    assert [str(r[spec.id_field]) for r in matches] == [created.id]
    client.resource(resource).delete(created.id)


def test_a_lost_create_is_found_by_the_unique_custom_field(emu: ZohoBooksEmulator) -> None:
    with UnifiedClient(emulator_connector(emu, unique_custom_field="cf_external_id")) as client:
        paid_from = account_ids(client, "cash", "bank")[0]
        expense_account = account_ids(client, "expense")[0]
        record = Expense(
            transaction_date=dt.datetime(2024, 4, 2, tzinfo=dt.UTC),
            account=LinkedFinancialAccount(id=paid_from),
            line_items=[ExpenseLineItem(account=LinkedLedgerAccount(id=expense_account), total_amount=Decimal(9))],
            custom_fields=[CustomField(name="External ID", value="ext-lost-42")],
        )
        before = {str(e["expense_id"]) for e in native(client, "/expenses", "expenses")}
        emu.faults.fail_next(1, "drop_after_commit", path="/expenses", method="POST")
        created = client.expenses.create(record)
        after = {str(e["expense_id"]) for e in native(client, "/expenses", "expenses")}
        assert after - before == {created.id}
        assert created.custom_fields and created.custom_fields[0].value == "ext-lost-42"
        client.expenses.delete(created.id or "")


def test_the_callers_idempotency_key_finds_a_lost_create_through_the_unique_custom_field(
    emu: ZohoBooksEmulator,
) -> None:
    with UnifiedClient(emulator_connector(emu, unique_custom_field="cf_external_id")) as client:
        paid_from = account_ids(client, "cash", "bank")[0]
        expense_account = account_ids(client, "expense")[0]
        record = Expense(  # no reference, no custom field: only the caller's key can find it again
            transaction_date=dt.datetime(2024, 4, 3, tzinfo=dt.UTC),
            account=LinkedFinancialAccount(id=paid_from),
            line_items=[ExpenseLineItem(account=LinkedLedgerAccount(id=expense_account), total_amount=Decimal(7))],
        )
        before = {str(e["expense_id"]) for e in native(client, "/expenses", "expenses")}
        emu.faults.fail_next(1, "drop_after_commit", path="/expenses", method="POST")
        created = client.expenses.create(record, idempotency_key="order-2024-0403")
        after = {str(e["expense_id"]) for e in native(client, "/expenses", "expenses")}
        assert after - before == {created.id}
        assert any(f.value == "order-2024-0403" for f in created.custom_fields or [])
        client.expenses.delete(created.id or "")


def test_a_lost_create_with_nothing_to_find_it_by_says_the_outcome_is_uncertain(
    client: UnifiedClient, emu: ZohoBooksEmulator
) -> None:
    record = _invoice(client)  # an automatic number and no reference: nothing to look it up by
    emu.faults.fail_next(1, "drop_after_commit", path="/invoices", method="POST")
    with pytest.raises(ConnectorExecutionError) as info:
        client.invoices.create(record)
    assert info.value.outcome == "uncertain"
