"""Zoho Books payloads <-> unified models: writes through one cattrs Converter over the attrs wire models, reads
straight from Zoho's JSON with the same value parsers.

Reading Zoho is tolerant, because Zoho writes it: ``""`` and ``" "`` become ``None``, ids sent as JSON numbers
become strings, numbers become ``Decimal`` (floats through their shortest repr), Zoho's
``2013-11-18T02:02:51-0800`` becomes an aware datetime, and a value of the wrong shape becomes ``None`` rather
than failing the page; unknown fields are ignored here and kept on ``raw`` when asked. The readers
(``invoice_from_zoho``...) take each value they map from the payload with these parsers and build the unified
record in one pass: reads are the hot path of lists and syncs, and a wire-model stage there cost more than
parsing the JSON. ``structure`` reads a payload into its wire model with the same parsers (the write path's
view of the organization: taxes, the contact being updated). Wire -> JSON (``unstructure``) omits every
``None``, so a write sends only what the unified record sets; ``Decimal`` goes out as a JSON number when a float
carries it exactly, else as a numeric string.

The rules of the mapping:

- Contacts. ``contact_type`` customer|vendor <-> ``is_customer``/``is_supplier`` (one contact cannot be both);
  ``contact_name`` <-> ``display_name`` (at most 200 characters); ``company_name`` is the company, not the
  contact's name; ``contact_number`` <-> ``display_id``; ``customer_sub_type`` <-> ``individual`` (customers
  only). The person fields live on Zoho's primary contact person: ``first_name``, ``last_name``, ``title``
  (its designation), the first of ``emails`` (its email; Zoho keeps no email type, read back as ``primary``)
  and ``phone_numbers`` (the first number typed ``mobile`` is its mobile, read back typed ``mobile``; the first
  other number is its phone, read back typed ``work``). Further emails and numbers are not written. List rows
  carry the same person fields at the top level. Addresses: the one typed ``shipping`` is Zoho's
  ``shipping_address``, the first other one its ``billing_address`` (read back typed ``billing``); line1/line2
  are address/street2, postal_code is zip, contact_name is attention, phone_number is phone. The first of
  ``websites`` is Zoho's ``website``. ``currency`` is written through the organization's currency id.
- Documents. ``invoice_number``/``bill_number`` <-> ``number``/``bill_number``; ``date`` <-> ``invoice_date``/
  ``bill_date``; ``reference_number`` <-> ``reference``; invoice ``notes`` <-> ``customer_memo``;
  ``payment_terms_label`` -> ``terms``; ``exchange_rate`` <-> ``currency_rate``; ``is_inclusive_tax`` <->
  ``tax_inclusive`` (one flag for the document; a line's own ``tax_inclusive`` must agree with the others
  and the document's, and reads show the document's flag on every line); ``tax_total`` ->
  ``total_tax``. Statuses become unified ones (invoices: sent/viewed/overdue/unpaid -> unpaid; bills:
  open/overdue -> authorised; pending_approval -> submitted); any other status passes through.
- Lines. ``rate`` <-> ``unit_price``, ``unit`` <-> ``unit_of_measure``, ``item_order`` <-> ``line_number``,
  ``item_total`` -> ``total_amount``, ``item_id``/``name`` <-> ``item``, ``account_id`` <-> ``ledger_account``
  (bills: the expense account; invoices: the income account); per line ``tax_id``/``tax_name``/
  ``tax_percentage`` <-> ``tax_rate {id, name, rate}``; the line's tax amount is the sum of
  ``line_item_taxes``. A line discount of ``"10%"`` is ``discount_percentage``, an amount is
  ``discount_amount``.
- Expenses. ``date`` <-> ``transaction_date`` (written as the date in the datetime's own zone, read back at
  midnight UTC); ``paid_through_account_id`` <-> ``account`` (the account paid from); ``vendor_id`` <->
  ``supplier``; ``description`` <-> ``memo``; lines are always written itemised (``account_id``, ``amount``
  <- ``total_amount``, ``description``, ``tax_id``); a one-line expense Zoho shows without ``line_items`` is
  read as one line. Every expense Zoho records is ``posted``.
- Tax rates: ``/settings/taxes`` ``tax_name`` <-> ``name``, ``tax_percentage`` <-> ``effective_tax_rate`` (and
  ``total_tax_rate``), ``tax_type`` -> ``type``, ``country_code`` -> ``country``; a tax group's member
  ``taxes`` are its ``components`` (a ``compound_tax`` member is ``compound``).
- Custom fields, everywhere: see ``_customfields``. Ids are strings; Zoho's ``""`` is ``None``; on an update a
  text field the record sets to ``None`` is sent as ``""`` to clear it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from pydantic import BaseModel, ValidationError

from connectors.zoho_books import _wire as w
from connectors.zoho_books._customfields import custom_fields_from_zoho
from schemas import (
    Address,
    Bill,
    BillLineItem,
    Contact,
    Expense,
    ExpenseLineItem,
    Invoice,
    InvoiceLineItem,
    LinkedTaxRate,
    PassThrough,
    TaxRate,
)
from unified.errors import ConnectorExecutionError, RequestValidationError
from unified.toolkit import decimal_out, one_tax_inclusive_flag
from unified.toolkit import parse_bool as _parse_bool

__all__ = [
    "CONTACT_NAME_LIMIT",
    "CONVERTER",
    "PERSON_FIELDS",
    "READERS",
    "RENAMES",
    "WriteContext",
    "bill_from_zoho",
    "bill_to_zoho",
    "contact_from_zoho",
    "contact_to_zoho",
    "decimal_out",
    "expense_from_zoho",
    "expense_to_zoho",
    "format_timestamp",
    "invoice_from_zoho",
    "invoice_to_zoho",
    "parse_decimal",
    "parse_timestamp",
    "structure",
    "tax_rate_from_zoho",
    "tax_rate_to_zoho",
    "unstructure",
    "validate_write",
]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

CONTACT_NAME_LIMIT = 200
#: unified Contact fields that live on Zoho's primary contact person
PERSON_FIELDS = frozenset({"first_name", "last_name", "title", "emails", "phone_numbers"})
SERVICE_IDS = frozenset({"zoho-books", "zoho_books", "zohobooks"})

# -- the converter: Zoho JSON <-> wire models ----------------------------------------------------------------

#: attribute -> Zoho key, where the two differ
RENAMES: dict[type[Any], dict[str, str]] = {
    w.ZohoAddress: {"zip_code": "zip"},
}

# Other spellings Zoho uses for the same key in some modules (bills' custom fields say custom_field_id).
_ALIASES: dict[type[Any], dict[str, tuple[str, ...]]] = {
    w.ZohoCustomField: {"customfield_id": ("field_id", "custom_field_id")},
}

_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})$")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_text(value: object, _: object = None) -> str | None:
    if type(value) is str:  # the common cases first: most of a payload is text, the rest mostly left out
        return value if value.strip() else None
    if value is None:
        return None
    if _blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return None


def parse_decimal(value: object, _: object = None) -> Decimal | None:
    """A finite Decimal from a JSON number or numeric string; anything else is None."""
    if value is None:
        return None
    # the common cases by exact type first (fast; an exact int is not a bool)
    if type(value) is Decimal:  # what the HTTP layer gives: JSON read with parse_float=Decimal
        return value if value.is_finite() else None
    if type(value) is float:  # what json.loads gives
        number = Decimal(repr(value))
        return number if number.is_finite() else None
    if type(value) is int:
        return Decimal(value)
    if _blank(value) or isinstance(value, bool):
        return None
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, str):
            number = Decimal(value.strip().replace(",", ""))
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _parse_int(value: object, _: object = None) -> int | None:
    if type(value) is int:
        return value if abs(value) <= 10**18 else None
    number = parse_decimal(value)
    if number is None or number != number.to_integral_value() or abs(number) > 10**18:
        return None
    return int(number)


def parse_timestamp(value: object, _: object = None) -> dt.datetime | None:
    """Zoho's ``YYYY-MM-DDTHH:MM:SS+hhmm`` (also with a colon in the offset, or Z) as an aware datetime."""
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        return None
    day, time, zone = match.groups()
    if zone != "Z" and ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        return dt.datetime.fromisoformat(f"{day}T{time}{'+00:00' if zone == 'Z' else zone}")
    except ValueError:
        return None


