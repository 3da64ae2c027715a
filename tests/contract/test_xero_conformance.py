"""The conformance kit for the Xero connector, against a served Xero emulator, sync and async.

Also home of the Xero-shaped write strategies the property tests share: the unified strategies, pointed at the
organisation's own records (contacts, tax rates by TaxType, account codes, tracking options) and shaped to what a
Xero record holds: one email, phones of Xero's five types and addresses of its two, in the order reads list them;
no company name, notes or memo; a description on every line; bills without a reference; expenses dated by day.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import strategies as st

from connectors.xero import XeroConnector
from connectors.xero._mapping import ADDRESS_TYPES, PHONE_TYPES
from connectors.xero.emulator import XeroEmulator
from schemas import (
    Bill,
    BillLineItem,
    Contact,
    Expense,
    ExpenseLineItem,
    Invoice,
    InvoiceLineItem,
    LinkedCustomer,
    LinkedFinancialAccount,
    LinkedLedgerAccount,
    LinkedSupplier,
    LinkedTaxRate,
    LinkedTrackingCategory,
    TaxRate,
)
from unified.errors import RequestValidationError, UnifiedError
from unified.ratelimit import RateLimitPolicy
from unified.secret import Secret
from unified.testing import Api, ConnectorConformance
from unified.testing import strategies as s
from unified.toolkit import MemoryTokenStore, StoredTokens

#: emulator and connector share a short rate-limit window, so the suite is paced but never throttled
WINDOW_SECONDS = 0.05
_NAMES = itertools.count(1)


def paced_policy(window: float = WINDOW_SECONDS) -> RateLimitPolicy:
    """Xero's per-tenant pacing on a short window, without the daily budget a long suite would spend."""
    return RateLimitPolicy(limit=60, window=window, max_concurrent=5)


# -- Xero-shaped records (shared with tests/property) --------------------------------------------------------

_PHONE_ALIASES = {"work": "office", "primary": "primary", "mobile": "mobile"}


def xero_shaped_contact(contact: Contact) -> Contact:
    """The contact as Xero holds it: a unique name, one email, one phone per Xero type and one address per type."""
    data = contact.model_dump(exclude_unset=True, exclude={"is_customer", "is_supplier", "company_name", "websites"})
    data.pop("notes", None)
    data["display_name"] = f"{contact.display_name or 'Contact'} #{next(_NAMES)}"[:255]
    if contact.emails:
        data["emails"] = [{"email": contact.emails[0].email, "type": "primary"}]
    if contact.phone_numbers:
        by_type: dict[str, dict[str, Any]] = {}
        for phone in contact.phone_numbers:
            kind = _PHONE_ALIASES.get(str(phone.type or "primary"), "primary")
            by_type.setdefault(kind, {"number": phone.number, "type": kind})
        data["phone_numbers"] = [by_type[k] for k in PHONE_TYPES if k in by_type]
    if contact.addresses:
        by_kind: dict[str, dict[str, Any]] = {}
        for address in contact.addresses:
            content = address.model_dump(exclude_unset=True, exclude={"phone_number", "type"})
            if content:
                kind = "shipping" if address.type == "shipping" else "billing"
                by_kind.setdefault(kind, {**content, "type": kind})
        data["addresses"] = [by_kind[k] for k in ADDRESS_TYPES if k in by_kind] or None
    return Contact.model_validate(data)


