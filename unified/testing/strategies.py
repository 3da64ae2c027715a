"""Hypothesis strategies for the unified models (`schemas`).

Two kinds:

- Write strategies produce records a user would send: only writable fields (no ids, timestamps or other
  read-only fields; no computed totals), realistic values (amounts with 2 decimal places, quantities with up
  to 4, printable text without control characters or surrounding whitespace, display names of 1 to 200
  characters, plausible emails, dates in 2015-2035). Each draw is a model instance whose set fields are
  exactly the generated ones, so `model_dump(exclude_unset=True)` is the write payload.
- `full_models(Model)` fills every field of any model (read-only ones too, open enums with known and
  unknown values, custom field values of every type), for round-trip and serialisation tests.

A connector author points the references at records that exist in the backend under test, by passing
strategies::

    from decimal import Decimal
    from hypothesis import given, strategies as st
    from schemas import LinkedTaxRate
    from unified.testing import strategies as s

    customer_ids = ["460000000012345", "460000000012346"]          # listed from the backend first
    vat = LinkedTaxRate(id="460000000000101", rate=Decimal("20"))

    @given(s.invoices(customer_ids=st.sampled_from(customer_ids), tax_rates=st.sampled_from([vat])))
    def test_create_invoice(invoice):
        created = client.invoices.create(invoice)
        ...

Reference rules: a reference a document needs (the customer of an invoice, the supplier of a bill) gets a
random id when no strategy is given. Optional references (ledger accounts, the account an expense is paid
from, an expense's supplier, currencies, custom fields) are left out when no strategy is given, since a
made-up id could not exist in any backend, and always set when one is. Lines carry a tax rate drawn from
`tax_rates` or none, so taxed and untaxed lines mix; without `tax_rates` no line is taxed. `custom_fields`
takes a strategy of lists of `CustomField`, or of dicts `{name: value}`, e.g.
`st.fixed_dictionaries({"cf_region": st.sampled_from(["North", "South"])})`. All lines of one document are
generated under the document's single `tax_inclusive` flag. Other realistic ranges: `COMMON_CURRENCIES` and
`currency_codes()` for the `currencies` parameters.
"""

import datetime as dt
import types
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import annotated_types
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from pydantic import BaseModel

from schemas import (
    Address,
    AddressType,
    Bill,
    BillLineItem,
    Contact,
    Currency,
    CustomField,
    CustomFieldValue,
    Email,
    EmailType,
    Expense,
    ExpenseLineItem,
    Invoice,
    InvoiceLineItem,
    LinkedCustomer,
    LinkedFinancialAccount,
    LinkedLedgerAccount,
    LinkedSupplier,
    LinkedTaxRate,
    PhoneNumber,
    PhoneNumberType,
    TaxRate,
    TaxRateStatus,
    Website,
)

__all__ = [
    "COMMON_CURRENCIES",
    "addresses",
    "bill_line_items",
    "bills",
    "contacts",
    "currency_codes",
    "custom_fields",
    "emails",
    "expense_line_items",
    "expenses",
    "full_models",
    "invoice_line_items",
    "invoices",
    "linked_tax_rates",
    "phone_numbers",
    "tax_rates",
]

M = TypeVar("M", bound=BaseModel)

COMMON_CURRENCIES: tuple[Currency, ...] = (
    Currency.USD,
    Currency.EUR,
    Currency.GBP,
    Currency.INR,
    Currency.AUD,
    Currency.CAD,
    Currency.JPY,
    Currency.CHF,
    Currency.SGD,
    Currency.AED,
    Currency.ZAR,
    Currency.NZD,
)
_COUNTRIES = ("US", "GB", "DE", "FR", "IN", "AU", "CA", "JP", "SG", "AE", "ZA", "NZ", "NL", "ES")
_FIRST_DATE = dt.date(2015, 1, 1)
_LAST_DATE = dt.date(2035, 12, 31)


# -- building blocks ---------------------------------------------------------------------------------------

# Letters, digits, punctuation, symbols and plain spaces: printable, no control or format characters.
_CHARACTERS = st.characters(categories=("L", "N", "P", "S"), include_characters=" ")


def _is_clean(text: str) -> bool:
    # Backends may normalise text; NFC-stable text reads back exactly as written.
    return text == text.strip() and unicodedata.normalize("NFC", text) == text


