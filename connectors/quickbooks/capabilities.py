"""What the QuickBooks Online connector offers, per resource: the entities behind it and the declared capabilities.

- contacts are QuickBooks' Customers and Vendors (two entities: a contact is one of them, and stays it);
  customers and suppliers are each one entity. Contact ids name the entity (``customer-58``, ``vendor-12``).
- invoices are Invoices, bills Bills, expenses Purchases (cash, check and credit card expenses), tax_rates
  TaxRates. QuickBooks writes tax rates only through its TaxService (a new tax code with its rates, and an agency):
  not offered here; tax_rates are read-only.
- Lists are queries (``select * from Invoice where ... orderby Id startposition n maxresults n``): up to 1000 rows a
  page, each row the whole record (lines included), so no detail calls. Filters compile to ``where`` clauses (exact
  match), sorts to ``orderby`` (with ``Id`` after, for stable pages); the contacts union has no sort across its two
  entities. ``updated_since`` compiles to ``Metadata.LastUpdatedTime >= '...'`` on every resource.
- Deletes: transactions are deleted (``operation=delete``); customers and vendors are made inactive, which is how
  QuickBooks deletes them (reads treat an inactive one as deleted).
- Incremental sync of contacts, invoices, bills and expenses goes through the change data capture feed (``/cdc``:
  30 days back, deletions included); tax rates are not in it and are listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs
from pydantic import BaseModel

from schemas import Bill, Contact, Expense, Invoice, TaxRate
from unified.connector import Capabilities, Operation, ResourceCapabilities

__all__ = ["CAPABILITIES", "MAX_PAGE_SIZE", "SPECS", "ResourceSpec"]

MAX_PAGE_SIZE = 1000
ALL = frozenset(Operation)
READS = frozenset({Operation.LIST, Operation.GET})


@attrs.frozen
class ResourceSpec:
    """A unified resource on QuickBooks: its entities, filters, sorts and what a write may set."""

    model: type[BaseModel]
    #: QuickBooks entities listed, in order (contacts: Customer then Vendor)
    entities: tuple[str, ...]
    #: unified filter -> QuickBooks property (exact match)
    filters: Mapping[str, str]
    #: unified sort field -> QuickBooks property
    sorts: Mapping[str, str]
    writable: frozenset[str]
    computed: frozenset[str] = frozenset()
    operations: frozenset[Operation] = ALL
    deletes: Literal["delete", "deactivate"] | None = "delete"
    #: incremental syncs through /cdc
    feed: bool = True

    @property
    def name_list(self) -> bool:
        return self.deletes == "deactivate"

    def declare(self) -> ResourceCapabilities:
        return ResourceCapabilities.of_model(
            self.model,
            writable=self.writable,
            computed=self.computed,
            operations=self.operations,
            filters=self.filters,
            sorts=self.sorts,
            updated_since="server",
            max_page_size=MAX_PAGE_SIZE,
        )


_TIMES = {"updated_at": "Metadata.LastUpdatedTime", "created_at": "Metadata.CreateTime"}
_CONTACT_FILTERS = {
    "display_name": "DisplayName",
    "company_name": "CompanyName",
    "first_name": "GivenName",
    "last_name": "FamilyName",
}
_CONTACT_WRITABLE = frozenset(
    {
        "is_customer",
        "is_supplier",
        "display_name",
        "company_name",
        "display_id",
        "title",
        "first_name",
        "middle_name",
        "last_name",
        "suffix",
        "emails",
        "phone_numbers",
        "addresses",
        "websites",
        "notes",
        "currency",
        "row_version",
    }
)
_CONTACT_COMPUTED = frozenset({"status", "tax_number", "parent", "custom_fields"})


def _contacts(entities: tuple[str, ...], writable: frozenset[str], sorts: Mapping[str, str]) -> ResourceSpec:
    return ResourceSpec(
        model=Contact,
        entities=entities,
        filters=_CONTACT_FILTERS,
        sorts=sorts,
        writable=writable,
        computed=_CONTACT_COMPUTED,
        deletes="deactivate",
    )


_CONTACT_SORTS = {"display_name": "DisplayName", **_TIMES}
_TOTALS = frozenset({"sub_total", "total_tax", "total", "balance", "status", "terms", "terms_id"})

SPECS: dict[str, ResourceSpec] = {
    "contacts": _contacts(("Customer", "Vendor"), _CONTACT_WRITABLE | {"taxable"}, {}),
    "customers": _contacts(("Customer",), _CONTACT_WRITABLE | {"taxable"}, _CONTACT_SORTS),
    "suppliers": _contacts(("Vendor",), _CONTACT_WRITABLE, _CONTACT_SORTS),
    "invoices": ResourceSpec(
        model=Invoice,
        entities=("Invoice",),
        filters={"customer_id": "CustomerRef", "number": "DocNumber"},
        sorts={
            "number": "DocNumber",
            "invoice_date": "TxnDate",
            "due_date": "DueDate",
            "total": "TotalAmt",
            "balance": "Balance",
            **_TIMES,
        },
        writable=frozenset(
            {
                "number",
                "customer",
                "invoice_date",
                "due_date",
                "reference",
                "customer_memo",
                "currency",
                "currency_rate",
                "tax_inclusive",
                "tax_code",
                "line_items",
                "billing_address",
                "shipping_address",
                "department_id",
                "tracking_categories",
                "custom_fields",
                "row_version",
            }
        ),
        computed=_TOTALS | {"deposit", "invoice_sent"},
    ),
    "bills": ResourceSpec(
        model=Bill,
        entities=("Bill",),
        filters={"supplier_id": "VendorRef", "bill_number": "DocNumber"},
        sorts={
            "bill_number": "DocNumber",
            "bill_date": "TxnDate",
            "due_date": "DueDate",
            "total": "TotalAmt",
            "balance": "Balance",
            **_TIMES,
        },
        writable=frozenset(
            {
                "bill_number",
                "supplier",
                "bill_date",
                "due_date",
                "notes",
                "currency",
                "currency_rate",
                "tax_inclusive",
                "line_items",
                "department_id",
                "tracking_categories",
                "row_version",
            }
        ),
        computed=_TOTALS | {"ledger_account", "custom_fields"},
    ),
    "expenses": ResourceSpec(
        model=Expense,
        entities=("Purchase",),
        filters={"reference": "DocNumber"},
        sorts={"transaction_date": "TxnDate", "total_amount": "TotalAmt", **_TIMES},
        writable=frozenset(
            {
                "transaction_date",
                "account",
                "payment_type",
                "supplier",
                "reference",
                "memo",
                "currency",
                "currency_rate",
                "tax_inclusive",
                "line_items",
                "department",
                "department_id",
                "tracking_categories",
                "row_version",
            }
        ),
        computed=frozenset({"sub_total", "total_tax", "total_amount", "status", "type", "custom_fields"}),
    ),
    "tax_rates": ResourceSpec(
        model=TaxRate,
        entities=("TaxRate",),
        filters={"name": "Name"},
        sorts={"name": "Name", **_TIMES},
        writable=frozenset(),
        operations=READS,
        deletes=None,
        feed=False,
    ),
}

CAPABILITIES = Capabilities({name: spec.declare() for name, spec in SPECS.items()})