def _parse_date(value: object, _: object = None) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def format_timestamp(value: dt.datetime) -> str:
    """An aware datetime as Zoho writes it: ``2024-01-31T09:30:00+0530``."""
    return value.strftime("%Y-%m-%dT%H:%M:%S%z")


def _decimal_or_none(value: Decimal | None) -> int | float | str | None:
    return None if value is None else decimal_out(value)


def _is_list(type_: Any) -> bool:
    return typing.get_origin(type_) is list


def _is_optional(type_: Any) -> bool:
    args = typing.get_args(type_)
    return typing.get_origin(type_) in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args


def _optional_hook(converter: cattrs.Converter) -> Callable[[Any], Callable[[object, Any], Any]]:
    """``X | None`` by X's own hook, looked up once instead of dispatched per value (cattrs' default).

    Every hook of this converter reads None (and blanks) as None, and none needs the type it is passed.
    """

    def factory(type_: Any) -> Callable[[object, Any], Any]:
        (inner,) = [arg for arg in typing.get_args(type_) if arg is not type(None)]
        return converter.get_structure_hook(inner)

    return factory


def _list_hook(converter: cattrs.Converter) -> Callable[[Any], Callable[[object, Any], list[Any] | None]]:
    def factory(type_: Any) -> Callable[[object, Any], list[Any] | None]:
        (item_type,) = typing.get_args(type_) or (object,)
        is_model = attrs.has(item_type)
        item_hook = converter.get_structure_hook(item_type)

        def hook(value: object, _: Any) -> list[Any] | None:
            if not isinstance(value, list):
                return None
            items = [v for v in value if type(v) is dict or isinstance(v, Mapping)] if is_model else value
            return [item_hook(item, item_type) for item in items]

        return hook

    return factory


def _renames(cls: type[Any]) -> dict[str, Any]:
    return {name: override(rename=key) for name, key in RENAMES.get(cls, {}).items()}


def _model_hook(converter: cattrs.Converter) -> Callable[[type[Any]], Callable[[object, Any], Any]]:
    def factory(cls: type[Any]) -> Callable[[object, Any], Any]:
        inner = make_dict_structure_fn(cls, converter, **_renames(cls))
        aliases = _ALIASES.get(cls, {})

        def hook(value: object, _: Any) -> Any:
            if type(value) is not dict and not isinstance(value, Mapping):
                return None
            for key, others in aliases.items():
                if _blank(value.get(key)):
                    value = {**value, key: next((value[o] for o in others if not _blank(value.get(o))), None)}
            return inner(value, cls)

        return hook

    return factory


def _model_unstructure(converter: cattrs.Converter) -> Callable[[type[Any]], Callable[[Any], dict[str, Any]]]:
    def factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
        return make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **_renames(cls))

    return factory


def _optional_unstructure(converter: cattrs.Converter) -> Callable[[Any], Callable[[Any], Any]]:
    """``X | None`` by X's own hook, looked up once instead of dispatched per value; text, whole numbers and
    booleans by cattrs' identity, which its generated code writes as a plain copy."""

    def factory(type_: Any) -> Callable[[Any], Any]:
        (inner,) = [arg for arg in typing.get_args(type_) if arg is not type(None)]
        if inner in (str, int, bool):
            return identity
        if inner is Decimal:
            return _decimal_or_none
        hook = converter.get_unstructure_hook(inner)
        return lambda value: None if value is None else hook(value)

    return factory


def _list_unstructure(converter: cattrs.Converter) -> Callable[[Any], Callable[[Any], list[Any]]]:
    def factory(type_: Any) -> Callable[[Any], list[Any]]:
        (item_type,) = typing.get_args(type_) or (object,)
        hook = converter.get_unstructure_hook(item_type)
        return lambda value: [hook(item) for item in value]

    return factory


def _any_unstructure(converter: cattrs.Converter) -> Callable[[Any], Any]:
    """``object`` fields (custom field values, discounts) by what their value is: a Decimal is a number."""

    def hook(value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is bool or kind is int or value is None:
            return value
        return decimal_out(value) if kind is Decimal else converter.unstructure(value)

    return hook


def _build_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=False, detailed_validation=False)
    converter.register_structure_hook(str, _parse_text)
    converter.register_structure_hook(Decimal, parse_decimal)
    converter.register_structure_hook(int, _parse_int)
    converter.register_structure_hook(bool, _parse_bool)
    converter.register_structure_hook(dt.datetime, parse_timestamp)
    converter.register_structure_hook(dt.date, _parse_date)
    # `object` fields (custom field values, discounts) pass through as Zoho sent them
    converter.register_structure_hook_func(lambda type_: type_ is object, lambda value, _: value)
    converter.register_structure_hook_factory(_is_list, _list_hook(converter))
    converter.register_structure_hook_factory(_is_optional, _optional_hook(converter))
    converter.register_structure_hook_factory(attrs.has, _model_hook(converter))
    converter.register_unstructure_hook(Decimal, decimal_out)
    converter.register_unstructure_hook_func(lambda type_: type_ is object, _any_unstructure(converter))
    converter.register_unstructure_hook_factory(_is_optional, _optional_unstructure(converter))
    converter.register_unstructure_hook_factory(_is_list, _list_unstructure(converter))
    converter.register_unstructure_hook(dt.date, lambda value: value.isoformat())
    converter.register_unstructure_hook(dt.datetime, format_timestamp)
    converter.register_unstructure_hook_factory(attrs.has, _model_unstructure(converter))
    return converter


CONVERTER = _build_converter()