def _text(min_size: int = 1, max_size: int = 60) -> SearchStrategy[str]:
    """Printable text without surrounding whitespace."""
    return (
        st.text(_CHARACTERS, min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(lambda s: len(s) >= min_size and _is_clean(s))
    )


def _ids() -> SearchStrategy[str]:
    # Long numeric ids as some providers use: 15 to 19 digits, beyond the 2**53 a float holds.
    return st.integers(min_value=10**14, max_value=10**19 - 1).map(str)


def _money(min_value: str = "0.01", max_value: str = "99999.99") -> SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(min_value), max_value=Decimal(max_value), places=2)


def _quantities() -> SearchStrategy[Decimal]:
    return st.integers(min_value=0, max_value=4).flatmap(
        lambda places: st.decimals(min_value=Decimal(1).scaleb(-places), max_value=Decimal(1000), places=places)
    )


def _tax_percentages() -> SearchStrategy[Decimal]:
    usual = st.sampled_from(["0", "5", "7.5", "10", "12", "15", "18", "20", "21", "25"]).map(Decimal)
    return st.one_of(usual, st.decimals(min_value=Decimal(0), max_value=Decimal(30), places=2))


def _dates() -> SearchStrategy[dt.date]:
    return st.dates(min_value=_FIRST_DATE, max_value=_LAST_DATE)


_OFFSETS = (0, 60, 120, 330, 540, -300, -420, -480)


def _aware_datetimes() -> SearchStrategy[dt.datetime]:
    return st.builds(
        lambda day, seconds, offset: (
            dt.datetime.combine(day, dt.time(), dt.timezone(dt.timedelta(minutes=offset)))
            + dt.timedelta(seconds=seconds)
        ),
        _dates(),
        st.integers(min_value=0, max_value=86_399),
        st.sampled_from(_OFFSETS),
    )


def _build(
    model_cls: Callable[..., M],
    required: Mapping[str, SearchStrategy[Any]],
    optional: Mapping[str, SearchStrategy[Any]],
) -> SearchStrategy[M]:
    """Models with the required fields and a random subset of the optional ones (the others stay unset)."""
    return st.fixed_dictionaries(dict(required), optional=dict(optional)).map(lambda fields: model_cls(**fields))


def currency_codes() -> SearchStrategy[Currency]:
    """Common ISO 4217 currencies."""
    return st.sampled_from(COMMON_CURRENCIES)


# -- contact details ---------------------------------------------------------------------------------------


def addresses() -> SearchStrategy[Address]:
    """Structured postal addresses, typed billing or shipping (the two types accounting backends share)."""
    return _build(
        Address,
        {"type": st.sampled_from([AddressType.BILLING, AddressType.SHIPPING])},
        {
            "line1": _text(1, 60),
            "line2": _text(1, 60),
            "city": _text(1, 40),
            "state": _text(1, 40),
            "postal_code": st.from_regex(r"[0-9]{4,6}", fullmatch=True),
            "country": st.sampled_from(_COUNTRIES),
            "phone_number": _phone_digits(),
        },
    )


def _email_addresses() -> SearchStrategy[str]:
    local = st.from_regex(r"[a-z][a-z0-9]{0,15}(\.[a-z0-9]{1,10})?", fullmatch=True)
    domain = st.from_regex(r"[a-z][a-z0-9-]{0,15}[a-z0-9]", fullmatch=True)
    tld = st.sampled_from(["com", "org", "net", "io", "co.uk", "de", "in"])
    return st.builds(lambda a, b, c: f"{a}@{b}.{c}", local, domain, tld)


def emails() -> SearchStrategy[Email]:
    """Plausible email addresses with a type."""
    return _build(
        Email,
        {"email": _email_addresses()},
        {"type": st.sampled_from([EmailType.PRIMARY, EmailType.WORK, EmailType.BILLING])},
    )


def _phone_digits() -> SearchStrategy[str]:
    return st.from_regex(r"\+?[0-9]{2,3}[- ]?[0-9]{3}[- ]?[0-9]{4}", fullmatch=True)


def phone_numbers() -> SearchStrategy[PhoneNumber]:
    """Phone numbers with a type."""
    return _build(
        PhoneNumber,
        {"number": _phone_digits()},
        {"type": st.sampled_from([PhoneNumberType.PRIMARY, PhoneNumberType.MOBILE, PhoneNumberType.WORK])},
    )


def _websites() -> SearchStrategy[Website]:
    host = st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True)
    return st.builds(lambda h: Website(url=f"https://www.{h}.com"), host)


# -- references and custom fields --------------------------------------------------------------------------


