"""Schemathesis runs Zoho's own OpenAPI documents (contacts, invoices, bills, expenses, taxes) against the
emulator: no 5xx, and every documented response conforms to Zoho's schema.

Zoho's documents differ from the live API in a few known ways (shared/reference/ZOHO_FACTS.md sections 3, 4
and 9). `_as_zoho_answers` widens exactly those spots, each with its reason, before the run; nothing else
is relaxed. Run as a script (python tests/e2e/test_emulator_schemathesis.py) to print the counts.
"""

from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from connectors.zoho_books.emulator import ZohoBooksEmulator  # noqa: E402

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "zoho_books_openapi"
CHECKS = (
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.content_type_conformance,
)
EXAMPLES = 5  # per operation: the run stays well under a minute on a small machine
OPERATIONS = {
    "contacts.yml": (
        "list_contacts",
        "create_contact",
        "get_contact",
        "update_contact",
        "delete_contact",
        "mark_contact_active",
        "mark_contact_inactive",
    ),
    "invoices.yml": (
        "list_invoices",
        "create_invoice",
        "get_invoice",
        "update_invoice",
        "delete_invoice",
        "mark_invoice_sent",
        "mark_invoice_void",
        "mark_invoice_draft",
    ),
    "bills.yml": (
        "list_bills",
        "create_bill",
        "get_bill",
        "update_bill",
        "delete_bill",
        "mark_bill_void",
        "mark_bill_open",
    ),
    "expenses.yml": ("list_expenses", "create_expense", "get_expense", "update_expense", "delete_expense"),
    "taxes.yml": ("list_taxes", "create_tax", "get_tax", "update_tax", "delete_tax"),
}
# Path parameters and body fields that name records: generated values are swapped for real ids of the
# right kind in 3 of 4 cases, so that schemathesis reaches the success responses and their schemas, not
# only 404s and 400s.
ID_SOURCES: dict[str, tuple[str, str, Any]] = {
    "contact_id": ("contacts", "contact_id", lambda r: True),
    "customer_id": ("contacts", "contact_id", lambda r: r["contact_type"] == "customer"),
    "vendor_id": ("contacts", "contact_id", lambda r: r["contact_type"] == "vendor"),
    "invoice_id": ("invoices", "invoice_id", lambda r: True),
    "bill_id": ("bills", "bill_id", lambda r: True),
    "expense_id": ("expenses", "expense_id", lambda r: True),
    "tax_id": ("taxes", "tax_id", lambda r: r["tax_type"] != "tax_group"),
    "account_id": ("chartofaccounts", "account_id", lambda r: r["account_type"] in ("expense", "other_expense")),
    "paid_through_account_id": ("chartofaccounts", "account_id", lambda r: r["account_type"] in ("cash", "bank")),
    "currency_id": ("currencies", "currency_id", lambda r: True),
    "item_id": ("items", "item_id", lambda r: True),
}
# Money the documents type as "string" or "integer" while Zoho sends decimal numbers (e.g. invoice total
# "string", contact outstanding_receivable_amount and bill payment_made "integer").
MONEY = {
    "amount_bcy",
    "amount_fcy",
    "balance",
    "bcy_rate",
    "item_total",
    "outstanding_receivable_amount",
    "outstanding_receivable_amount_bcy",
    "payment_made",
    "reverse_charge_tax_amount",
    "shipping_charge",
    "sub_total",
    "tax_amount",
    "tax_percentage",
    "tax_total",
    "total",
    "unused_credits_payable_amount",
    "unused_credits_receivable_amount",
    "unused_credits_receivable_amount_bcy",
    "vendor_credits_applied",
}
# Counters some documents type as "string" (e.g. expenses' page_context.page) that Zoho sends as numbers.
COUNTS = {"item_order", "page", "per_page"}


def _plain(node: Any) -> Any:
    """YAML reads unquoted example timestamps as datetimes; JSON Schema wants the text."""
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    if isinstance(node, date | datetime):
        return node.isoformat()
    return node


