"""Custom fields: definitions per organization and entity, writes by id / api_name / label / index, and
the `custom_fields` array plus `custom_field_hash` that records carry."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from ._errors import ZohoError, invalid_field
from ._numbers import out, quantize, to_decimal
from ._store import Organization, Record

ENTITIES = ("contact", "invoice", "bill", "expense", "item")
DATA_TYPES = (
    "string",
    "multiline",
    "email",
    "url",
    "phone",
    "number",
    "decimal",
    "amount",
    "percent",
    "date",
    "check_box",
    "dropdown",
)
_TEXT_LIMIT = {"string": 255, "multiline": 30000, "email": 100, "url": 2000, "phone": 50}


def api_name_for(label: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "_", label.lower()).strip("_")
    return f"cf_{slug or 'field'}"


def make_definition(
    *,
    customfield_id: str,
    entity: str,
    label: str,
    data_type: str,
    index: int,
    api_name: str | None = None,
    options: Iterable[str] = (),
    is_unique: bool = False,
    is_active: bool = True,
) -> Record:
    name = api_name or api_name_for(label)
    definition: Record = {
        "customfield_id": customfield_id,
        "field_id": customfield_id,
        "entity": entity,
        "label": label,
        "api_name": name,
        "placeholder": name,
        "data_type": data_type,
        "index": index,
        "is_active": is_active,
        "is_mandatory": False,
        "is_unique": is_unique,
        "show_on_pdf": False,
        "show_in_all_pdf": False,
        "show_in_portal": False,
        "edit_on_portal": False,
        "search_entity": entity,
        "is_dependent_field": False,
    }
    if data_type == "dropdown":
        definition["values"] = [
            {"option_id": f"{customfield_id}{n:03d}", "name": option, "order": n}
            for n, option in enumerate(options, start=1)
        ]
    return definition


def create_definition(org: Organization, body: dict[str, Any], new_id: Callable[[], str]) -> Record:
    """A definition from an emulator-specific POST /settings/customfields body."""
    entity = body.get("entity")
    if entity not in ENTITIES:
        raise invalid_field("entity", f"Use one of: {', '.join(ENTITIES)}.")
    label = body.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > 50:
        raise invalid_field("label", "Send the field's label, 1 to 50 characters.")
    data_type = body.get("data_type", "string")
    if data_type not in DATA_TYPES:
        raise invalid_field("data_type", f"Use one of: {', '.join(DATA_TYPES)}.")
    existing = org.customfields.setdefault(entity, [])
    api_name = body.get("api_name") or api_name_for(label)
    if not isinstance(api_name, str) or not re.fullmatch(r"cf_[0-9a-z_]{1,60}", api_name):
        raise invalid_field("api_name", "Use cf_ followed by lower-case letters, digits or underscores.")
    for other in existing:
        if other["api_name"] == api_name or other["label"].lower() == label.lower():
            raise ZohoError(400, 4, f"A custom field named {label!r} ({api_name}) already exists for {entity}.")
    raw_options = body.get("values", body.get("options", []))
    options = [o["name"] if isinstance(o, dict) else str(o) for o in raw_options or []]
    if data_type == "dropdown" and not options:
        raise invalid_field("values", 'A dropdown needs its options, e.g. ["Gold", "Silver"].')
    definition = make_definition(
        customfield_id=new_id(),
        entity=entity,
        label=label.strip(),
        data_type=data_type,
        index=len(existing) + 1,
        api_name=api_name,
        options=options,
        is_unique=bool(body.get("is_unique", False)),
    )
    existing.append(definition)
    return definition


def _resolve(definitions: list[Record], entry: dict[str, Any], entity: str) -> Record:
    for key in ("customfield_id", "field_id", "api_name", "label", "index"):
        if key in entry and entry[key] not in (None, ""):
            wanted = str(entry[key])
            for definition in definitions:
                candidate = str(definition[key if key != "field_id" else "customfield_id"])
                if candidate == wanted or (key == "label" and candidate.lower() == wanted.lower()):
                    return definition
            known = ", ".join(f"{d['api_name']} ({d['label']}, id {d['customfield_id']})" for d in definitions)
            raise ZohoError(
                400,
                4,
                f"Invalid value passed for custom_fields: no {entity} custom field has {key} {wanted!r}. "
                f"Known custom fields: {known or 'none'}.",
            )
    raise invalid_field("custom_fields", "Name each custom field by customfield_id, api_name, label or index.")


def coerce(definition: Record, value: object, precision: int) -> object:
    """The typed value Zoho keeps for a custom field, or an error naming the field."""
    field = definition["api_name"]
    data_type = definition["data_type"]
    if data_type in _TEXT_LIMIT:
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
            raise invalid_field(field, f"Send text for this {data_type} field.")
        text = str(value)
        if len(text) > _TEXT_LIMIT[data_type]:
            raise invalid_field(field, f"At most {_TEXT_LIMIT[data_type]} characters.")
        if data_type == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
            raise invalid_field(field, "Send an e-mail address like name@example.com.")
        if data_type == "url" and not re.match(r"(https?://|www\.)\S+$", text):
            raise invalid_field(field, "Send a URL starting with http://, https:// or www.")
        return text
    if data_type == "number":
        number = to_decimal(value, field)
        if number != number.to_integral_value():
            raise invalid_field(field, "This number field takes whole numbers.")
        return int(number)
    if data_type in ("decimal", "percent"):
        return out(to_decimal(value, field))
    if data_type == "amount":
        return out(quantize(to_decimal(value, field), precision))
    if data_type == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise invalid_field(field, "Send a date as yyyy-mm-dd.") from None
    if data_type == "check_box":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise invalid_field(field, "Send true or false.")
    if data_type == "dropdown":
        names = [option["name"] for option in definition.get("values", [])]
        if str(value) not in names:
            raise invalid_field(field, f"Choose one of: {', '.join(names)}.")
        return str(value)
    return value


def formatted(definition: Record, value: object, currency_symbol: str) -> str:
    data_type = definition["data_type"]
    if data_type == "amount" and isinstance(value, int | float):
        return f"{currency_symbol}{value:,.2f}"
    if data_type == "decimal" and isinstance(value, int | float):
        return f"{value:,}"
    if data_type == "percent":
        return f"{value}%"
    if data_type == "date" and isinstance(value, str):
        return date.fromisoformat(value).strftime("%d %b %Y")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def current_values(record: Record) -> dict[str, object]:
    """customfield_id -> typed value, from a stored record."""
    values: dict[str, object] = {}
    for entry in record.get("custom_fields") or []:
        if isinstance(entry, dict) and "customfield_id" in entry:
            values[str(entry["customfield_id"])] = entry.get("value")
    return values


def apply_writes(
    org: Organization, entity: str, values: dict[str, object], entries: object, precision: int
) -> dict[str, object]:
    """New customfield_id -> value map after a write's `custom_fields` entries."""
    if not isinstance(entries, list):
        raise invalid_field("custom_fields", 'Send a list like [{"api_name": "cf_x", "value": "..."}].')
    definitions = org.customfields.get(entity, [])
    updated = dict(values)
    for entry in entries:
        if not isinstance(entry, dict):
            raise invalid_field("custom_fields", "Each entry must be an object with a value.")
        definition = _resolve(definitions, entry, entity)
        value = entry.get("value")
        if value is None or value == "":
            updated.pop(definition["customfield_id"], None)
        else:
            updated[definition["customfield_id"]] = coerce(definition, value, precision)
    return updated