def structure(payload: object, cls: type[T]) -> T:
    """A wire model from a Zoho payload; a payload that is not an object is a provider error."""
    if not isinstance(payload, Mapping):
        raise ConnectorExecutionError(
            f"Zoho Books sent {type(payload).__name__} where a {cls.__name__} object was expected."
        )
    try:
        return CONVERTER.structure(payload, cls)
    except Exception as exc:  # the hooks are tolerant; anything left is a bug worth naming
        detail = cattrs.transform_error(exc) if isinstance(exc, cattrs.BaseValidationError) else [str(exc)]
        raise ConnectorExecutionError(
            f"Could not read a Zoho Books {cls.__name__}: {'; '.join(detail)}", detail={"errors": detail}
        ) from None


def unstructure(model: object) -> dict[str, Any]:
    """A wire model as the JSON body Zoho takes, without the fields left as None."""
    body = CONVERTER.unstructure(model)
    if not isinstance(body, dict):
        raise TypeError(f"{type(model).__name__} is not a wire model")
    return body


# -- reads: Zoho JSON -> unified, in one pass ----------------------------------------------------------------
#
# Reads do not go through the wire models: each reader takes the values it maps straight from Zoho's parsed
# JSON with the converter's own parsers (_parse_text, parse_decimal, ...), so they are exactly as tolerant,
# and builds the unified data without a None in it. A read is the hot path of every list and sync; the attrs
# stage cost more than the JSON parse itself (benchmarks/README.md). Writes still go through the wire models.

_CURRENCY = re.compile(r"^[A-Za-z]{3}$")

INVOICE_STATUSES: dict[str, str] = {
    "draft": "draft",
    "pending_approval": "submitted",
    "approved": "authorised",
    "sent": "unpaid",
    "viewed": "unpaid",
    "overdue": "unpaid",
    "unpaid": "unpaid",
    "partially_paid": "partially_paid",
    "paid": "paid",
    "void": "void",
}
BILL_STATUSES: dict[str, str] = {
    "draft": "draft",
    "pending_approval": "submitted",
    "approved": "authorised",
    "open": "authorised",
    "overdue": "authorised",
    "partially_paid": "partially_paid",
    "paid": "paid",
    "void": "void",
}


def _objects(value: object) -> list[Mapping[str, Any]] | None:
    """A list of objects as the wire models read one: not a list is None, entries that are not objects dropped."""
    if not isinstance(value, list):
        return None
    return [v for v in value if type(v) is dict or isinstance(v, Mapping)]


def _object(value: object) -> Mapping[str, Any] | None:
    return value if type(value) is dict or isinstance(value, Mapping) else None


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Without its None values, so a read model's ``model_fields_set`` is what Zoho had."""
    return {key: value for key, value in data.items() if value is not None}


def _pair(key: str, value: object, other_key: str, other: object) -> dict[str, Any] | None:
    """A linked object of two fields (id and name), or None when Zoho gave neither."""
    if value is None:
        return None if other is None else {other_key: other}
    return {key: value} if other is None else {key: value, other_key: other}


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop None (and empty nested objects) all the way down: for values of any shape (custom fields)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        kind = type(value)
        if kind is dict:
            value = _clean(value)
            if not value:
                continue
        elif kind is list:
            value = [_clean(v) if type(v) is dict else v for v in value]
        out[key] = value
    return out


def _read(
    cls: type[M], build: Callable[[Callable[[str], Any]], dict[str, Any]], name: str, payload: object, raw: bool
) -> M:
    """``cls`` from a Zoho payload through ``build`` (Zoho's ``get`` -> unified data); failures name the record."""
    if type(payload) is not dict and not isinstance(payload, Mapping):
        raise ConnectorExecutionError(f"Zoho Books sent {type(payload).__name__} where a {name} object was expected.")
    try:
        fields = _compact(build(payload.get))
    except Exception as exc:  # the parsers are tolerant; anything left is a bug worth naming
        raise ConnectorExecutionError(
            f"Could not read a Zoho Books {name}: {exc}", detail={"errors": [str(exc)]}
        ) from None
    if raw:
        fields["raw"] = dict(payload)
    try:
        return cls.model_validate(fields)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConnectorExecutionError(
            f"Zoho Books sent a {cls.__name__} this library cannot represent: {'; '.join(problems)}",
            detail={"errors": problems},
        ) from None


def _currency(value: object) -> str | None:
    code = _parse_text(value)
    return code.upper() if code is not None and _CURRENCY.match(code) else None


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), dt.UTC) if day is not None else None


def _address(value: object, kind: str) -> dict[str, Any] | None:
    address = _object(value)
    if address is None:
        return None
    get = address.get
    content = _compact(
        {
            "line1": _parse_text(get("address")),
            "line2": _parse_text(get("street2")),
            "city": _parse_text(get("city")),
            "state": _parse_text(get("state")),
            "postal_code": _parse_text(get("zip")),
            "country": _parse_text(get("country")),
            "county": _parse_text(get("county")),
            "contact_name": _parse_text(get("attention")),
            "phone_number": _parse_text(get("phone")),
            "fax": _parse_text(get("fax")),
        }
    )
    if not content:
        return None
    address_id = _parse_text(get("address_id"))
    return {"id": address_id, "type": kind, **content} if address_id is not None else {"type": kind, **content}


def _linked_tax(get: Callable[[str], Any]) -> dict[str, Any] | None:
    """``tax_id``/``tax_name``/``tax_percentage`` of a record or a line as a linked tax rate."""
    tax_id, rate = _parse_text(get("tax_id")), parse_decimal(get("tax_percentage"))
    if tax_id is None and rate is None:
        return None
    name = _parse_text(get("tax_name"))
    if tax_id is not None and name is not None and rate is not None:  # the usual case: no None to drop
        return {"id": tax_id, "name": name, "rate": rate}
    return _compact({"id": tax_id, "name": name, "rate": rate})


def _line_tax_amount(value: object) -> Decimal | None:
    """The sum of a line's ``line_item_taxes``, or None when none carries an amount."""
    if not isinstance(value, list):
        return None
    total = None
    for tax in value:
        amount = parse_decimal(tax.get("tax_amount")) if type(tax) is dict or isinstance(tax, Mapping) else None
        if amount is not None:
            total = Decimal(0) + amount if total is None else total + amount  # as sum(..., Decimal(0)) adds
    return total


def _discount(value: object) -> tuple[Decimal | None, Decimal | None]:
    """(percentage, amount) from Zoho's discount, a number or a string like ``"10%"``; zero is no discount."""
    if not value:  # None, 0 and "" are no discount, and the most common
        return None, None
    if isinstance(value, str) and value.strip().endswith("%"):
        percent = parse_decimal(value.strip()[:-1])
        return (percent if percent else None), None
    amount = parse_decimal(value)
    return None, (amount if amount else None)


_SCALARS = frozenset({str, Decimal, bool, int, type(None)})


