"""Contacts: one kind for customers and suppliers; Xero sets IsCustomer/IsSupplier from documents, and a
contact is archived (ContactStatus ARCHIVED), never deleted."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from . import _fields as f
from ._batch import Writer
from ._call import Call
from ._errors import ElementError
from ._store import Tenant
from ._wire import Record, parse_day

ADDRESS_TYPES = ("POBOX", "STREET", "DELIVERY")
PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE")
STATUSES = ("ACTIVE", "ARCHIVED", "GDPRREQUEST")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ADDRESS_FIELDS = (
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "AddressLine4",
    "City",
    "Region",
    "PostalCode",
    "Country",
    "AttentionTo",
)
_TEXT_FIELDS = {
    "ContactNumber": 50,
    "AccountNumber": 50,
    "FirstName": 255,
    "LastName": 255,
    "CompanyNumber": 50,
    "BankAccountDetails": 255,
    "TaxNumber": 50,
    "AccountsReceivableTaxType": 50,
    "AccountsPayableTaxType": 50,
    "XeroNetworkKey": 255,
    "SalesDefaultAccountCode": 10,
    "PurchasesDefaultAccountCode": 10,
}
# Heavy parts left out of list rows when summaryOnly=true.
SUMMARY_DROPS = (
    "Addresses",
    "Phones",
    "ContactPersons",
    "ContactGroups",
    "SalesTrackingCategories",
    "PurchasesTrackingCategories",
    "PaymentTerms",
    "Balances",
    "BatchPayments",
)
FIELDS = (
    "ContactID",
    "MergedToContactID",
    "ContactNumber",
    "AccountNumber",
    "ContactStatus",
    "Name",
    "FirstName",
    "LastName",
    "CompanyNumber",
    "EmailAddress",
    "ContactPersons",
    "BankAccountDetails",
    "TaxNumber",
    "AccountsReceivableTaxType",
    "AccountsPayableTaxType",
    "Addresses",
    "Phones",
    "IsSupplier",
    "IsCustomer",
    "DefaultCurrency",
    "XeroNetworkKey",
    "SalesDefaultAccountCode",
    "PurchasesDefaultAccountCode",
    "SalesTrackingCategories",
    "PurchasesTrackingCategories",
    "PaymentTerms",
    "UpdatedDateUTC",
    "ContactGroups",
    "Website",
    "Discount",
    "Balances",
    "HasAttachments",
    "HasValidationErrors",
)

_PERSON = f.Obj({"FirstName": f.TEXT, "LastName": f.TEXT, "EmailAddress": f.TEXT, "IncludeInEmails": f.BOOL})
SPEC = f.Obj(
    {
        "ContactID": f.GUID,
        "ContactStatus": f.OneOf(*STATUSES),
        "Name": f.TEXT,
        "EmailAddress": f.TEXT,
        "IsSupplier": f.BOOL,
        "IsCustomer": f.BOOL,
        "DefaultCurrency": f.TEXT,
        "Addresses": f.Many(f.Obj({"AddressType": f.OneOf(*ADDRESS_TYPES), **dict.fromkeys(_ADDRESS_FIELDS, f.TEXT)})),
        "Phones": f.Many(
            f.Obj(
                {
                    "PhoneType": f.OneOf(*PHONE_TYPES),
                    "PhoneNumber": f.TEXT,
                    "PhoneAreaCode": f.TEXT,
                    "PhoneCountryCode": f.TEXT,
                }
            )
        ),
        "ContactPersons": f.Many(_PERSON),
        "Discount": f.NUMBER,
        **dict.fromkeys(_TEXT_FIELDS, f.TEXT),
    }
)


def blank(contact_id: str, name: str, stamp: str) -> Record:
    """A contact with every part Xero always shows, empty."""
    return {
        "ContactID": contact_id,
        "ContactStatus": "ACTIVE",
        "Name": name,
        "EmailAddress": "",
        "BankAccountDetails": "",
        "Addresses": [_address("STREET"), _address("POBOX")],
        "Phones": [_phone(kind) for kind in ("DEFAULT", "DDI", "FAX", "MOBILE")],
        "UpdatedDateUTC": stamp,
        "ContactGroups": [],
        "IsSupplier": False,
        "IsCustomer": False,
        "SalesTrackingCategories": [],
        "PurchasesTrackingCategories": [],
        "ContactPersons": [],
        "HasAttachments": False,
        "HasValidationErrors": False,
    }


def _address(kind: str) -> Record:
    return {"AddressType": kind, "City": "", "Region": "", "PostalCode": "", "Country": ""}


def _phone(kind: str) -> Record:
    return {"PhoneType": kind, "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}


def name_taken(tenant: Tenant, name: str, other_than: str | None = None) -> bool:
    wanted = name.strip().lower()
    for contact in tenant["Contacts"]:
        if contact.get("ContactStatus") == "ARCHIVED" or str(contact["ContactID"]) == other_than:
            continue
        if str(contact.get("Name", "")).strip().lower() == wanted:
            return True
    return False


def _merge_typed(current: list[Record], sent: list[Record], type_key: str, fields: tuple[str, ...]) -> list[Record]:
    merged = [dict(entry) for entry in current]
    for entry in sent:
        kind = f.text(entry, type_key) or ("STREET" if type_key == "AddressType" else "DEFAULT")
        kind = kind.upper()
        values = {name: f.text(entry, name) or "" for name in fields if f.has(entry, name)}
        for existing in merged:
            if existing.get(type_key) == kind:
                existing.update(values)
                break
        else:
            merged.append({type_key: kind, **values})
    return merged


def apply(call: Call, record: Record, element: Record, creating: bool) -> list[str]:
    """Copy the writable fields of element onto record; the validation messages, if any."""
    errors: list[str] = []
    name = f.get(element, "Name")
    if name is not None or creating:
        text = str(name or "").strip()
        if not text:
            errors.append("The contact name must be specified.")
        elif len(text) > 255:
            errors.append("The contact name must not be more than 255 characters long.")
        elif name_taken(call.tenant, text, None if creating else str(record["ContactID"])):
            errors.append(
                f"The contact name {text} is already assigned to another contact. "
                "The contact name must be unique across all active contacts."
            )
        else:
            record["Name"] = text
    for key, limit in _TEXT_FIELDS.items():
        if f.has(element, key):
            try:
                record[key] = f.text(element, key, limit) or ""
            except ElementError as exc:
                errors.extend(exc.messages)
    if f.has(element, "EmailAddress"):
        email = (f.text(element, "EmailAddress") or "").strip()
        if email and not _EMAIL.match(email):
            errors.append("Email address must be valid.")
        else:
            record["EmailAddress"] = email
    status = f.text(element, "ContactStatus")
    if status:
        record["ContactStatus"] = status.upper()
    currency = f.text(element, "DefaultCurrency")
    if currency:
        if currency.upper() not in {str(c["Code"]) for c in call.tenant["Currencies"]}:
            errors.append(f"The currency {currency} is not enabled for this organisation.")
        else:
            record["DefaultCurrency"] = currency.upper()
    if f.has(element, "Addresses"):
        record["Addresses"] = _merge_typed(
            record.get("Addresses", []), f.objects(element, "Addresses"), "AddressType", _ADDRESS_FIELDS
        )
    if f.has(element, "Phones"):
        record["Phones"] = _merge_typed(
            record.get("Phones", []),
            f.objects(element, "Phones"),
            "PhoneType",
            ("PhoneNumber", "PhoneAreaCode", "PhoneCountryCode"),
        )
    if f.has(element, "ContactPersons"):
        persons = []
        for person in f.objects(element, "ContactPersons")[:5]:
            persons.append(
                {
                    "FirstName": f.text(person, "FirstName") or "",
                    "LastName": f.text(person, "LastName") or "",
                    "EmailAddress": f.text(person, "EmailAddress") or "",
                    "IncludeInEmails": bool(f.flag(person, "IncludeInEmails")),
                }
            )
        record["ContactPersons"] = persons
    if f.has(element, "PaymentTerms") and isinstance(f.get(element, "PaymentTerms"), dict):
        record["PaymentTerms"] = f.get(element, "PaymentTerms")
    return errors


def create(call: Call, element: Record) -> Record:
    record = blank(call.new_id(), "", call.stamp)
    errors = apply(call, record, element, creating=True)
    if errors:
        raise ElementError(*errors)
    record["UpdatedDateUTC"] = call.stamp
    call.tenant["Contacts"].put(record)
    call.event("CONTACT", "CREATE", "Contacts", str(record["ContactID"]))
    return record


def update(call: Call, existing: Record, element: Record) -> Record:
    record = {**existing}
    errors = apply(call, record, element, creating=False)
    if errors:
        raise ElementError(*errors)
    record["UpdatedDateUTC"] = call.stamp
    call.tenant["Contacts"].put(record)
    call.event("CONTACT", "UPDATE", "Contacts", str(record["ContactID"]))
    return record


def locate(call: Call, element: Record) -> Record | None:
    contacts = call.tenant["Contacts"]
    contact_id = f.guid(element, "ContactID")
    if contact_id:
        found = contacts.get(contact_id)
        if found is None:
            raise ElementError(f"The contact with ID {contact_id} could not be found.")
        return found
    number = f.text(element, "ContactNumber")
    if number:
        return contacts.find("ContactNumber", number)
    return None


def find(tenant: Tenant, key: str) -> Record | None:
    """GET /Contacts/{ContactID or ContactNumber}."""
    return tenant["Contacts"].get(key) or tenant["Contacts"].find("ContactNumber", key)


def balances(call: Call, contact_id: str) -> Record:
    outstanding = {"ACCREC": Decimal("0.00"), "ACCPAY": Decimal("0.00")}
    overdue = {"ACCREC": Decimal("0.00"), "ACCPAY": Decimal("0.00")}
    today = call.now.date()
    for invoice in call.tenant["Invoices"]:
        if invoice.get("Status") != "AUTHORISED" or invoice.get("Type") not in outstanding:
            continue
        if str((invoice.get("Contact") or {}).get("ContactID", "")).lower() != contact_id.lower():
            continue
        due = Decimal(str(invoice.get("AmountDue") or 0))
        outstanding[invoice["Type"]] += due
        due_date = parse_day(invoice.get("DueDate"))
        if due_date is not None and due_date < today:
            overdue[invoice["Type"]] += due
    return {
        "AccountsReceivable": {"Outstanding": outstanding["ACCREC"], "Overdue": overdue["ACCREC"]},
        "AccountsPayable": {"Outstanding": outstanding["ACCPAY"], "Overdue": overdue["ACCPAY"]},
    }


def render(call: Call, record: Record) -> Record:
    return dict(record)


def render_detail(call: Call, record: Record) -> Record:
    return {**record, "Balances": balances(call, str(record["ContactID"]))}


def summary(record: Record) -> Record:
    return {k: v for k, v in record.items() if k not in SUMMARY_DROPS}


def mark_role(call: Call, contact_id: str, invoice_type: str) -> None:
    """An ACCREC document makes a customer, an ACCPAY one a supplier; UpdatedDateUTC does not move (as Xero)."""
    contact = call.tenant["Contacts"].get(contact_id)
    if contact is None:
        return
    key = "IsCustomer" if invoice_type in ("ACCREC", "ACCRECCREDIT") else "IsSupplier"
    if not contact.get(key):
        call.tenant["Contacts"].put({**contact, key: True})


def reference(call: Call, element: Any, *, create_missing: bool = True) -> Record:
    """The contact a document names: by ContactID, ContactNumber or Name (a new name makes a new contact,
    as Xero does)."""
    if not isinstance(element, dict):
        raise ElementError("A Contact must be specified for this type of transaction")
    contacts = call.tenant["Contacts"]
    contact_id = f.guid(element, "ContactID")
    if contact_id:
        found = contacts.get(contact_id)
        if found is None:
            raise ElementError(f"The contact with ID {contact_id} could not be found.")
        return found
    number = f.text(element, "ContactNumber")
    if number:
        found = contacts.find("ContactNumber", number)
        if found is not None:
            return found
    name = (f.text(element, "Name") or "").strip()
    if not name:
        raise ElementError("A Contact must be specified for this type of transaction")
    for contact in contacts:
        if contact.get("ContactStatus") != "ARCHIVED" and str(contact.get("Name", "")).lower() == name.lower():
            return contact
    if not create_missing:
        raise ElementError(f"The contact {name} could not be found.")
    return create(call, element)


WRITER = Writer(
    key="Contacts",
    spec=SPEC,
    error_flag="HasValidationErrors",
    create=create,
    update=update,
    locate=locate,
    render=render,
)
