"""What the Xero connector offers, per resource: Xero's endpoint, how it is listed, and the declared capabilities.

Declared from Xero's OpenAPI document (``xero_accounting.yaml`` 16.1.0) and tested against the emulator:

- contacts are ``/Contacts``; customers and suppliers are views of them by ``IsCustomer`` / ``IsSupplier``, which
  Xero sets itself once a contact has a sales invoice or a bill. So the views cannot create (a new contact has
  neither role until a document names it): create through contacts, then raise the invoice or bill. Deleting a
  contact archives it (Xero deletes no contacts).
- invoices and bills are ``/Invoices`` of ``Type`` ACCREC and ACCPAY; deleting one is a status change: a draft or
  submitted document becomes DELETED, an authorised one without payments VOIDED.
- expenses are spend-money bank transactions (``/BankTransactions`` of ``Type`` SPEND); deleting sets DELETED.
- tax rates are ``/TaxRates``, named by their ``TaxType``; deleting sets DELETED (Xero refuses it for its own
  system rates).
- ``updated_since`` is Xero's ``If-Modified-Since`` on contacts, invoices, bills and expenses (``"server"``); Xero
  has none on ``/TaxRates`` (``"client"``). Xero's own caveat: some changes do not touch ``UpdatedDateUTC``
  (a contact's roles and balances), so they are not listed as changed.
- Filters use Xero's list parameters (``ContactIDs``, ``InvoiceNumbers``, ``Statuses``) or its ``where``
  expressions (``Name=="..."``); sorts its ``order``.
- Lists page with ``page``/``pageSize`` and carry line items, so there are no detail fields.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from pydantic import BaseModel

from schemas import Bill, Contact, Expense, Invoice, TaxRate
from unified.connector import Capabilities, Operation, ResourceCapabilities, UpdatedSince
from unified.errors import RequestValidationError

__all__ = ["CAPABILITIES", "MAX_PAGE_SIZE", "SPECS", "Filter", "ResourceSpec"]

#: Xero's OpenAPI document leaves pageSize's maximum unsaid (100 a page without it); CData's driver documents 1 to
#: 1000 and OdataLink reports Xero raising the old fixed 100 in 2025 (XERO_FACTS.md marks it UNVERIFIED). Pages
#: end by Xero's pageCount, so a Xero that caps the size lower still pages correctly.
MAX_PAGE_SIZE = 1000


@attrs.frozen
class Filter:
    """A unified filter done by a Xero list parameter (``param``) or a ``where`` clause on ``element``."""

    param: str | None = None
    element: str | None = None
    #: unified value -> Xero value; None: any non-empty text
    values: Mapping[str, str] | None = None

    def value(self, name: str, given: object) -> str:
        if not isinstance(given, str) or not given.strip():
            raise RequestValidationError(f"filters.{name} must be a non-empty string; got {given!r}.", field=name)
        if self.values is not None:
            if given not in self.values:
                raise RequestValidationError(
                    f"filters.{name} must be one of: {', '.join(self.values)}; got {given!r}.", field=f"filters.{name}"
                )
            return self.values[given]
        if self.element is not None and ('"' in given or "\\" in given):
            raise RequestValidationError(
                f"filters.{name} cannot hold \" or \\ (Xero's where expressions have no escape for them).",
                field=f"filters.{name}",
            )
        return given


@attrs.frozen
class ResourceSpec:
    """A unified resource on Xero: where it lives, how it is listed, and what it declares."""

    model: type[BaseModel]
    #: the element's kind, for deletion statuses and messages: contact, invoice, banktransaction, taxrate
    element: str
    path: str
    list_key: str
    id_field: str
    operations: frozenset[Operation]
    writable: frozenset[str]
    computed: frozenset[str] = frozenset()
    #: Xero's Type of the records this resource holds (ACCREC, ACCPAY, SPEND)
    type: str | None = None
    #: for the customers and suppliers views: the role flag that selects them
    role: str | None = None
    filters: Mapping[str, Filter] = attrs.field(factory=dict)
    sorts: Mapping[str, str] = attrs.field(factory=dict)
    updated_since: UpdatedSince | None = "server"
    paged: bool = True

    def read_only(self) -> frozenset[str]:
        return self.declare().read_only_fields

    def declare(self) -> ResourceCapabilities:
        return ResourceCapabilities.of_model(
            self.model,
            writable=self.writable,
            computed=self.computed,
            operations=self.operations,
            filters=self.filters,
            sorts=self.sorts,
            updated_since=self.updated_since,
            max_page_size=MAX_PAGE_SIZE,
        )


_ALL = frozenset(Operation)
_VIEW = frozenset({Operation.LIST, Operation.GET, Operation.UPDATE, Operation.DELETE})

_CONTACT_WRITABLE = frozenset(
    {
        "display_name",
        "display_id",
        "first_name",
        "last_name",
        "emails",
        "phone_numbers",
        "addresses",
        "tax_number",
        "currency",
    }
)
_CONTACT_COMPUTED = frozenset({"is_customer", "is_supplier", "status", "row_version"})
_CONTACT_FILTERS = {"display_name": Filter(element="Name"), "email": Filter(element="EmailAddress")}
_CONTACT_SORTS = {"display_name": "Name", "updated_at": "UpdatedDateUTC"}


def _contacts(role: str | None) -> ResourceSpec:
    return ResourceSpec(
        model=Contact,
        element="contact",
        path="/Contacts",
        list_key="Contacts",
        id_field="ContactID",
        operations=_ALL if role is None else _VIEW,
        writable=_CONTACT_WRITABLE,
        computed=_CONTACT_COMPUTED,
        role=role,
        filters=_CONTACT_FILTERS,
        sorts=_CONTACT_SORTS,
    )


_DOCUMENT_COMPUTED = frozenset(
    {"sub_total", "total_tax", "total", "balance", "invoice_sent", "payment_allocations", "paid_date", "row_version"}
)
_LIVE_STATUSES = {"draft": "DRAFT", "submitted": "SUBMITTED", "authorised": "AUTHORISED", "paid": "PAID"}

SPECS: dict[str, ResourceSpec] = {
    "contacts": _contacts(None),
    "customers": _contacts("IsCustomer"),
    "suppliers": _contacts("IsSupplier"),
    "invoices": ResourceSpec(
        model=Invoice,
        element="invoice",
        path="/Invoices",
        list_key="Invoices",
        id_field="InvoiceID",
        operations=_ALL,
        type="ACCREC",
        writable=frozenset(
            {
                "number",
                "customer",
                "invoice_date",
                "due_date",
                "reference",
                "status",
                "currency",
                "currency_rate",
                "tax_inclusive",
                "line_items",
                "source_document_url",
            }
        ),
        computed=_DOCUMENT_COMPUTED,
        filters={
            "customer_id": Filter(param="ContactIDs"),
            "number": Filter(param="InvoiceNumbers"),
            "status": Filter(param="Statuses", values=_LIVE_STATUSES),
            "reference": Filter(element="Reference"),
        },
        sorts={
            "number": "InvoiceNumber",
            "invoice_date": "Date",
            "due_date": "DueDate",
            "total": "Total",
            "updated_at": "UpdatedDateUTC",
        },
    ),
    "bills": ResourceSpec(
        model=Bill,
        element="invoice",
        path="/Invoices",
        list_key="Invoices",
        id_field="InvoiceID",
        operations=_ALL,
        type="ACCPAY",
        writable=frozenset(
            {
                "bill_number",
                "supplier",
                "bill_date",
                "due_date",
                "status",
                "currency",
                "currency_rate",
                "tax_inclusive",
                "line_items",
                "source_document_url",
            }
        ),
        computed=_DOCUMENT_COMPUTED,
        filters={
            "supplier_id": Filter(param="ContactIDs"),
            "bill_number": Filter(param="InvoiceNumbers"),
            "status": Filter(param="Statuses", values=_LIVE_STATUSES),
        },
        sorts={
            "bill_number": "InvoiceNumber",
            "bill_date": "Date",
            "due_date": "DueDate",
            "total": "Total",
            "updated_at": "UpdatedDateUTC",
        },
    ),
    "expenses": ResourceSpec(
        model=Expense,
        element="banktransaction",
        path="/BankTransactions",
        list_key="BankTransactions",
        id_field="BankTransactionID",
        operations=_ALL,
        type="SPEND",
        writable=frozenset(
            {
                "transaction_date",
                "account",
                "account_id",
                "supplier",
                "supplier_id",
                "reference",
                "currency",
                "currency_rate",
                "tax_inclusive",
                "line_items",
                "source_document_url",
            }
        ),
        computed=frozenset({"sub_total", "total_tax", "total_amount", "status", "type", "row_version"}),
        filters={"reference": Filter(element="Reference")},
        sorts={"transaction_date": "Date", "total_amount": "Total", "updated_at": "UpdatedDateUTC"},
    ),
    "tax_rates": ResourceSpec(
        model=TaxRate,
        element="taxrate",
        path="/TaxRates",
        list_key="TaxRates",
        id_field="TaxType",
        operations=_ALL,
        writable=frozenset({"name", "effective_tax_rate", "components", "report_tax_type"}),
        computed=frozenset({"code", "total_tax_rate", "status", "row_version"}),
        updated_since="client",
        paged=False,
    ),
}


def capabilities() -> Capabilities:
    return Capabilities({name: spec.declare() for name, spec in SPECS.items()})


CAPABILITIES = capabilities()
