"""The conformance kit for the Zoho Books connector, against a served emulator, sync and async.

Also home of the Zoho-shaped write strategies the property tests share: the unified strategies, pointed at
the organization's own records (customers, suppliers, taxes, accounts, custom field definitions) and shaped
to what a Zoho contact holds (one email on the primary contact person, a work phone and a mobile, a billing
and a shipping address) and an expense keeps (a date, descriptions of at most 100 characters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st

from connectors.zoho_books import ZohoBooksConnector
from connectors.zoho_books._customfields import CustomFieldDefinition, parse_definitions
from connectors.zoho_books.emulator import ZohoBooksEmulator
from schemas import (
    Bill,
    BillLineItem,
    Contact,
    CustomField,
    Expense,
    ExpenseLineItem,
    Invoice,
    InvoiceLineItem,
    LinkedFinancialAccount,
    LinkedLedgerAccount,
    LinkedTaxRate,
    TaxRate,
)
from unified.errors import RequestValidationError, UnifiedError
from unified.testing import Api, ConnectorConformance
from unified.testing import strategies as s

#: emulator and connector share a short rate-limit window, so the suite is paced but never throttled
WINDOW_SECONDS = 0.05
EXPENSE_TEXT_LIMIT = 100


# -- Zoho-shaped strategies (shared with tests/property) -----------------------------------------------------


def custom_field_values(definition: CustomFieldDefinition) -> st.SearchStrategy[Any]:
    """Values a field of this data_type takes, as the unified model carries them."""
    kind = definition.data_type
    text = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=30)
    if definition.label == "External ID":
        return st.uuids().map(str)  # unique fields need unique values
    values: dict[str, st.SearchStrategy[Any]] = {
        "number": st.integers(min_value=-(10**6), max_value=10**6).map(Decimal),
        "decimal": st.decimals(min_value=Decimal(-1000), max_value=Decimal(1000), places=3),
        "amount": st.decimals(min_value=Decimal(0), max_value=Decimal(99999), places=2),
        "percent": st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2),
        "date": st.dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)).map(dt.date.isoformat),
        "check_box": st.booleans(),
        "dropdown": st.sampled_from(definition.options or ("x",)),
        "email": st.from_regex(r"[a-z]{1,10}@[a-z]{1,10}\.com", fullmatch=True),
        "url": st.from_regex(r"https://www\.[a-z]{1,12}\.com", fullmatch=True),
        "phone": st.from_regex(r"\+1-555-[0-9]{3}-[0-9]{4}", fullmatch=True),
    }
    return values.get(kind, text)


def custom_fields(definitions: Sequence[CustomFieldDefinition]) -> st.SearchStrategy[list[CustomField]]:
    """A subset of the fields, in definition order (Zoho's read order), named by label, with typed values."""
    entries = [
        st.one_of(st.none(), st.builds(CustomField, name=st.just(d.label), value=custom_field_values(d)))
        for d in definitions
        if d.is_active
    ]
    return st.tuples(*entries).map(lambda drawn: [field for field in drawn if field is not None])


def zoho_shaped_contact(contact: Contact) -> Contact:
    """The contact as Zoho holds it: one email, a work phone then a mobile, a billing then a shipping address."""
    data = contact.model_dump(exclude_unset=True)
    if contact.emails:
        data["emails"] = [{"email": contact.emails[0].email, "type": "primary"}]
    if contact.phone_numbers:
        work = next((p.number for p in contact.phone_numbers if p.type != "mobile"), None)
        mobile = next((p.number for p in contact.phone_numbers if p.type == "mobile"), None)
        phones = [{"number": work, "type": "work"}] if work else []
        data["phone_numbers"] = phones + ([{"number": mobile, "type": "mobile"}] if mobile else [])
    if contact.addresses:
        # Zoho has no address without content: an address of only a type reads back as none
        filled = [a for a in contact.addresses if a.model_dump(exclude_none=True, exclude={"type"})]
        billing = next((a for a in filled if a.type != "shipping"), None)
        shipping = next((a for a in filled if a.type == "shipping"), None)
        addresses = []
        for address, kind in ((billing, "billing"), (shipping, "shipping")):
            if address is not None:
                addresses.append({**address.model_dump(exclude_unset=True), "type": kind})
        data["addresses"] = addresses or None
    return Contact.model_validate(data)


def zoho_shaped_expense(expense: Expense) -> Expense:
    """The expense as Zoho keeps it: a date (read back at midnight UTC) and short descriptions."""
    data = expense.model_dump(exclude_unset=True)
    if expense.transaction_date is not None:
        day = expense.transaction_date.date()
        data["transaction_date"] = dt.datetime.combine(day, dt.time(), dt.UTC)
    for key in ("memo", "reference"):
        if data.get(key):
            data[key] = data[key][:EXPENSE_TEXT_LIMIT].strip() or "x"
    for line in data.get("line_items") or []:
        if line.get("description"):
            line["description"] = line["description"][:EXPENSE_TEXT_LIMIT].strip() or "x"
    return Expense.model_validate(data)


class References:
    """The organization's own records a write strategy points at."""

    def __init__(
        self,
        customers: Sequence[str],
        suppliers: Sequence[str],
        taxes: Sequence[LinkedTaxRate],
        expense_accounts: Sequence[str],
        paid_through: Sequence[str],
        definitions: Mapping[str, Sequence[CustomFieldDefinition]],
    ) -> None:
        self.customers = list(customers)
        self.suppliers = list(suppliers)
        self.taxes = list(taxes)
        self.expense_accounts = list(expense_accounts)
        self.paid_through = list(paid_through)
        self.definitions = dict(definitions)

    @classmethod
    def from_bodies(
        cls,
        contacts: Sequence[Mapping[str, Any]],
        taxes: Sequence[Mapping[str, Any]],
        accounts: Sequence[Mapping[str, Any]],
        customfields: Mapping[str, Any],
    ) -> References:
        return cls(
            customers=[str(c["contact_id"]) for c in contacts if c.get("contact_type") == "customer"][:20],
            suppliers=[str(c["contact_id"]) for c in contacts if c.get("contact_type") == "vendor"][:20],
            taxes=[
                LinkedTaxRate(id=str(t["tax_id"]), rate=Decimal(str(t["tax_percentage"])))
                for t in taxes
                if t.get("tax_type") == "tax"
            ],
            expense_accounts=[str(a["account_id"]) for a in accounts if a.get("account_type") == "expense"],
            paid_through=[str(a["account_id"]) for a in accounts if a.get("account_type") in ("cash", "bank")],
            definitions={
                entity: parse_definitions(customfields, entity) for entity in ("contact", "invoice", "bill", "expense")
            },
        )

    def strategy(self, resource: str) -> st.SearchStrategy[Any]:
        taxes = st.sampled_from(self.taxes)
        expense_accounts = st.sampled_from(self.expense_accounts).map(lambda i: LinkedLedgerAccount(id=i))
        if resource in ("contacts", "customers", "suppliers"):
            role = {"customers": "customer", "suppliers": "supplier"}.get(resource)
            fields = custom_fields(self.definitions["contact"])
            return s.contacts(role=role, custom_fields=fields).map(zoho_shaped_contact)
        if resource == "invoices":
            return s.invoices(
                customer_ids=st.sampled_from(self.customers),
                tax_rates=taxes,
                custom_fields=custom_fields(self.definitions["invoice"]),
            )
        if resource == "bills":
            return s.bills(
                supplier_ids=st.sampled_from(self.suppliers),
                tax_rates=taxes,
                ledger_accounts=expense_accounts,
                custom_fields=custom_fields(self.definitions["bill"]),
            )
        if resource == "expenses":
            return s.expenses(
                supplier_ids=st.sampled_from(self.suppliers),
                tax_rates=taxes,
                accounts=st.sampled_from(self.paid_through).map(lambda i: LinkedFinancialAccount(id=i)),
                ledger_accounts=expense_accounts,
                custom_fields=custom_fields(self.definitions["expense"]),
            ).map(zoho_shaped_expense)
        if resource == "tax_rates":
            return s.tax_rates()
        raise NotImplementedError(resource)


_REFERENCES: dict[str, References] = {}


async def references(api: Api) -> References:
    """Read the references through the unified client and its proxy (sync or async alike), once per backend."""
    connector = api.client.connector
    assert isinstance(connector, ZohoBooksConnector)
    key = f"{connector.http.api_url} {connector.organization_id}"
    if key not in _REFERENCES:
        _REFERENCES[key] = await _read_references(api)
    return _REFERENCES[key]


async def _read_references(api: Api) -> References:

    async def native(path: str, key: str, **params: Any) -> Any:
        response = await api._call(lambda: api.client.proxy("GET", path, params={"per_page": 200, **params}))
        return response.json()[key]

    contacts = await native("/contacts", "contacts")
    taxes = await native("/settings/taxes", "taxes")
    accounts = await native("/chartofaccounts", "chartofaccounts", filter_by="AccountType.All")
    response = await api._call(lambda: api.client.proxy("GET", "/settings/customfields"))
    return References.from_bodies(contacts, taxes, accounts, response.json())


def emulator_connector(emu: ZohoBooksEmulator, *, in_process: bool = False, **options: Any) -> ZohoBooksConnector:
    """A connector for the emulator: over its served socket, or in process through its ASGI app."""
    if in_process:
        options["transport"] = httpx.ASGITransport(app=emu.app)
    return ZohoBooksConnector(
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        refresh_token=emu.refresh_token,
        organization_id=emu.organization_id,
        api_url="http://emulator/books/v3" if in_process else emu.api_url,
        accounts_url="http://emulator" if in_process else emu.accounts_url,
        window_seconds=WINDOW_SECONDS,
        **options,
    )


def emulator(**counts: Any) -> ZohoBooksEmulator:
    sizes: dict[str, Any] = {"contacts": 30, "invoices": 40, **counts}
    return ZohoBooksEmulator(seed=11, window_seconds=WINDOW_SECONDS, daily_limit=10**9, **sizes)


# -- the kit -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[ZohoBooksEmulator]:
    with emulator(bills=20, expenses=20).serve() as emu:
        yield emu


class TestZohoBooksConnector(ConnectorConformance):
    @pytest.fixture
    def connector_factory(self, served: ZohoBooksEmulator) -> Callable[[], ZohoBooksConnector]:
        return lambda: emulator_connector(served)

    async def write_strategy(self, api: Api, resource: str) -> st.SearchStrategy[Any]:
        return (await references(api)).strategy(resource)

    def invalid_writes(self, resource: str) -> list[tuple[Any, type[UnifiedError]]]:
        line = InvoiceLineItem(quantity=Decimal(1), unit_price=Decimal(10))
        cases: dict[str, list[tuple[Any, type[UnifiedError]]]] = {
            "contacts": [
                (Contact(display_name="x" * 201, is_customer=True), RequestValidationError),
                (Contact(display_name="Both roles", is_customer=True, is_supplier=True), RequestValidationError),
            ],
            "customers": [(Contact(display_name="y" * 201), RequestValidationError)],
            "suppliers": [(Contact(display_name="Both", is_customer=True, is_supplier=True), RequestValidationError)],
            "invoices": [(Invoice(line_items=[line]), RequestValidationError)],
            "bills": [
                (
                    Bill(
                        bill_number="B-1",
                        line_items=[BillLineItem(quantity=Decimal(1), unit_price=Decimal(1))],
                    ),
                    RequestValidationError,
                )
            ],
            "expenses": [(Expense(line_items=[ExpenseLineItem(total_amount=Decimal(1))]), RequestValidationError)],
            "tax_rates": [(TaxRate(name="Too much", effective_tax_rate=Decimal(101)), RequestValidationError)],
        }
        return cases.get(resource, [])
