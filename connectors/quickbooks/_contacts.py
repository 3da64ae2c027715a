"""Customers and Vendors <-> unified contacts.

QuickBooks keeps customers and vendors as two entities with two id sequences, so a unified contact id names its
entity: ``customer-58`` or ``vendor-12`` (``downstream_id`` is QuickBooks' own ``58``). Where the entity is known
(the customers and suppliers views, an invoice's customer, a bill's supplier) a bare ``58`` is taken too.
A contact is one or the other: ``is_customer`` makes a Customer, ``is_supplier`` a Vendor, and neither changes
after the create.

Fields: ``DisplayName`` <-> ``display_name`` (unique across customers, vendors and employees); ``CompanyName``,
``Title``, ``GivenName``/``MiddleName``/``FamilyName``/``Suffix`` <-> company, title and name parts; ``AcctNum`` <->
``display_id``; ``Notes`` <-> ``notes``; ``CurrencyRef`` <-> ``currency`` (set when the contact is created; QuickBooks
does not change it later); ``Taxable`` <-> ``taxable`` (customers); ``PrimaryTaxIdentifier`` (customers) or
``TaxIdentifier`` (vendors) -> ``tax_number``; ``Active`` -> ``status``; ``SyncToken`` <-> ``row_version``.
QuickBooks holds one email (``PrimaryEmailAddr``, read back typed ``primary``), one website (``WebAddr``), and four
phones: the first number typed neither mobile nor fax is ``PrimaryPhone`` (read back ``primary``), a second one
``AlternatePhone`` (``secondary``), ``Mobile`` (``mobile``) and ``Fax`` (``fax``). Addresses: the one typed
``shipping`` is ``ShipAddr``, the other ``BillAddr`` (read back ``billing``), with line1 to line5, city, state
(``CountrySubDivisionCode``), postal_code, country, county, latitude, longitude and notes. What QuickBooks cannot
hold (a second email, a phone on an address...) is refused before the call, never dropped.

An inactive customer or vendor is what QuickBooks makes of a deleted one ("made inactive", error 610): reads treat it
as deleted, deleting a contact deactivates it, and QuickBooks' lists leave inactive ones out.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any, Literal

from connectors.quickbooks._convert import structure, unstructure
from connectors.quickbooks._read import custom_fields_from_qbo, meta_times, model
from connectors.quickbooks._wire import QboAddress, QboEmail, QboName, QboPhone, QboRef, QboWeb
from schemas import Address, Contact
from unified.errors import RequestValidationError

__all__ = [
    "CUSTOMER",
    "VENDOR",
    "Entity",
    "address_from_qbo",
    "address_to_qbo",
    "contact_from_qbo",
    "contact_id",
    "contact_to_qbo",
    "entity_of",
    "parse_contact_id",
    "validate_contact",
]

Entity = Literal["Customer", "Vendor"]
CUSTOMER: Entity = "Customer"
VENDOR: Entity = "Vendor"
_PREFIX: Mapping[str, Entity] = {"customer": CUSTOMER, "vendor": VENDOR}

#: QuickBooks' length limits (Intuit's Customer and Vendor references)
LIMITS: Mapping[str, int] = {
    "display_name": 500,
    "company_name": 100,
    "first_name": 100,
    "middle_name": 100,
    "last_name": 100,
    "title": 16,
    "suffix": 16,
    "display_id": 100,
    "notes": 2000,
}
_TEXT: Mapping[str, str] = {
    "display_name": "DisplayName",
    "company_name": "CompanyName",
    "title": "Title",
    "first_name": "GivenName",
    "middle_name": "MiddleName",
    "last_name": "FamilyName",
    "suffix": "Suffix",
    "display_id": "AcctNum",
    "notes": "Notes",
}
_ADDRESS_FIELDS = frozenset(
    {"id", "type", "line1", "line2", "line3", "line4", "line5", "city", "state", "postal_code", "country"}
    | {"county", "latitude", "longitude", "notes"}
)
_ADDRESS_LIMITS: Mapping[str, int] = {
    **dict.fromkeys(("line1", "line2", "line3", "line4", "line5"), 500),
    "city": 255,
    "state": 255,
    "postal_code": 30,
    "country": 255,
    "county": 255,
}
EMAIL_LIMIT = 100
PHONE_LIMIT = 30


def contact_id(entity: str, qbo_id: str) -> str:
    return f"{'customer' if entity == CUSTOMER else 'vendor'}-{qbo_id}"


def parse_contact_id(value: str, expected: Entity | None = None) -> tuple[Entity | None, str] | None:
    """(entity, QuickBooks id) of a unified contact id; None when it cannot name a customer or vendor.

    A bare id (``58``) takes the ``expected`` entity (None: either).
    """
    text = value.strip() if isinstance(value, str) else ""
    prefix, _, rest = text.partition("-")
    if rest and prefix.lower() in _PREFIX:
        entity = _PREFIX[prefix.lower()]
        if not rest.isdigit() or (expected is not None and entity != expected):
            return None
        return entity, rest
    return (expected, text) if text.isdigit() else None


def entity_of(record: Contact, view: Entity | None) -> Entity:
    """The entity a new contact becomes."""
    if view is not None:
        return view
    return VENDOR if record.is_supplier and not record.is_customer else CUSTOMER


# -- reads ---------------------------------------------------------------------------------------------------


def address_from_qbo(address: QboAddress | None, kind: str) -> dict[str, Any] | None:
    if address is None:
        return None
    content = {
        "line1": address.Line1,
        "line2": address.Line2,
        "line3": address.Line3,
        "line4": address.Line4,
        "line5": address.Line5,
        "city": address.City,
        "state": address.CountrySubDivisionCode,
        "postal_code": address.PostalCode,
        "country": address.Country,
        "county": address.County,
        "latitude": address.Lat,
        "longitude": address.Long,
        "notes": address.Note,
    }
    if all(v is None for v in content.values()):
        return None
    return {"id": address.Id, "type": kind, **content}


def _phone(phone: QboPhone | None, kind: str) -> dict[str, Any] | None:
    if phone is None or not phone.FreeFormNumber:
        return None
    return {"number": phone.FreeFormNumber, "type": kind}


def contact_from_qbo(payload: Mapping[str, Any], entity: Entity, *, raw: bool = False) -> Contact:
    n = structure(payload, QboName)
    created_at, updated_at = meta_times(n.MetaData)
    phones = [
        _phone(n.PrimaryPhone, "primary"),
        _phone(n.AlternatePhone, "secondary"),
        _phone(n.Mobile, "mobile"),
        _phone(n.Fax, "fax"),
    ]
    addresses = [address_from_qbo(n.BillAddr, "billing"), address_from_qbo(n.ShipAddr, "shipping")]
    parent = n.ParentRef
    data: dict[str, Any] = {
        "id": contact_id(entity, n.Id) if n.Id else None,
        "downstream_id": n.Id,
        "is_customer": entity == CUSTOMER,
        "is_supplier": entity == VENDOR,
        "display_name": n.DisplayName,
        "company_name": n.CompanyName,
        "title": n.Title,
        "first_name": n.GivenName,
        "middle_name": n.MiddleName,
        "last_name": n.FamilyName,
        "suffix": n.Suffix,
        "display_id": n.AcctNum,
        "notes": n.Notes,
        "emails": [{"email": n.PrimaryEmailAddr.Address, "type": "primary"}]
        if n.PrimaryEmailAddr is not None and n.PrimaryEmailAddr.Address
        else None,
        "phone_numbers": [p for p in phones if p is not None] or None,
        "websites": [{"url": n.WebAddr.URI, "type": "primary"}] if n.WebAddr is not None and n.WebAddr.URI else None,
        "addresses": [a for a in addresses if a is not None] or None,
        "currency": n.CurrencyRef.value if n.CurrencyRef is not None else None,
        "taxable": n.Taxable if entity == CUSTOMER else None,
        "tax_number": n.PrimaryTaxIdentifier if entity == CUSTOMER else n.TaxIdentifier,
        "parent": {"id": contact_id(CUSTOMER, parent.value), "name": parent.name}
        if parent is not None and parent.value
        else None,
        "status": None if n.Active is None else ("active" if n.Active else "inactive"),
        "custom_fields": custom_fields_from_qbo(n.CustomField),
        "row_version": n.SyncToken,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    return model(Contact, data, payload, raw)


# -- writes --------------------------------------------------------------------------------------------------


def _refuse(message: str, field: str) -> RequestValidationError:
    return RequestValidationError(message, field=field)


def validate_contact(record: Contact, fields: AbstractSet[str], entity: Entity, *, create: bool) -> None:
    """Refuse, before any call, what QuickBooks would refuse or could not keep."""
    if record.is_customer and record.is_supplier:
        raise _refuse(
            "A QuickBooks contact is a customer or a vendor, not both (they are separate entities): create two "
            "contacts, one with is_customer=True and one with is_supplier=True.",
            "is_supplier",
        )
    if create and not (record.is_customer or record.is_supplier):
        raise _refuse(
            "Say which QuickBooks entity the contact is: is_customer=True (a Customer) or is_supplier=True (a "
            "Vendor); or create it through customers or suppliers.",
            "is_customer",
        )
    if not create:
        for flag, other in (("is_customer", CUSTOMER), ("is_supplier", VENDOR)):
            if flag in fields and getattr(record, flag) != (entity == other):
                raise _refuse(
                    f"This contact is a QuickBooks {entity}; QuickBooks cannot turn it into a "
                    f"{'Vendor' if entity == CUSTOMER else 'Customer'}: create a new contact instead.",
                    flag,
                )
        if "currency" in fields:
            raise _refuse(
                "QuickBooks sets a contact's currency when it is created and never changes it: create a new contact "
                "in the other currency.",
                "currency",
            )
    if create and not any(getattr(record, n) for n in ("display_name", "company_name", "first_name", "last_name")):
        raise _refuse("A QuickBooks contact needs a display_name (or a company or person name).", "display_name")
    for name, limit in LIMITS.items():
        value = getattr(record, name)
        if name in fields and isinstance(value, str) and len(value) > limit:
            raise _refuse(f"{name} is {len(value)} characters; QuickBooks takes at most {limit}.", name)
    if "display_name" in fields and not create and not record.display_name:
        raise _refuse("QuickBooks cannot clear a display name: give a new one.", "display_name")
    if "taxable" in fields and record.taxable is not None and entity == VENDOR:
        raise _refuse("QuickBooks vendors have no taxable flag (customers do): leave taxable unset.", "taxable")
    _validate_channels(record, fields)
    if "addresses" in fields and record.addresses:
        _validate_addresses(record.addresses)


def _validate_channels(record: Contact, fields: AbstractSet[str]) -> None:
    if "emails" in fields and record.emails:
        if len(record.emails) > 1:
            raise _refuse(
                f"QuickBooks keeps one email per contact (PrimaryEmailAddr); {len(record.emails)} were given: pass "
                "one.",
                "emails",
            )
        email = record.emails[0].email or ""
        if len(email) > EMAIL_LIMIT:
            raise _refuse(f"emails[0].email is longer than the {EMAIL_LIMIT} characters QuickBooks takes.", "emails")
    if "websites" in fields and record.websites and len(record.websites) > 1:
        raise _refuse("QuickBooks keeps one website per contact (WebAddr): pass one.", "websites")
    if "phone_numbers" in fields and record.phone_numbers:
        _phones_to_qbo(record)  # refuses what does not fit


def _validate_addresses(addresses: list[Address]) -> None:
    slots: dict[str, int] = {}
    for i, address in enumerate(addresses):
        slot = "ShipAddr" if address.type == "shipping" else "BillAddr"
        if slot in slots:
            raise _refuse(
                f"addresses[{i}] is a second {'shipping' if slot == 'ShipAddr' else 'billing'} address; QuickBooks "
                "keeps one billing and one shipping address per contact.",
                f"addresses[{i}]",
            )
        slots[slot] = i
        extra = sorted(set(address.model_fields_set) - _ADDRESS_FIELDS)
        extra = [name for name in extra if getattr(address, name) is not None]
        if extra:
            raise _refuse(
                f"addresses[{i}].{extra[0]}: QuickBooks addresses hold line1 to line5, city, state, postal_code, "
                "country, county, latitude, longitude and notes only (put a phone in phone_numbers).",
                f"addresses[{i}].{extra[0]}",
            )
        for name, limit in _ADDRESS_LIMITS.items():
            value = getattr(address, name)
            if isinstance(value, str) and len(value) > limit:
                raise _refuse(
                    f"addresses[{i}].{name} is {len(value)} characters; QuickBooks takes at most {limit}.",
                    f"addresses[{i}].{name}",
                )


def address_to_qbo(address: Address) -> QboAddress:
    return QboAddress(
        Line1=address.line1,
        Line2=address.line2,
        Line3=address.line3,
        Line4=address.line4,
        Line5=address.line5,
        City=address.city,
        CountrySubDivisionCode=address.state,
        PostalCode=address.postal_code,
        Country=address.country,
        County=address.county,
        Lat=address.latitude,
        Long=address.longitude,
        Note=address.notes,
    )


def _phones_to_qbo(record: Contact) -> dict[str, QboPhone]:
    slots: dict[str, QboPhone] = {}
    others = ["PrimaryPhone", "AlternatePhone"]
    for i, phone in enumerate(record.phone_numbers or []):
        if phone.type == "mobile":
            slot = "Mobile"
        elif phone.type == "fax":
            slot = "Fax"
        elif others:
            slot = others.pop(0)
        else:
            slot = "PrimaryPhone"  # taken: refused below
        if slot in slots:
            raise _refuse(
                f"phone_numbers[{i}]: QuickBooks keeps two phone numbers, a mobile and a fax per contact; this one "
                "does not fit.",
                f"phone_numbers[{i}]",
            )
        number = phone.number
        if phone.extension:
            number = f"{number} x{phone.extension}"
        if phone.country_code or phone.area_code:
            number = " ".join(
                p for p in (f"+{phone.country_code}" if phone.country_code else "", phone.area_code or "", number) if p
            )
        if len(number) > PHONE_LIMIT:
            raise _refuse(
                f"phone_numbers[{i}] is {len(number)} characters; QuickBooks takes at most {PHONE_LIMIT}.",
                f"phone_numbers[{i}]",
            )
        slots[slot] = QboPhone(FreeFormNumber=number)
    return slots


def contact_to_qbo(record: Contact, fields: AbstractSet[str], entity: Entity, *, create: bool) -> dict[str, Any]:
    """The Customer or Vendor body for the fields the record sets (a sparse update sends only those)."""
    name = QboName()
    for unified_name, qbo_name in _TEXT.items():
        if unified_name in fields:
            setattr(name, qbo_name, getattr(record, unified_name))
    if "emails" in fields:
        name.PrimaryEmailAddr = QboEmail(Address=record.emails[0].email) if record.emails else QboEmail(Address="")
    if "websites" in fields:
        name.WebAddr = QboWeb(URI=record.websites[0].url) if record.websites else QboWeb(URI="")
    if "phone_numbers" in fields:
        for slot, phone in _phones_to_qbo(record).items():
            setattr(name, slot, phone)
    if "addresses" in fields:
        for address in record.addresses or []:
            setattr(name, "ShipAddr" if address.type == "shipping" else "BillAddr", address_to_qbo(address))
    if "currency" in fields and record.currency:
        name.CurrencyRef = QboRef(value=str(record.currency))
    if "taxable" in fields and entity == CUSTOMER:
        name.Taxable = record.taxable
    body = unstructure(name)
    if not create:
        for unified_name, qbo_name in _TEXT.items():
            if unified_name in fields and getattr(record, unified_name) is None and unified_name != "display_name":
                body[qbo_name] = ""  # a sparse update clears a text field sent empty
    return body
