"""Mapping speed: Zoho JSON to the unified model and back, beside plain JSON parsing of the same payloads.

    python benchmarks/mapping.py [--quick]

Invoices with 1, 5 and 50 lines are created in the emulator (in-process), so totals, taxes and custom fields
are Zoho's own, and read back as ``GET /invoices/{id}`` returns them. Then, per invoice:

- read: the connector's reader (``invoice_from_zoho``: Zoho's JSON straight to the pydantic ``Invoice``) on the
  payload as the connector parses it (amounts as ``Decimal``), beside ``json.loads`` of the payload's text;
  ``read (floats)`` is the same reader on plain ``json.loads`` output, where every amount is a float to convert;
- write: what the connector does before a create (``validate_write``, custom fields resolved to their ids,
  ``invoice_to_zoho``), beside ``json.dumps`` of the body it produces.

Each figure is the median of several repetitions of CPU time (this process's own, so other work on a shared
machine weighs less on it), the measurements interleaved so the machine's load weighs on all of them alike.
Targets: a read costs at most 2 times ``json.loads``, a write at most 3 times ``json.dumps``.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from _common import environment, in_process, parse_args, print_table, run, say, summary

from connectors.zoho_books import _mapping as mapping
from connectors.zoho_books._customfields import CustomFieldDefinition, parse_definitions, resolve
from connectors.zoho_books._wire import ZohoTax
from connectors.zoho_books.capabilities import SPECS
from connectors.zoho_books.emulator import ZohoBooksEmulator
from schemas import Invoice

READ_TARGET = 2.0
WRITE_TARGET = 3.0
SIZES = (1, 5, 50)
LINE_FIELDS = ("item_id", "description", "rate", "quantity", "tax_id", "discount")
# what a user sets on an invoice they write: the read-only and computed fields of a read are left out
WRITE_FIELDS: Any = {
    "customer": {"id"},
    "invoice_date": True,
    "due_date": True,
    "reference": True,
    "tax_inclusive": True,
    "currency": True,
    "custom_fields": {"__all__": {"id", "value"}},
    "line_items": {
        "__all__": {
            "item": {"id"},
            "description": True,
            "quantity": True,
            "unit_price": True,
            "discount_percentage": True,
            "tax_rate": {"id"},
        }
    },
}


class Organization:
    """What a write needs from the organization, read once as the connector caches it."""

    def __init__(self, taxes: list[dict[str, Any]], definitions: Mapping[str, Any], currencies: list[Any]) -> None:
        self.taxes = {str(t["tax_id"]): mapping.structure(t, ZohoTax) for t in taxes}
        self.definitions: list[CustomFieldDefinition] = parse_definitions(definitions, "invoice")
        self.currencies = {str(c["currency_code"]): str(c["currency_id"]) for c in currencies}


async def build(emu: ZohoBooksEmulator, per_size: int) -> tuple[dict[int, list[str]], Organization]:
    """``per_size`` invoices of each size, created in the emulator from seeded ones, as GET returns them."""
    seeded = emu.records(emu.organization_id, "invoices")
    zoho = in_process(emu, 0.01)
    texts: dict[int, list[str]] = {}
    try:
        definitions = (await zoho.proxy("GET", "/settings/customfields", params={"entity": "invoice"})).json()
        org = Organization(
            (await zoho.proxy("GET", "/settings/taxes")).json()["taxes"],
            definitions,
            (await zoho.proxy("GET", "/settings/currencies")).json()["currencies"],
        )
        unique = {str(d["customfield_id"]) for d in definitions["customfields"]["invoice"] if d.get("is_unique")}
        for size in SIZES:
            texts[size] = []
            for source in seeded[:per_size]:
                lines = [source["line_items"][i % len(source["line_items"])] for i in range(size)]
                body = {
                    "customer_id": source["customer_id"],
                    "date": source["date"],
                    "due_date": source["due_date"],
                    "is_inclusive_tax": source["is_inclusive_tax"],
                    "reference_number": source["reference_number"],
                    "custom_fields": [
                        {"customfield_id": f["customfield_id"], "value": f["value"]}
                        for f in source.get("custom_fields", [])
                        if f.get("value") not in ("", None) and f["customfield_id"] not in unique
                    ],
                    "line_items": [{k: line[k] for k in LINE_FIELDS if k in line} for line in lines],
                }
                created = await zoho.proxy("POST", "/invoices", json=body)
                if created.status_code != 201:
                    raise RuntimeError(f"the emulator refused an invoice: {created.text}")
                found = await zoho.proxy("GET", f"/invoices/{created.json()['invoice']['invoice_id']}")
                texts[size].append(json.dumps(found.json()["invoice"]))
    finally:
        await zoho.aclose()
    return texts, org


def writer(org: Organization) -> Callable[[Invoice], tuple[dict[str, Any], dict[str, str]]]:
    read_only = SPECS["invoices"].declare().read_only_fields

    def write(record: Invoice) -> tuple[dict[str, Any], dict[str, str]]:
        fields = set(record.model_fields_set) - read_only
        mapping.validate_write("invoices", record, fields, create=True)
        custom = (
            resolve(record.custom_fields, org.definitions, entity="invoice", where="custom_fields")
            if record.custom_fields
            else None
        )
        context = mapping.WriteContext(custom_fields=custom, taxes=org.taxes, currencies=org.currencies)
        return mapping.invoice_to_zoho(record, fields, context, create=True)

    return write


def per_record(func: Callable[[Any], object], items: Sequence[Any], loops: int) -> float:
    """CPU seconds per item of ``func``."""
    started = time.process_time()
    for _ in range(loops):
        for item in items:
            func(item)
    return (time.process_time() - started) / (loops * len(items))


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    per_size, repeats = (5, 5) if args.quick else (20, 15)
    say(environment())
    emu = ZohoBooksEmulator(seed=7, contacts=50, invoices=per_size, bills=0, expenses=0, window_seconds=0.01)
    texts, org = run(build(emu, per_size))
    write = writer(org)
    rows: list[list[object]] = []
    worst_read = worst_write = 0.0
    for size in SIZES:
        floats = [json.loads(text) for text in texts[size]]
        payloads = [json.loads(text, parse_float=Decimal) for text in texts[size]]  # as the connector parses
        models = [
            Invoice.model_validate(mapping.invoice_from_zoho(p).model_dump(include=WRITE_FIELDS, exclude_none=True))
            for p in payloads
        ]
        bodies = [write(model)[0] for model in models]
        loops = max(1, 200 // (size * per_size))
        timings: dict[str, list[float]] = {"loads": [], "read": [], "floats": [], "dumps": [], "write": []}
        for _ in range(repeats):
            timings["loads"].append(per_record(json.loads, texts[size], loops))
            timings["read"].append(per_record(mapping.invoice_from_zoho, payloads, loops))
            timings["floats"].append(per_record(mapping.invoice_from_zoho, floats, loops))
            timings["dumps"].append(per_record(json.dumps, bodies, loops))
            timings["write"].append(per_record(write, models, loops))
        median = {name: statistics.median(values) for name, values in timings.items()}
        read_ratio, write_ratio = median["read"] / median["loads"], median["write"] / median["dumps"]
        worst_read, worst_write = max(worst_read, read_ratio), max(worst_write, write_ratio)
        rows.append(
            [
                size,
                f"{statistics.mean(len(t) for t in texts[size]) / 1024:.1f}",
                f"{1 / median['loads']:,.0f}",
                f"{1 / median['read']:,.0f}",
                f"{read_ratio:.1f}",
                f"{median['floats'] / median['loads']:.1f}",
                f"{1 / median['dumps']:,.0f}",
                f"{1 / median['write']:,.0f}",
                f"{write_ratio:.1f}",
            ]
        )
    print_table(
        f"Invoices per CPU second, median of {repeats} ({per_size} invoices per size)",
        ["lines", "GET KB", "json.loads", "read", "read/loads", "floats/loads", "json.dumps", "write", "write/dumps"],
        rows,
    )
    say("read: Zoho JSON (parsed) -> Invoice; write: Invoice -> the body the connector sends (not yet text)")
    summary(
        worst_read <= READ_TARGET and worst_write <= WRITE_TARGET,
        f"a read costs at most {worst_read:.1f}x json.loads (target {READ_TARGET:g}x), a write at most "
        f"{worst_write:.1f}x json.dumps (target {WRITE_TARGET:g}x)",
    )


if __name__ == "__main__":
    main()
