"""The Accounting API's routes under /api.xro/2.0, matched without regard to case as Xero matches them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from . import _bank, _contacts, _payments, _settings
from . import _documents as d
from . import _fields as f
from ._batch import Writer, envelope, write
from ._call import Call, Reply
from ._errors import ElementError, not_found, single_validation
from ._listing import Listing, Mode, list_collection
from ._wire import Record, money, ms_date

Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler

    @property
    def parts(self) -> list[str]:
        return [p for p in self.template.split("/") if p]


def _one(call: Call, key: str, record: Record | None, render: Callable[[Call, Record], Record]) -> Reply:
    if record is None:
        raise not_found()
    return Reply(200, envelope(call, key, [render(call, record)]))


# --- listings -------------------------------------------------------------------------------------------------


def _contact_visible(call: Call, record: Record) -> bool:
    return record.get("ContactStatus") != "ARCHIVED" or call.flag("includeArchived")


def _contact_row(call: Call, record: Record, mode: Mode) -> Record:
    return _contacts.summary(record) if mode.summary else dict(record)


def _document_row(kind: d.Kind) -> Callable[[Call, Record, Mode], Record]:
    return lambda call, record, mode: d.render(call, kind, record, lines=mode.paged, summary=mode.summary)


CONTACTS = Listing(
    "Contacts",
    "Contact",
    _contacts.FIELDS,
    _contact_row,
    paged=True,
    visible=_contact_visible,
    lists={"IDs": "ContactID"},
    search=("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"),
)
INVOICES = Listing(
    "Invoices",
    "Invoice",
    d.INVOICE_FIELDS,
    _document_row(d.INVOICES),
    paged=True,
    lists={
        "IDs": "InvoiceID",
        "InvoiceNumbers": "InvoiceNumber",
        "ContactIDs": "Contact.ContactID",
        "Statuses": "Status",
    },
    search=("InvoiceNumber", "Reference"),
)
CREDIT_NOTES = Listing("CreditNotes", "CreditNote", d.CREDIT_NOTE_FIELDS, _document_row(d.CREDIT_NOTES), paged=True)
PAYMENTS = Listing("Payments", "Payment", _payments.FIELDS, lambda call, r, mode: dict(r), paged=True)
BANK_TRANSACTIONS = Listing(
    "BankTransactions",
    "BankTransaction",
    _bank.FIELDS,
    lambda call, r, mode: _bank.render(call, r),  # Xero's schema requires LineItems on every one
    paged=True,
)
TAX_RATES = Listing(
    "TaxRates", "TaxRate", _settings.TAX_RATE_FIELDS, lambda c, r, m: dict(r), modified_since=False, default_order=None
)
ACCOUNTS = Listing(
    "Accounts",
    "Account",
    _settings.ACCOUNT_FIELDS,
    lambda c, r, m: dict(r),
    default_order=None,
    visible=lambda call, r: r.get("Status") != "DELETED",
)
ITEMS = Listing("Items", "Item", _settings.ITEM_FIELDS, lambda c, r, m: dict(r), default_order=None)
CURRENCIES = Listing(
    "Currencies",
    "Currency",
    _settings.CURRENCY_FIELDS,
    lambda c, r, m: dict(r),
    modified_since=False,
    default_order=None,
)


def _tracking_row(call: Call, record: Record, mode: Mode) -> Record:
    shown = _settings.visible_category(record, call.flag("includeArchived"))
    assert shown is not None
    return shown


def _tracking_detail(call: Call, record: Record) -> Record:
    """One category by id, archived or not, with its active and archived options."""
    return _settings.visible_category(record, True) or record


TRACKING = Listing(
    "TrackingCategories",
    "TrackingCategory",
    _settings.TRACKING_FIELDS,
    _tracking_row,
    modified_since=False,
    default_order=None,
    visible=lambda call, r: _settings.visible_category(r, call.flag("includeArchived")) is not None,
)


def lister(listing: Listing) -> Handler:
    return lambda call: list_collection(call, listing)


# --- writes ---------------------------------------------------------------------------------------------------


def creator(writer: Writer) -> Handler:
    return lambda call: write(call, writer, "create")


def upserter(writer: Writer) -> Handler:
    return lambda call: write(call, writer, "upsert")


def updater(writer: Writer, find: Callable[[Call], Record | None]) -> Handler:
    def handle(call: Call) -> Reply:
        target = find(call)
        if target is None:
            raise not_found()
        return write(call, writer, "update", target)

    return handle


def _param(call: Call) -> str:
    return next(iter(call.params.values()), "")


def _contact(call: Call) -> Record | None:
    return _contacts.find(call.tenant, _param(call))


def _invoice(call: Call) -> Record | None:
    return d.find(call.tenant, d.INVOICES, _param(call))


def _credit_note(call: Call) -> Record | None:
    return d.find(call.tenant, d.CREDIT_NOTES, _param(call))


def _by_id(collection: str) -> Callable[[Call], Record | None]:
    return lambda call: call.tenant[collection].get(_param(call))


def _organisation(call: Call) -> Reply:
    return Reply(200, envelope(call, "Organisations", [dict(call.tenant.organisation)]))


def _account_create(call: Call) -> Reply:
    return write(call, _settings.ACCOUNTS, "create")


def _account_delete(call: Call) -> Reply:
    record = call.tenant["Accounts"].get(_param(call))
    if record is None or record.get("Status") == "DELETED":
        raise not_found()
    return _settings.delete_account(call, record)


def _item_delete(call: Call) -> Reply:
    record = call.tenant["Items"].get(_param(call))
    if record is None:
        raise not_found()
    call.tenant["Items"].remove(record["ItemID"])
    return Reply(204, None)


def _tax_rate_update(call: Call) -> Reply:
    return write(call, _settings.TAX_RATES, "upsert")


def _category(call: Call) -> Record:
    record = call.tenant["TrackingCategories"].get(call.params.get("TrackingCategoryID", ""))
    if record is None or record.get("Status") == "DELETED":
        raise not_found()
    return record


def _payment_delete(call: Call) -> Reply:
    record = call.tenant["Payments"].get(_param(call))
    if record is None:
        raise not_found()
    return _payments.delete(call, record)


ALLOCATION_SPEC = f.Obj(
    {"Invoice": f.Obj({"InvoiceID": f.GUID, "InvoiceNumber": f.TEXT}), "Amount": f.NUMBER, "Date": f.DATE}
)


def _allocate(call: Call) -> Reply:
    """PUT /CreditNotes/{id}/Allocations: apply an AUTHORISED credit note to AUTHORISED invoices of its side."""
    note = _credit_note(call)
    if note is None:
        raise not_found()
    elements = call.elements("Allocations")
    for index, element in enumerate(elements):
        f.check(element, ALLOCATION_SPEC, f"Allocations[{index}]")
    answers = []
    for element in elements:
        if not isinstance(element, dict):
            raise single_validation("Each allocation is a JSON object.")
        errors: list[str] = []
        invoice_ref = f.obj(element, "Invoice") or {}
        invoice = None
        invoice_id = f.guid(invoice_ref, "InvoiceID")
        number = f.text(invoice_ref, "InvoiceNumber")
        if invoice_id or number:
            invoice = d.find(call.tenant, d.INVOICES, invoice_id or number or "")
        amount = f.number(element, "Amount")
        if invoice is None:
            errors.append("The invoice to allocate to could not be found.")
        elif invoice.get("Status") != "AUTHORISED" or note.get("Status") != "AUTHORISED":
            errors.append("Allocations can only be made between AUTHORISED documents.")
        elif (invoice.get("Type") == "ACCREC") != (note.get("Type") == "ACCRECCREDIT"):
            errors.append("A credit note can only be allocated to an invoice of the same side (sales or purchases).")
        if amount is None or amount <= 0:
            errors.append("Amount must be greater than zero.")
        elif invoice is not None and money(amount) > Decimal(str(invoice.get("AmountDue") or 0)):
            errors.append("The amount allocated exceeds the amount outstanding on the invoice.")
        elif money(amount) > Decimal(str(note.get("RemainingCredit") or 0)):
            errors.append("The amount allocated exceeds the remaining credit on the credit note.")
        if errors:
            raise single_validation(*errors)
        assert invoice is not None and amount is not None
        amount = money(amount)
        day = f.day(element, "Date") or call.now.date()
        invoice = {**invoice, "AmountCredited": money(Decimal(str(invoice.get("AmountCredited") or 0)) + amount)}
        d.settle(invoice)
        if Decimal(str(invoice["AmountDue"])) == 0:
            invoice["Status"] = "PAID"
            invoice["FullyPaidOnDate"] = ms_date(day)
        invoice["UpdatedDateUTC"] = call.stamp
        call.tenant["Invoices"].put(invoice)
        allocation = {
            "AllocationID": call.new_id(),
            "Amount": amount,
            "Date": ms_date(day),
            "Invoice": {"InvoiceID": invoice["InvoiceID"], "InvoiceNumber": invoice.get("InvoiceNumber", "")},
        }
        note = {**note, "AppliedAmount": money(Decimal(str(note.get("AppliedAmount") or 0)) + amount)}
        note["Allocations"] = [*(note.get("Allocations") or []), allocation]
        d.settle(note)
        if Decimal(str(note["RemainingCredit"])) == 0:
            note["Status"] = "PAID"
        note["UpdatedDateUTC"] = call.stamp
        call.tenant["CreditNotes"].put(note)
        call.event("INVOICE", "UPDATE", "Invoices", str(invoice["InvoiceID"]))
        call.event(
            "CREDITNOTE",
            "UPDATE",
            "CreditNotes",
            str(note["CreditNoteID"]),
            {"Type": note["Type"], "Status": note["Status"]},
        )
        answers.append({**allocation, "CreditNote": {"CreditNoteID": note["CreditNoteID"]}})
    return Reply(200, envelope(call, "Allocations", answers))


def _empty(key: str) -> Handler:
    return lambda call: Reply(200, envelope(call, key, []))


def _bank_render(call: Call, record: Record) -> Record:
    return _bank.render(call, record)


ROUTES: list[Route] = [
    Route("GET", "/Contacts", lister(CONTACTS)),
    Route("PUT", "/Contacts", creator(_contacts.WRITER)),
    Route("POST", "/Contacts", upserter(_contacts.WRITER)),
    Route("GET", "/Contacts/{ContactID}", lambda c: _one(c, "Contacts", _contact(c), _contacts.render_detail)),
    Route("POST", "/Contacts/{ContactID}", updater(_contacts.WRITER, _contact)),
    Route("GET", "/Invoices", lister(INVOICES)),
    Route("PUT", "/Invoices", creator(d.INVOICE_WRITER)),
    Route("POST", "/Invoices", upserter(d.INVOICE_WRITER)),
    Route("GET", "/Invoices/{InvoiceID}", lambda c: _one(c, "Invoices", _invoice(c), d.INVOICE_WRITER.render)),
    Route("POST", "/Invoices/{InvoiceID}", updater(d.INVOICE_WRITER, _invoice)),
    Route("GET", "/CreditNotes", lister(CREDIT_NOTES)),
    Route("PUT", "/CreditNotes", creator(d.CREDIT_NOTE_WRITER)),
    Route("POST", "/CreditNotes", upserter(d.CREDIT_NOTE_WRITER)),
    Route(
        "GET",
        "/CreditNotes/{CreditNoteID}",
        lambda c: _one(c, "CreditNotes", _credit_note(c), d.CREDIT_NOTE_WRITER.render),
    ),
    Route("POST", "/CreditNotes/{CreditNoteID}", updater(d.CREDIT_NOTE_WRITER, _credit_note)),
    Route("PUT", "/CreditNotes/{CreditNoteID}/Allocations", _allocate),
    Route("GET", "/Payments", lister(PAYMENTS)),
    Route("PUT", "/Payments", creator(_payments.WRITER)),
    Route("POST", "/Payments", creator(_payments.WRITER)),
    Route("GET", "/Payments/{PaymentID}", lambda c: _one(c, "Payments", _by_id("Payments")(c), lambda _, r: r)),
    Route("POST", "/Payments/{PaymentID}", _payment_delete),
    Route("GET", "/BankTransactions", lister(BANK_TRANSACTIONS)),
    Route("PUT", "/BankTransactions", creator(_bank.WRITER)),
    Route("POST", "/BankTransactions", upserter(_bank.WRITER)),
    Route(
        "GET",
        "/BankTransactions/{BankTransactionID}",
        lambda c: _one(c, "BankTransactions", _by_id("BankTransactions")(c), _bank_render),
    ),
    Route("POST", "/BankTransactions/{BankTransactionID}", updater(_bank.WRITER, _by_id("BankTransactions"))),
    Route("GET", "/TaxRates", lister(TAX_RATES)),
    Route("PUT", "/TaxRates", creator(_settings.TAX_RATES)),
    Route("POST", "/TaxRates", _tax_rate_update),
    Route("GET", "/TaxRates/{TaxType}", lambda c: _one(c, "TaxRates", _by_id("TaxRates")(c), lambda _, r: r)),
    Route("GET", "/Accounts", lister(ACCOUNTS)),
    Route("PUT", "/Accounts", _account_create),
    Route(
        "GET",
        "/Accounts/{AccountID}",
        lambda c: _one(c, "Accounts", _visible_account(c), lambda _, r: r),
    ),
    Route("POST", "/Accounts/{AccountID}", updater(_settings.ACCOUNTS, lambda c: _visible_account(c))),
    Route("DELETE", "/Accounts/{AccountID}", _account_delete),
    Route("GET", "/Items", lister(ITEMS)),
    Route("PUT", "/Items", creator(_settings.ITEMS)),
    Route("POST", "/Items", upserter(_settings.ITEMS)),
    Route(
        "GET", "/Items/{ItemID}", lambda c: _one(c, "Items", _settings.find_item(c.tenant, _param(c)), lambda _, r: r)
    ),
    Route("POST", "/Items/{ItemID}", updater(_settings.ITEMS, lambda c: _settings.find_item(c.tenant, _param(c)))),
    Route("DELETE", "/Items/{ItemID}", _item_delete),
    Route("GET", "/TrackingCategories", lister(TRACKING)),
    Route("PUT", "/TrackingCategories", _settings.create_tracking_category),
    Route(
        "GET",
        "/TrackingCategories/{TrackingCategoryID}",
        lambda c: _one(c, "TrackingCategories", _category(c), _tracking_detail),
    ),
    Route(
        "POST",
        "/TrackingCategories/{TrackingCategoryID}",
        lambda c: _settings.update_tracking_category(c, _category(c)),
    ),
    Route(
        "DELETE",
        "/TrackingCategories/{TrackingCategoryID}",
        lambda c: _settings.delete_tracking_category(c, _category(c)),
    ),
    Route(
        "PUT", "/TrackingCategories/{TrackingCategoryID}/Options", lambda c: _settings.create_option(c, _category(c))
    ),
    Route(
        "POST",
        "/TrackingCategories/{TrackingCategoryID}/Options/{TrackingOptionID}",
        lambda c: _settings.update_option(c, _category(c), c.params["TrackingOptionID"]),
    ),
    Route(
        "DELETE",
        "/TrackingCategories/{TrackingCategoryID}/Options/{TrackingOptionID}",
        lambda c: _settings.delete_option(c, _category(c), c.params["TrackingOptionID"]),
    ),
    Route("GET", "/Organisation", _organisation),
    Route("GET", "/Organisations", _organisation),
    Route("GET", "/Currencies", lister(CURRENCIES)),
]
# Collections the emulator keeps empty, so that clients that read everything (ETL taps) run unchanged.
EMPTY = (
    "BankTransfers",
    "BatchPayments",
    "BrandingThemes",
    "ContactGroups",
    "Employees",
    "ExpenseClaims",
    "Journals",
    "LinkedTransactions",
    "ManualJournals",
    "Overpayments",
    "Prepayments",
    "PurchaseOrders",
    "Quotes",
    "Receipts",
    "RepeatingInvoices",
    "Users",
)
ROUTES.extend(Route("GET", f"/{key}", _empty(key)) for key in EMPTY)


def _visible_account(call: Call) -> Record | None:
    record = call.tenant["Accounts"].get(_param(call))
    return record if record is not None and record.get("Status") != "DELETED" else None


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """The route for method and path (relative to /api.xro/2.0), its parameters, and whether the path is known
    for some other method."""
    parts = [p for p in path.split("/") if p]
    known = False
    for route in ROUTES:
        template = route.parts
        if len(template) != len(parts):
            continue
        params: dict[str, str] = {}
        for want, got in zip(template, parts, strict=True):
            if want.startswith("{"):
                params[want[1:-1]] = got
            elif want.lower() != got.lower():
                break
        else:
            if route.method == method:
                return route, params, True
            known = True
    return None, {}, known


__all__ = ["ROUTES", "ElementError", "match"]
