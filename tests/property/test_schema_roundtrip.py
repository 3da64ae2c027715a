"""Unified models survive JSON round trips, and money never turns into a float on the way."""

import json
from decimal import Decimal
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import schemas
from schemas import Bill, Contact, CustomField, Expense, Invoice, UnifiedModel, read_only_fields
from unified.testing import strategies as s

MODELS = sorted(
    (
        obj
        for obj in (getattr(schemas, name) for name in schemas.__all__)
        if isinstance(obj, type) and issubclass(obj, UnifiedModel) and obj is not UnifiedModel
    ),
    key=lambda cls: cls.__name__,
)

WRITE_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "addresses": s.addresses(),
    "emails": s.emails(),
    "phone_numbers": s.phone_numbers(),
    "linked_tax_rates": s.linked_tax_rates(),
    "custom_fields": s.custom_fields(),
    "contacts": s.contacts(),
    "tax_rates": s.tax_rates(),
    "invoice_line_items": s.invoice_line_items(tax_rates=s.linked_tax_rates()),
    "invoices": s.invoices(
        tax_rates=s.linked_tax_rates(),
        custom_fields=st.lists(s.custom_fields(), max_size=2),
        currencies=s.currency_codes(),
    ),
    "bill_line_items": s.bill_line_items(),
    "bills": s.bills(custom_fields=st.fixed_dictionaries({"cf_region": st.sampled_from(["North", "South"])})),
    "expense_line_items": s.expense_line_items(),
    "expenses": s.expenses(supplier_ids=st.just("460000000000000000123")),
}

# Modest example counts: the whole file runs in seconds; the big documents dominate.
_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _refuse_float(text: str) -> Any:
    raise AssertionError(f"a float reached the JSON: {text}")


def _is_decimal_annotation(annotation: Any) -> bool:
    """True for money annotations (Decimal, maybe optional), not for unions that also allow other types."""
    if annotation is Decimal:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_decimal_annotation(get_args(annotation)[0])
    if origin in (Union, UnionType):
        members = [arg for arg in get_args(annotation) if arg is not NoneType]
        return len(members) == 1 and _is_decimal_annotation(members[0])
    return False


def test_money_fields_are_recognised() -> None:
    money = {name for name, info in Invoice.model_fields.items() if _is_decimal_annotation(info.annotation)}
    assert {"total", "sub_total", "total_tax", "balance", "currency_rate", "discount_percentage"} <= money
    assert "custom_fields" not in money and "number" not in money


