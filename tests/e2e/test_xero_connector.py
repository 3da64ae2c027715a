"""The Xero connector against a served Xero emulator: tenants, deletions as status changes, roles Xero sets, lost
creates, Xero's limits and faults, and rotating refresh tokens shared by two connectors of one connection."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.xero import XeroConnector
from connectors.xero.emulator import XeroEmulator
from schemas import Contact, Invoice, InvoiceLineItem, LinkedCustomer, LinkedLedgerAccount
from tests.contract.test_xero_conformance import WINDOW_SECONDS, emulator, emulator_connector, paced_policy
from unified import AsyncUnifiedClient
from unified.errors import (
    ConflictError,
    ConnectorRateLimitError,
    EntityNotFoundError,
    ForbiddenError,
    RequestValidationError,
)
from unified.ratelimit import RateLimiter, RateLimitPolicy
from unified.vault import Connection, Vault

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served() -> Iterator[XeroEmulator]:
    with emulator(contacts=12, invoices=12, bills=6, expenses=6).serve() as emu:
        yield emu


@pytest.fixture(autouse=True)
def no_faults(served: XeroEmulator) -> Iterator[None]:
    yield
    served.faults.clear()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def _line(**extra: Any) -> InvoiceLineItem:
    fields: dict[str, Any] = {
        "description": "Consulting",
        "quantity": Decimal(2),
        "unit_price": Decimal("150.00"),
        "ledger_account": LinkedLedgerAccount(code="200"),
    }
    return InvoiceLineItem(**(fields | extra))


async def _new_contact(client: AsyncUnifiedClient, name: str) -> Contact:
    return await client.contacts.create(Contact(display_name=name))


def test_connections_list_the_login_s_tenants(served: XeroEmulator) -> None:
    async def main() -> list[dict[str, Any]]:
        connector = emulator_connector(served)
        try:
            return await connector.connections()
        finally:
            await connector.aclose()

    rows = run(main())
    assert {row["tenantId"] for row in rows} == set(served.tenant_ids)
    assert all(row.get("tenantName") for row in rows)


def test_a_tenant_not_connected_is_a_forbidden_error_naming_it(served: XeroEmulator) -> None:
    stranger = "11111111-2222-4333-8444-555555555555"

    async def main() -> None:
        async with AsyncUnifiedClient(emulator_connector(served, tenant_id=stranger)) as client:
            await client.invoices.page(limit=1)

    with pytest.raises(ForbiddenError) as info:
        run(main())
    assert stranger in info.value.message
    assert info.value.detail == {"request": "GET /Invoices", "status": 403, "tenant_id": stranger}


def test_the_second_tenant_is_its_own_books(served: XeroEmulator) -> None:
    first, second = served.tenant_ids[:2]

    async def ids(tenant: str) -> set[str]:
        async with AsyncUnifiedClient(emulator_connector(served, tenant_id=tenant)) as client:
            return {c.id async for c in client.contacts.list() if c.id}

    async def main() -> tuple[set[str], set[str]]:
        return await ids(first), await ids(second)

    mine, theirs = run(main())
    assert mine and theirs and not mine & theirs


def test_roles_are_xero_s_a_new_contact_becomes_a_customer_with_its_first_invoice(served: XeroEmulator) -> None:
    async def main() -> tuple[Contact, Contact, set[str]]:
        async with AsyncUnifiedClient(emulator_connector(served)) as client:
            contact = await _new_contact(client, "Role Test Ltd")
            with pytest.raises(EntityNotFoundError, match="not made that contact a customer"):
                await client.customers.get(contact.id or "")
            await client.invoices.create(Invoice(customer=LinkedCustomer(id=contact.id), line_items=[_line()]))
            customer = await client.customers.update(contact.id or "", Contact(first_name="Rolf"))
            assert (await client.customers.get(contact.id or "")).first_name == "Rolf"
            with pytest.raises(EntityNotFoundError, match="supplier"):
                await client.suppliers.update(contact.id or "", Contact(first_name="Not one"))
            suppliers = {s.id async for s in client.suppliers.list() if s.id}
            return contact, customer, suppliers

    contact, customer, suppliers = run(main())
    assert not contact.is_customer and customer.is_customer and not customer.is_supplier
    assert contact.id not in suppliers


def test_writing_a_role_is_refused_and_views_do_not_create(served: XeroEmulator) -> None:
    async def main() -> None:
        async with AsyncUnifiedClient(emulator_connector(served)) as client:
            with pytest.raises(RequestValidationError) as refused:
                await client.contacts.create(Contact(display_name="Wants a role", is_supplier=True))
            assert refused.value.field == "is_supplier" and "IsSupplier" in refused.value.message
            assert not client.customers.capabilities.supports("create")

    run(main())
    assert served.api_calls() >= 0


def test_deletions_are_status_changes_and_disappear_from_lists(served: XeroEmulator) -> None:
    async def main() -> dict[str, Any]:
        async with AsyncUnifiedClient(emulator_connector(served)) as client:
            contact = await _new_contact(client, "Short Lived Ltd")
            draft = await client.invoices.create(Invoice(customer=LinkedCustomer(id=contact.id), line_items=[_line()]))
            approved = await client.invoices.create(
                Invoice(
                    customer=LinkedCustomer(id=contact.id),
                    status="authorised",
                    due_date=date(2030, 1, 31),
                    line_items=[_line()],
                )
            )
            await client.invoices.delete(draft.id or "")
            await client.invoices.delete(approved.id or "")
            await client.contacts.delete(contact.id or "")
            listed = {i.id async for i in client.invoices.list()}
            contacts = {c.id async for c in client.contacts.list()}
            raw = {
                i: (await client.proxy("GET", f"/Invoices/{i}")).json()["Invoices"][0]["Status"]
                for i in (draft.id, approved.id)
            }
            person = (await client.proxy("GET", f"/Contacts/{contact.id}")).json()["Contacts"][0]
            with pytest.raises(EntityNotFoundError, match="VOIDED"):
                await client.invoices.get(approved.id or "")
            return {"listed": listed, "contacts": contacts, "raw": raw, "person": person, "ids": (draft, approved)}

    out = run(main())
    draft, approved = out["ids"]
    assert out["raw"] == {draft.id: "DELETED", approved.id: "VOIDED"}
    assert out["person"]["ContactStatus"] == "ARCHIVED"
    assert draft.id not in out["listed"] and approved.id not in out["listed"]
    assert out["person"]["ContactID"] not in out["contacts"]


def test_a_paid_invoice_cannot_be_voided(served: XeroEmulator) -> None:
    async def main() -> None:
        async with AsyncUnifiedClient(emulator_connector(served)) as client:
            paid = [i async for i in client.invoices.list(filters={"status": "paid"})]
            assert paid, "the emulator seeds paid invoices"
            with pytest.raises(ConflictError, match="payments"):
                await client.invoices.delete(paid[0].id or "")

    run(main())


def test_a_create_whose_answer_was_lost_is_retried_with_its_key_and_yields_one_record(served: XeroEmulator) -> None:
    reference = "LOST-ANSWER-1"

    async def main() -> tuple[Invoice, list[Invoice]]:
        async with AsyncUnifiedClient(emulator_connector(served)) as client:
            customer = (await client.contacts.page(limit=1)).data[0].id
            served.faults.fail_next(1, "drop_after_commit", path="/api.xro/2.0/Invoices", method="PUT")
            created = await client.invoices.create(
                Invoice(customer=LinkedCustomer(id=customer), reference=reference, line_items=[_line()]),
                idempotency_key="order-4711",
            )
            found = [i async for i in client.invoices.list(filters={"reference": reference})]
            return created, found

    created, found = run(main())
    assert [i.id for i in found] == [created.id]
    drops = [e for e in served.request_log if e.get("fault") == "drop_after_commit"]
    assert drops, "the emulator dropped the first answer"


def test_an_expired_access_token_is_refreshed_once_and_the_call_succeeds(served: XeroEmulator) -> None:
    async def main() -> tuple[int, int]:
        connector = emulator_connector(served)
        async with AsyncUnifiedClient(connector) as client:
            await client.tax_rates.page(limit=1)
            before = connector.tokens.refresh_count + connector.tokens.adopted_count
            served.expire_tokens()
            page = await client.tax_rates.page(limit=1)
            assert page.data
            return before, connector.tokens.refresh_count + connector.tokens.adopted_count

    before, after = run(main())
    assert after == before + 1


def _limited(**limits: Any) -> XeroEmulator:
    return XeroEmulator(seed=5, contacts=3, invoices=3, bills=1, expenses=1, window_seconds=WINDOW_SECONDS, **limits)


def test_the_day_limit_429_is_not_retried_before_the_day_resets() -> None:
    with _limited(day_limit=4).serve() as emu:
        settings = {**emu.connector_settings(), "rate_limit": RateLimitPolicy(limit=60, window=0.05, max_concurrent=5)}

        async def main() -> ConnectorRateLimitError:
            async with AsyncUnifiedClient(XeroConnector(**settings)) as client:
                for _ in range(4):
                    await client.tax_rates.page(limit=1)
                calls = emu.api_calls()
                with pytest.raises(ConnectorRateLimitError) as info:
                    await client.contacts.page(limit=1)
                with pytest.raises(ConnectorRateLimitError):
                    await client.contacts.page(limit=1)  # refused by the limiter: no second call to Xero
                assert emu.api_calls() - calls <= 1
                return info.value

        error = run(main())
    assert error.retriable is False and "daily" in error.message
    assert error.resets_at is not None


def test_a_minute_429_waits_retry_after_and_succeeds() -> None:
    with _limited(minute_limit=3).serve() as emu:
        # the connector believes in 60 a minute; the emulator allows 3: the 429s must be absorbed
        settings = {**emu.connector_settings(), "rate_limit": RateLimitPolicy(limit=60, window=0.05, max_concurrent=5)}

        async def main() -> int:
            async with AsyncUnifiedClient(XeroConnector(**settings)) as client:
                for _ in range(6):
                    assert (await client.tax_rates.page(limit=1)).data
            return sum(1 for e in emu.request_log if e.get("status") == 429)

        refused = run(main())
    assert refused >= 1


def test_xero_s_own_pacing_keeps_a_burst_under_the_minute_limit_without_429s() -> None:
    with _limited().serve() as emu:
        RateLimiter.forget()
        settings = emu.connector_settings()

        async def main() -> None:
            connector = XeroConnector(**settings)
            async with AsyncUnifiedClient(connector) as client:
                await asyncio.gather(*(client.tax_rates.page(limit=1) for _ in range(150)))

        run(main())
    assert not [e for e in emu.request_log if e.get("status") == 429]


@pytest.fixture
def own() -> Iterator[XeroEmulator]:
    with _limited(day_limit=10**9).serve() as emu:
        yield emu


def test_two_connectors_sharing_a_vault_refresh_at_once_and_end_with_one_valid_token(
    own: XeroEmulator, tmp_path: Path
) -> None:
    served = own
    vault = Vault(tmp_path / "home")
    settings = served.connector_settings()
    secrets = {k: settings.pop(k) for k in ("client_secret", "refresh_token")}
    vault.save(Connection("acme", "xero", settings, secrets))
    connectors = [_xero(vault.connector("acme", rate_limit=paced_policy())) for _ in range(2)]
    served.expire_tokens()
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def work(connector: XeroConnector) -> None:
        async def main() -> None:
            start.wait()
            try:
                assert (await connector.list("tax_rates", _query())).data
            finally:
                await connector.aclose()

        try:
            asyncio.run(main())
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in connectors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    refreshed = sum(c.tokens.refresh_count for c in connectors)
    adopted = sum(c.tokens.adopted_count for c in connectors)
    assert (refreshed, adopted) == (1, 1)
    # the stored refresh token is the live one: a third process refreshes with it
    stored = vault.token_store("acme").load()
    assert stored is not None and stored.refresh_token == connectors[0].tokens.refresh_token

    async def third() -> int:
        connector = _xero(vault.connector("acme", rate_limit=paced_policy()))
        try:
            served.expire_tokens()
            served.advance_time(timedelta(hours=1).total_seconds())
            await connector.list("tax_rates", _query())
            return connector.tokens.refresh_count
        finally:
            await connector.aclose()

    assert run(third()) == 1


def _xero(connector: Any) -> XeroConnector:
    assert isinstance(connector, XeroConnector)
    return connector


def _query() -> Any:
    from unified.connector import ListQuery

    return ListQuery(limit=5)


def test_every_declared_filter_and_sort_is_honoured(served: XeroEmulator) -> None:
    async def main() -> None:
        async with AsyncUnifiedClient(emulator_connector(served)) as client:
            contacts = [c async for c in client.contacts.list()]
            named = contacts[0]
            found = [c async for c in client.contacts.list(filters={"display_name": named.display_name})]
            assert [c.id for c in found] == [named.id]
            with_email = next(c for c in contacts if c.emails)
            assert with_email.emails
            by_email = [c async for c in client.contacts.list(filters={"email": with_email.emails[0].email})]
            assert with_email.id in {c.id for c in by_email}

            invoices = [i async for i in client.invoices.list()]
            some = invoices[0]
            assert some.customer is not None and some.customer.id
            checks: dict[str, tuple[Any, Callable[[Invoice], Any]]] = {
                "customer_id": (some.customer.id, lambda i: i.customer.id if i.customer else None),
                "number": (some.number, lambda i: i.number),
                "status": ("paid", lambda i: i.status),
            }
            for name, (value, read) in checks.items():
                listed = [i async for i in client.invoices.list(filters={name: value})]
                assert listed and all(read(i) == value for i in listed), name
            referenced = next(i for i in invoices if i.reference)
            listed = [i async for i in client.invoices.list(filters={"reference": referenced.reference})]
            assert referenced.id in {i.id for i in listed} and all(i.reference == referenced.reference for i in listed)

            bills = [b async for b in client.bills.list()]
            assert bills[0].supplier is not None
            by_supplier = [b async for b in client.bills.list(filters={"supplier_id": bills[0].supplier.id})]
            assert bills[0].id in {b.id for b in by_supplier}
            by_number = [b async for b in client.bills.list(filters={"bill_number": bills[0].bill_number})]
            assert [b.bill_number for b in by_number] == [bills[0].bill_number] * len(by_number) and by_number

            for resource, caps in client.capabilities.resources.items():
                for field in caps.sorts:
                    for direction in ("asc", "desc"):
                        spelled = field if direction == "asc" else f"-{field}"
                        records = [r async for r in client.resource(resource).list(sort=spelled)]
                        keys = [getattr(r, field) for r in records if getattr(r, field) is not None]
                        ordered = sorted(keys, key=lambda v: str(v).lower() if isinstance(v, str) else v)
                        assert keys == (ordered if direction == "asc" else ordered[::-1]), (resource, field, direction)

    run(main())


def test_an_update_replaces_lines_and_clears_what_it_sets_to_none(served: XeroEmulator) -> None:
    async def main() -> tuple[Invoice, Invoice, Contact]:
        async with AsyncUnifiedClient(emulator_connector(served)) as client:
            contact = await client.contacts.create(
                Contact(
                    display_name="Updater Ltd",
                    addresses=[{"type": "billing", "line1": "PO Box 1"}, {"type": "shipping", "line1": "1 Road"}],
                    phone_numbers=[{"number": "555 0101"}],
                )
            )
            changed = await client.contacts.update(
                contact.id or "", Contact(addresses=[{"type": "shipping", "line1": "2 Road"}], phone_numbers=[])
            )
            invoice = await client.invoices.create(
                Invoice(customer=LinkedCustomer(id=contact.id), reference="R-1", line_items=[_line(), _line()])
            )
            updated = await client.invoices.update(
                invoice.id or "", Invoice(reference=None, line_items=[_line(quantity=Decimal(5))])
            )
            return invoice, updated, changed

    invoice, updated, contact = run(main())
    assert len(invoice.line_items or []) == 2 and invoice.reference == "R-1"
    assert [line.quantity for line in updated.line_items or []] == [Decimal(5)] and updated.reference is None
    assert updated.total == Decimal("750.00") + (updated.total_tax or 0)
    assert [(a.type, a.line1) for a in contact.addresses or []] == [("shipping", "2 Road")]
    assert contact.phone_numbers is None
