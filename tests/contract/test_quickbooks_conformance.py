"""The conformance kit for the QuickBooks Online connector, against a served emulator, sync and async.

Also home of the QuickBooks-shaped write strategies the property tests share: the unified strategies pointed at
the company's own records (customers, vendors, items, accounts, tax rates that a tax code applies alone) and
shaped to what QuickBooks keeps (one email, a primary and a mobile phone, one billing and one shipping address
without phones; invoice lines that sell an item; bill and expense lines that post to an account with an amount
only, or buy an item; an expense's date; a reference of at most 21 characters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import strategies as st

from connectors.quickbooks import QuickBooksConnector
from connectors.quickbooks.emulator import QuickBooksEmulator
from schemas import (
    Bill,
    BillLineItem,
    Contact,
    Email,
    Expense,
    ExpenseLineItem,
    Invoice,
    InvoiceLineItem,
    LinkedCustomer,
    LinkedFinancialAccount,
    LinkedInvoiceItem,
    LinkedLedgerAccount,
    LinkedSupplier,
    LinkedTaxRate,
)
from unified.errors import RequestValidationError, UnifiedError
from unified.secret import Secret
from unified.testing import Api, ConnectorConformance
from unified.testing import strategies as s
from unified.toolkit import MemoryTokenStore, StoredTokens

#: emulator and connector share a short window, so the suite is paced but never throttled
WINDOW_SECONDS = 0.5
DOC_NUMBER_LIMIT = 21
CENT = Decimal("0.01")


# -- QuickBooks-shaped strategies (shared with tests/property) -----------------------------------------------


def quickbooks_shaped_contact(contact: Contact) -> Contact:
    """The contact as QuickBooks keeps it: one email, a primary and a mobile phone, a billing and a shipping
    address without phone numbers, one website."""
    data = contact.model_dump(exclude_unset=True)
    if contact.emails:
        data["emails"] = [{"email": contact.emails[0].email, "type": "primary"}]
    if contact.phone_numbers:
        primary = next((p.number for p in contact.phone_numbers if p.type != "mobile"), None)
        mobile = next((p.number for p in contact.phone_numbers if p.type == "mobile"), None)
        phones = [{"number": primary, "type": "primary"}] if primary else []
        data["phone_numbers"] = phones + ([{"number": mobile, "type": "mobile"}] if mobile else []) or None
    if contact.websites:
        data["websites"] = [{"url": contact.websites[0].url, "type": "primary"}]
    if contact.addresses:
        kept = []
        for kind in ("billing", "shipping"):
            address = next((a for a in contact.addresses if (a.type == "shipping") == (kind == "shipping")), None)
            if address is None:
                continue
            fields = address.model_dump(exclude_unset=True, exclude={"phone_number", "type"})
            if fields:  # an address of nothing but a type is no address in QuickBooks
                kept.append({**fields, "type": kind})
        data["addresses"] = kept or None
    return Contact.model_validate({k: v for k, v in data.items() if v is not None})


def _with_items(lines: Sequence[Any], items: Sequence[str]) -> list[Any]:
    return [
        line.model_copy(update={"item": LinkedInvoiceItem(id=items[i % len(items)])}) for i, line in enumerate(lines)
    ]


def taxed(document: Any, rates: Sequence[LinkedTaxRate]) -> Any:
    """Every line with a tax rate: a company on QuickBooks' non-US tax model taxes every line of a document."""
    lines = [
        line if line.tax_rate is not None else line.model_copy(update={"tax_rate": rates[i % len(rates)]})
        for i, line in enumerate(document.line_items or [])
    ]
    return type(document).model_validate({**document.model_dump(exclude_unset=True), "line_items": lines})


def _account_line(line: BillLineItem | ExpenseLineItem) -> dict[str, Any]:
    data = line.model_dump(exclude_unset=True)
    quantity, price = data.pop("quantity", None), data.pop("unit_price", None)
    if quantity is not None and price is not None:
        data["total_amount"] = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
    return data


def quickbooks_shaped_bill(bill: Bill, items: Sequence[str]) -> Bill:
    """Even lines post to an account with an amount only; odd lines buy an item (quantity and price)."""
    data = bill.model_dump(exclude_unset=True)
    lines = []
    for i, line in enumerate(bill.line_items or []):
        if i % 2 == 0:
            lines.append(_account_line(line))
        else:
            item_line = line.model_dump(exclude_unset=True, exclude={"ledger_account"})
            lines.append({**item_line, "item": {"id": items[i % len(items)]}})
    data["line_items"] = lines
    return Bill.model_validate(data)


