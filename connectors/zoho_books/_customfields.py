"""Custom fields: the organization's definitions (fetched once per organization and entity, then cached),
unified custom fields resolved to Zoho's ``customfield_id`` with their values checked against the field's
``data_type``, and Zoho's ``custom_fields`` entries read back as unified ``CustomField`` values.

Writes may name a field by ``id`` (Zoho's customfield_id), or by ``name``: its label (any case) or its
api_name (``cf_...``). Values are checked before any write: numbers (number, decimal, amount, percent) must be
numbers (``number`` a whole one), ``date`` a ``yyyy-mm-dd`` date, ``check_box`` a boolean, ``dropdown`` one of
the options, ``email`` and ``url`` must look like one. A write changes the fields it names and leaves the
others as they are (Zoho's behaviour); ``None`` clears a field. Reads type values by
``data_type`` where Zoho sends it: numbers as ``Decimal``, check boxes as ``bool``, the rest as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from connectors.zoho_books._wire import ZohoCustomField
from schemas import CustomField
from unified.errors import RequestValidationError
from unified.toolkit import KeyedCache

__all__ = [
    "ENTITIES",
    "CustomFieldDefinition",
    "DefinitionCache",
    "custom_fields_from_zoho",
    "parse_definitions",
    "resolve",
]

#: unified resource -> Zoho custom-field entity
ENTITIES: dict[str, str] = {
    "contacts": "contact",
    "customers": "contact",
    "suppliers": "contact",
    "invoices": "invoice",
    "bills": "bill",
    "expenses": "expense",
}

_NUMBERS = frozenset({"number", "decimal", "amount", "percent"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)

Fetch = Callable[[str], Awaitable[Mapping[str, Any]]]


@attrs.frozen
class CustomFieldDefinition:
    customfield_id: str
    api_name: str
    label: str
    data_type: str
    options: tuple[str, ...] = ()
    is_active: bool = True

    def describe(self) -> str:
        return f"{self.label!r} ({self.api_name}, id {self.customfield_id}, {self.data_type})"


def parse_definitions(body: Mapping[str, Any], entity: str) -> list[CustomFieldDefinition]:
    """Definitions from ``GET /settings/customfields?entity=...``: ``{"customfields": {"<entity>": [...]}}``.

    A flat list under ``customfields`` or ``custom_fields`` (entries carrying their ``entity``) is read too.
    """
    found = body.get("customfields", body.get("custom_fields"))
    if isinstance(found, Mapping):
        entries: Any = found.get(entity, [])
    elif isinstance(found, list):
        entries = [e for e in found if isinstance(e, Mapping) and e.get("entity", entity) == entity]
    else:
        entries = []
    definitions = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        cid = entry.get("customfield_id", entry.get("field_id"))
        if cid in (None, ""):
            continue
        options = entry.get("values", entry.get("options")) or []
        definitions.append(
            CustomFieldDefinition(
                customfield_id=str(cid),
                api_name=str(entry.get("api_name") or ""),
                label=str(entry.get("label") or ""),
                data_type=str(entry.get("data_type") or "string"),
                options=tuple(
                    str(o.get("name")) if isinstance(o, Mapping) else str(o) for o in options if o not in (None, "")
                ),
                is_active=entry.get("is_active", True) is not False,
            )
        )
    return definitions


class DefinitionCache:
    """Definitions per (organization, entity), fetched on first use; concurrent callers share one fetch."""

    def __init__(self, fetch: Fetch) -> None:
        async def load(key: tuple[str, str]) -> list[CustomFieldDefinition]:
            return parse_definitions(await fetch(key[1]), key[1])

        self._cache: KeyedCache[tuple[str, str], list[CustomFieldDefinition]] = KeyedCache(load)
        self._keys: set[tuple[str, str]] = set()

    async def get(self, organization_id: str, entity: str) -> list[CustomFieldDefinition]:
        self._keys.add((organization_id, entity))
        return await self._cache.get((organization_id, entity))

    def cached(self, organization_id: str, entity: str) -> list[CustomFieldDefinition]:
        """The definitions already fetched, without fetching (empty when none were)."""
        return self._cache.cached((organization_id, entity)) or []

    def forget(self, organization_id: str | None = None) -> None:
        """Drop cached definitions (of one organization, or all) so the next use fetches them again."""
        for key in [k for k in self._keys if organization_id is None or k[0] == organization_id]:
            self._cache.forget(key)


def _find(definitions: Sequence[CustomFieldDefinition], field: CustomField) -> CustomFieldDefinition | None:
    if field.id is not None:
        return next((d for d in definitions if d.customfield_id == field.id), None)
    name = (field.name or "").strip()
    for definition in definitions:
        if definition.api_name == name or definition.label.lower() == name.lower():
            return definition
    return None


def resolve(
    fields: Iterable[CustomField], definitions: Sequence[CustomFieldDefinition], *, entity: str, where: str
) -> list[ZohoCustomField]:
    """Unified custom fields as Zoho write entries ``{customfield_id, value}``, or a RequestValidationError."""
    resolved: list[ZohoCustomField] = []
    seen: set[str] = set()
    for index, field in enumerate(fields):
        path = f"{where}[{index}]"
        definition = _find(definitions, field)
        if definition is None:
            known = ", ".join(d.describe() for d in definitions) or "none are defined"
            wanted = f"id {field.id!r}" if field.id is not None else f"name {field.name!r}"
            raise RequestValidationError(
                f"{path}: no {entity} custom field has the {wanted}. Name a field by its id, label or api_name; "
                f"known {entity} custom fields: {known}.",
                field=path,
                detail={"known": [d.api_name for d in definitions]},
            )
        if definition.customfield_id in seen:
            raise RequestValidationError(
                f"{path}: the custom field {definition.describe()} is given twice; send it once.", field=path
            )
        seen.add(definition.customfield_id)
        value = _checked(definition, field.value, f"{path}.value")
        resolved.append(ZohoCustomField(customfield_id=definition.customfield_id, value=value))
    return resolved


def _checked(definition: CustomFieldDefinition, value: object, path: str) -> object:
    """The value as Zoho takes it, or a RequestValidationError saying what the field's data_type needs."""
    if value is None or value == "":
        return ""
    kind = definition.data_type

    def refuse(needs: str) -> RequestValidationError:
        return RequestValidationError(
            f"{path}: the custom field {definition.describe()} takes {needs}; got {value!r}.", field=path
        )

    if kind in _NUMBERS:
        number = _number(value)
        if number is None:
            raise refuse("a number")
        if kind == "number" and number != number.to_integral_value():
            raise refuse("a whole number")
        return number
    if kind == "check_box":
        if not isinstance(value, bool):
            raise refuse("true or false")
        return value
    if not isinstance(value, str):
        raise refuse("text")
    if kind == "date":
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise refuse("a date as yyyy-mm-dd") from None
    if kind == "email" and not _EMAIL.match(value):
        raise refuse("an email address like name@example.com")
    if kind == "url" and not _URL.match(value):
        raise refuse("a URL starting with http://, https:// or www.")
    if kind == "dropdown" and definition.options and value not in definition.options:
        raise refuse(f"one of its options ({', '.join(definition.options)})")
    return value


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except ArithmeticError:
            return None
        return number if number.is_finite() else None
    return None


def _read_value(data_type: str | None, value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if data_type in _NUMBERS or (data_type is None and isinstance(value, int | float) and not isinstance(value, bool)):
        number = _number(repr(value) if isinstance(value, float) else value)
        return number if number is not None else str(value)
    if data_type == "check_box" or isinstance(value, bool):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        return str(value)
    if isinstance(value, list | dict):
        return _json_value(value)
    return value if isinstance(value, str) else str(value)


def _json_value(value: object) -> object:
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def custom_fields_from_zoho(entries: Sequence[ZohoCustomField] | None) -> list[dict[str, Any]] | None:
    """Zoho's ``custom_fields`` as unified CustomField data: id, name (the label) and a typed value."""
    if entries is None:
        return None
    fields = []
    for entry in entries:
        name = entry.label or entry.api_name
        if entry.customfield_id is None and name is None:
            continue
        fields.append({"id": entry.customfield_id, "name": name, "value": _read_value(entry.data_type, entry.value)})
    return fields
