"""Property: a unified record written as a Xero element and read back from that element (as Xero's JSON) is equal
on every field it set: the mapping alone, both ways, with no server in between."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.xero import _mapping as mapping
from connectors.xero._convert import structure
from connectors.xero._refs import Books
from connectors.xero._wire import XeroAccount, XeroTaxRate, XeroTrackingCategory
from connectors.xero.capabilities import SPECS
from tests.contract.test_xero_conformance import References
from unified.testing import assert_subset

CONTACT = "3ff6d40c-af9a-40a3-89ce-3c1556a25591"
BANK = "13918178-849a-4823-9a31-57b7eac713d7"
TAXES: list[dict[str, Any]] = [
    {"TaxType": "OUTPUT", "Name": "GST on Income", "EffectiveRate": "15.0000", "Rev": True, "Exp": False},
    {"TaxType": "INPUT", "Name": "GST on Expenses", "EffectiveRate": "15.0000", "Rev": False, "Exp": True},
    {"TaxType": "NONE", "Name": "No GST", "EffectiveRate": "0.0000", "Rev": True, "Exp": True},
    {"TaxType": "TAX002", "Name": "Reduced", "EffectiveRate": "7.5000", "Rev": True, "Exp": True},
]
TRACKING = [
    {
        "TrackingCategoryID": "351953c4-8127-4009-88c3-f9cd8c9cbe9f",
        "Name": "Region",
        "Status": "ACTIVE",
        "Options": [
            {"TrackingOptionID": "ce205173-7387-4651-9726-2cf4c5405ba2", "Name": "North", "Status": "ACTIVE"},
            {"TrackingOptionID": "6e1d0a1f-3c3e-4f0e-8d8c-c0b6b0f1a2a3", "Name": "South", "Status": "ACTIVE"},
        ],
    }
]
ACCOUNTS = [
    {"AccountID": "a-200", "Code": "200", "Name": "Sales", "Type": "REVENUE", "Class": "REVENUE", "Status": "ACTIVE"},
    {
        "AccountID": "a-400",
        "Code": "400",
        "Name": "Advertising",
        "Type": "EXPENSE",
        "Class": "EXPENSE",
        "Status": "ACTIVE",
    },
    {"AccountID": BANK, "Code": "090", "Name": "Bank", "Type": "BANK", "Class": "ASSET", "Status": "ACTIVE"},
]
TABLE = {
    t["TaxType"]: XeroTaxRate(
        TaxType=t["TaxType"],
        Name=t["Name"],
        Status="ACTIVE",
        EffectiveRate=Decimal(t["EffectiveRate"]),
        CanApplyToRevenue=t["Rev"],
        CanApplyToExpenses=t["Exp"],
    )
    for t in TAXES
}
BOOKS = Books(
    taxes=TABLE,
    accounts=tuple(structure(a, XeroAccount) for a in ACCOUNTS),
    tracking=tuple(structure(c, XeroTrackingCategory) for c in TRACKING),
)
REFERENCES = References.from_bodies(
    contacts=[{"ContactID": CONTACT, "ContactStatus": "ACTIVE"}],
    taxes=[
        {
            "TaxType": t["TaxType"],
            "EffectiveRate": t["EffectiveRate"],
            "Status": "ACTIVE",
            "CanApplyToRevenue": t["Rev"],
            "CanApplyToExpenses": t["Exp"],
        }
        for t in TAXES
    ],
    accounts=ACCOUNTS,
    tracking=TRACKING,
)

_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def as_xero_json(element: dict[str, Any]) -> dict[str, Any]:
    """The element as it comes back over the wire: JSON, numbers read as Decimal."""
    loaded: dict[str, Any] = json.loads(json.dumps(element), parse_float=Decimal)
    return loaded


def _writable(resource: str, record: Any) -> Any:
    spec = SPECS[resource]
    caps = spec.declare()
    return type(record).model_validate(record.model_dump(include=set(caps.writable_fields), exclude_unset=True))


@_SETTINGS
@given(REFERENCES.strategy("contacts"))
def test_contacts_round_trip(contact: Any) -> None:
    record = _writable("contacts", contact)
    fields = mapping.check_fields(record, SPECS["contacts"].writable, SPECS["contacts"].read_only())
    mapping.validate_write("contacts", record, fields, create=True)
    element = mapping.contact_to_xero(record, fields, create=True)
    read = mapping.contact_from_xero({**as_xero_json(element), "ContactID": CONTACT})
    assert_subset(record, read)


@_SETTINGS
@given(
    st.sampled_from(["invoices", "bills", "expenses"]).flatmap(lambda r: st.tuples(st.just(r), REFERENCES.strategy(r)))
)
def test_documents_round_trip_with_their_links(drawn: tuple[str, Any]) -> None:
    resource, generated = drawn
    record = _writable(resource, generated)
    spec = SPECS[resource]
    fields = mapping.check_fields(record, spec.writable, spec.read_only())
    mapping.validate_write(resource, record, fields, create=True)
    if resource == "expenses":
        element = mapping.bank_transaction_to_xero(record, fields, BOOKS, create=True)
    else:
        element = mapping.invoice_to_xero(record, fields, BOOKS, create=True)
    payload = as_xero_json(element)
    read: Any = mapping.READERS[resource](payload, taxes=TABLE)
    assert_subset(record, read)
    for sent, got in zip(record.line_items, read.line_items, strict=True):
        assert got.tax_inclusive == record.tax_inclusive
        if sent.tax_rate is not None:
            assert got.tax_rate.name == TABLE[sent.tax_rate.id].Name


@_SETTINGS
@given(REFERENCES.strategy("tax_rates"))
def test_tax_rates_round_trip(rate: Any) -> None:
    fields = set(rate.model_fields_set)
    mapping.validate_write("tax_rates", rate, fields, create=True)
    element = as_xero_json(mapping.tax_rate_to_xero(rate, fields, None))
    element.update({"TaxType": "TAX009", "EffectiveRate": element["TaxComponents"][0]["Rate"]})
    read = mapping.tax_rate_from_xero(element)
    assert_subset(rate, read)
    assert read.total_tax_rate == rate.effective_tax_rate
