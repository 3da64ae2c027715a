"""Items (`/items`): what invoice and bill lines default their name, rate, tax and accounts from."""

from __future__ import annotations

from typing import Any

from . import _documented as documented
from . import _fields as f
from ._call import Call, Reply
from ._errors import ZohoError, invalid_field
from ._listing import ListSpec, text_of
from ._numbers import ZERO, out
from ._resources import Resource, custom_fields_of, status_action
from ._store import Record

ROW_FIELDS = (
    "item_id",
    "name",
    "item_name",
    "status",
    "description",
    "rate",
    "unit",
    "tax_id",
    "tax_name",
    "tax_percentage",
    "tax_type",
    "sku",
    "product_type",
    "item_type",
    "account_id",
    "account_name",
    "purchase_rate",
    "purchase_account_id",
    "purchase_account_name",
    "custom_fields",
    "created_time",
    "last_modified_time",
    "purchase_tax_rule_id",
    "sales_tax_rule_id",
    "sat_item_key_code",
    "unitkey_code",
)


def _account(call: Call, source: dict[str, Any], field: str) -> tuple[str, str]:
    account_id = f.identifier(source, field)
    if not account_id:
        return "", ""
    account = call.org["chartofaccounts"].get(account_id)
    if account is None:
        raise invalid_field(field, f"No account has id {account_id}; see GET /chartofaccounts.")
    return account_id, str(account["account_name"])


def build(call: Call, existing: Record | None, body: dict[str, Any]) -> Record:
    old = existing or {}
    source = {**old, **body}
    name = f.text(source, "name", limit=100, required=True)
    if "rate" not in source or source["rate"] in (None, ""):
        raise invalid_field("rate", "It is required: the item's selling price.")
    rate = f.decimal(source, "rate", ZERO, minimum=ZERO)
    sku = f.text(source, "sku", limit=100)
    for other in call.org["items"]:
        if other is existing:
            continue
        if sku and other.get("sku") == sku:
            raise ZohoError(400, 4, f'The SKU "{sku}" is already used by the item {other["name"]!r}.')
        if str(other.get("name", "")).lower() == name.lower():
            raise ZohoError(400, 4, f'An item named "{name}" already exists. Choose another name.')
    tax_id = f.identifier(source, "tax_id")
    tax: Record = {}
    if tax_id:
        tax = call.org["taxes"].get(tax_id) or {}
        if not tax:
            raise invalid_field("tax_id", f"No tax has id {tax_id}; list them at GET /settings/taxes.")
    account_id, account_name = _account(call, source, "account_id")
    purchase_id, purchase_name = _account(call, source, "purchase_account_id")
    record: Record = {
        "item_id": str(old.get("item_id") or call.new_id()),
        "name": name,
        "item_name": name,
        "status": old.get("status", "active"),
        "description": f.text(source, "description", limit=2000),
        "rate": out(rate),
        "unit": f.text(source, "unit", limit=50),
        "tax_id": tax_id,
        "tax_name": tax.get("tax_name", ""),
        "tax_percentage": tax.get("tax_percentage", ""),
        "tax_type": tax.get("tax_type", ""),
        "sku": sku,
        "product_type": f.choice(source, "product_type", ("goods", "service", "digital_service"), "goods"),
        "item_type": f.choice(source, "item_type", ("sales", "purchases", "sales_and_purchases", "inventory"), "sales"),
        "account_id": account_id,
        "account_name": account_name,
        "purchase_description": f.text(source, "purchase_description", limit=2000),
        "purchase_rate": out(f.decimal(source, "purchase_rate", ZERO, minimum=ZERO)),
        "purchase_account_id": purchase_id,
        "purchase_account_name": purchase_name,
        "is_taxable": bool(tax),
        "hsn_or_sac": f.text(source, "hsn_or_sac", limit=50),
        "created_time": old.get("created_time") or call.timestamp(),
        "last_modified_time": call.timestamp(),
    }
    record.update(custom_fields_of(call, "item", existing, body))
    documented.fill(record, documented.ITEM)
    return record


def before_delete(call: Call, record: Record) -> None:
    item_id = str(record["item_id"])
    for module in ("invoices", "bills"):
        for document in call.org[module]:
            if any(str(line.get("item_id")) == item_id for line in document.get("line_items") or []):
                raise ZohoError(
                    400, 4, f"The item is used in {module} and cannot be deleted; mark it inactive instead."
                )


RESOURCE = Resource(
    collection="items",
    singular="item",
    id_field="item_id",
    label="Item",
    listing=ListSpec(
        key="items",
        report_name="Items",
        sort_columns={
            "name": lambda r: str(r.get("name", "")).lower(),
            "rate": lambda r: float(r.get("rate") or 0),
            "tax_name": lambda r: str(r.get("tax_name", "")),
            "created_time": lambda r: str(r.get("created_time", "")),
            "last_modified_time": lambda r: str(r.get("last_modified_time", "")),
        },
        default_sort="name",
        default_order="A",
        filter_by={
            "Status.All": lambda r: True,
            "Status.Active": lambda r: r.get("status") == "active",
            "Status.Inactive": lambda r: r.get("status") == "inactive",
        },
        text={"name": text_of("name"), "description": text_of("description"), "sku": text_of("sku")},
        exact={"tax_id": lambda r: r.get("tax_id", "")},
        search=text_of("name", "description", "sku"),
    ),
    build=build,
    created="The item has been added.",
    updated="The item details have been saved.",
    deleted="The item has been deleted.",
    entity="item",
    before_delete=before_delete,
)


def mark(active: bool) -> Any:
    def handler(call: Call) -> Reply:
        status = "active" if active else "inactive"
        return status_action(
            RESOURCE, call, lambda r: {**r, "status": status}, f"The item has been marked as {status}."
        )

    return handler