def linked_tax_rates(tax_rates: SearchStrategy[LinkedTaxRate] | None = None) -> SearchStrategy[LinkedTaxRate]:
    """Tax rates to put on a line: drawn from `tax_rates`, or made up (random id, a usual rate)."""
    if tax_rates is not None:
        return tax_rates
    return st.builds(lambda id_, rate: LinkedTaxRate(id=id_, rate=rate), _ids(), _tax_percentages())


def custom_fields(names: Sequence[str] | SearchStrategy[str] | None = None) -> SearchStrategy[CustomField]:
    """One custom field value, named by `names` (or a random name): text, a number or a boolean."""
    name_strategy = names if isinstance(names, SearchStrategy) else _custom_field_names(names)
    value = st.one_of(_text(1, 60), _money("-99999.99", "99999.99"), st.booleans())
    return st.builds(lambda name, v: CustomField(name=name, value=v), name_strategy, value)


def _custom_field_names(names: Sequence[str] | None) -> SearchStrategy[str]:
    if names is None:
        return st.from_regex(r"cf_[a-z][a-z0-9_]{0,20}", fullmatch=True)
    if not names:
        raise ValueError("custom_fields(names=...) needs at least one name")
    return st.sampled_from(list(names))


CustomFieldsArg = SearchStrategy[Sequence[CustomField]] | SearchStrategy[Mapping[str, Any]] | None


def _custom_field_list(strategy: CustomFieldsArg) -> SearchStrategy[list[CustomField]] | None:
    if strategy is None:
        return None

    def as_list(drawn: Sequence[CustomField] | Mapping[str, Any]) -> list[CustomField]:
        if isinstance(drawn, Mapping):
            return [CustomField(name=name, value=value) for name, value in drawn.items()]
        return list(drawn)

    return strategy.map(as_list)


def _given(entries: Mapping[str, SearchStrategy[Any] | None]) -> dict[str, SearchStrategy[Any]]:
    """The entries whose strategy was given (None: the field is left out)."""
    return {name: strategy for name, strategy in entries.items() if strategy is not None}


# -- resources ---------------------------------------------------------------------------------------------


def contacts(
    role: str | None = None,
    custom_fields: CustomFieldsArg = None,
    currencies: SearchStrategy[Currency | str] | None = None,
) -> SearchStrategy[Contact]:
    """Contacts that are a customer or a supplier (never both); `role=None` picks one at random."""
    if role not in (None, "customer", "supplier"):
        raise ValueError(f"role must be None, 'customer' or 'supplier', not {role!r}")
    roles = st.just(role) if role is not None else st.sampled_from(["customer", "supplier"])
    required = {"role": roles, "display_name": _text(1, 200)} | _given(
        {"custom_fields": _custom_field_list(custom_fields), "currency": currencies}
    )
    optional = {
        "company_name": _text(1, 100),
        "first_name": _text(1, 40),
        "last_name": _text(1, 40),
        "emails": st.lists(emails(), min_size=1, max_size=2),
        "phone_numbers": st.lists(phone_numbers(), min_size=1, max_size=2),
        "addresses": st.lists(addresses(), min_size=1, max_size=2, unique_by=lambda a: a.type),
        "websites": st.lists(_websites(), min_size=1, max_size=1),
        "notes": _text(1, 200),
    }

    def with_role(fields: dict[str, Any]) -> Contact:
        chosen = fields.pop("role")
        return Contact(is_customer=chosen == "customer", is_supplier=chosen == "supplier", **fields)

    return st.fixed_dictionaries(required, optional=optional).map(with_role)


def tax_rates() -> SearchStrategy[TaxRate]:
    """Tax rates: a name, a percentage, maybe a code and a description."""
    return _build(
        TaxRate,
        {"name": _text(1, 50), "effective_tax_rate": _tax_percentages()},
        {
            "code": st.from_regex(r"[A-Z]{1,4}-?[0-9]{0,3}", fullmatch=True),
            "description": _text(1, 100),
            "status": st.just(TaxRateStatus.ACTIVE),
        },
    )


def _line_fields(tax_rates: SearchStrategy[LinkedTaxRate] | None) -> dict[str, SearchStrategy[Any]]:
    fields: dict[str, SearchStrategy[Any]] = {"description": _text(1, 200)}
    if tax_rates is not None:
        fields["tax_rate"] = tax_rates
    return fields