def _assert_decimal_fields(model: BaseModel) -> None:
    """Every field typed as money holds a Decimal; nested models are walked."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if value is not None and _is_decimal_annotation(info.annotation):
            assert isinstance(value, Decimal), f"{type(model).__name__}.{name} is {type(value).__name__}"
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                _assert_decimal_fields(item)


def _assert_json_matches(value: Any, data: Any, *, custom: bool = False) -> None:
    """Walk a model and its JSON (parsed with parse_float=Decimal) together.

    Amounts are JSON strings with the exact digits; a custom field number is a JSON number with the exact
    value; nowhere else does a JSON float appear.
    """
    assert not isinstance(value, float), f"float in the model: {value!r}"
    if isinstance(value, BaseModel):
        assert isinstance(data, dict)
        for name, info in type(value).model_fields.items():
            if info.exclude:
                assert name not in data
                continue
            is_custom_value = isinstance(value, CustomField) and name == "value"
            _assert_json_matches(getattr(value, name), data[name], custom=is_custom_value)
    elif isinstance(value, list):
        assert isinstance(data, list) and len(data) == len(value)
        for item, item_data in zip(value, data, strict=True):
            _assert_json_matches(item, item_data, custom=custom)
    elif isinstance(value, dict):
        assert isinstance(data, dict) and data.keys() == value.keys()
        for key in value:
            _assert_json_matches(value[key], data[key], custom=custom)
    elif isinstance(value, Decimal):
        if custom:
            assert isinstance(data, int | Decimal) and not isinstance(data, bool)
            assert Decimal(data) == value
        else:
            assert isinstance(data, str), f"amount {value} was written as {data!r}"
            assert Decimal(data) == value
    else:
        assert not isinstance(data, Decimal), f"{value!r} was written as a JSON float"


@pytest.mark.parametrize("model_cls", MODELS, ids=lambda cls: cls.__name__)
@_SETTINGS
@given(data=st.data())
def test_full_models_survive_a_json_round_trip(model_cls: type[UnifiedModel], data: st.DataObject) -> None:
    model = data.draw(s.full_models(model_cls))
    dumped = model.model_dump_json()

    back = model_cls.model_validate_json(dumped)

    assert back == model
    _assert_decimal_fields(back)
    _assert_json_matches(back, json.loads(dumped, parse_float=Decimal))


@pytest.mark.parametrize("model_cls", [Contact, Invoice, Bill, Expense], ids=lambda cls: cls.__name__)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_money_is_never_a_json_float_outside_custom_fields(model_cls: type[UnifiedModel], data: st.DataObject) -> None:
    fields = data.draw(s.full_models(model_cls)).model_dump()
    fields["custom_fields"] = None
    for line in fields.get("line_items") or []:
        line.pop("custom_fields", None)
    model = model_cls.model_validate(fields)

    json.loads(model.model_dump_json(), parse_float=_refuse_float)


def _assert_no_read_only_fields_set(model: BaseModel) -> None:
    assert not (read_only_fields(type(model)) & model.model_fields_set), type(model).__name__
    for name in model.model_fields_set:
        value = getattr(model, name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                _assert_no_read_only_fields_set(item)


@pytest.mark.parametrize("name", sorted(WRITE_STRATEGIES))
@_SETTINGS
@given(data=st.data())
def test_write_strategies_produce_valid_write_models(name: str, data: st.DataObject) -> None:
    model = data.draw(WRITE_STRATEGIES[name])
    model_cls = type(model)

    assert model_cls.model_validate(model.model_dump()) == model
    assert model_cls.model_validate(model.model_dump(exclude_unset=True)) == model
    assert model_cls.model_validate_json(model.model_dump_json()) == model
    _assert_no_read_only_fields_set(model)
    _assert_decimal_fields(model)


@_SETTINGS
@given(data=st.data())
def test_contacts_have_exactly_the_role_asked_for(data: st.DataObject) -> None:
    role = data.draw(st.sampled_from([None, "customer", "supplier"]))
    contact = data.draw(s.contacts(role=role))

    assert contact.is_customer != contact.is_supplier
    if role is not None:
        assert contact.is_customer == (role == "customer")
    assert contact.display_name and 1 <= len(contact.display_name) <= 200
    assert contact.display_name == contact.display_name.strip()


@_SETTINGS
@given(data=st.data())
def test_documents_are_consistent(data: st.DataObject) -> None:
    inclusive = data.draw(st.sampled_from([None, True, False]))
    invoice = data.draw(s.invoices(customer_ids=st.sampled_from(["1", "2"]), tax_inclusive=inclusive))
    bill = data.draw(s.bills(tax_inclusive=inclusive))

    assert invoice.customer is not None and invoice.customer.id in {"1", "2"}
    assert invoice.invoice_date and invoice.due_date and invoice.due_date >= invoice.invoice_date
    assert bill.bill_date and bill.due_date and bill.due_date >= bill.bill_date
    for document in (invoice, bill):
        assert document.line_items
        assert document.tax_inclusive is not None
        if inclusive is not None:
            assert document.tax_inclusive is inclusive
        for line in document.line_items:
            assert line.unit_price is not None and line.unit_price.as_tuple().exponent == -2
            assert line.tax_rate is None, "no tax rate strategy was given"


@_SETTINGS
@given(data=st.data())
def test_references_come_from_the_strategies_given(data: st.DataObject) -> None:
    vat = schemas.LinkedTaxRate(id="900", rate=Decimal("20"))
    invoice = data.draw(
        s.invoices(
            tax_rates=st.sampled_from([vat]),
            custom_fields=st.fixed_dictionaries({"cf_region": st.just("North")}),
        )
    )

    assert invoice.custom_fields == [CustomField(name="cf_region", value="North")]
    assert invoice.line_items and all(line.tax_rate in (None, vat) for line in invoice.line_items)


def test_contacts_refuse_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="role"):
        s.contacts(role="both")