def render(org: Organization, entity: str, values: dict[str, object]) -> tuple[list[Record], Record]:
    """The `custom_fields` array and `custom_field_hash` for a record's values."""
    symbol = str(org.record.get("currency_symbol", ""))
    fields: list[Record] = []
    hash_: Record = {}
    for definition in org.customfields.get(entity, []):
        cid = definition["customfield_id"]
        if cid not in values:
            continue
        value = values[cid]
        shown = formatted(definition, value, symbol)
        entry: Record = {
            "customfield_id": cid,
            "field_id": cid,
            "api_name": definition["api_name"],
            "label": definition["label"],
            "placeholder": definition["api_name"],
            "data_type": definition["data_type"],
            "index": definition["index"],
            "is_active": definition["is_active"],
            "value": value,
            "value_formatted": shown,
            "show_on_pdf": definition["show_on_pdf"],
            "show_in_all_pdf": definition["show_in_all_pdf"],
            "show_in_portal": definition["show_in_portal"],
            "edit_on_portal": definition["edit_on_portal"],
            "search_entity": entity,
            "is_dependent_field": False,
        }
        if definition["data_type"] == "dropdown":
            entry["selected_option_id"] = next((o["option_id"] for o in definition["values"] if o["name"] == value), "")
        fields.append(entry)
        name = definition["api_name"]
        hash_[name] = value
        hash_[f"{name}_unformatted"] = value
        hash_[f"{name}_formatted"] = shown
    return fields, hash_


def unique_definition(org: Organization, entity: str, api_name: str) -> Record:
    """The unique custom field an upsert names in X-Unique-Identifier-Key."""
    for definition in org.customfields.get(entity, []):
        if definition["api_name"] == api_name:
            if not definition.get("is_unique"):
                raise ZohoError(
                    400,
                    4,
                    f"Invalid value passed for X-Unique-Identifier-Key: {api_name} is not a unique custom "
                    f"field of {entity}. Mark it unique, or use a unique field.",
                )
            return definition
    uniques = [d["api_name"] for d in org.customfields.get(entity, []) if d.get("is_unique")]
    raise ZohoError(
        400,
        4,
        f"Invalid value passed for X-Unique-Identifier-Key: {entity} has no custom field {api_name!r}. "
        f"Unique custom fields: {', '.join(uniques) or 'none'}.",
    )