def invoice_line_items(tax_rates: SearchStrategy[LinkedTaxRate] | None = None) -> SearchStrategy[InvoiceLineItem]:
    """Invoice lines: quantity and unit price, a description, a tax rate when `tax_rates` is given."""
    return _build(
        InvoiceLineItem,
        {"quantity": _quantities(), "unit_price": _money()},
        _line_fields(tax_rates),
    )


def bill_line_items(
    tax_rates: SearchStrategy[LinkedTaxRate] | None = None,
    ledger_accounts: SearchStrategy[LinkedLedgerAccount] | None = None,
) -> SearchStrategy[BillLineItem]:
    """Bill lines: quantity and unit price, a description, a tax rate and expense account when given."""
    required = {"quantity": _quantities(), "unit_price": _money()} | _given({"ledger_account": ledger_accounts})
    return _build(BillLineItem, required, _line_fields(tax_rates))


def expense_line_items(
    tax_rates: SearchStrategy[LinkedTaxRate] | None = None,
    ledger_accounts: SearchStrategy[LinkedLedgerAccount] | None = None,
) -> SearchStrategy[ExpenseLineItem]:
    """Expense lines: an amount (Apideck requires it), a description, a tax rate and account when given."""
    required = {"total_amount": _money()} | _given({"account": ledger_accounts})
    return _build(ExpenseLineItem, required, _line_fields(tax_rates))


def _dated(fields: dict[str, Any], start: str, due: str) -> dict[str, Any]:
    # A due date never precedes the document date.
    days = fields.pop("_due_in_days")
    fields[due] = fields[start] + dt.timedelta(days=days)
    return fields


def _inclusive(tax_inclusive: bool | None) -> SearchStrategy[bool]:
    return st.booleans() if tax_inclusive is None else st.just(tax_inclusive)


def invoices(
    customer_ids: SearchStrategy[str] | None = None,
    tax_rates: SearchStrategy[LinkedTaxRate] | None = None,
    custom_fields: CustomFieldsArg = None,
    tax_inclusive: bool | None = None,
    currencies: SearchStrategy[Currency | str] | None = None,
) -> SearchStrategy[Invoice]:
    """Invoices to a customer, with 1 to 5 lines, an invoice date and a due date on or after it."""
    required = {
        "customer": (customer_ids if customer_ids is not None else _ids()).map(lambda id_: LinkedCustomer(id=id_)),
        "invoice_date": _dates(),
        "_due_in_days": st.integers(min_value=0, max_value=90),
        "tax_inclusive": _inclusive(tax_inclusive),
        "line_items": st.lists(invoice_line_items(tax_rates), min_size=1, max_size=5),
    } | _given({"custom_fields": _custom_field_list(custom_fields), "currency": currencies})
    optional = {"reference": _text(1, 50), "customer_memo": _text(1, 200)}
    return st.fixed_dictionaries(required, optional=optional).map(
        lambda fields: Invoice(**_dated(fields, "invoice_date", "due_date"))
    )


def bills(
    supplier_ids: SearchStrategy[str] | None = None,
    tax_rates: SearchStrategy[LinkedTaxRate] | None = None,
    custom_fields: CustomFieldsArg = None,
    tax_inclusive: bool | None = None,
    currencies: SearchStrategy[Currency | str] | None = None,
    ledger_accounts: SearchStrategy[LinkedLedgerAccount] | None = None,
) -> SearchStrategy[Bill]:
    """Bills from a supplier, with a bill number, 1 to 5 lines, a bill date and a due date on or after it."""
    required = {
        "supplier": (supplier_ids if supplier_ids is not None else _ids()).map(lambda id_: LinkedSupplier(id=id_)),
        "bill_number": st.from_regex(r"B-[0-9]{6,10}", fullmatch=True),
        "bill_date": _dates(),
        "_due_in_days": st.integers(min_value=0, max_value=90),
        "tax_inclusive": _inclusive(tax_inclusive),
        "line_items": st.lists(bill_line_items(tax_rates, ledger_accounts), min_size=1, max_size=5),
    } | _given({"custom_fields": _custom_field_list(custom_fields), "currency": currencies})
    optional = {"reference": _text(1, 50), "notes": _text(1, 200)}
    return st.fixed_dictionaries(required, optional=optional).map(
        lambda fields: Bill(**_dated(fields, "bill_date", "due_date"))
    )


