"""What the Zoho Books connector offers, per resource: Zoho's endpoint, and the declared capabilities.

Declared from Zoho's own documents (zoho_books_openapi) and tested against the emulator:

- Filters are done by Zoho's list parameters (exact match): contacts by ``display_name`` (Zoho's
  ``contact_name``), ``company_name``, ``email``, ``first_name`` and ``last_name`` (of the primary contact
  person) and ``status`` (active|inactive); invoices by ``customer_id``, ``number``, ``reference`` and
  ``status``; bills by ``supplier_id``, ``bill_number``, ``reference`` and ``status``; expenses by
  ``supplier_id`` and ``reference``.
- Sorts use Zoho's ``sort_column`` values documented per module.
- ``updated_since``: invoices and bills send Zoho's ``last_modified_time`` (records modified after it) and the
  connector also drops anything older from each page, so an inclusive or exclusive server reading both work.
  Zoho documents no such parameter on contacts, expenses and taxes: there the unified client filters each page
  (``"client"``), which still reads every page.
- List rows are summaries; ``detail_fields`` names what only ``detail=True`` (a GET per record) fills in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

import attrs
from pydantic import BaseModel

from schemas import Bill, Contact, Expense, Invoice, TaxRate
from unified.connector import Capabilities, ResourceCapabilities, UpdatedSince
from unified.errors import RequestValidationError

__all__ = ["CAPABILITIES", "MAX_PAGE_SIZE", "SORT_ORDER", "SPECS", "Filter", "ResourceSpec", "capabilities"]

MAX_PAGE_SIZE = 200


@attrs.frozen
class Filter:
    """A unified filter done by a Zoho list parameter; ``values`` maps (and limits) the accepted values."""

    param: str
    values: Mapping[str, str] | None = None
    #: how a typed value (a date) is written; Zoho's ``*_after`` parameters are strict, so "since" is the day before
    convert: Callable[[Any], str] | None = None

    def to_zoho(self, name: str, value: object) -> tuple[str, str]:
        if self.convert is not None:
            return self.param, self.convert(value)
        text = str(value) if isinstance(value, str) else value
        if not isinstance(text, str) or not text:
            raise RequestValidationError(f"filters.{name} must be a non-empty string; got {value!r}.", field=name)
        if self.values is None:
            return self.param, text
        if text not in self.values:
            raise RequestValidationError(
                f"filters.{name} must be one of: {', '.join(self.values)}; got {text!r}.", field=f"filters.{name}"
            )
        return self.param, self.values[text]


@attrs.frozen
class ResourceSpec:
    """A unified resource on Zoho: where it lives, how it is listed, and what it declares."""

    model: type[BaseModel]
    path: str
    list_key: str
    item_key: str
    id_field: str
    custom_field_entity: str | None
    filters: Mapping[str, Filter]
    sorts: Mapping[str, str]
    updated_since: UpdatedSince | None
    writable: frozenset[str]
    computed: frozenset[str] = frozenset()
    detail_fields: frozenset[str] = frozenset()
    #: for the customers and suppliers views: Zoho's contact_type
    contact_type: str | None = None

    @property
    def server_since(self) -> bool:
        return self.updated_since == "server"

    def declare(self) -> ResourceCapabilities:
        return ResourceCapabilities.of_model(
            self.model,
            writable=self.writable,
            computed=self.computed,
            filters=self.filters,
            sorts=self.sorts,
            updated_since=self.updated_since,
            detail_fields=self.detail_fields,
            max_page_size=MAX_PAGE_SIZE,
        )


def _day_before(value: Any) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return (day - timedelta(days=1)).isoformat()


_BILL_STATUSES = {"paid": "Status.Paid", "unpaid": "Status.Unpaid", "partially_paid": "Status.PartiallyPaid"}
_CONTACT_STATUS = Filter("filter_by", {"active": "Status.Active", "inactive": "Status.Inactive"})
_CONTACT_FILTERS: dict[str, Filter] = {
    "display_name": Filter("contact_name"),
    "company_name": Filter("company_name"),
    "email": Filter("email"),
    "first_name": Filter("first_name"),
    "last_name": Filter("last_name"),
    "status": _CONTACT_STATUS,
}
_CONTACT_SORTS = {
    "display_name": "contact_name",
    "first_name": "first_name",
    "last_name": "last_name",
    "created_at": "created_time",
    "updated_at": "last_modified_time",
}
_CONTACT_WRITABLE = frozenset(
    {
        "display_name",
        "company_name",
        "display_id",
        "is_customer",
        "is_supplier",
        "first_name",
        "last_name",
        "title",
        "emails",
        "phone_numbers",
        "addresses",
        "websites",
        "notes",
        "currency",
        "custom_fields",
    }
)
_CONTACT_DETAIL = frozenset({"addresses", "title", "notes", "display_id", "tax_rate", "taxable", "tax_number"})


def _contact_spec(contact_type: str | None, writable: frozenset[str]) -> ResourceSpec:
    return ResourceSpec(
        model=Contact,
        path="/contacts",
        list_key="contacts",
        item_key="contact",
        id_field="contact_id",
        custom_field_entity="contact",
        filters=_CONTACT_FILTERS,
        sorts=_CONTACT_SORTS,
        updated_since="client",
        writable=writable,
        computed=frozenset({"status"}),
        detail_fields=_CONTACT_DETAIL,
        contact_type=contact_type,
    )


_DOCUMENT_TOTALS = frozenset({"sub_total", "total_tax", "total", "balance", "status"})

SPECS: dict[str, ResourceSpec] = {
    "contacts": _contact_spec(None, _CONTACT_WRITABLE),
    # customer_sub_type (business|individual) is kept for customers only
    "customers": _contact_spec("customer", _CONTACT_WRITABLE | {"individual"}),
    "suppliers": _contact_spec("vendor", _CONTACT_WRITABLE),
    "invoices": ResourceSpec(
        model=Invoice,
        path="/invoices",
        list_key="invoices",
        item_key="invoice",
        id_field="invoice_id",
        custom_field_entity="invoice",
        filters={
            "customer_id": Filter("customer_id"),
            "number": Filter("invoice_number"),
            "reference": Filter("reference_number"),
            "status": Filter(
                "status",
                {
                    "draft": "draft",
                    "unpaid": "unpaid",
                    "partially_paid": "partially_paid",
                    "paid": "paid",
                    "void": "void",
                },
            ),
        },
        sorts={
            "number": "invoice_number",
            "invoice_date": "date",
            "due_date": "due_date",
            "total": "total",
            "balance": "balance",
            "created_at": "created_time",
            "updated_at": "last_modified_time",
        },
        updated_since="server",
        writable=frozenset(
            {
                "number",
                "customer",
                "invoice_date",
                "due_date",
                "reference",
                "currency_rate",
                "tax_inclusive",
                "line_items",
                "customer_memo",
                "custom_fields",
            }
        ),
        computed=_DOCUMENT_TOTALS | {"invoice_sent"},
        detail_fields=frozenset(
            {"line_items", "sub_total", "total_tax", "terms", "customer_memo", "billing_address", "shipping_address"}
        ),
    ),
    "bills": ResourceSpec(
        model=Bill,
        path="/bills",
        list_key="bills",
        item_key="bill",
        id_field="bill_id",
        custom_field_entity="bill",
        filters={
            "supplier_id": Filter("vendor_id"),
            "bill_number": Filter("bill_number"),
            "reference": Filter("reference_number"),
            # Apideck's bill statuses; Zoho's own are filter_by constants
            "status": Filter(
                "filter_by",
                {"paid": "Status.Paid", "unpaid": "Status.Unpaid", "partially_paid": "Status.PartiallyPaid"},
            ),
            "billed_since": Filter("date_after", convert=_day_before),
            "due_since": Filter("due_date_after", convert=_day_before),
        },
        sorts={
            "bill_number": "bill_number",
            "bill_date": "date",
            "due_date": "due_date",
            "total": "total",
            "balance": "balance",
            "created_at": "created_time",
            "updated_at": "last_modified_time",
        },
        updated_since="server",
        writable=frozenset(
            {
                "bill_number",
                "supplier",
                "bill_date",
                "due_date",
                "reference",
                "currency_rate",
                "tax_inclusive",
                "line_items",
                "notes",
                "custom_fields",
            }
        ),
        computed=_DOCUMENT_TOTALS,
        detail_fields=frozenset({"line_items", "sub_total", "total_tax", "terms", "notes"}),
    ),
    "expenses": ResourceSpec(
        model=Expense,
        path="/expenses",
        list_key="expenses",
        item_key="expense",
        id_field="expense_id",
        custom_field_entity="expense",
        filters={"supplier_id": Filter("vendor_id"), "reference": Filter("reference_number")},
        sorts={
            "transaction_date": "date",
            "total_amount": "total",
            "reference": "reference_number",
            "created_at": "created_time",
        },
        updated_since="client",
        writable=frozenset(
            {
                "transaction_date",
                "account",
                "supplier",
                "reference",
                "memo",
                "currency_rate",
                "tax_inclusive",
                "line_items",
                "custom_fields",
            }
        ),
        computed=frozenset({"sub_total", "total_tax", "total_amount", "status"}),
        detail_fields=frozenset({"line_items", "total_tax", "tax_inclusive", "currency_rate"}),
    ),
    "tax_rates": ResourceSpec(
        model=TaxRate,
        path="/settings/taxes",
        list_key="taxes",
        item_key="tax",
        id_field="tax_id",
        custom_field_entity=None,
        filters={},
        sorts={},
        updated_since="client",
        writable=frozenset({"name", "effective_tax_rate"}),
        computed=frozenset({"total_tax_rate", "status"}),
    ),
}


def capabilities() -> Capabilities:
    return Capabilities({name: spec.declare() for name, spec in SPECS.items()})


CAPABILITIES = capabilities()

#: how a unified sort direction is spelled in Zoho's sort_order
SORT_ORDER: Mapping[str, str] = {"asc": "A", "desc": "D"}
