"""Currencies (`/settings/currencies`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import _fields as f
from ._call import Call
from ._errors import ZohoError
from ._listing import ListSpec, text_of
from ._numbers import ZERO, out
from ._resources import Resource
from ._store import Record

FIELDS = (
    "currency_id",
    "currency_code",
    "currency_name",
    "currency_symbol",
    "price_precision",
    "currency_format",
    "is_base_currency",
    "exchange_rate",
    "effective_date",
)


def make_currency(
    currency_id: str, code: str, name: str, symbol: str, precision: int, rate: Decimal, base: bool, day: str
) -> Record:
    return {
        "currency_id": currency_id,
        "currency_code": code,
        "currency_name": f"{code}- {name}",
        "currency_symbol": symbol,
        "price_precision": precision,
        "currency_format": "1,234,567.89" if precision else "1,234,567",
        "is_base_currency": base,
        "exchange_rate": out(rate),
        "effective_date": day,
    }


def build(call: Call, existing: Record | None, body: dict[str, Any]) -> Record:
    old = existing or {}
    source = {**old, **body}
    code = f.text(source, "currency_code", limit=3, required=True).upper()
    if len(code) != 3 or not code.isalpha():
        raise ZohoError(400, 4, "Invalid value passed for currency_code. Send an ISO 4217 code like EUR.")
    for other in call.org["currencies"]:
        if other is not existing and other["currency_code"] == code:
            raise ZohoError(400, 4, f"The currency {code} already exists.")
    name = str(old.get("currency_name", "")).partition("- ")[2] or code
    return make_currency(
        str(old.get("currency_id") or call.new_id()),
        code,
        f.text(body, "currency_name", limit=100, default=name),
        f.text(source, "currency_symbol", limit=5, default=code),
        f.integer(source, "price_precision", 2, maximum=3),
        f.decimal(source, "exchange_rate", Decimal(1), minimum=ZERO),
        bool(old.get("is_base_currency", False)),
        call.today().isoformat(),
    )


def before_delete(call: Call, record: Record) -> None:
    if record.get("is_base_currency"):
        raise ZohoError(400, 4, "The base currency cannot be deleted.")


RESOURCE = Resource(
    collection="currencies",
    singular="currency",
    id_field="currency_id",
    label="Currency",
    listing=ListSpec(
        key="currencies",
        report_name="Currencies",
        sort_columns={"currency_code": lambda r: str(r.get("currency_code", ""))},
        default_sort="currency_code",
        default_order="A",
        search=text_of("currency_code", "currency_name"),
        modified_time=False,
    ),
    build=build,
    created="The currency has been added.",
    updated="Currency information has been saved.",
    deleted="The currency has been deleted.",
    before_delete=before_delete,
)
