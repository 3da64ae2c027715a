"""Every served shape against Zoho's documented example, field by field: keys present, same JSON types.

Documented examples: shared/reference/zoho_samples (generated from Zoho's OpenAPI `example` values) and, for
users, the OpenAPI document itself (walked the same way). Served records may carry more than documented.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import SAMPLES, Zoho

pytestmark = pytest.mark.anyio
OPENAPI = SAMPLES.parent / "zoho_books_openapi"

# Where the documents disagree with the live API, the live API wins; each exception says why.
CODES = ("zip", "hsn_or_sac")  # postal and HSN codes are examples like 94588, but "M1 1AE" is a zip too
KNOWN = {
    # contacts.yml shows a number, items.yml the string "70%": the emulator serves numbers for both
    "item_get.item.tax_percentage",
    "item_list.items[].tax_percentage",
    # taxes.yml shows `tax` as a list; clients and the live API read one object (package docs, "Known differences")
    "tax_get.tax",
    # customer-payments.yml says `customer_payments`; clients and the live API read `customerpayments`
    "customerpayment_list.customer_payments",
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def differences(documented: Any, served: Any, path: str) -> list[str]:
    """What the served value lacks or types differently from the documented one."""
    if path in KNOWN:
        return []
    if isinstance(documented, dict):
        if not isinstance(served, dict):
            return [f"{path}: an object is documented, {json_type(served)} served"]
        found: list[str] = []
        for key, value in documented.items():
            if f"{path}.{key}" in KNOWN:
                continue
            if key == "tax_percentage" and served.get(key) == "" == served.get("tax_id"):
                continue  # no tax: Zoho's blank for an unset pair
            if key == "value" and path.endswith("custom_fields[]"):
                continue  # the example is a text field; a value takes its field's data type
            if key not in served:
                found.append(f"{path}.{key}: missing ({json_type(value)} documented)")
            else:
                found += differences(value, served[key], f"{path}.{key}")
        return found
    if isinstance(documented, list):
        if not isinstance(served, list):
            return [f"{path}: an array is documented, {json_type(served)} served"]
        if documented and served:  # an empty list says nothing about its elements
            return [d for row in served for d in differences(documented[0], row, f"{path}[]")][:5]
        return []
    key = path.rsplit(".", 1)[-1].removesuffix("[]")
    wanted, got = json_type(documented), json_type(served)
    if wanted == "number" and got == "string" and (key.endswith("_id") or key in CODES):
        return []  # SOURCES.md: ids (and codes) are numbers in the examples, strings in the API
    if wanted not in ("null", got):
        return [f"{path}: {wanted} documented, {got} served ({served!r})"]
    return []


def sample(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    body.pop("page_context", None)  # some examples show it as a list; checked by the list tests
    return body


def _pick(zoho: Zoho, module: str, id_field: str, *need: str) -> str:
    """A record that has what the example shows (a tax, line items), so its fields are not blank."""
    records = zoho.emu.records(zoho.org, module)
    best = next((r for r in records if all(r.get(k) not in (None, "", []) for k in need)), records[0])
    return str(best[id_field])


DETAILS = [
    ("contact_get.json", "contacts", "contact_id", "/contacts/{}", ("tax_id", "contact_persons")),
    ("invoice_get.json", "invoices", "invoice_id", "/invoices/{}", ("line_items", "payment_made")),
    ("bill_get.json", "bills", "bill_id", "/bills/{}", ("line_items", "payments")),
    ("expense_get.json", "expenses", "expense_id", "/expenses/{}", ("tax_id",)),
    ("item_get.json", "items", "item_id", "/items/{}", ("tax_id",)),
    ("tax_get.json", "taxes", "tax_id", "/settings/taxes/{}", ()),
    ("chartofaccount_get.json", "chartofaccounts", "account_id", "/chartofaccounts/{}", ()),
    ("customerpayment_get.json", "customerpayments", "payment_id", "/customerpayments/{}", ("invoices",)),
]
LISTS = [
    ("contact_list.json", "/contacts"),
    ("invoice_list.json", "/invoices"),
    ("bill_list.json", "/bills"),
    ("expense_list.json", "/expenses"),
    ("item_list.json", "/items"),
    ("tax_list.json", "/settings/taxes"),
    ("chartofaccounts_list.json", "/chartofaccounts"),
    ("customerpayment_list.json", "/customerpayments"),
    ("currency_list.json", "/settings/currencies"),
]


@pytest.mark.parametrize(("name", "module", "id_field", "path", "need"), DETAILS, ids=[d[0] for d in DETAILS])
async def test_detail_responses_carry_every_documented_field(
    zoho: Zoho, name: str, module: str, id_field: str, path: str, need: tuple[str, ...]
) -> None:
    served = await zoho.ok("GET", path.format(_pick(zoho, module, id_field, *need)))
    assert differences(sample(name), served, name.removesuffix(".json")) == []


@pytest.mark.parametrize(("name", "path"), LISTS, ids=[n for n, _ in LISTS])
async def test_list_rows_carry_what_documented_rows_carry(zoho: Zoho, name: str, path: str) -> None:
    served = await zoho.ok("GET", path)
    assert differences(sample(name), served, name.removesuffix(".json")) == []


async def test_organizations_as_documented(zoho: Zoho) -> None:
    listed = await zoho.ok("GET", "/organizations")
    detail = await zoho.ok("GET", f"/organizations/{zoho.org}")
    assert differences(sample("organizations_list.json"), listed, "organizations_list") == []
    assert differences(sample("organization_get.json"), detail, "organization_get") == []


def openapi_example(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """The example Zoho's pages render for a schema: each property's `example`, one element per array,
    properties without one left out (as shared/reference/zoho_samples/SOURCES.md describes)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return openapi_example(document, document["components"]["schemas"][name])
    if "example" in schema:
        return schema["example"]
    if schema.get("type") == "array" and "items" in schema:
        item = openapi_example(document, schema["items"])
        return [] if item is None else [item]
    if "properties" in schema:
        found = {k: openapi_example(document, v) for k, v in schema["properties"].items()}
        return {k: v for k, v in found.items() if v is not None and v != []}
    return None


