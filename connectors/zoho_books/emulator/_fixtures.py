"""Fixture files (DESIGN section 3): captured Zoho records served as given, filling in only what is missing.
Reading and checking the file is the kit's; what goes where is Zoho's.

Shape: {"organizations": [...], "contacts": [...], "invoices": [...], "bills": [...], "expenses": [...],
"taxes": [...], "customfields": [...]} (also accepted: "items", "chartofaccounts", "currencies",
"customerpayments"). Records without an `organization_id` belong to the first organization. Taxes and
custom-field definitions in a fixture replace the generated ones of their organization; custom-field
definitions a fixture lacks are taken from the `custom_fields` its records carry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unified.emulator import FixtureError
from unified.emulator import read_fixture as kit_read_fixture

from ._store import Organization, Record

RECORD_MODULES = {
    "contacts": "contact_id",
    "invoices": "invoice_id",
    "bills": "bill_id",
    "expenses": "expense_id",
    "taxes": "tax_id",
    "items": "item_id",
    "chartofaccounts": "account_id",
    "currencies": "currency_id",
    "customerpayments": "payment_id",
}
KNOWN_KEYS = {"organizations", "customfields", *RECORD_MODULES}
CF_ENTITY = {"contacts": "contact", "invoices": "invoice", "bills": "bill", "expenses": "expense", "items": "item"}


def read_fixture(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    """The fixture, checked by the kit against Zoho's collections."""
    return kit_read_fixture(source, known_keys=KNOWN_KEYS)


def organizations_of(data: dict[str, Any]) -> list[Record]:
    return list(data.get("organizations", []))


def load_records(data: dict[str, Any], orgs: list[Organization], stamp: str) -> None:
    """Put the fixture's records, definitions and taxes into their organizations."""
    by_id = {org.organization_id: org for org in orgs}

    def owner(record: Record, where: str) -> Organization:
        org_id = record.get("organization_id")
        if org_id in (None, ""):
            return orgs[0]
        org = by_id.get(str(org_id))
        if org is None:
            raise FixtureError(f"{where} names organization_id {org_id}, which the fixture's organizations lack")
        return org

    given_taxes = {owner(r, "a tax").organization_id for r in data.get("taxes", [])}
    for org in orgs:
        if org.organization_id in given_taxes:
            org["taxes"].clear()
    definitions: dict[tuple[str, str], list[Record]] = {}
    for n, definition in enumerate(data.get("customfields", [])):
        entity = definition.get("entity")
        if entity not in CF_ENTITY.values() or not definition.get("customfield_id"):
            raise FixtureError(
                f"customfields[{n}] needs an entity (contact, invoice, bill, expense, item) and a customfield_id"
            )
        org = owner(definition, f"customfields[{n}]")
        definitions.setdefault((org.organization_id, entity), []).append(_definition(definition, n))
    for (org_id, entity), found in definitions.items():
        by_id[org_id].customfields[entity] = found
    for module, id_field in RECORD_MODULES.items():
        for n, given in enumerate(data.get(module, [])):
            org = owner(given, f"{module}[{n}]")
            record = dict(given)
            if record.get(id_field) in (None, ""):
                record[id_field] = org.new_id()
            if module not in ("taxes", "currencies"):
                record.setdefault("created_time", stamp)
                record.setdefault("last_modified_time", record["created_time"])
            org[module].put(record)
            entity = CF_ENTITY.get(module)
            if entity and (org.organization_id, entity) not in definitions:
                _learn_definitions(org, entity, record)
    for org in orgs:
        org.counters["invoice"] = max(org.counters.get("invoice", 0), len(org["invoices"]))


def _definition(given: Record, n: int) -> Record:
    definition = dict(given)
    definition["customfield_id"] = str(definition["customfield_id"])
    definition.setdefault("label", definition.get("api_name", f"Field {n + 1}"))
    definition.setdefault("api_name", "cf_" + str(definition["label"]).lower().replace(" ", "_"))
    definition.setdefault("data_type", "string")
    definition.setdefault("index", n + 1)
    definition.setdefault("is_active", True)
    for key in ("show_on_pdf", "show_in_all_pdf", "show_in_portal", "edit_on_portal", "is_unique", "is_mandatory"):
        definition.setdefault(key, False)
    return definition


def _learn_definitions(org: Organization, entity: str, record: Record) -> None:
    known = org.customfields.setdefault(entity, [])
    ids = {d["customfield_id"] for d in known}
    for entry in record.get("custom_fields") or []:
        if not isinstance(entry, dict) or not entry.get("customfield_id"):
            continue
        cid = str(entry["customfield_id"])
        if cid in ids or not (entry.get("api_name") or entry.get("label")):
            continue
        ids.add(cid)
        known.append(_definition({**entry, "entity": entity}, len(known)))
