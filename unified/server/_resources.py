"""The resources the server serves, under Apideck's names, and how a record looks on the wire.

A record is the unified model dumped without its unset fields, money as JSON numbers. Apideck's Customer and
Supplier are views of the unified Contact: each leaves out the Contact fields Apideck's schema does not have
(its schemas allow no other properties, so a strict client would refuse them). ``/accounting/contacts``, which
Apideck does not have, serves the whole Contact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from schemas import Bill, Contact, Expense, Invoice, TaxRate
from unified.errors import RequestValidationError

__all__ = ["RESOURCES", "ServedResource", "parse_fields", "project"]

_NOT_CUSTOMER = frozenset(
    {
        "is_customer",
        "is_supplier",
        "integration_system_id",
        "issued_email",
        "issued_method",
        "subsidiary_id",
        "supplier_category",
        "tax_details",
        "tax_status_details",
    }
)
_NOT_SUPPLIER = frozenset({"is_customer", "is_supplier", "customer_category", "parent", "project"})
#: Apideck's line items have no per-line tax_inclusive (the document's tax_inclusive says it)
_NOT_IN_LINE = frozenset({"tax_inclusive"})


@dataclass(frozen=True)
class ServedResource:
    """One resource: its path segment, the client's name for it, its model, and Apideck's shape of it."""

    path: str
    client_name: str
    model: type[BaseModel]
    #: Apideck's schema name of a record (Customer, Supplier...); the model's name where Apideck has none
    schema_name: str
    left_out: frozenset[str] = frozenset()
    #: fields Apideck's schema requires: a list fetches each record's detail when its list row lacks one
    required: frozenset[str] = frozenset()

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.model.model_fields) - self.left_out - {"raw"}

    def record(self, model: BaseModel) -> dict[str, Any]:
        data = model.model_dump(mode="python", exclude_none=True)
        for name in self.left_out:
            data.pop(name, None)
        for line in data.get("line_items") or ():
            if isinstance(line, dict):
                for name in _NOT_IN_LINE:
                    line.pop(name, None)
        return data


RESOURCES: dict[str, ServedResource] = {
    resource.path: resource
    for resource in (
        ServedResource("customers", "customers", Contact, "Customer", _NOT_CUSTOMER),
        ServedResource("suppliers", "suppliers", Contact, "Supplier", _NOT_SUPPLIER),
        ServedResource("invoices", "invoices", Invoice, "Invoice"),
        ServedResource("bills", "bills", Bill, "Bill"),
        ServedResource(
            "expenses", "expenses", Expense, "Expense", required=frozenset({"transaction_date", "line_items"})
        ),
        ServedResource("tax-rates", "tax_rates", TaxRate, "TaxRate"),
        ServedResource("contacts", "contacts", Contact, "Contact"),
    )
}

Tree = dict[str, "Tree"]


def parse_fields(text: str | None, resource: ServedResource) -> Tree | None:
    """``fields=name,email,addresses.city`` as a tree of the paths to keep; None keeps every field."""
    if text is None or not text.strip():
        return None
    paths = []
    for part in text.split(","):
        path = [step.strip() for step in part.split(".")]
        if not all(path):
            raise RequestValidationError(
                f"fields has an empty name in {part.strip()!r}; write names like id,display_name,addresses.city.",
                field="fields",
            )
        if path[0] not in resource.fields:
            known = ", ".join(sorted(resource.fields))
            raise RequestValidationError(
                f"fields names {path[0]!r}, which {resource.path} do not have; they have: {known}.", field="fields"
            )
        paths.append(path)
    tree: Tree = {}
    for path in sorted(paths, key=len):  # shorter first: `addresses` keeps all of it, whatever follows
        node = tree
        for step in path:
            if step in node and not node[step]:
                break  # an earlier, shorter path keeps this whole value
            node = node.setdefault(step, {})
    return tree


def project(value: Any, tree: Tree) -> Any:
    """Keep only the paths in ``tree`` (an empty subtree keeps the whole value); lists are kept item by item."""
    if not tree:
        return value
    if isinstance(value, Mapping):
        return {key: project(value[key], sub) for key, sub in tree.items() if key in value}
    if isinstance(value, list):
        return [project(item, tree) for item in value]
    return value