def _walk(node: Any, visit: Any) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _widen(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    """A property's schema, widened where the live API answers differently from the document."""
    kind = prop.get("type")
    # page_context is an object in live answers, and /settings/taxes answers `tax` as an object; the
    # documents show arrays of one (FACTS section 9).
    if name in ("page_context", "tax") and kind == "array":
        prop = prop["items"]
    # Custom field values keep their type (number, boolean, date...); the document says string.
    elif name == "value":
        prop = {}
    # A discount is a number or a percentage string like "10%" (the document's own description).
    elif name == "discount" and kind in ("number", "integer"):
        prop = {"anyOf": [prop, {"type": "string", "pattern": "%$"}]}
    elif name in MONEY and kind in ("string", "integer"):
        prop = {**prop, "type": "number"}
    elif name in COUNTS and kind == "string":
        prop = {**prop, "type": "integer"}
    # Zoho sends "" for an unset scalar, numbers included (FACTS section 3).
    if prop.get("type") in ("number", "integer"):
        prop = {"anyOf": [prop, {"type": "string", "maxLength": 0}]}
    return prop


def _as_zoho_answers(raw: dict[str, Any]) -> dict[str, Any]:
    """Zoho's document, widened only where the live API is known to answer differently. Fields are named
    both inline and as components (`#/components/schemas/outstanding_receivable_amount`): both are widened."""
    spec = copy.deepcopy(raw)

    def visit(node: dict[str, Any]) -> None:
        for name, prop in list(node.get("properties", {}).items()):
            if isinstance(prop, dict) and "$ref" not in prop:
                node["properties"][name] = _widen(name, prop)

    schemas = spec.get("components", {}).get("schemas", {})
    for name, schema in list(schemas.items()):
        if isinstance(schema, dict) and "$ref" not in schema:
            schemas[name] = _widen(name, schema)
    _walk(schemas, visit)
    _walk(spec.get("paths", {}), visit)
    return spec


@dataclass
class Tally:
    operations: list[str] = field(default_factory=list)
    calls: int = 0
    checks: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def _stable_index(value: object, size: int) -> int:
    return zlib.crc32(repr(value).encode()) % size


def _real_id(emu: ZohoBooksEmulator, name: str, generated: object) -> object:
    source = ID_SOURCES.get(name)
    if source is None or _stable_index(generated, 4) == 0:
        return generated
    module, id_field, wanted = source
    records = [r for r in emu.records(emu.organization_id, module) if wanted(r)]
    if not records:
        return generated
    return str(records[_stable_index(generated, len(records))][id_field])


def _realistic(emu: ZohoBooksEmulator, case: Any) -> None:
    for name, value in list((case.path_parameters or {}).items()):
        case.path_parameters[name] = _real_id(emu, name, value)
    body = case.body
    if isinstance(body, dict):
        for name in list(body):
            if name in ID_SOURCES:
                body[name] = _real_id(emu, name, body[name])
        for line in body.get("line_items") or []:
            if isinstance(line, dict):
                for name in list(line):
                    if name in ID_SOURCES:
                        line[name] = _real_id(emu, name, line[name])


def _exercise(operation: Any, strategy: Any, examples: int, emu: ZohoBooksEmulator, http: Any, tally: Tally) -> None:
    @settings(
        max_examples=examples, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        case.query = {**(case.query or {}), "organization_id": emu.organization_id}
        _realistic(emu, case)
        response = case.call(session=http)
        tally.calls += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)
        tally.checks += len(CHECKS)

    check()


def run(tally: Tally) -> None:
    """Zoho's own request examples first, then generated cases, against a served emulator."""
    import requests

    emu = ZohoBooksEmulator(seed=13, contacts=40, invoices=40, bills=20, expenses=20, rate_limit=1_000_000)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml reads these files 5x faster
    with emu.serve(), requests.Session() as http:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": emu.refresh_token,
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
        }
        token = http.post(emu.accounts_url + "/oauth/v2/token", data=form).json()["access_token"]
        http.headers["Authorization"] = f"Zoho-oauthtoken {token}"
        for spec_file, wanted in OPERATIONS.items():
            raw = _plain(yaml.load((SPECS / spec_file).read_text(encoding="utf-8"), Loader=loader))
            schema = schemathesis.openapi.from_dict(_as_zoho_answers(raw))
            schema.config.update(base_url=emu.api_url)
            for operation_id in wanted:
                operation = schema.find_operation_by_id(operation_id)
                tally.operations.append(f"{operation.method.upper()} {operation.path}")
                for example in operation.get_strategies_from_examples():
                    _exercise(operation, example, 1, emu, http, tally)
                _exercise(operation, operation.as_strategy(), EXAMPLES, emu, http, tally)


def _report(tally: Tally) -> str:
    codes = ", ".join(f"{code}: {count}" for code, count in sorted(tally.statuses.items()))
    return (
        f"schemathesis: {len(tally.operations)} operations, {tally.calls} calls, {tally.checks} checks passed "
        f"(statuses {codes})"
    )


@pytest.mark.e2e
@pytest.mark.skipif(not SPECS.is_dir(), reason=f"Zoho's OpenAPI documents are not at {SPECS} (shared/ beside the repo)")
def test_zoho_openapi_documents_against_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    tally = Tally()
    run(tally)
    assert len(tally.operations) == sum(len(ids) for ids in OPERATIONS.values())
    assert tally.calls >= len(tally.operations)
    assert any(200 <= code < 300 for code in tally.statuses)
    with capsys.disabled():
        print("\n" + _report(tally))


if __name__ == "__main__":
    result = Tally()
    run(result)
    print(_report(result))
