"""Contacts (customers and vendors), their contact persons and addresses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import _documented as documented
from . import _fields as f
from ._call import Call, Reply, reply
from ._errors import ZohoError, invalid_field, not_found
from ._listing import ListSpec, text_of
from ._numbers import ZERO, number_or_blank, out
from ._resources import Resource, custom_fields_of, status_action
from ._store import Record

ADDRESS_FIELDS = ("attention", "address", "street2", "state_code", "city", "state", "zip", "country", "fax", "phone")
PERSON_FIELDS = (
    "salutation",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "designation",
    "department",
    "skype",
)
PASS_THROUGH = (
    "website",
    "language_code",
    "notes",
    "facebook",
    "twitter",
    "contact_number",
    "owner_id",
    "pricebook_id",
    "gst_no",
    "gst_treatment",
    "place_of_contact",
    "vat_treatment",
    "vat_reg_no",
    "tax_treatment",
    "tax_reg_no",
    "country_code",
    "tax_regime",
    "legal_name",
    "tax_exemption_id",
    "tax_exemption_code",
    "tax_authority_id",
    "tax_authority_name",
)
ROW_FIELDS = (
    "contact_id",
    "contact_name",
    "customer_name",
    "vendor_name",
    "company_name",
    "contact_type",
    "customer_sub_type",
    "status",
    "payment_terms",
    "payment_terms_label",
    "currency_id",
    "currency_code",
    "outstanding_receivable_amount",
    "outstanding_receivable_amount_bcy",
    "outstanding_payable_amount",
    "outstanding_payable_amount_bcy",
    "unused_credits_receivable_amount",
    "unused_credits_payable_amount",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "website",
    "created_time",
    "last_modified_time",
    "custom_fields",
)


def address(call: Call, value: object, existing: object, name: str) -> Record:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise invalid_field(name, "Send an address object (attention, address, street2, city, state, zip, ...).")
    old = existing if isinstance(existing, dict) else {}
    result: Record = {"address_id": str(old.get("address_id") or call.new_id())}
    for key in ADDRESS_FIELDS:
        result[key] = f.text(value, key, limit=500, default=str(old.get(key, "") or ""))
    return result


def persons(call: Call, value: list[dict[str, Any]], existing: list[Record]) -> list[Record]:
    known = {str(p.get("contact_person_id")): p for p in existing}
    result: list[Record] = []
    for entry in value:
        pid = f.identifier(entry, "contact_person_id")
        old = known.get(pid, {})
        person: Record = {"contact_person_id": pid if pid in known else call.new_id()}
        for key in PERSON_FIELDS:
            person[key] = f.text(entry, key, limit=100, default=str(old.get(key, "") or ""))
        person["is_primary_contact"] = f.boolean(entry, "is_primary_contact", bool(old.get("is_primary_contact")))
        person["enable_portal"] = f.boolean(entry, "enable_portal", bool(old.get("enable_portal")))
        prefs = f.mapping(entry, "communication_preference") or old.get("communication_preference") or {}
        person["communication_preference"] = {
            "is_sms_enabled": f.boolean(prefs, "is_sms_enabled", False),
            "is_whatsapp_enabled": f.boolean(prefs, "is_whatsapp_enabled", False),
        }
        result.append(person)
    primaries = [p for p in result if p["is_primary_contact"]]
    if len(primaries) > 1:
        raise invalid_field("contact_persons", "Mark at most one contact person as is_primary_contact.")
    if result and not primaries:
        result[0]["is_primary_contact"] = True
    return result


def currency_of(call: Call, body: dict[str, Any], default_id: str = "") -> Record:
    currencies = call.org["currencies"]
    wanted = f.identifier(body, "currency_id") or default_id
    if not wanted:
        base = next((c for c in currencies if c.get("is_base_currency")), None)
        if base is None:
            raise invalid_field("currency_id", "The organization has no base currency; send a currency_id.")
        return base
    currency = currencies.get(wanted)
    if currency is None:
        raise invalid_field("currency_id", f"No currency has id {wanted}; list them at GET /settings/currencies.")
    return currency


def _terms_label(terms: int) -> str:
    return "Due on Receipt" if terms == 0 else f"Net {terms}"


def _label(body: dict[str, Any], old: Record, terms: int) -> str:
    if "payment_terms_label" in body:
        return f.text(body, "payment_terms_label", limit=100) or _terms_label(terms)
    if "payment_terms" in body or not old.get("payment_terms_label"):
        return _terms_label(terms)
    return str(old["payment_terms_label"])


def build(call: Call, existing: Record | None, body: dict[str, Any]) -> Record:
    old = existing or {}
    source = {**old, **body}
    name = f.text(source, "contact_name", limit=200, required=True).strip()
    for other in () if call.seeding else call.org["contacts"]:
        if other is not existing and str(other.get("contact_name", "")).lower() == name.lower():
            raise ZohoError(400, 3062, f'The contact "{name}" already exists. Choose another contact_name.')
    contact_type = f.choice(source, "contact_type", ("customer", "vendor"), "customer")
    terms = f.integer(source, "payment_terms", 0, maximum=10000)
    currency = currency_of(call, source)
    tax_id = f.identifier(source, "tax_id")
    tax: Record = {}
    if tax_id:
        tax = call.org["taxes"].get(tax_id) or {}
        if not tax and "tax_id" in body:
            raise invalid_field("tax_id", f"No tax has id {tax_id}; list them at GET /settings/taxes.")
    contact_persons = old.get("contact_persons", [])
    if "contact_persons" in body:
        contact_persons = persons(call, f.object_list(body, "contact_persons") or [], contact_persons)
    primary: Record = next((p for p in contact_persons if p.get("is_primary_contact")), {})
    credit_limit = f.decimal(source, "credit_limit", ZERO, minimum=ZERO)
    record: Record = {
        "contact_id": str(old.get("contact_id") or call.new_id()),
        "contact_name": name,
        "company_name": f.text(source, "company_name", limit=200),
        "has_transaction": bool(old.get("has_transaction", False)),
        "contact_type": contact_type,
        "customer_sub_type": (
            f.choice(source, "customer_sub_type", ("business", "individual"), "business")
            if contact_type == "customer"
            else ""
        ),
        "credit_limit": out(credit_limit),
        "is_portal_enabled": f.boolean(source, "is_portal_enabled", False),
        "is_taxable": f.boolean(source, "is_taxable", bool(tax)),
        "tax_id": str(tax.get("tax_id", "")) if tax else tax_id,
        "tax_name": tax.get("tax_name", old.get("tax_name", "")) if tax_id else "",
        "tax_percentage": tax.get("tax_percentage", old.get("tax_percentage", "")) if tax_id else "",
        "is_linked_with_zohocrm": False,
        "primary_contact_id": str(primary.get("contact_person_id", "")),
        "payment_terms": terms,
        "payment_terms_label": _label(body, old, terms),
        "currency_id": str(currency["currency_id"]),
        "currency_code": currency["currency_code"],
        "currency_symbol": currency["currency_symbol"],
        "outstanding_receivable_amount": number_or_blank(old.get("outstanding_receivable_amount", 0)),
        "outstanding_receivable_amount_bcy": number_or_blank(old.get("outstanding_receivable_amount_bcy", 0)),
        "outstanding_payable_amount": number_or_blank(old.get("outstanding_payable_amount", 0)),
        "outstanding_payable_amount_bcy": number_or_blank(old.get("outstanding_payable_amount_bcy", 0)),
        "unused_credits_receivable_amount": number_or_blank(old.get("unused_credits_receivable_amount", 0)),
        "unused_credits_payable_amount": number_or_blank(old.get("unused_credits_payable_amount", 0)),
        "status": old.get("status", "active"),
        "payment_reminder_enabled": f.boolean(source, "payment_reminder_enabled", True),
        "source": old.get("source", "api"),
        "billing_address": address(call, source.get("billing_address"), old.get("billing_address"), "billing_address"),
        "shipping_address": address(
            call, source.get("shipping_address"), old.get("shipping_address"), "shipping_address"
        ),
        "contact_persons": contact_persons,
        "first_name": primary.get("first_name", ""),
        "last_name": primary.get("last_name", ""),
        "email": primary.get("email", ""),
        "phone": primary.get("phone", ""),
        "mobile": primary.get("mobile", ""),
        "created_time": old.get("created_time") or call.timestamp(),
        "last_modified_time": call.timestamp(),
    }
    for key in PASS_THROUGH:
        record[key] = f.text(source, key, limit=2000)
    record["customer_name" if contact_type == "customer" else "vendor_name"] = name
    record.update(custom_fields_of(call, "contact", existing, body))
    record["unused_credits_receivable_amount_bcy"] = record.get("unused_credits_receivable_amount", 0)
    documented.fill(record, documented.CONTACT)
    return record


def before_delete(call: Call, record: Record) -> None:
    contact_id = str(record["contact_id"])
    for module, key in (("invoices", "customer_id"), ("bills", "vendor_id"), ("expenses", "customer_id")):
        if any(str(r.get(key)) == contact_id for r in call.org[module]):
            raise ZohoError(
                400,
                4,
                f"The contact has {module} associated with it and cannot be deleted; "
                "mark it inactive instead (POST /contacts/{contact_id}/inactive).",
            )


def _amount(record: Record, key: str) -> Decimal:
    value = record.get(key)
    return Decimal(str(value)) if isinstance(value, int | float) else ZERO


def sort_name(record: Record) -> str:
    return str(record.get("contact_name", "")).lower()


LISTING = ListSpec(
    key="contacts",
    report_name="Contacts",
    sort_columns={
        "contact_name": sort_name,
        "first_name": lambda r: str(r.get("first_name", "")).lower(),
        "last_name": lambda r: str(r.get("last_name", "")).lower(),
        "email": lambda r: str(r.get("email", "")).lower(),
        "outstanding_receivable_amount": lambda r: _amount(r, "outstanding_receivable_amount"),
        "created_time": lambda r: str(r.get("created_time", "")),
        "last_modified_time": lambda r: str(r.get("last_modified_time", "")),
    },
    default_sort="contact_name",
    default_order="A",
    filter_by={
        "Status.All": lambda r: True,
        "Status.Active": lambda r: r.get("status") == "active",
        "Status.Inactive": lambda r: r.get("status") == "inactive",
        "Status.Duplicate": lambda r: False,
        "Status.PortalEnabled": lambda r: bool(r.get("is_portal_enabled")),
        "Status.PortalDisabled": lambda r: not r.get("is_portal_enabled"),
        "Status.CreditLimitExceed": lambda r: (
            bool(r.get("credit_limit")) and _amount(r, "outstanding_receivable_amount") > _amount(r, "credit_limit")
        ),
        "Status.Crm": lambda r: bool(r.get("is_linked_with_zohocrm")),
        "Invoice.OverDue": lambda r: False,
        "Invoice.Unpaid": lambda r: _amount(r, "outstanding_receivable_amount") > 0,
    },
    text={
        "contact_name": text_of("contact_name"),
        "company_name": text_of("company_name"),
        "first_name": text_of("first_name"),
        "last_name": text_of("last_name"),
        "email": text_of("email"),
        "phone": text_of("phone", "mobile"),
        "address": lambda r: " ".join(
            str(v) for a in ("billing_address", "shipping_address") for v in (r.get(a) or {}).values()
        ),
    },
    exact={"contact_type": lambda r: r.get("contact_type", "")},
    search=text_of("contact_name", "company_name", "notes", "contact_number"),
)


RESOURCE = Resource(
    collection="contacts",
    singular="contact",
    id_field="contact_id",
    label="Contact",
    listing=LISTING,
    build=build,
    created="The contact has been added.",
    updated="Contact has been updated successfully",
    deleted="The contact has been deleted.",
    entity="contact",
    before_delete=before_delete,
)


def mark(active: bool) -> Any:
    def handler(call: Call) -> Reply:
        status = "active" if active else "inactive"
        return status_action(
            RESOURCE, call, lambda r: {**r, "status": status}, f"The contact has been marked as {status}."
        )

    return handler


def _contact_with_person(call: Call, person_id: str) -> tuple[Record, int]:
    for contact in call.org["contacts"]:
        for index, person in enumerate(contact.get("contact_persons") or []):
            if str(person.get("contact_person_id")) == person_id:
                return contact, index
    raise not_found("Contact person")


def _save_persons(call: Call, contact: Record, people: list[Record]) -> Record:
    updated = build(call, contact, {"contact_persons": people})
    call.org["contacts"].put(updated)
    call.emit("contact", "updated", updated)
    return updated


def list_persons(call: Call) -> Reply:
    contact = RESOURCE.find(call)
    people = [{**p, "contact_id": contact["contact_id"]} for p in contact.get("contact_persons") or []]
    context = {"page": 1, "per_page": 200, "has_more_page": False, "report_name": "Contact Persons"}
    return reply(200, "success", contact_persons=people, page_context=context)


def get_person(call: Call) -> Reply:
    contact, index = _contact_with_person(call, call.params["contact_person_id"])
    if "contact_id" in call.params and str(contact["contact_id"]) != call.params["contact_id"]:
        raise not_found("Contact person")
    return reply(
        200, "success", contact_person={**contact["contact_persons"][index], "contact_id": contact["contact_id"]}
    )


def create_person(call: Call) -> Reply:
    body = call.object_body()
    contact_id = f.identifier(body, "contact_id")
    if not contact_id:
        raise invalid_field("contact_id", "Send the id of the contact this person belongs to.")
    contact = RESOURCE.find(call, contact_id)
    entry = {k: v for k, v in body.items() if k != "contact_id"}
    entry.pop("contact_person_id", None)
    people = [dict(p) for p in contact.get("contact_persons") or []]
    if entry.get("is_primary_contact"):
        for p in people:
            p["is_primary_contact"] = False
    updated = _save_persons(call, contact, [*people, entry])
    person = {**updated["contact_persons"][-1], "contact_id": updated["contact_id"]}
    return reply(201, "The contactperson has been Created", contact_person=[person])


def update_person(call: Call) -> Reply:
    contact, index = _contact_with_person(call, call.params["contact_person_id"])
    body = call.object_body()
    people = [dict(p) for p in contact["contact_persons"]]
    people[index] = {**people[index], **{k: v for k, v in body.items() if k != "contact_id"}}
    updated = _save_persons(call, contact, people)
    person = {**updated["contact_persons"][index], "contact_id": updated["contact_id"]}
    return reply(200, "The contactperson details has been updated.", contact_person=person)


def delete_person(call: Call) -> Reply:
    contact, index = _contact_with_person(call, call.params["contact_person_id"])
    people = [dict(p) for n, p in enumerate(contact["contact_persons"]) if n != index]
    _save_persons(call, contact, people)
    return reply(200, "The contact person has been deleted.")


def refresh_balances(call: Call, contact_id: str) -> None:
    """Keep a contact's outstanding amounts in step with its invoices and bills (not a user edit)."""
    contact = call.org["contacts"].get(contact_id)
    if contact is None:
        return
    receivable = sum(
        (
            _amount(r, "balance")
            for r in call.org["invoices"]
            if str(r.get("customer_id")) == contact_id and r.get("status") not in ("draft", "void")
        ),
        ZERO,
    )
    payable = sum(
        (
            _amount(r, "balance")
            for r in call.org["bills"]
            if str(r.get("vendor_id")) == contact_id and r.get("status") not in ("draft", "void")
        ),
        ZERO,
    )
    has_transaction = any(
        str(r.get(key)) == contact_id
        for module, key in (("invoices", "customer_id"), ("bills", "vendor_id"), ("expenses", "customer_id"))
        for r in call.org[module]
    )
    updated = {
        **contact,
        "outstanding_receivable_amount": out(receivable),
        "outstanding_receivable_amount_bcy": out(receivable),
        "outstanding_payable_amount": out(payable),
        "outstanding_payable_amount_bcy": out(payable),
        "has_transaction": has_transaction,
    }
    if updated != contact:
        call.org["contacts"].put(updated)