def _custom_fields(value: object) -> list[dict[str, Any]] | None:
    entries = _objects(value)
    if entries is None:
        return None
    wire = []
    for entry in entries:
        get = entry.get
        field_id = _parse_text(get("customfield_id"))
        if field_id is None and _blank(get("customfield_id")):
            # other spellings Zoho uses in some modules (bills' custom fields say custom_field_id)
            field_id = _parse_text(next((get(o) for o in ("field_id", "custom_field_id") if not _blank(get(o))), None))
        wire.append(
            w.ZohoCustomField(
                customfield_id=field_id,
                api_name=_parse_text(get("api_name")),
                label=_parse_text(get("label")),
                data_type=_parse_text(get("data_type")),
                value=get("value"),
            )
        )
    fields = custom_fields_from_zoho(wire) or []
    # values of any shape may hold None deep down; text, numbers and booleans need only the None at the top dropped
    return [_compact(f) if type(f["value"]) in _SCALARS else _clean(f) for f in fields]


def _primary_person(get: Callable[[str], Any]) -> tuple[Callable[[str], Any], bool]:
    """The primary contact person's ``get``, and whether it is a person (list rows carry one at the top level)."""
    persons = _objects(get("contact_persons")) or []
    primary = next((p for p in persons if _parse_bool(p.get("is_primary_contact"))), persons[0] if persons else None)
    return (get, False) if primary is None else (primary.get, True)


def _contact(get: Callable[[str], Any]) -> dict[str, Any]:
    person, is_person = _primary_person(get)
    phone, mobile, email = _parse_text(person("phone")), _parse_text(person("mobile")), _parse_text(person("email"))
    phones = [{"number": phone, "type": "work"}] if phone else []
    if mobile:
        phones.append({"number": mobile, "type": "mobile"})
    addresses = [
        a
        for a in (_address(get("billing_address"), "billing"), _address(get("shipping_address"), "shipping"))
        if a is not None
    ]
    contact_type, sub_type = _parse_text(get("contact_type")), _parse_text(get("customer_sub_type"))
    website = _parse_text(get("website"))
    return {
        "id": _parse_text(get("contact_id")),
        "is_customer": contact_type == "customer",
        "is_supplier": contact_type == "vendor",
        "display_id": _parse_text(get("contact_number")),
        "display_name": _parse_text(get("contact_name")),
        "company_name": _parse_text(get("company_name")),
        "title": _parse_text(person("designation")) if is_person else None,
        "first_name": _parse_text(person("first_name")),
        "last_name": _parse_text(person("last_name")),
        "individual": None if sub_type not in ("individual", "business") else sub_type == "individual",
        "addresses": addresses or None,
        "phone_numbers": phones or None,
        "emails": [{"email": email, "type": "primary"}] if email else None,
        "websites": [{"url": website}] if website else None,
        "notes": _parse_text(get("notes")),
        "tax_rate": _linked_tax(get),
        "tax_number": _parse_text(get("vat_reg_no")) or _parse_text(get("gst_no")) or _parse_text(get("tax_reg_no")),
        "taxable": _parse_bool(get("is_taxable")),
        "currency": _currency(get("currency_code")),
        "status": _parse_text(get("status")),
        "terms": _parse_text(get("payment_terms_label")),
        "custom_fields": _custom_fields(get("custom_fields")),
        "created_at": parse_timestamp(get("created_time")),
        "updated_at": parse_timestamp(get("last_modified_time")),
    }


def contact_from_zoho(payload: Mapping[str, Any], *, raw: bool = False) -> Contact:
    return _read(Contact, _contact, "ZohoContact", payload, raw)


def _invoice_line(line: Mapping[str, Any], inclusive: bool | None) -> dict[str, Any]:
    get = line.get
    percent, amount = _discount(get("discount"))
    if amount is None and (amount := get("discount_amount")):
        amount = parse_decimal(amount) or None  # zero is no discount
    return _compact(
        {
            "id": _parse_text(get("line_item_id")),
            "line_number": _parse_int(get("item_order")),
            "description": _parse_text(get("description")),
            "item": _pair("id", _parse_text(get("item_id")), "name", _parse_text(get("name"))),
            "quantity": parse_decimal(get("quantity")),
            "unit_price": parse_decimal(get("rate")),
            "unit_of_measure": _parse_text(get("unit")),
            "discount_percentage": percent,
            "discount_amount": amount or None,
            "tax_rate": _linked_tax(get),
            "tax_amount": _line_tax_amount(get("line_item_taxes")),
            "total_amount": parse_decimal(get("item_total")),
            "ledger_account": _pair("id", _parse_text(get("account_id")), "name", _parse_text(get("account_name"))),
            "location_id": _parse_text(get("location_id")),
            # Zoho keeps one is_inclusive_tax per document; each unified line shows it
            "tax_inclusive": inclusive,
        }
    )


def _invoice(get: Callable[[str], Any]) -> dict[str, Any]:
    inclusive = _parse_bool(get("is_inclusive_tax"))
    is_entity_level = _parse_text(get("discount_type")) == "entity_level"
    percent, amount = _discount(get("discount")) if is_entity_level else (None, None)
    status = _parse_text(get("status"))
    lines = _objects(get("line_items"))
    return {
        "id": _parse_text(get("invoice_id")),
        "number": _parse_text(get("invoice_number")),
        "customer": _pair("id", _parse_text(get("customer_id")), "display_name", _parse_text(get("customer_name"))),
        "invoice_date": _parse_date(get("date")),
        "due_date": _parse_date(get("due_date")),
        "status": INVOICE_STATUSES.get(status, status) if status else None,
        "reference": _parse_text(get("reference_number")),
        "terms": _parse_text(get("payment_terms_label")),
        "currency": _currency(get("currency_code")),
        "currency_rate": parse_decimal(get("exchange_rate")),
        "tax_inclusive": inclusive,
        "discount_percentage": percent,
        "discount_amount": amount,
        "sub_total": parse_decimal(get("sub_total")),
        "total_tax": parse_decimal(get("tax_total")),
        "total": parse_decimal(get("total")),
        "balance": parse_decimal(get("balance")),
        "customer_memo": _parse_text(get("notes")),
        "invoice_sent": _parse_bool(get("is_emailed")),
        "template_id": _parse_text(get("template_id")),
        "location_id": _parse_text(get("location_id")),
        "line_items": None if lines is None else [_invoice_line(line, inclusive) for line in lines],
        "billing_address": _address(get("billing_address"), "billing"),
        "shipping_address": _address(get("shipping_address"), "shipping"),
        "custom_fields": _custom_fields(get("custom_fields")),
        "created_at": parse_timestamp(get("created_time")),
        "updated_at": parse_timestamp(get("last_modified_time")),
    }


def invoice_from_zoho(payload: Mapping[str, Any], *, raw: bool = False) -> Invoice:
    return _read(Invoice, _invoice, "ZohoInvoice", payload, raw)