def response_example(file: str, path: str) -> Any:
    document = yaml.safe_load((OPENAPI / file).read_text(encoding="utf-8"))
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    example = openapi_example(document, schema)
    example.pop("page_context", None)
    return example


@pytest.mark.parametrize(("path", "served_path"), [("/users", "/users"), ("/users/me", "/users/me")])
async def test_users_as_the_openapi_document_shows_them(zoho: Zoho, path: str, served_path: str) -> None:
    documented = response_example("users.yml", path)
    assert documented  # the walk found the example
    served = await zoho.ok("GET", served_path)
    assert differences(documented, served, f"users{path}") == []


def test_the_comparison_catches_what_is_missing_or_mistyped() -> None:
    documented = {"a": 1, "b": {"c": "x"}, "rows": [{"d": True}], "thing_id": 5, "zip": 94588}
    served = {"a": "1", "b": {}, "rows": [{"d": "yes"}], "thing_id": "5", "zip": "M1 1AE"}
    assert differences(documented, served, "t") == [
        "t.a: number documented, string served ('1')",
        "t.b.c: missing (string documented)",
        "t.rows[].d: boolean documented, string served ('yes')",
    ]
    assert differences({"x": []}, {"x": []}, "t") == [] and differences({"x": [1]}, {"x": {}}, "t") != []


def test_every_sample_of_a_served_get_is_compared() -> None:
    compared = {d[0] for d in DETAILS} | {n for n, _ in LISTS} | {"organizations_list.json", "organization_get.json"}
    unserved = {"custommodules_list.json", "vendorpayment_get.json", "invoice_customfields_get.json"}
    samples = {p.name for p in Path(SAMPLES).glob("*_get.json")} | {p.name for p in SAMPLES.glob("*_list.json")}
    assert samples - unserved == compared
