"""The server's answers for the resources Apideck shares with it validate against Apideck's own accounting.yml:
every list page, records' detail, write envelopes and error envelopes, so strict Apideck clients accept them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import Served

yaml = pytest.importorskip("yaml")
jsonschema = pytest.importorskip("jsonschema")

pytestmark = pytest.mark.e2e

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "apideck" / "accounting.yml"
#: path -> (Apideck's list envelope, its one-record envelope)
SHARED = {
    "customers": ("GetCustomersResponse", "GetCustomerResponse"),
    "suppliers": ("GetSuppliersResponse", "GetSupplierResponse"),
    "invoices": ("GetInvoicesResponse", "GetInvoiceResponse"),
    "bills": ("GetBillsResponse", "GetBillResponse"),
    "expenses": ("GetExpensesResponse", "GetExpenseResponse"),
    "tax-rates": ("GetTaxRatesResponse", "GetTaxRateResponse"),
}


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema's null type, the rest as it is."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"Apideck's spec is not at {SPEC}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)
    return {"components": _json_schema(document["components"])}


def _check(components: dict[str, Any], schema_name: str, body: Any) -> None:
    assert schema_name in components["components"]["schemas"], schema_name
    schema = {**components, "$ref": f"#/components/schemas/{schema_name}"}
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]]


@pytest.mark.parametrize("path", list(SHARED))
def test_every_page_and_detail_validates(
    served: Served, http: httpx.Client, components: dict[str, Any], path: str
) -> None:
    listing, one = SHARED[path]
    cursor: str | None = None
    ids: list[str] = []
    while True:
        params: dict[str, Any] = {"limit": 25} | ({"cursor": cursor} if cursor else {})
        body = http.get(f"/accounting/{path}", params=params).json()
        _check(components, listing, body)
        ids += [record["id"] for record in body["data"]]
        cursor = body["meta"]["cursors"]["next"]
        if cursor is None:
            break
    assert ids
    for record_id in ids[:3]:
        _check(components, one, http.get(f"/accounting/{path}/{record_id}", params={"raw": "true"}).json())


def test_write_envelopes_validate(served: Served, http: httpx.Client, components: dict[str, Any]) -> None:
    new = served.backend.new_records["customers"] | {"display_name": "Schema Check Ltd"}
    created = http.post("/accounting/customers", json=new).json()
    _check(components, "CreateCustomerResponse", created)
    record_id = created["data"]["id"]
    _check(components, "UpdateCustomerResponse", http.patch(f"/accounting/customers/{record_id}", json=new).json())
    _check(components, "DeleteCustomerResponse", http.delete(f"/accounting/customers/{record_id}").json())


def test_error_envelopes_validate(served: Served, http: httpx.Client, components: dict[str, Any]) -> None:
    _check(components, "BadRequestResponse", http.get("/accounting/invoices", params={"limit": 0}).json())
    _check(components, "NotFoundResponse", http.get("/accounting/invoices/999999999").json())
    _check(components, "UnauthorizedResponse", httpx.get(served.url + "/accounting/invoices").json())
    refused = http.get("/accounting/invoices", params={"sort[by]": served.backend.unsupported_sort}).json()
    _check(components, "BadRequestResponse", refused)