def _bill_line(line: Mapping[str, Any], inclusive: bool | None) -> dict[str, Any]:
    get = line.get
    return _compact(
        {
            "id": _parse_text(get("line_item_id")),
            "line_number": _parse_int(get("item_order")),
            "description": _parse_text(get("description")),
            "item": _pair("id", _parse_text(get("item_id")), "name", _parse_text(get("name"))),
            "quantity": parse_decimal(get("quantity")),
            "unit_price": parse_decimal(get("rate")),
            "unit_of_measure": _parse_text(get("unit")),
            "tax_rate": _linked_tax(get),
            "tax_amount": _line_tax_amount(get("line_item_taxes")),
            "total_amount": parse_decimal(get("item_total")),
            "ledger_account": _pair("id", _parse_text(get("account_id")), "name", _parse_text(get("account_name"))),
            "customer": _pair("id", _parse_text(get("customer_id")), "display_name", _parse_text(get("customer_name"))),
            "location_id": _parse_text(get("location_id")),
            "tax_inclusive": inclusive,
        }
    )


def _bill(get: Callable[[str], Any]) -> dict[str, Any]:
    inclusive = _parse_bool(get("is_inclusive_tax"))
    status = _parse_text(get("status"))
    lines = _objects(get("line_items"))
    return {
        "id": _parse_text(get("bill_id")),
        "bill_number": _parse_text(get("bill_number")),
        "supplier": _pair("id", _parse_text(get("vendor_id")), "display_name", _parse_text(get("vendor_name"))),
        "bill_date": _parse_date(get("date")),
        "due_date": _parse_date(get("due_date")),
        "status": BILL_STATUSES.get(status, status) if status else None,
        "reference": _parse_text(get("reference_number")),
        "terms": _parse_text(get("payment_terms_label")),
        "currency": _currency(get("currency_code")),
        "currency_rate": parse_decimal(get("exchange_rate")),
        "tax_inclusive": inclusive,
        "sub_total": parse_decimal(get("sub_total")),
        "total_tax": parse_decimal(get("tax_total")),
        "total": parse_decimal(get("total")),
        "balance": parse_decimal(get("balance")),
        "notes": _parse_text(get("notes")),
        "location_id": _parse_text(get("location_id")),
        "line_items": None if lines is None else [_bill_line(line, inclusive) for line in lines],
        "custom_fields": _custom_fields(get("custom_fields")),
        "created_at": parse_timestamp(get("created_time")),
        "updated_at": parse_timestamp(get("last_modified_time")),
    }


def bill_from_zoho(payload: Mapping[str, Any], *, raw: bool = False) -> Bill:
    return _read(Bill, _bill, "ZohoBill", payload, raw)


def _expense_line(get: Callable[[str], Any], inclusive: bool | None, *, itemised: bool) -> dict[str, Any]:
    """One line: an entry of Zoho's lines, or (not itemised) the expense's own account, amount and tax."""
    return _compact(
        {
            "id": _parse_text(get("line_item_id")) if itemised else None,
            "line_number": _parse_int(get("item_order")) if itemised else None,
            "account": _pair("id", _parse_text(get("account_id")), "name", _parse_text(get("account_name"))),
            "description": _parse_text(get("description")) if itemised else None,
            "total_amount": parse_decimal(get("amount")),
            "tax_rate": _linked_tax(get),
            "tax_amount": parse_decimal(get("tax_amount")),
            "location_id": _parse_text(get("location_id")) if itemised else None,
            "tax_inclusive": inclusive,
        }
    )


def _expense_lines(get: Callable[[str], Any], inclusive: bool | None) -> list[dict[str, Any]] | None:
    lines = _objects(get("line_items"))
    if lines:
        return [_expense_line(line.get, inclusive, itemised=True) for line in lines]
    line = _object(get("line_item"))  # Zoho's documented GET shape of a one-line expense
    if line is not None:
        return [_expense_line(line.get, inclusive, itemised=True)]
    if parse_decimal(get("amount")) is None:
        return None  # a list row (it has totals, not the amount): lines need the detail
    return [_expense_line(get, inclusive, itemised=False)]


def _expense(get: Callable[[str], Any]) -> dict[str, Any]:
    inclusive = _parse_bool(get("is_inclusive_tax"))
    expense_id = _parse_text(get("expense_id"))
    return {
        "id": expense_id,
        "transaction_date": _midnight(_parse_date(get("date"))),
        "account": _pair(
            "id", _parse_text(get("paid_through_account_id")), "name", _parse_text(get("paid_through_account_name"))
        ),
        "supplier": _pair("id", _parse_text(get("vendor_id")), "display_name", _parse_text(get("vendor_name"))),
        "reference": _parse_text(get("reference_number")),
        "memo": _parse_text(get("description")),
        "currency": _currency(get("currency_code")),
        "currency_rate": parse_decimal(get("exchange_rate")),
        "tax_inclusive": inclusive,
        "sub_total": parse_decimal(get("sub_total")),
        "total_tax": parse_decimal(get("tax_amount")),
        "total_amount": parse_decimal(get("total")),
        "status": "posted" if expense_id else None,  # every expense Zoho records is posted
        "line_items": _expense_lines(get, inclusive),
        "custom_fields": _custom_fields(get("custom_fields")),
        "created_at": parse_timestamp(get("created_time")),
        "updated_at": parse_timestamp(get("last_modified_time")),
    }


def expense_from_zoho(payload: Mapping[str, Any], *, raw: bool = False) -> Expense:
    return _read(Expense, _expense, "ZohoExpense", payload, raw)


def _tax_rate(get: Callable[[str], Any]) -> dict[str, Any]:
    tax_id, rate = _parse_text(get("tax_id")), parse_decimal(get("tax_percentage"))
    inactive = _parse_bool(get("is_inactive")) or _parse_text(get("status")) == "inactive"
    members = _objects(get("taxes"))
    return {
        "id": tax_id,
        "name": _parse_text(get("tax_name")),
        "effective_tax_rate": rate,
        "total_tax_rate": rate,
        "type": _parse_text(get("tax_type")),
        "country": _parse_text(get("country_code")),
        "tax_payable_account_id": _parse_text(get("tax_account_id")),
        "tax_remitted_account_id": _parse_text(get("purchase_tax_account_id")),
        "status": "inactive" if inactive else ("active" if tax_id else None),
        "components": [
            _compact(
                {
                    "id": _parse_text(member.get("tax_id")),
                    "name": _parse_text(member.get("tax_name")),
                    "rate": parse_decimal(member.get("tax_percentage")),
                    "compound": _parse_text(member.get("tax_type")) == "compound_tax",
                }
            )
            for member in members
        ]
        if members
        else None,
        "updated_at": parse_timestamp(get("last_modified_time")),
        "created_at": parse_timestamp(get("created_time")),
    }


def tax_rate_from_zoho(payload: Mapping[str, Any], *, raw: bool = False) -> TaxRate:
    return _read(TaxRate, _tax_rate, "ZohoTax", payload, raw)


READERS: dict[str, Callable[..., BaseModel]] = {
    "contacts": contact_from_zoho,
    "customers": contact_from_zoho,
    "suppliers": contact_from_zoho,
    "invoices": invoice_from_zoho,
    "bills": bill_from_zoho,
    "expenses": expense_from_zoho,
    "tax_rates": tax_rate_from_zoho,
}


# -- checks before any call ----------------------------------------------------------------------------------


