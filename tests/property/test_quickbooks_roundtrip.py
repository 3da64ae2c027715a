"""Generated records round-trip through the QuickBooks mapping, and through the emulator in process: equal on every
writable field, and amounts and tax to the cent against QuickBooks' own totals (and against the arithmetic of
QuickBooks' tax model: per rate, tax = the lines' net amount x rate, rounded half up to the cent)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from connectors.quickbooks import QuickBooksConnector
from connectors.quickbooks._contacts import CUSTOMER, VENDOR, contact_from_qbo, contact_to_qbo, validate_contact
from connectors.quickbooks._documents import (
    bill_from_qbo,
    bill_to_qbo,
    expense_from_qbo,
    expense_to_qbo,
    invoice_from_qbo,
    invoice_to_qbo,
)
from connectors.quickbooks.capabilities import SPECS
from connectors.quickbooks.emulator import QuickBooksEmulator
from schemas import Bill, Contact, Expense, Invoice, LinkedTaxRate
from tests.contract.test_quickbooks_conformance import References
from tests.unit.test_quickbooks_mapping import LINKS, TAXES
from unified import UnifiedClient
from unified.testing import assert_subset

CENT = Decimal("0.01")
_SERIAL = itertools.count(1)
MAPPING = settings(max_examples=150, deadline=None)
EMULATED = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The mapping tests' company: its items, accounts and single-rate tax codes.
FIXED = References(
    customers=["customer-7", "customer-8"],
    suppliers=["vendor-3"],
    items=["1", "7"],
    sales_taxes=[LinkedTaxRate(id="1", rate=Decimal(5))],
    purchase_taxes=[LinkedTaxRate(id="5", rate=Decimal(5))],
    expense_accounts=["10"],
    paid_from=["1"],
)


def writable(resource: str, record: BaseModel) -> BaseModel:
    """The record as a user writes it: only the fields the connector declares writable."""
    fields = set(SPECS[resource].declare().writable_fields)
    return type(record).model_validate(record.model_dump(include=fields, exclude_unset=True))


def echo(body: dict[str, Any], **computed: Any) -> dict[str, Any]:
    """What QuickBooks answers to a write: the body, with the fields it computes."""
    return {"Id": "101", "SyncToken": "0", **body, **computed}


@MAPPING
@given(record=FIXED.strategy("contacts"))
def test_contacts_round_trip_through_the_mapping(record: Contact) -> None:
    entity = CUSTOMER if record.is_customer else VENDOR
    fields = set(record.model_fields_set)
    validate_contact(record, fields, entity, create=True)
    read = contact_from_qbo(echo(contact_to_qbo(record, fields, entity, create=True)), entity)
    assert_subset(writable("contacts", record), read)


@MAPPING
@given(record=FIXED.strategy("invoices"))
def test_invoices_round_trip_through_the_mapping(record: Invoice) -> None:
    record = writable("invoices", record)  # type: ignore[assignment]
    body = invoice_to_qbo(record, set(record.model_fields_set), LINKS, create=True)
    assert_subset(record, invoice_from_qbo(echo(body), TAXES))


@MAPPING
@given(record=FIXED.strategy("bills"))
def test_bills_round_trip_through_the_mapping(record: Bill) -> None:
    record = writable("bills", record)  # type: ignore[assignment]
    body = bill_to_qbo(record, set(record.model_fields_set), LINKS, create=True)
    assert_subset(record, bill_from_qbo(echo(body), TAXES))


@MAPPING
@given(record=FIXED.strategy("expenses"))
def test_expenses_round_trip_through_the_mapping(record: Expense) -> None:
    record = writable("expenses", record)  # type: ignore[assignment]
    body = expense_to_qbo(record, set(record.model_fields_set), LINKS, create=True)
    assert_subset(record, expense_from_qbo(echo(body), TAXES))


@MAPPING
@given(
    amounts=st.lists(
        st.decimals(min_value=Decimal("-9999999.99"), max_value=Decimal("9999999.99"), places=2), min_size=1, max_size=6
    )
)
def test_amounts_read_exactly_as_quickbooks_sent_them(amounts: list[Decimal]) -> None:
    lines = [
        {
            "Amount": a,
            "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "10"}},
        }
        for a in amounts
    ]
    total = sum(amounts, Decimal(0))
    bill = bill_from_qbo({"Id": "1", "Line": lines, "TotalAmt": total, "Balance": total}, TAXES)
    assert [line.total_amount for line in bill.line_items or []] == amounts
    assert bill.total == total and bill.sub_total == total


# -- through the emulator, in process ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def company() -> Iterator[tuple[UnifiedClient, References, QuickBooksEmulator]]:
    emu = QuickBooksEmulator(seed=13, contacts=12, invoices=4, bills=2, expenses=2)
    connector = QuickBooksConnector(
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        refresh_token=emu.refresh_token,
        realm_id=emu.realm_id,
        api_url="http://emulator",
        oauth_url="http://emulator",
        transport=httpx.ASGITransport(app=emu.app),
    )
    with UnifiedClient(connector) as client:
        yield client, _references(emu, client), emu


def _references(emu: QuickBooksEmulator, client: UnifiedClient) -> References:
    rates = {r["Id"]: Decimal(str(r["RateValue"])) for r in emu.records("TaxRate")}
    taxes: dict[str, list[LinkedTaxRate]] = {"SalesTaxRateList": [], "PurchaseTaxRateList": []}
    for code in emu.records("TaxCode"):
        for key, found in taxes.items():
            details = (code.get(key) or {}).get("TaxRateDetail") or []
            if len(details) == 1:
                found.append(
                    LinkedTaxRate(id=details[0]["TaxRateRef"]["value"], rate=rates[details[0]["TaxRateRef"]["value"]])
                )
    accounts = emu.records("Account")
    return References(
        customers=[c.id for c in client.customers.list()][:10],
        suppliers=[c.id for c in client.suppliers.list()][:10],
        items=[i["Id"] for i in emu.records("Item")],
        sales_taxes=taxes["SalesTaxRateList"],
        purchase_taxes=taxes["PurchaseTaxRateList"],
        expense_accounts=[a["Id"] for a in accounts if a["AccountType"] in ("Expense", "Cost of Goods Sold")],
        paid_from=[a["Id"] for a in accounts if a["AccountType"] in ("Bank", "Credit Card")],
    )


def _net(line: Any) -> Decimal:
    if line.quantity is not None and line.unit_price is not None:
        return (line.quantity * line.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
    assert line.total_amount is not None
    return Decimal(line.total_amount)


def check_amounts(sent: Invoice | Bill | Expense, got: Invoice | Bill | Expense) -> None:
    """The unified totals are QuickBooks' own, to the cent, and agree with its tax arithmetic."""
    raw = got.raw or {}
    total = got.total_amount if isinstance(got, Expense) else got.total
    assert total == Decimal(str(raw["TotalAmt"]))
    assert got.total_tax == Decimal(str(raw["TxnTaxDetail"]["TotalTax"]))
    assert got.sub_total is not None and got.total_tax is not None and total is not None
    lines = sent.line_items or []
    if sent.tax_inclusive:
        assert total == sum((_net(line) for line in lines), Decimal(0))  # gross amounts, as sent
        assert got.sub_total + got.total_tax == total
        return
    nets: dict[Decimal, Decimal] = {}
    for line in lines:
        assert line.tax_rate is not None and line.tax_rate.rate is not None
        nets[line.tax_rate.rate] = nets.get(line.tax_rate.rate, Decimal(0)) + _net(line)
    expected_tax = sum(
        ((net * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP) for rate, net in nets.items()), Decimal(0)
    )
    assert got.sub_total == sum(nets.values(), Decimal(0))
    assert got.total_tax == expected_tax
    assert total == got.sub_total + expected_tax


@pytest.mark.parametrize("resource", ["customers", "suppliers", "invoices", "bills", "expenses"])
def test_records_round_trip_through_the_emulator(company: Any, resource: str) -> None:
    client, references, _ = company
    strategy = references.strategy(resource)
    if resource in ("customers", "suppliers"):  # QuickBooks names are unique across the company's contacts
        strategy = strategy.map(
            lambda c: c.model_copy(update={"display_name": f"{(c.display_name or '')[:150]} #{next(_SERIAL)}"})
        )

    @EMULATED
    @given(record=strategy)
    def round_trip(record: BaseModel) -> None:
        sent = writable(resource, record)
        created = client.resource(resource).create(sent)
        got = client.resource(resource).get(created.id, raw=True)  # type: ignore[attr-defined]
        assert_subset(sent, got)
        if isinstance(sent, Invoice | Bill | Expense):
            check_amounts(sent, got)

    round_trip()
