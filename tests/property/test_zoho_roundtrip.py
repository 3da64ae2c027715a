"""Property: unified records created through the Zoho Books connector read back equal on every writable field.

Hypothesis-generated Contacts, Invoices, Bills and Expenses (the unified strategies pointed at the emulator's
own customers, suppliers, taxes and accounts) go through the connector into an in-process emulator and are
read back: Decimal amounts exact, each line's tax rate kept, custom fields of every data type typed as sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from connectors.zoho_books._customfields import CustomFieldDefinition
from schemas import Bill, Contact, CustomField, Expense, Invoice
from tests.contract.test_zoho_conformance import (
    References,
    custom_field_values,
    emulator,
    emulator_connector,
)
from unified import UnifiedClient
from unified.testing import assert_subset

ENTITY = {"contacts": "contact", "invoices": "invoice", "bills": "bill", "expenses": "expense"}
ROUND_TRIPS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[UnifiedClient, References]]:
    emu = emulator(contacts=20, invoices=5, bills=5, expenses=5)
    client = UnifiedClient(emulator_connector(emu, in_process=True))

    def native(path: str, key: str, **params: Any) -> Any:
        return client.proxy("GET", path, params={"per_page": 200, **params}).json()[key]

    refs = References.from_bodies(
        native("/contacts", "contacts"),
        native("/settings/taxes", "taxes"),
        native("/chartofaccounts", "chartofaccounts", filter_by="AccountType.All"),
        client.proxy("GET", "/settings/customfields").json(),
    )
    try:
        yield client, refs
    finally:
        client.close()


def every_custom_field(definitions: Sequence[CustomFieldDefinition]) -> st.SearchStrategy[list[CustomField]]:
    """One value for each field the entity defines, so every data type is written in every example."""
    return st.tuples(
        *(st.builds(CustomField, name=st.just(d.label), value=custom_field_values(d)) for d in definitions)
    ).map(list)


def round_trip(client: UnifiedClient, resource: str, generated: BaseModel) -> BaseModel:
    """Create the writable part of `generated`; check create's answer and a fresh read; delete it."""
    res = client.resource(resource)
    writable = res.capabilities.writable_fields
    record = res.model.model_validate(generated.model_dump(include=set(writable), exclude_unset=True))
    created = res.create(record)
    try:
        assert_subset(record, created)
        got: BaseModel = res.get(created.id)
        assert_subset(record, got)
        return got
    finally:
        res.delete(created.id)


def assert_exact_money(value: Any, where: str = "record") -> None:
    """Amounts are Decimals with Zoho's precision, never float residue such as 0.30000000000000004."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            assert_exact_money(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_exact_money(item, f"{where}[{index}]")
    elif isinstance(value, Decimal):
        assert len(value.as_tuple().digits) <= 17, f"{where}: {value} carries float residue"


@ROUND_TRIPS
@given(data=st.data())
def test_contacts_round_trip(world: tuple[UnifiedClient, References], data: st.DataObject) -> None:
    client, refs = world
    resource = data.draw(st.sampled_from(["contacts", "customers", "suppliers"]), label="resource")
    got = round_trip(client, resource, data.draw(refs.strategy(resource), label="record"))
    assert isinstance(got, Contact)


MINOR_UNITS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "OMR": 3}


@ROUND_TRIPS
@given(data=st.data())
def test_invoices_round_trip_with_a_tax_per_line_and_zohos_totals(
    world: tuple[UnifiedClient, References], data: st.DataObject
) -> None:
    client, refs = world
    got = round_trip(client, "invoices", data.draw(refs.strategy("invoices"), label="record"))
    assert isinstance(got, Invoice)
    assert_exact_money(got)
    lines = got.line_items or []
    assert got.sub_total == sum((line.total_amount or Decimal(0) for line in lines), Decimal(0))
    assert got.total_tax == sum((line.tax_amount or Decimal(0) for line in lines), Decimal(0))
    assert got.total == got.sub_total + got.total_tax
    # Zoho rounds to the currency's precision: no decimals for yen, three for dinars
    step = Decimal(1).scaleb(-MINOR_UNITS.get(str(got.currency), 2))
    for line in lines:
        if line.tax_rate is None:
            assert not line.tax_amount
        elif not got.tax_inclusive:
            assert line.unit_price is not None and line.quantity is not None and line.tax_rate.rate is not None
            net = (line.unit_price * line.quantity).quantize(step, ROUND_HALF_UP)
            assert line.total_amount == net
            assert line.tax_amount == (net * line.tax_rate.rate / 100).quantize(step, ROUND_HALF_UP)


@ROUND_TRIPS
@given(data=st.data())
def test_bills_round_trip(world: tuple[UnifiedClient, References], data: st.DataObject) -> None:
    client, refs = world
    got = round_trip(client, "bills", data.draw(refs.strategy("bills"), label="record"))
    assert isinstance(got, Bill)
    assert_exact_money(got)


@ROUND_TRIPS
@given(data=st.data())
def test_expenses_round_trip(world: tuple[UnifiedClient, References], data: st.DataObject) -> None:
    client, refs = world
    got = round_trip(client, "expenses", data.draw(refs.strategy("expenses"), label="record"))
    assert isinstance(got, Expense)
    assert_exact_money(got)
    lines = got.line_items or []
    assert got.total_amount == (got.sub_total or 0) + (got.total_tax or 0)
    assert got.total_tax == sum((line.tax_amount or Decimal(0) for line in lines), Decimal(0))


@pytest.mark.parametrize("resource", ["contacts", "invoices", "bills", "expenses"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_custom_fields_of_every_data_type_round_trip(
    world: tuple[UnifiedClient, References], resource: str, data: st.DataObject
) -> None:
    client, refs = world
    definitions = refs.definitions[ENTITY[resource]]
    assert {d.data_type for d in definitions} >= {"number", "decimal", "amount", "percent", "date", "check_box"}
    fields = data.draw(every_custom_field(definitions), label="custom_fields")
    record = data.draw(refs.strategy(resource), label="record").model_copy(update={"custom_fields": fields})
    got = round_trip(client, resource, record)
    read = {f.name: f.value for f in getattr(got, "custom_fields", None) or []}
    for field in fields:
        assert read[field.name] == field.value
        assert type(read[field.name]) is type(field.value), f"{field.name}: {read[field.name]!r}"
