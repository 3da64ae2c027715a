"""Property: any payload Zoho's own GET response schemas allow maps to a unified model, unknown fields on raw.

The schemas are Zoho's OpenAPI documents' (contacts, invoices, bills, expenses, taxes), extracted once into
tests/fixtures/zoho/schemas by the script there. They type most values as bare strings and numbers, so
hypothesis-jsonschema is also offered the shapes Zoho really sends for the fields the mapping parses:
numeric-string ids, ``yyyy-mm-dd`` dates, ``+hhmm`` timestamps, three-letter currencies and Zoho's ``""``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pydantic import BaseModel

from connectors.zoho_books import _mapping as m

SCHEMAS = Path(__file__).parent.parent / "fixtures" / "zoho" / "schemas"
READERS: dict[str, Callable[..., BaseModel]] = {
    "contact": m.contact_from_zoho,
    "invoice": m.invoice_from_zoho,
    "bill": m.bill_from_zoho,
    "expense": m.expense_from_zoho,
    "tax": m.tax_rate_from_zoho,
}
_REALISTIC = {
    "id": {"type": "string", "pattern": r"^[0-9]{15,19}$"},
    "date": {"type": "string", "pattern": r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"},
    "time": {
        "type": "string",
        "pattern": r"^20[0-9]{2}-0[1-9]-[0-2][0-9]T[01][0-9]:[0-5][0-9]:[0-5][0-9][+-][01][0-9][0-5][0-9]$",
    },
    "currency": {"type": "string", "pattern": r"^[A-Z]{3}$"},
    "blank": {"enum": ["", " "]},
}


def _kind(name: str) -> str | None:
    if name.endswith("_id"):
        return "id"
    if name.endswith("_time"):
        return "time"
    if name in ("date", "due_date") or name.endswith("_date"):
        return "date"
    if name == "currency_code":
        return "currency"
    return None


def realistic(schema: Any, name: str = "") -> Any:
    """The schema, with each scalar property also allowed Zoho's real shapes (and its blank "")."""
    if not isinstance(schema, dict):
        return schema
    out = {key: realistic(value) for key, value in schema.items() if key not in ("properties", "items", "format")}
    if "properties" in schema:
        out["properties"] = {key: realistic(value, key) for key, value in schema["properties"].items()}
    if "items" in schema:
        out["items"] = realistic(schema["items"], name)
    if schema.get("type") in ("string", "number", "integer", "boolean"):
        options = [out, _REALISTIC["blank"]]
        kind = _kind(name)
        if kind is not None:
            options.append(_REALISTIC[kind])
        return {"anyOf": options}
    return out


def strategy(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Objects and arrays walked here, every other schema through hypothesis-jsonschema.

    (hypothesis-jsonschema 0.23's own object strategy relies on a Hypothesis internal that Hypothesis 6.170
    changed, so objects are built with fixed_dictionaries: any subset of the properties, plus unknown keys.)
    """
    if schema.get("type") == "object" or "properties" in schema:
        properties = {key: strategy(value) for key, value in (schema.get("properties") or {}).items()}
        unknown = st.dictionaries(
            st.text(min_size=1, max_size=12).filter(lambda key: key not in properties),
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
            max_size=2,
        )
        known = st.fixed_dictionaries({}, optional=properties)
        return st.builds(lambda a, b: {**b, **a}, known, unknown)
    if schema.get("type") == "array":
        return st.lists(strategy(schema.get("items") or {}), max_size=2)
    return _leaf(json.dumps(schema, sort_keys=True))


@cache
def _leaf(schema: str) -> st.SearchStrategy[Any]:
    # the same few scalar schemas recur hundreds of times: build each strategy once
    return from_schema(json.loads(schema))


@cache
def payloads(name: str) -> st.SearchStrategy[dict[str, Any]]:
    return strategy(realistic(json.loads((SCHEMAS / f"{name}.json").read_text())))


@pytest.mark.parametrize("name", sorted(READERS))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_payloads_from_zohos_schema_map_without_error(name: str, data: st.DataObject) -> None:
    payload = data.draw(payloads(name), label="payload")
    payload["a_field_zoho_adds_later"] = {"nested": [1, "two", None]}
    record = READERS[name](payload, raw=True)
    raw = getattr(record, "raw", None)
    assert raw == payload
    assert raw is not None and raw["a_field_zoho_adds_later"] == {"nested": [1, "two", None]}
    # what came out is a valid unified record, and stays one through its own JSON
    type(record).model_validate_json(record.model_dump_json())
    if isinstance(payload.get(f"{name}_id"), str) and payload[f"{name}_id"].strip():
        assert getattr(record, "id", None) == payload[f"{name}_id"]