def _refuse(message: str, field: str) -> RequestValidationError:
    return RequestValidationError(message, field=field)


def validate_write(resource: str, record: BaseModel, fields: AbstractSet[str], *, create: bool) -> None:
    """Refuse what Zoho would refuse, before any request: names, roles, required references and lines."""
    if isinstance(record, Contact):
        _validate_contact(record, fields, create=create)
    elif isinstance(record, Invoice):
        if create and (record.customer is None or not record.customer.id):
            raise _refuse(
                "An invoice needs its customer: set customer.id to the id of a customer contact "
                "(list them with client.customers.list()).",
                "customer.id",
            )
        _validate_discounts(record.discount_percentage, record.discount_amount, "")
        _validate_lines(record.line_items, fields, create=create, needs_account=False)
        document_tax_inclusive(record, fields)
    elif isinstance(record, Bill):
        if create and (record.supplier is None or not record.supplier.id):
            raise _refuse("A bill needs its supplier: set supplier.id to the id of a supplier contact.", "supplier.id")
        if create and not record.bill_number:
            raise _refuse("Zoho Books needs a bill_number on every bill (the supplier's number).", "bill_number")
        _validate_lines(record.line_items, fields, create=create, needs_account=True)
        document_tax_inclusive(record, fields)
    elif isinstance(record, Expense):
        _validate_expense(record, fields, create=create)
        document_tax_inclusive(record, fields)
    elif isinstance(record, TaxRate):
        if create and not record.name:
            raise _refuse("A tax rate needs a name.", "name")
        if create and record.effective_tax_rate is None and record.total_tax_rate is None:
            raise _refuse("A tax rate needs its rate: set effective_tax_rate, in percent.", "effective_tax_rate")
        rate = record.effective_tax_rate if record.effective_tax_rate is not None else record.total_tax_rate
        if rate is not None and not Decimal(0) <= rate <= Decimal(100):
            raise _refuse(f"effective_tax_rate must be from 0 to 100 percent; got {rate}.", "effective_tax_rate")


def document_tax_inclusive(record: Invoice | Bill | Expense, fields: AbstractSet[str]) -> bool | None:
    """The document's one ``is_inclusive_tax``: its own flag, or the one its lines agree on.

    Lines that disagree with each other, or with the document, are refused: Zoho applies one flag to all.
    """
    document = record.tax_inclusive if "tax_inclusive" in fields else None
    lines: Sequence[InvoiceLineItem | BillLineItem | ExpenseLineItem] = (
        record.line_items if "line_items" in fields and record.line_items else []
    )
    return one_tax_inclusive_flag(document, lines, rule="Zoho Books applies one is_inclusive_tax to the whole document")


def _validate_contact(record: Contact, fields: AbstractSet[str], *, create: bool) -> None:
    if record.is_customer and record.is_supplier:
        raise _refuse(
            "A Zoho Books contact is either a customer or a vendor (contact_type), not both: set only one of "
            "is_customer and is_supplier, and create a second contact for the other role.",
            "is_supplier",
        )
    name = record.display_name
    if (create or "display_name" in fields) and (name is None or not name.strip()):
        raise _refuse("A contact needs a display_name (Zoho's contact_name).", "display_name")
    if name is not None and len(name) > CONTACT_NAME_LIMIT:
        raise _refuse(
            f"display_name is {len(name)} characters; Zoho Books allows at most {CONTACT_NAME_LIMIT} "
            "for a contact name. Shorten it.",
            "display_name",
        )
    if record.company_name is not None and len(record.company_name) > CONTACT_NAME_LIMIT:
        raise _refuse(
            f"company_name is {len(record.company_name)} characters; Zoho Books allows at most "
            f"{CONTACT_NAME_LIMIT}. Shorten it.",
            "company_name",
        )
    shipping = [a for a in record.addresses or [] if a.type == "shipping"]
    if len(shipping) > 1:
        raise _refuse("Zoho Books keeps one shipping address per contact; send at most one.", "addresses")


def _validate_discounts(percentage: Decimal | None, amount: Decimal | None, where: str) -> None:
    if percentage is not None and amount is not None:
        raise _refuse(
            f"{where}discount_percentage and discount_amount are both set; Zoho Books takes one discount: "
            "a percentage or an amount.",
            f"{where}discount_percentage",
        )
    if percentage is not None and not Decimal(0) <= percentage <= Decimal(100):
        raise _refuse(f"{where}discount_percentage must be from 0 to 100.", f"{where}discount_percentage")


def _validate_lines(
    lines: Sequence[InvoiceLineItem | BillLineItem] | None,
    fields: AbstractSet[str],
    *,
    create: bool,
    needs_account: bool,
) -> None:
    if not (create or "line_items" in fields):
        return
    if not lines:
        raise _refuse("Zoho Books needs at least one line item on every document.", "line_items")
    for index, line in enumerate(lines):
        where = f"line_items[{index}]."
        has_item = line.item is not None and bool(line.item.id)
        if line.unit_price is None and not has_item:
            raise _refuse(f"{where}unit_price is needed (or an item whose rate applies).", f"{where}unit_price")
        if line.quantity is not None and line.quantity <= 0:
            raise _refuse(f"{where}quantity must be above 0.", f"{where}quantity")
        has_account = line.ledger_account is not None and bool(line.ledger_account.id)
        if needs_account and not has_account and not has_item:
            raise _refuse(
                f"{where}ledger_account.id is needed: Zoho Books books each bill line to an expense account "
                "(or an item's purchase account).",
                f"{where}ledger_account.id",
            )
        if isinstance(line, InvoiceLineItem) and (
            line.discount_percentage is not None or line.discount_amount is not None
        ):
            _validate_discounts(line.discount_percentage, line.discount_amount, where)


def _validate_expense(record: Expense, fields: AbstractSet[str], *, create: bool) -> None:
    account = (record.account.id if record.account else None) or record.account_id
    if create and not account:
        raise _refuse(
            "An expense needs the account it was paid from: set account.id to a cash, bank or credit card "
            "account (Zoho's paid_through_account_id).",
            "account.id",
        )
    if not (create or "line_items" in fields):
        return
    if not record.line_items:
        raise _refuse("An expense needs at least one line with an account and an amount.", "line_items")
    for index, line in enumerate(record.line_items):
        where = f"line_items[{index}]."
        if not ((line.account.id if line.account else None) or line.account_id):
            raise _refuse(f"{where}account.id is needed: the expense account of the line.", f"{where}account.id")
        if line.total_amount is None:
            raise _refuse(f"{where}total_amount is needed: the amount spent.", f"{where}total_amount")
        if line.total_amount < 0:
            raise _refuse(f"{where}total_amount cannot be negative.", f"{where}total_amount")


# -- writes: unified -> wire -> JSON -------------------------------------------------------------------------


