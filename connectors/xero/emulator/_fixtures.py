"""Fixture files (DESIGN section 3): Xero records as its GET answers them, served as given, only what is missing
filled in.

Shape: `{"tenants": [...], "Contacts": [...], "Invoices": [...], "CreditNotes": [...], "Payments": [...],
"BankTransactions": [...], "TaxRates": [...], "Accounts": [...], "Items": [...], "TrackingCategories": [...],
"Currencies": [...]}`. A tenant is `{"tenantId", "tenantName"}` (a connection) or an Organisation record
(`OrganisationID`, `Name`, `BaseCurrency`, `CountryCode`...), and may carry collections of its own under the
same keys; top-level collections belong to the first tenant. Settings a tenant is given (tax rates, accounts,
currencies...) replace the generated ones; the ones it is not given are generated. Filled in when missing:
ids, UpdatedDateUTC, a document's Type/Status/LineAmountTypes/CurrencyCode, its totals from its lines, what
is due, and IsCustomer/IsSupplier from the documents.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from unified.emulator import FixtureError, read_fixture

from . import _generator, _lines
from ._call import Call
from ._documents import settle
from ._errors import ElementError
from ._store import COLLECTIONS, Store, Tenant
from ._wire import Record, decimal_of, ms_date

KNOWN_KEYS = ("tenants", *COLLECTIONS)
SETTINGS = ("TaxRates", "Accounts", "Items", "TrackingCategories", "Currencies")
DOCUMENTS = ("Invoices", "CreditNotes", "BankTransactions")


def read(source: str | Path | dict[str, Any]) -> dict[str, list[Any]]:
    data = read_fixture(source, known_keys=KNOWN_KEYS)
    for index, entry in enumerate(data.get("tenants", [])):
        unknown = sorted(k for k in entry if k in KNOWN_KEYS and not isinstance(entry[k], list))
        if unknown:
            raise FixtureError(f"tenants[{index}]: {', '.join(unknown)} must be lists of records")
    return data


def tenants(data: dict[str, list[Any]], seed: int, now: datetime) -> list[Tenant]:
    """The fixture's tenants with their records; missing settings generated, missing fields filled in."""
    given = data.get("tenants") or [{}]
    built: list[Tenant] = []
    for index, entry in enumerate(given):
        org_id = str(entry.get("tenantId") or entry.get("OrganisationID") or _generator.tenant_id(seed, index))
        tenant = _generator.seed_tenant(seed, index, {}, org_id)
        name = entry.get("tenantName") or entry.get("Name")
        if name:
            tenant.name = str(name)
        organisation = {k: v for k, v in entry.items() if k not in KNOWN_KEYS and k not in ("tenantId", "tenantName")}
        tenant.organisation = {**tenant.organisation, "Name": tenant.name, **organisation, "OrganisationID": org_id}
        collections = {key: list(entry.get(key, [])) for key in COLLECTIONS}
        if index == 0:
            for key in COLLECTIONS:
                collections[key] = [*data.get(key, []), *collections[key]]
        for key in SETTINGS:
            if collections[key]:
                tenant[key].records.clear()
        # Settings first: documents' lines are read against the tenant's tax rates, accounts and items.
        for key in sorted(COLLECTIONS, key=lambda k: k not in SETTINGS):
            for number, record in enumerate(collections[key]):
                tenant[key].put(_filled(tenant, key, dict(record), now, f"{key}[{number}]"))
        _roles(tenant)
        built.append(tenant)
    return built


def _filled(tenant: Tenant, key: str, record: Record, now: datetime, where: str) -> Record:
    id_field = COLLECTIONS[key]
    if not record.get(id_field):
        if id_field in ("TaxType", "Code"):
            raise FixtureError(f"fixture {where} has no {id_field}: give one")
        record[id_field] = str(uuid.uuid4())
    if key not in ("TaxRates", "Currencies", "TrackingCategories"):
        record.setdefault("UpdatedDateUTC", ms_date(now))
    if key == "Contacts":
        record.setdefault("ContactStatus", "ACTIVE")
        record.setdefault("Name", "")
    if key in DOCUMENTS:
        _document(tenant, key, record, now, where)
    return record


def _document(tenant: Tenant, key: str, record: Record, now: datetime, where: str) -> None:
    defaults = {
        "Invoices": ("ACCREC", "DRAFT"),
        "CreditNotes": ("ACCRECCREDIT", "DRAFT"),
        "BankTransactions": ("SPEND", "AUTHORISED"),
    }
    kind, status = defaults[key]
    record.setdefault("Type", kind)
    record.setdefault("Status", status)
    record.setdefault("LineAmountTypes", "Exclusive")
    record.setdefault("CurrencyCode", tenant.base_currency)
    if not isinstance(record.get("Contact"), dict):
        record["Contact"] = {}
    if any(record.get(k) is None for k in ("SubTotal", "TotalTax", "Total")) and isinstance(
        record.get("LineItems"), list
    ):
        call = Call(tenant, Store(), now, {}, {}, None, {})
        sales = record["Type"] in ("ACCREC", "ACCRECCREDIT", "RECEIVE")
        try:
            computed = _lines.compute(
                call,
                [line for line in record["LineItems"] if isinstance(line, dict)],
                [],
                _lines.amount_type(str(record["LineAmountTypes"])),
                sales=sales,
                approved=False,
            )
        except ElementError as exc:
            raise FixtureError(f"fixture {where}: {'; '.join(exc.messages)}") from None
        record.setdefault("LineItems", computed.lines)
        for name, value in (
            ("SubTotal", computed.totals.sub_total),
            ("TotalTax", computed.totals.total_tax),
            ("Total", computed.totals.total),
        ):
            if record.get(name) is None:
                record[name] = value
    if key == "Invoices":
        for name in ("AmountPaid", "AmountCredited"):
            if decimal_of(record.get(name)) is None:
                record[name] = Decimal("0.00")
        if decimal_of(record.get("AmountDue")) is None:
            settle(record)
    if key == "CreditNotes" and decimal_of(record.get("RemainingCredit")) is None:
        record.setdefault("AppliedAmount", Decimal("0.00"))
        settle(record)


def _roles(tenant: Tenant) -> None:
    for collection in ("Invoices", "CreditNotes"):
        for document in tenant[collection]:
            contact_id = (document.get("Contact") or {}).get("ContactID")
            contact = tenant["Contacts"].get(contact_id) if contact_id else None
            if contact is None or document.get("Status") == "DELETED":
                continue
            role = "IsCustomer" if document.get("Type") in ("ACCREC", "ACCRECCREDIT") else "IsSupplier"
            contact.setdefault(role, True)
    for contact in tenant["Contacts"]:
        contact.setdefault("IsCustomer", False)
        contact.setdefault("IsSupplier", False)


__all__ = ["FixtureError", "read", "tenants"]