def quickbooks_shaped_expense(expense: Expense) -> Expense:
    """The expense as QuickBooks keeps it: a date (read back at midnight UTC), a reference of 21 characters."""
    data = expense.model_dump(exclude_unset=True)
    if expense.transaction_date is not None:
        data["transaction_date"] = dt.datetime.combine(expense.transaction_date.date(), dt.time(), dt.UTC)
    if data.get("reference"):
        data["reference"] = data["reference"][:DOC_NUMBER_LIMIT].strip() or "x"
    return Expense.model_validate(data)


class References:
    """The company's own records a write strategy points at."""

    def __init__(
        self,
        customers: Sequence[str],
        suppliers: Sequence[str],
        items: Sequence[str],
        sales_taxes: Sequence[LinkedTaxRate],
        purchase_taxes: Sequence[LinkedTaxRate],
        expense_accounts: Sequence[str],
        paid_from: Sequence[str],
    ) -> None:
        self.customers = list(customers)
        self.suppliers = list(suppliers)
        self.items = list(items)
        self.sales_taxes = list(sales_taxes)
        self.purchase_taxes = list(purchase_taxes)
        self.expense_accounts = list(expense_accounts)
        self.paid_from = list(paid_from)

    def strategy(self, resource: str) -> st.SearchStrategy[Any]:
        expense_accounts = st.sampled_from(self.expense_accounts).map(lambda i: LinkedLedgerAccount(id=i))
        if resource in ("contacts", "customers", "suppliers"):
            role = {"customers": "customer", "suppliers": "supplier"}.get(resource)
            return s.contacts(role=role).map(quickbooks_shaped_contact)
        if resource == "invoices":
            invoices = s.invoices(
                customer_ids=st.sampled_from(self.customers), tax_rates=st.sampled_from(self.sales_taxes)
            )
            return invoices.map(
                lambda invoice: taxed(
                    invoice.model_copy(update={"line_items": _with_items(invoice.line_items or [], self.items)}),
                    self.sales_taxes,
                )
            )
        if resource == "bills":
            bills = s.bills(
                supplier_ids=st.sampled_from(self.suppliers),
                tax_rates=st.sampled_from(self.purchase_taxes),
                ledger_accounts=expense_accounts,
            )
            return bills.map(lambda bill: taxed(quickbooks_shaped_bill(bill, self.items), self.purchase_taxes))
        if resource == "expenses":
            return s.expenses(
                supplier_ids=st.sampled_from(self.suppliers),
                tax_rates=st.sampled_from(self.purchase_taxes),
                accounts=st.sampled_from(self.paid_from).map(lambda i: LinkedFinancialAccount(id=i)),
                ledger_accounts=expense_accounts,
            ).map(lambda expense: taxed(quickbooks_shaped_expense(expense), self.purchase_taxes))
        raise NotImplementedError(resource)


_REFERENCES: dict[str, References] = {}


async def references(api: Api) -> References:
    """Read the references through the unified client and its proxy (sync or async alike), once per company."""
    connector = api.client.connector
    assert isinstance(connector, QuickBooksConnector)
    key = f"{connector.http.base_url}"
    if key not in _REFERENCES:
        _REFERENCES[key] = await _read_references(api)
    return _REFERENCES[key]


async def _read_references(api: Api) -> References:
    async def rows(entity: str) -> list[dict[str, Any]]:
        query = f"select * from {entity} maxresults 1000"
        response = await api._call(lambda: api.client.proxy("GET", "/query", params={"query": query}))
        found: list[dict[str, Any]] = response.json()["QueryResponse"].get(entity, [])
        return found

    customers = [c.id for c in await api.list_all("customers", max_items=20)]
    suppliers = [c.id for c in await api.list_all("suppliers", max_items=20)]
    rates = {r["Id"]: Decimal(str(r["RateValue"])) for r in await rows("TaxRate")}
    sales: list[LinkedTaxRate] = []
    purchase: list[LinkedTaxRate] = []
    for code in await rows("TaxCode"):
        for key, out in (("SalesTaxRateList", sales), ("PurchaseTaxRateList", purchase)):
            details = (code.get(key) or {}).get("TaxRateDetail") or []
            if len(details) == 1:
                rate_id = details[0]["TaxRateRef"]["value"]
                out.append(LinkedTaxRate(id=rate_id, rate=rates[rate_id]))
    accounts = await rows("Account")
    return References(
        customers=customers,
        suppliers=suppliers,
        items=[i["Id"] for i in await rows("Item")],
        sales_taxes=sales,
        purchase_taxes=purchase,
        expense_accounts=[a["Id"] for a in accounts if a["AccountType"] in ("Expense", "Cost of Goods Sold")],
        paid_from=[a["Id"] for a in accounts if a["AccountType"] in ("Bank", "Credit Card")],
    )