@attrs.frozen
class WriteContext:
    """What a write needs from the organization, fetched by the connector before mapping."""

    #: resolved custom fields ({customfield_id, value}), when the record sets custom_fields
    custom_fields: list[w.ZohoCustomField] | None = None
    #: ISO code -> Zoho currency_id
    currencies: Mapping[str, str] = attrs.field(factory=dict)
    #: tax_id -> tax, to check and resolve line tax rates
    taxes: Mapping[str, w.ZohoTax] = attrs.field(factory=dict)
    #: the contact being updated, when the update touches its primary contact person
    current_contact: w.ZohoContact | None = None


def _text(record: BaseModel, name: str, fields: AbstractSet[str]) -> str | None:
    """The field's text to send: None when not set, "" when set to None (Zoho's way to clear)."""
    if name not in fields:
        return None
    value = getattr(record, name)
    return "" if value is None else str(value)


def _currency_id(code: object, context: WriteContext) -> str | None:
    if code is None:
        return None
    wanted = str(code).upper()
    found = context.currencies.get(wanted)
    if found is None:
        known = ", ".join(sorted(context.currencies)) or "none"
        raise _refuse(
            f"currency {wanted} is not enabled in this Zoho Books organization; enabled currencies: {known}. "
            "Add it under Settings > Currencies first.",
            "currency",
        )
    return found


def _tax_id(rate: LinkedTaxRate | None, context: WriteContext, index: int) -> str | None:
    """Line ``index``'s tax_id; a rate that disagrees with its tax, or matches no single tax, is refused."""
    if rate is None:
        return None
    where = f"line_items[{index}]."
    if rate.id:
        tax = context.taxes.get(rate.id)
        percent = tax.tax_percentage if tax is not None else None
        if percent is not None and rate.rate is not None and Decimal(rate.rate) != percent:
            raise _refuse(
                f"{where}tax_rate says {rate.rate}% but Zoho tax {rate.id} ({tax.tax_name if tax else ''}) is "
                f"{percent}%. Send the tax's own rate, or only its id.",
                f"{where}tax_rate.rate",
            )
        return rate.id
    if rate.rate is None:
        raise _refuse(f"{where}tax_rate needs an id (a Zoho tax_id) or a rate.", f"{where}tax_rate.id")
    matches = [t for t in context.taxes.values() if t.tax_percentage == rate.rate and t.tax_id]
    if len(matches) != 1:
        known = ", ".join(f"{t.tax_name} {t.tax_percentage}% (id {t.tax_id})" for t in context.taxes.values())
        problem = "no tax" if not matches else f"{len(matches)} taxes"
        raise _refuse(
            f"{where}tax_rate: {problem} of this organization has the rate {rate.rate}%; send the tax's id. "
            f"Taxes: {known or 'none'}.",
            f"{where}tax_rate.id",
        )
    return matches[0].tax_id


def _discount_out(percentage: Decimal | None, amount: Decimal | None) -> object:
    if percentage is not None:
        return f"{percentage}%"
    return amount


def _address_to_zoho(address: Address) -> w.ZohoAddress:
    # every key is sent, "" for unset, so the address replaces the old one instead of merging into it
    return w.ZohoAddress(
        attention=address.contact_name or "",
        address=address.line1 or "",
        street2=address.line2 or "",
        city=address.city or "",
        state=address.state or "",
        zip_code=address.postal_code or "",
        country=address.country or "",
        phone=address.phone_number or "",
        fax=address.fax or "",
    )


def _person_to_zoho(record: Contact, fields: AbstractSet[str], person: w.ZohoContactPerson) -> None:
    if "first_name" in fields:
        person.first_name = record.first_name or ""
    if "last_name" in fields:
        person.last_name = record.last_name or ""
    if "title" in fields:
        person.designation = record.title or ""
    if "emails" in fields:
        person.email = next((e.email for e in record.emails or [] if e.email), "")
    if "phone_numbers" in fields:
        numbers = record.phone_numbers or []
        person.mobile = next((p.number for p in numbers if p.type == "mobile"), "")
        person.phone = next((p.number for p in numbers if p.type != "mobile"), "")


def _persons(record: Contact, fields: AbstractSet[str], current: w.ZohoContact | None) -> list[w.ZohoContactPerson]:
    persons = [attrs.evolve(p) for p in (current.contact_persons if current else None) or []]
    primary = next((p for p in persons if p.is_primary_contact), persons[0] if persons else None)
    if primary is None:
        primary = w.ZohoContactPerson(is_primary_contact=True)
        persons.insert(0, primary)
    _person_to_zoho(record, fields, primary)
    return persons


def contact_to_zoho(
    record: Contact, fields: AbstractSet[str], context: WriteContext, *, create: bool
) -> dict[str, Any]:
    z = w.ZohoContact(
        contact_name=record.display_name if "display_name" in fields else None,
        company_name=_text(record, "company_name", fields),
        contact_number=_text(record, "display_id", fields),
        notes=_text(record, "notes", fields),
    )
    if create or fields & {"is_customer", "is_supplier"}:
        z.contact_type = "vendor" if record.is_supplier else "customer"
    if "individual" in fields and record.individual is not None and not record.is_supplier:
        z.customer_sub_type = "individual" if record.individual else "business"
    if "websites" in fields:
        z.website = next((site.url for site in record.websites or []), "")
    if "currency" in fields and record.currency is not None:
        z.currency_id = _currency_id(record.currency, context)
    if "addresses" in fields:
        addresses = record.addresses or []
        shipping = next((a for a in addresses if a.type == "shipping"), None)
        billing = next((a for a in addresses if a.type != "shipping"), None)
        z.billing_address = _address_to_zoho(billing or Address())
        z.shipping_address = _address_to_zoho(shipping or Address())
    if fields & PERSON_FIELDS:
        z.contact_persons = _persons(record, fields, None if create else context.current_contact)
    if "custom_fields" in fields:
        z.custom_fields = context.custom_fields or []
    return _with_pass_through(unstructure(z), record)


def _invoice_line_to_zoho(line: InvoiceLineItem, index: int, context: WriteContext) -> w.ZohoInvoiceLine:
    return w.ZohoInvoiceLine(
        line_item_id=line.id,
        item_id=line.item.id if line.item else None,
        name=line.item.name if line.item else None,
        description=line.description,
        rate=line.unit_price,
        quantity=line.quantity,
        unit=line.unit_of_measure,
        discount=_discount_out(line.discount_percentage, line.discount_amount),
        tax_id=_tax_id(line.tax_rate, context, index),
        account_id=line.ledger_account.id if line.ledger_account else None,
        location_id=line.location_id,
    )