def _described(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for index, line in enumerate(lines):
        if not line.get("description"):
            line["description"] = f"Line {index + 1}"
    return lines


def xero_shaped_document(record: Invoice | Bill) -> Invoice | Bill:
    """An invoice without a memo, or a bill without a reference or notes; every line described."""
    exclude = {"customer_memo"} if isinstance(record, Invoice) else {"reference", "notes"}
    data = record.model_dump(exclude_unset=True, exclude=exclude)
    data["line_items"] = _described(data.get("line_items") or [])
    return type(record).model_validate(data)


def xero_shaped_expense(expense: Expense) -> Expense:
    """A spend-money transaction: dated by day (read back at midnight UTC), no memo, every line described."""
    data = expense.model_dump(exclude_unset=True, exclude={"memo"})
    if expense.transaction_date is not None:
        data["transaction_date"] = dt.datetime.combine(expense.transaction_date.date(), dt.time(), dt.UTC)
    data["line_items"] = _described(data.get("line_items") or [])
    return Expense.model_validate(data)


def xero_shaped_tax_rate(rate: TaxRate) -> TaxRate:
    """A tax rate as Xero takes one: a unique name and a rate (Xero assigns the TaxType; it keeps no description)."""
    return TaxRate(name=f"{rate.name} #{next(_NAMES)}"[:50], effective_tax_rate=rate.effective_tax_rate)


class References:
    """The organisation's own records a write strategy points at."""

    def __init__(
        self,
        contacts: Sequence[str],
        revenue_taxes: Sequence[LinkedTaxRate],
        expense_taxes: Sequence[LinkedTaxRate],
        revenue_accounts: Sequence[str],
        expense_accounts: Sequence[str],
        bank_accounts: Sequence[str],
        options: Sequence[LinkedTrackingCategory],
    ) -> None:
        self.contacts = list(contacts)
        self.revenue_taxes = list(revenue_taxes)
        self.expense_taxes = list(expense_taxes)
        self.revenue_accounts = list(revenue_accounts)
        self.expense_accounts = list(expense_accounts)
        self.bank_accounts = list(bank_accounts)
        self.options = list(options)

    @classmethod
    def from_bodies(
        cls,
        contacts: Sequence[Mapping[str, Any]],
        taxes: Sequence[Mapping[str, Any]],
        accounts: Sequence[Mapping[str, Any]],
        tracking: Sequence[Mapping[str, Any]],
    ) -> References:
        live = [t for t in taxes if t.get("Status") == "ACTIVE"]

        def rate(t: Mapping[str, Any]) -> LinkedTaxRate:
            return LinkedTaxRate(id=str(t["TaxType"]), rate=Decimal(str(t["EffectiveRate"])))

        return cls(
            contacts=[str(c["ContactID"]) for c in contacts if c.get("ContactStatus") == "ACTIVE"][:20],
            revenue_taxes=[rate(t) for t in live if t.get("CanApplyToRevenue")],
            expense_taxes=[rate(t) for t in live if t.get("CanApplyToExpenses")],
            revenue_accounts=[str(a["Code"]) for a in accounts if a.get("Class") == "REVENUE" and a.get("Code")],
            expense_accounts=[str(a["Code"]) for a in accounts if a.get("Class") == "EXPENSE" and a.get("Code")],
            bank_accounts=[str(a["AccountID"]) for a in accounts if a.get("Type") == "BANK"],
            options=[
                LinkedTrackingCategory(id=str(o["TrackingOptionID"]), parent_name=str(c["Name"]))
                for c in tracking
                if c.get("Status") == "ACTIVE"
                for o in c.get("Options") or []
                if o.get("Status") == "ACTIVE"
            ],
        )

    def _lines(self, lines: list[Any], key: str, accounts: Sequence[str], draw: Any) -> list[Any]:
        """Each line with an account code, and now and then a tracking option."""
        shaped = []
        for line in lines:
            extra: dict[str, Any] = {key: LinkedLedgerAccount(code=draw(st.sampled_from(accounts)))}
            if self.options and draw(st.booleans()):
                extra["tracking_categories"] = [draw(st.sampled_from(self.options))]
            shaped.append(line.model_copy(update=extra))
        return shaped

    def strategy(self, resource: str) -> st.SearchStrategy[Any]:
        if resource in ("contacts", "customers", "suppliers"):
            return s.contacts().map(xero_shaped_contact)
        if resource == "tax_rates":
            return s.tax_rates().map(xero_shaped_tax_rate)
        contacts = st.sampled_from(self.contacts)

        @st.composite
        def documents(draw: Any) -> Any:
            if resource == "invoices":
                invoice = draw(s.invoices(customer_ids=contacts, tax_rates=st.sampled_from(self.revenue_taxes)))
                lines = self._lines(invoice.line_items, "ledger_account", self.revenue_accounts, draw)
                return xero_shaped_document(invoice.model_copy(update={"line_items": lines}))
            if resource == "bills":
                bill = draw(s.bills(supplier_ids=contacts, tax_rates=st.sampled_from(self.expense_taxes)))
                lines = self._lines(bill.line_items, "ledger_account", self.expense_accounts, draw)
                return xero_shaped_document(bill.model_copy(update={"line_items": lines}))
            expense = draw(
                s.expenses(
                    supplier_ids=contacts,
                    tax_rates=st.sampled_from(self.expense_taxes),
                    accounts=st.sampled_from(self.bank_accounts).map(lambda i: LinkedFinancialAccount(id=i)),
                )
            )
            lines = self._lines(expense.line_items, "account", self.expense_accounts, draw)
            return xero_shaped_expense(expense.model_copy(update={"line_items": lines}))

        return documents()


_REFERENCES: dict[str, References] = {}


async def references(api: Api) -> References:
    """Read the references through the unified client's proxy (sync or async alike), once per tenant."""
    connector = api.client.connector
    assert isinstance(connector, XeroConnector)
    key = f"{connector.api_url} {connector.tenant_id}"
    if key not in _REFERENCES:

        async def native(path: str, key: str, **params: Any) -> Any:
            response = await api._call(lambda: api.client.proxy("GET", path, params=params or None))
            return response.json()[key]

        _REFERENCES[key] = References.from_bodies(
            contacts=await native("/Contacts", "Contacts", page=1, pageSize=100),
            taxes=await native("/TaxRates", "TaxRates"),
            accounts=await native("/Accounts", "Accounts"),
            tracking=await native("/TrackingCategories", "TrackingCategories"),
        )
    return _REFERENCES[key]


def emulator(**counts: Any) -> XeroEmulator:
    sizes: dict[str, Any] = {"contacts": 30, "invoices": 40, "bills": 20, "expenses": 20, **counts}
    return XeroEmulator(seed=11, window_seconds=WINDOW_SECONDS, day_limit=10**9, **sizes)


_STORES: dict[int, MemoryTokenStore] = {}


def token_store(emu: XeroEmulator) -> MemoryTokenStore:
    """One token store per emulator, as a vault is one per connection: Xero's refresh tokens rotate on every use,
    so connectors of the same connection must share where the current one is kept."""
    if id(emu) not in _STORES:
        _STORES[id(emu)] = MemoryTokenStore(StoredTokens(Secret(emu.connector_settings()["refresh_token"])))
    return _STORES[id(emu)]


def emulator_connector(emu: XeroEmulator, **options: Any) -> XeroConnector:
    settings = {**emu.connector_settings(), "rate_limit": paced_policy(), "token_store": token_store(emu), **options}
    return XeroConnector(**settings)


# -- the kit -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[XeroEmulator]:
    with emulator().serve() as emu:
        yield emu


class TestXeroConnector(ConnectorConformance):
    @pytest.fixture
    def connector_factory(self, served: XeroEmulator) -> Callable[[], XeroConnector]:
        return lambda: emulator_connector(served)

    async def write_strategy(self, api: Api, resource: str) -> st.SearchStrategy[Any]:
        return (await references(api)).strategy(resource)

    def update_for(self, resource: str, record: Any) -> dict[str, Any] | None:
        suffix = str(record.id)[-6:]
        if resource == "bills":
            return {"bill_number": f"B-UPDATED-{suffix}"}
        if resource == "expenses":
            return {"reference": f"updated by conformance {suffix}"}
        return super().update_for(resource, record)

    def invalid_writes(self, resource: str) -> list[tuple[Any, type[UnifiedError]]]:
        someone = "00000000-0000-4000-8000-000000000001"
        line = InvoiceLineItem(description="Work", quantity=Decimal(1), unit_price=Decimal(10))
        contact: list[tuple[Any, type[UnifiedError]]] = [
            (Contact(display_name="x" * 256), RequestValidationError),
            (Contact(display_name="Claims a role", is_customer=True), RequestValidationError),
            (
                Contact(display_name="Two emails", emails=[{"email": "a@b.co"}, {"email": "c@d.co"}]),
                RequestValidationError,
            ),
            (Contact(display_name="Company", company_name="Company Ltd"), RequestValidationError),
        ]
        cases: dict[str, list[tuple[Any, type[UnifiedError]]]] = {
            "contacts": contact,
            "invoices": [
                (Invoice(line_items=[line]), RequestValidationError),
                (
                    Invoice(
                        customer=LinkedCustomer(id=someone),
                        line_items=[line.model_copy(update={"tax_rate": LinkedTaxRate(id="NO_SUCH_TAX")})],
                    ),
                    RequestValidationError,
                ),
                (
                    Invoice(
                        customer=LinkedCustomer(id=someone),
                        line_items=[
                            line.model_copy(update={"tracking_categories": [LinkedTrackingCategory(name="Nowhere")]})
                        ],
                    ),
                    RequestValidationError,
                ),
                (
                    Invoice(customer=LinkedCustomer(id=someone), customer_memo="hi", line_items=[line]),
                    RequestValidationError,
                ),
            ],
            "bills": [
                (
                    Bill(
                        supplier=LinkedSupplier(id=someone),
                        reference="R-1",
                        line_items=[BillLineItem(description="x", quantity=Decimal(1), unit_price=Decimal(1))],
                    ),
                    RequestValidationError,
                )
            ],
            "expenses": [
                (
                    Expense(line_items=[ExpenseLineItem(description="x", total_amount=Decimal(1))]),
                    RequestValidationError,
                )
            ],
            "tax_rates": [(TaxRate(name="Too much", effective_tax_rate=Decimal(101)), RequestValidationError)],
        }
        return cases.get(resource, [])