def expenses(
    supplier_ids: SearchStrategy[str] | None = None,
    tax_rates: SearchStrategy[LinkedTaxRate] | None = None,
    custom_fields: CustomFieldsArg = None,
    tax_inclusive: bool | None = None,
    currencies: SearchStrategy[Currency | str] | None = None,
    accounts: SearchStrategy[LinkedFinancialAccount] | None = None,
    ledger_accounts: SearchStrategy[LinkedLedgerAccount] | None = None,
) -> SearchStrategy[Expense]:
    """Expenses with a transaction date and 1 to 3 lines; paid from `accounts` and to a supplier when given."""
    required = {
        "transaction_date": _aware_datetimes(),
        "tax_inclusive": _inclusive(tax_inclusive),
        "line_items": st.lists(expense_line_items(tax_rates, ledger_accounts), min_size=1, max_size=3),
    } | _given(
        {
            "supplier": supplier_ids.map(lambda id_: LinkedSupplier(id=id_)) if supplier_ids is not None else None,
            "account": accounts,
            "custom_fields": _custom_field_list(custom_fields),
            "currency": currencies,
        }
    )
    optional = {"reference": _text(1, 50), "memo": _text(1, 200)}
    return _build(Expense, required, optional)


# -- full models -------------------------------------------------------------------------------------------


def full_models(model_cls: type[M]) -> SearchStrategy[M]:
    """Instances of `model_cls` with every field filled, nested models included (`raw` stays None)."""
    return _full_models(model_cls)  # type: ignore[return-value]


@cache
def _full_models(model_cls: type[BaseModel]) -> SearchStrategy[BaseModel]:
    fields = {
        name: _full_value(info.annotation, info.metadata)
        for name, info in model_cls.model_fields.items()
        if not info.exclude
    }
    return st.fixed_dictionaries(fields).map(model_cls.model_validate)


def _full_value(annotation: Any, metadata: Sequence[Any] = ()) -> SearchStrategy[Any]:
    if annotation is CustomFieldValue:
        return _custom_field_values()
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return _full_value(base, [*metadata, *extra])
    if origin in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        enum_cls = next((arg for arg in members if isinstance(arg, type) and issubclass(arg, StrEnum)), None)
        if enum_cls is not None:
            return _open_enum_values(enum_cls)
        if len(members) == 1:
            return _full_value(members[0], metadata)
        raise TypeError(f"full_models does not know how to fill {annotation!r}")
    if origin is list:
        return st.lists(_full_value(get_args(annotation)[0]), min_size=1, max_size=2)
    if origin is dict or annotation is Any:
        return _json_objects() if origin is dict else _json_values()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _full_models(annotation)
    simple: dict[Any, SearchStrategy[Any]] = {
        bool: st.booleans(),
        int: st.integers(min_value=-(2**63), max_value=2**63),
        Decimal: st.decimals(allow_nan=False, allow_infinity=False),
        dt.datetime: st.datetimes(
            min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=_any_offsets()
        ),
        dt.date: st.dates(),
    }
    if annotation in simple:
        return simple[annotation]
    if annotation is str:
        min_size = max((m.min_length for m in metadata if isinstance(m, annotated_types.MinLen)), default=0)
        max_size = min((m.max_length for m in metadata if isinstance(m, annotated_types.MaxLen)), default=40)
        return st.text(min_size=max(min_size, 1), max_size=max_size)
    raise TypeError(f"full_models does not know how to fill {annotation!r}")


def _any_offsets() -> SearchStrategy[dt.timezone]:
    return st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


def _open_enum_values(enum_cls: type[StrEnum]) -> SearchStrategy[Any]:
    known = {member.value for member in enum_cls}
    # Unknown currencies must still look like ISO 4217 codes.
    unknown = st.from_regex(r"[A-Z]{3}", fullmatch=True) if enum_cls is Currency else st.text(min_size=1, max_size=20)
    return st.one_of(st.sampled_from(list(enum_cls)), unknown.filter(lambda s: s not in known))


def _exact_json_numbers() -> SearchStrategy[Decimal]:
    # Numbers a custom field writes to JSON exactly: any integer, or up to 15 significant digits.
    return st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30).map(Decimal),
        st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4),
    )


def _custom_field_values() -> SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.text(max_size=20), _exact_json_numbers())
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
        max_leaves=6,
    )


def _json_values() -> SearchStrategy[Any]:
    # Free-form JSON for pass-through data: no floats, as they would not survive as Decimal anyway.
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
        max_leaves=6,
    )


def _json_objects() -> SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.text(max_size=10), _json_values(), max_size=3)
