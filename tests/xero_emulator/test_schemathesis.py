"""Schemathesis runs Xero's own OpenAPI documents (xero_accounting.yaml, xero-identity.yaml) over every operation
the emulator serves: no 5xx, and every documented response conforms to Xero's schema.

Generated path parameters and body references are swapped for real ids of the right kind in 3 of 4 cases, so
that the run reaches the success answers and their schemas, not only 404s and 400s.
Run as a script (python -m tests.xero_emulator.test_schemathesis) to print the counts.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from connectors.xero.emulator import XeroEmulator  # noqa: E402

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "xero"
CHECKS = (
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.content_type_conformance,
)
EXAMPLES = 4  # per operation: the whole run stays under a minute on a small machine
ACCOUNTING = (
    "getContacts", "createContacts", "updateOrCreateContacts", "getContact", "updateContact",
    "getContactByContactNumber",
    "getInvoices", "createInvoices", "updateOrCreateInvoices", "getInvoice", "updateInvoice",
    "getCreditNotes", "createCreditNotes", "updateOrCreateCreditNotes", "getCreditNote", "updateCreditNote",
    "createCreditNoteAllocation",
    "getPayments", "createPayments", "createPayment", "getPayment", "deletePayment",
    "getBankTransactions", "createBankTransactions", "updateOrCreateBankTransactions", "getBankTransaction",
    "updateBankTransaction",
    "getTaxRates", "createTaxRates", "updateTaxRate", "getTaxRateByTaxType",
    "getAccounts", "createAccount", "getAccount", "updateAccount", "deleteAccount",
    "getItems", "createItems", "updateOrCreateItems", "getItem", "updateItem", "deleteItem",
    "getTrackingCategories", "createTrackingCategory", "getTrackingCategory", "updateTrackingCategory",
    "deleteTrackingCategory", "createTrackingOptions", "updateTrackingOptions", "deleteTrackingOptions",
    "getOrganisations", "getCurrencies",
    "getManualJournals", "getOverpayments", "getPrepayments", "getPurchaseOrders", "getQuotes", "getJournals",
    "getBankTransfers", "getExpenseClaims", "getReceipts", "getUsers", "getBrandingThemes", "getContactGroups",
    "getRepeatingInvoices", "getLinkedTransactions", "getBatchPayments",
)  # fmt: skip
IDENTITY = ("getConnections", "deleteConnection")
# path parameter or reference field -> (collection, id field)
ID_SOURCES = {
    "ContactID": ("Contacts", "ContactID"),
    "ContactNumber": ("Contacts", "ContactNumber"),
    "InvoiceID": ("Invoices", "InvoiceID"),
    "CreditNoteID": ("CreditNotes", "CreditNoteID"),
    "PaymentID": ("Payments", "PaymentID"),
    "BankTransactionID": ("BankTransactions", "BankTransactionID"),
    "TaxType": ("TaxRates", "TaxType"),
    "AccountID": ("Accounts", "AccountID"),
    "ItemID": ("Items", "ItemID"),
    "TrackingCategoryID": ("TrackingCategories", "TrackingCategoryID"),
    "AccountCode": ("Accounts", "Code"),
}


def _plain(node: Any) -> Any:
    """YAML reads unquoted example timestamps as datetimes; JSON Schema wants the text."""
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    if isinstance(node, date | datetime):
        return node.isoformat()
    return node


@dataclass
class Tally:
    operations: list[str] = field(default_factory=list)
    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def _index(value: object, size: int) -> int:
    return zlib.crc32(repr(value).encode()) % size


def _real(emu: XeroEmulator, tenant: str, name: str, generated: object) -> object:
    source = ID_SOURCES.get(name)
    if source is None or _index(generated, 4) == 0:
        return generated
    collection, id_field = source
    records = [r for r in emu.records(collection, tenant) if r.get(id_field)]
    if not records:
        return generated
    return str(records[_index(generated, len(records))][id_field])


def _references(emu: XeroEmulator, tenant: str, node: Any) -> None:
    """Reference fields anywhere in a body (Contact.ContactID, LineItems[].AccountCode...) made real."""
    if isinstance(node, dict):
        for name, value in list(node.items()):
            if name in ID_SOURCES and isinstance(value, str):
                node[name] = _real(emu, tenant, name, value)
            else:
                _references(emu, tenant, value)
    elif isinstance(node, list):
        for value in node:
            _references(emu, tenant, value)


def _realistic(emu: XeroEmulator, tenant: str, case: Any) -> None:
    for name, value in list((case.path_parameters or {}).items()):
        if name == "TrackingOptionID" and case.path_parameters.get("TrackingCategoryID"):
            category = emu.store.get(tenant)["TrackingCategories"].get(case.path_parameters["TrackingCategoryID"])  # type: ignore[index]
            options = (category or {}).get("Options") or []
            if options and _index(value, 4):
                case.path_parameters[name] = options[_index(value, len(options))]["TrackingOptionID"]
        else:
            case.path_parameters[name] = _real(emu, tenant, name, value)
    _references(emu, tenant, case.body)


def _exercise(
    strategy: Any, examples: int, emu: XeroEmulator, headers: dict[str, str], tally: Tally, http: Any
) -> None:
    tenant = emu.tenant_id

    @settings(
        max_examples=examples, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        case.headers = {**(case.headers or {}), **headers}
        _realistic(emu, tenant, case)
        response = case.call(session=http)
        tally.calls += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)

    check()


def _as_xero_answers(raw: dict[str, Any]) -> dict[str, Any]:
    """The identity document's connection dates are typed date-time (RFC 3339, with an offset) while its own
    example, like Xero's answers, has none ("2019-12-07T18:46:19.5165400"): the emulator answers as Xero does,
    so those two fields are checked as plain strings. Nothing else is relaxed."""
    connection = raw.get("components", {}).get("schemas", {}).get("Connection", {}).get("properties", {})
    for name in ("createdDateUtc", "updatedDateUtc"):
        if name in connection:
            connection[name].pop("format", None)
    return raw


def run(tally: Tally) -> None:
    import requests

    emu = XeroEmulator(
        seed=13, contacts=40, invoices=40, bills=20, expenses=20, tenants=1, minute_limit=1_000_000, day_limit=10**9
    ).wait_ready()
    token = emu.oauth.issue_access(emu.client_id, emu.scopes).access_token
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": emu.tenant_id, "Accept": "application/json"}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml reads the 900 kB document 5x faster
    with emu.serve(), requests.Session() as http:
        for name, wanted, base in (
            ("xero_accounting.yaml", ACCOUNTING, emu.url + "/api.xro/2.0"),
            ("xero-identity.yaml", IDENTITY, emu.url),
        ):
            raw = _as_xero_answers(_plain(yaml.load((SPECS / name).read_text(encoding="utf-8"), Loader=loader)))
            schema = schemathesis.openapi.from_dict(raw)
            schema.config.update(base_url=base)
            for operation_id in wanted:
                operation = schema.find_operation_by_id(operation_id)
                tally.operations.append(f"{operation.method.upper()} {operation.path}")
                _exercise(operation.as_strategy(), EXAMPLES, emu, headers, tally, http)


def _report(tally: Tally) -> str:
    codes = ", ".join(f"{code}: {count}" for code, count in sorted(tally.statuses.items()))
    return f"schemathesis: {len(tally.operations)} operations, {tally.calls} calls (statuses {codes})"


@pytest.mark.e2e
@pytest.mark.skipif(not SPECS.is_dir(), reason=f"Xero's OpenAPI documents are not at {SPECS} (shared/ beside the repo)")
def test_xero_openapi_documents_against_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    tally = Tally()
    run(tally)
    assert len(tally.operations) == len(ACCOUNTING) + len(IDENTITY)
    assert tally.calls >= len(tally.operations)
    assert sum(n for code, n in tally.statuses.items() if 200 <= code < 300) > len(tally.operations)
    with capsys.disabled():
        print("\n" + _report(tally))


if __name__ == "__main__":
    result = Tally()
    run(result)
    print(_report(result))