def emulator(**counts: Any) -> QuickBooksEmulator:
    sizes: dict[str, Any] = {"contacts": 30, "invoices": 40, "bills": 20, "expenses": 20, **counts}
    return QuickBooksEmulator(seed=11, window_seconds=WINDOW_SECONDS, **sizes)


_STORES: dict[str, MemoryTokenStore] = {}


def emulator_connector(emu: QuickBooksEmulator, **options: Any) -> QuickBooksConnector:
    """A connector for the emulator. Connectors of one emulator share a token store, as a product's workers share
    the vault: QuickBooks rotates the refresh token on every refresh, so each must see its successor."""
    settings = emu.connector_settings()
    store = _STORES.setdefault(emu.url, MemoryTokenStore(StoredTokens(Secret(settings["refresh_token"]))))
    return QuickBooksConnector(**{**settings, "token_store": store, **options})


# -- the kit -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[QuickBooksEmulator]:
    with emulator().serve() as emu:
        yield emu


class TestQuickBooksConnector(ConnectorConformance):
    @pytest.fixture
    def connector_factory(self, served: QuickBooksEmulator) -> Callable[[], QuickBooksConnector]:
        return lambda: emulator_connector(served)

    async def write_strategy(self, api: Api, resource: str) -> st.SearchStrategy[Any]:
        return (await references(api)).strategy(resource)

    def update_for(self, resource: str, record: Any) -> dict[str, Any] | None:
        if resource == "bills":  # a bill's free text in QuickBooks is its memo (PrivateNote), the unified notes
            return {"notes": f"updated by conformance {record.id}"}
        return super().update_for(resource, record)

    def invalid_writes(self, resource: str) -> list[tuple[Any, type[UnifiedError]]]:
        line = InvoiceLineItem(quantity=Decimal(1), unit_price=Decimal(10), item=LinkedInvoiceItem(id="1"))
        two_emails = [Email(email="a@example.com"), Email(email="b@example.com")]
        cases: dict[str, list[tuple[Any, type[UnifiedError]]]] = {
            "contacts": [
                (Contact(display_name="x" * 501, is_customer=True), RequestValidationError),
                (Contact(display_name="Both roles", is_customer=True, is_supplier=True), RequestValidationError),
                (Contact(display_name="No role"), RequestValidationError),
                (Contact(display_name="Two emails", is_customer=True, emails=two_emails), RequestValidationError),
            ],
            "customers": [(Contact(display_name="y" * 501), RequestValidationError)],
            "suppliers": [(Contact(display_name="A customer", is_customer=True), RequestValidationError)],
            "invoices": [
                (Invoice(line_items=[line]), RequestValidationError),
                (
                    Invoice(
                        customer=LinkedCustomer(id="customer-1"),
                        line_items=[InvoiceLineItem(quantity=Decimal(1), unit_price=Decimal(1))],
                    ),
                    RequestValidationError,
                ),
                (
                    Invoice(
                        customer=LinkedCustomer(id="customer-1"),
                        line_items=[line.model_copy(update={"item": LinkedInvoiceItem(id="999999")})],
                    ),
                    RequestValidationError,
                ),
            ],
            "bills": [
                (Bill(bill_number="B-1", line_items=[BillLineItem(total_amount=Decimal(1))]), RequestValidationError),
                (
                    Bill(supplier=LinkedSupplier(id="vendor-1"), line_items=[BillLineItem(total_amount=Decimal(1))]),
                    RequestValidationError,
                ),
            ],
            "expenses": [(Expense(line_items=[ExpenseLineItem(total_amount=Decimal(1))]), RequestValidationError)],
        }
        return cases.get(resource, [])