def invoice_to_zoho(
    record: Invoice, fields: AbstractSet[str], context: WriteContext, *, create: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and the query parameters (a number of the caller's own needs Zoho's auto-numbering off)."""
    z = w.ZohoInvoice(
        customer_id=record.customer.id if "customer" in fields and record.customer else None,
        invoice_number=record.number if "number" in fields else None,
        date=record.invoice_date if "invoice_date" in fields else None,
        due_date=record.due_date if "due_date" in fields else None,
        reference_number=_text(record, "reference", fields),
        notes=_text(record, "customer_memo", fields),
        exchange_rate=record.currency_rate if "currency_rate" in fields else None,
        is_inclusive_tax=document_tax_inclusive(record, fields),
        template_id=record.template_id if "template_id" in fields else None,
        location_id=record.location_id if "location_id" in fields else None,
    )
    if "currency" in fields:
        z.currency_id = _currency_id(record.currency, context)
    if fields & {"discount_percentage", "discount_amount"}:
        z.discount = _discount_out(record.discount_percentage, record.discount_amount) or 0
        z.discount_type = "entity_level"
    if "line_items" in fields and record.line_items is not None:
        z.line_items = [_invoice_line_to_zoho(line, i, context) for i, line in enumerate(record.line_items)]
    if "custom_fields" in fields:
        z.custom_fields = context.custom_fields or []
    params = {"ignore_auto_number_generation": "true"} if z.invoice_number else {}
    return _with_pass_through(unstructure(z), record), params


def _bill_line_to_zoho(line: BillLineItem, index: int, context: WriteContext) -> w.ZohoBillLine:
    return w.ZohoBillLine(
        line_item_id=line.id,
        item_id=line.item.id if line.item else None,
        name=line.item.name if line.item else None,
        description=line.description,
        account_id=line.ledger_account.id if line.ledger_account else None,
        rate=line.unit_price,
        quantity=line.quantity,
        unit=line.unit_of_measure,
        tax_id=_tax_id(line.tax_rate, context, index),
        customer_id=line.customer.id if line.customer else None,
        location_id=line.location_id,
    )


def bill_to_zoho(record: Bill, fields: AbstractSet[str], context: WriteContext, *, create: bool) -> dict[str, Any]:
    z = w.ZohoBill(
        vendor_id=record.supplier.id if "supplier" in fields and record.supplier else None,
        bill_number=record.bill_number if "bill_number" in fields else None,
        date=record.bill_date if "bill_date" in fields else None,
        due_date=record.due_date if "due_date" in fields else None,
        reference_number=_text(record, "reference", fields),
        notes=_text(record, "notes", fields),
        exchange_rate=record.currency_rate if "currency_rate" in fields else None,
        is_inclusive_tax=document_tax_inclusive(record, fields),
        location_id=record.location_id if "location_id" in fields else None,
    )
    if "currency" in fields:
        z.currency_id = _currency_id(record.currency, context)
    if "line_items" in fields and record.line_items is not None:
        z.line_items = [_bill_line_to_zoho(line, i, context) for i, line in enumerate(record.line_items)]
    if "custom_fields" in fields:
        z.custom_fields = context.custom_fields or []
    return _with_pass_through(unstructure(z), record)


def _expense_line_to_zoho(line: ExpenseLineItem, index: int, context: WriteContext) -> w.ZohoExpenseLine:
    return w.ZohoExpenseLine(
        line_item_id=line.id,
        account_id=(line.account.id if line.account else None) or line.account_id,
        description=line.description,
        amount=line.total_amount,
        tax_id=_tax_id(line.tax_rate, context, index),
        location_id=line.location_id or (line.location.id if line.location else None),
    )


def expense_to_zoho(
    record: Expense, fields: AbstractSet[str], context: WriteContext, *, create: bool
) -> dict[str, Any]:
    z = w.ZohoExpense(
        reference_number=_text(record, "reference", fields),
        description=_text(record, "memo", fields),
        exchange_rate=record.currency_rate if "currency_rate" in fields else None,
        is_inclusive_tax=document_tax_inclusive(record, fields),
    )
    if "transaction_date" in fields and record.transaction_date is not None:
        z.date = record.transaction_date.date()
    if fields & {"account", "account_id"}:
        z.paid_through_account_id = (record.account.id if record.account else None) or record.account_id
    if fields & {"supplier", "supplier_id"}:
        z.vendor_id = (record.supplier.id if record.supplier else None) or record.supplier_id or ""
    if "currency" in fields:
        z.currency_id = _currency_id(record.currency, context)
    if "line_items" in fields and record.line_items:
        # always itemised, so lines read back as written; the top-level account and amount are Zoho's required
        lines = [_expense_line_to_zoho(line, i, context) for i, line in enumerate(record.line_items)]
        z.line_items = lines
        z.account_id = lines[0].account_id
        z.amount = sum((line.amount or Decimal(0) for line in lines), Decimal(0))
    if "custom_fields" in fields:
        z.custom_fields = context.custom_fields or []
    return _with_pass_through(unstructure(z), record)


def tax_rate_to_zoho(
    record: TaxRate, fields: AbstractSet[str], context: WriteContext, *, create: bool
) -> dict[str, Any]:
    rate = record.effective_tax_rate if record.effective_tax_rate is not None else record.total_tax_rate
    z = w.ZohoTax(
        tax_name=record.name if "name" in fields else None,
        tax_percentage=rate if fields & {"effective_tax_rate", "total_tax_rate"} else None,
        country_code=_text(record, "country", fields),
    )
    if create:
        z.tax_type = "tax"
    return _with_pass_through(unstructure(z), record)


# -- pass-through: provider data merged into a write ---------------------------------------------------------

_PATH_PART = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]")


def _with_pass_through(body: dict[str, Any], record: BaseModel) -> dict[str, Any]:
    """Apply the record's ``pass_through`` entries for this service: ``extend_object``, then ``extend_paths``."""
    entries: list[PassThrough] = getattr(record, "pass_through", None) or []
    for entry in entries:
        if entry.service_id.lower() not in SERVICE_IDS:
            continue
        if entry.extend_object:
            body.update(entry.extend_object)
        for change in entry.extend_paths or []:
            _set_path(body, change.path, change.value)
    return body


def _set_path(body: dict[str, Any], path: str, value: Any) -> None:
    if not path.startswith("$"):
        raise _refuse(f"pass_through path {path!r} must be a JSONPath starting with $, e.g. $.notes.", "pass_through")
    parts: list[str | int] = []
    rest = path[1:]
    while rest:
        match = _PATH_PART.match(rest)
        if match is None:
            raise _refuse(f"pass_through path {path!r} is not a simple JSONPath like $.a.b[0].c.", "pass_through")
        name, index, quoted = match.groups()
        parts.append(int(index) if index is not None else (name or quoted))
        rest = rest[match.end() :]
    if not parts:
        raise _refuse(f"pass_through path {path!r} names no field.", "pass_through")
    mismatch = _refuse(f"pass_through path {path!r} does not fit the shape of the body.", "pass_through")
    target: Any = body
    for part, following in itertools.pairwise(parts):
        fresh: Any = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            if not isinstance(target, list):
                raise mismatch
            target.extend([None] * (part + 1 - len(target)))
        elif not isinstance(target, dict):
            raise mismatch
        elif part not in target:
            target[part] = None
        if not isinstance(target[part], dict | list):
            target[part] = fresh
        target = target[part]
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(target, list):
            raise mismatch
        target.extend([None] * (last + 1 - len(target)))
    elif not isinstance(target, dict):
        raise mismatch
    target[last] = value
