"""Taxes and tax groups (`/settings/taxes`, `/settings/taxgroups`), and how documents look them up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import _fields as f
from ._arithmetic import TaxPart
from ._call import Call, Reply, reply
from ._errors import ZohoError, invalid_field, not_found
from ._listing import ListSpec, text_of
from ._numbers import HUNDRED, ZERO, out, to_decimal
from ._resources import Resource
from ._store import Organization, Record

ROW_FIELDS = (
    "tax_id",
    "tax_name",
    "tax_percentage",
    "tax_type",
    "tax_factor",
    "tax_specific_type",
    "tax_authority_id",
    "tax_authority_name",
    "is_value_added",
    "is_default_tax",
    "is_editable",
    "is_inactive",
    "status",
    "output_tax_account_name",
    "purchase_tax_account_name",
    "tax_account_id",
    "purchase_tax_account_id",
    "last_modified_time",
)


def make_tax(
    tax_id: str, name: str, percentage: Decimal, *, tax_type: str = "tax", default: bool = False, stamp: str = ""
) -> Record:
    return {
        "tax_id": tax_id,
        "tax_name": name,
        "tax_percentage": out(percentage),
        "tax_type": tax_type,
        "tax_factor": "rate",
        "tax_specific_type": "",
        "tax_authority_id": "",
        "tax_authority_name": "",
        "is_value_added": False,
        "is_default_tax": default,
        "is_editable": True,
        "is_inactive": False,
        "status": "active",
        "output_tax_account_name": "Tax Payable",
        "purchase_tax_account_name": "Tax Receivable",
        "tax_account_id": "",
        "purchase_tax_account_id": "",
        "country_code": "",
        "last_modified_time": stamp,
    }


def build(call: Call, existing: Record | None, body: dict[str, Any]) -> Record:
    if existing and existing.get("tax_type") == "tax_group":
        raise ZohoError(400, 4, "This id is a tax group: update it at PUT /settings/taxgroups/{tax_group_id}.")
    source = {**(existing or {}), **body}
    name = f.text(source, "tax_name", limit=50, required=True)
    for other in call.org["taxes"]:
        if other is not existing and str(other.get("tax_name", "")).lower() == name.lower():
            raise ZohoError(400, 4, f'A tax named "{name}" already exists. Choose another tax_name.')
    percentage = f.decimal(source, "tax_percentage", ZERO, minimum=ZERO, maximum=HUNDRED)
    if "tax_percentage" not in source or source["tax_percentage"] in (None, ""):
        raise invalid_field("tax_percentage", "It is required, a number from 0 to 100.")
    tax_type = f.choice(source, "tax_type", ("tax", "compound_tax"), "tax")
    record = make_tax(
        str((existing or {}).get("tax_id") or call.new_id()),
        name,
        percentage,
        tax_type=tax_type,
        default=bool((existing or {}).get("is_default_tax", False)),
        stamp=call.timestamp(),
    )
    for key in ("tax_specific_type", "tax_authority_id", "tax_authority_name", "country_code"):
        record[key] = f.text(source, key, limit=100)
    record["is_value_added"] = f.boolean(source, "is_value_added", False)
    return record


def before_delete(call: Call, record: Record) -> None:
    tax_id = str(record["tax_id"])
    for module in ("invoices", "bills"):
        for document in call.org[module]:
            if any(str(line.get("tax_id")) == tax_id for line in document.get("line_items") or []):
                raise ZohoError(400, 4, f"The tax is used in {module} and cannot be deleted; mark it inactive instead.")
    for group in call.org["taxes"]:
        if any(str(t.get("tax_id")) == tax_id for t in group.get("taxes") or []):
            raise ZohoError(400, 4, f"The tax belongs to the tax group {group['tax_name']!r}; remove it there first.")


LISTING = ListSpec(
    key="taxes",
    report_name="Taxes",
    sort_columns={
        "created_time": lambda r: int(str(r["tax_id"])) if str(r["tax_id"]).isdigit() else 0,
        "tax_name": lambda r: str(r.get("tax_name", "")).lower(),
    },
    default_sort="created_time",
    default_order="A",
    search=text_of("tax_name"),
    modified_time=False,
)

RESOURCE = Resource(
    collection="taxes",
    singular="tax",
    id_field="tax_id",
    label="Tax",
    listing=LISTING,
    build=build,
    created="The tax has been added.",
    updated="Tax information has been updated.",
    deleted="The tax has been deleted.",
    before_delete=before_delete,
)


def make_group(group_id: str, name: str, members: list[Record], stamp: str = "") -> Record:
    total = sum((Decimal(str(m["tax_percentage"])) for m in members), ZERO)
    record = make_tax(group_id, name, total, tax_type="tax_group", stamp=stamp)
    record["taxes"] = [{k: m[k] for k in ("tax_id", "tax_name", "tax_percentage", "tax_type")} for m in members]
    return record


def _group_members(call: Call, body: dict[str, Any]) -> list[Record]:
    raw = body.get("taxes")
    ids = [part.strip() for part in str(raw or "").split(",") if part.strip()]
    if len(ids) < 2:
        raise invalid_field("taxes", 'Send at least two tax ids, comma separated, e.g. "4600001,4600002".')
    members: list[Record] = []
    for tax_id in ids:
        tax = call.org["taxes"].get(tax_id)
        if tax is None or tax.get("tax_type") == "tax_group":
            raise invalid_field("taxes", f"No single tax has id {tax_id}; list them at GET /settings/taxes.")
        members.append(tax)
    return members


def create_group(call: Call) -> Reply:
    body = call.object_body()
    name = f.text(body, "tax_group_name", limit=50, required=True)
    group = make_group(call.new_id(), name, _group_members(call, body), call.timestamp())
    call.org["taxes"].put(group)
    return reply(201, "The tax group has been created.", tax_group=_group_view(group))


def _find_group(call: Call) -> Record:
    group = call.org["taxes"].get(call.params["tax_group_id"])
    if group is None or group.get("tax_type") != "tax_group":
        raise not_found("Tax group")
    return group


def _group_view(group: Record) -> Record:
    return {
        "tax_group_id": group["tax_id"],
        "tax_group_name": group["tax_name"],
        "tax_group_percentage": group["tax_percentage"],
        "taxes": group["taxes"],
    }


def get_group(call: Call) -> Reply:
    return reply(200, "success", tax_group=_group_view(_find_group(call)))


def update_group(call: Call) -> Reply:
    group = _find_group(call)
    body = call.object_body()
    name = f.text(body, "tax_group_name", limit=50, default=str(group["tax_name"]))
    members = (
        _group_members(call, body)
        if "taxes" in body
        else [call.org["taxes"].get(str(t["tax_id"])) or t for t in group["taxes"]]
    )
    updated = make_group(str(group["tax_id"]), name, members, call.timestamp())
    call.org["taxes"].put(updated)
    return reply(200, "The tax group has been updated.", tax_group=_group_view(updated))


def delete_group(call: Call) -> Reply:
    group = _find_group(call)
    before_delete(call, group)
    call.org["taxes"].delete(str(group["tax_id"]))
    return reply(200, "The tax group has been deleted.")


def tax_parts(org: Organization, tax: Record) -> list[TaxPart]:
    """The taxes a line's tax_id stands for: itself, or a group's members."""
    if tax.get("tax_type") == "tax_group":
        members = [org["taxes"].get(str(m["tax_id"])) or m for m in tax.get("taxes") or []]
        return [_part(m) for m in members]
    return [_part(tax, compound=False)]


def _part(tax: Record, compound: bool | None = None) -> TaxPart:
    return TaxPart(
        tax_id=str(tax["tax_id"]),
        tax_name=str(tax.get("tax_name", "")),
        percentage=to_decimal(tax.get("tax_percentage") or 0, "tax_percentage"),
        compound=tax.get("tax_type") == "compound_tax" if compound is None else compound,
        specific_type=str(tax.get("tax_specific_type", "") or ""),
    )
