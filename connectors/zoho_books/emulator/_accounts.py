"""Chart of accounts (`/chartofaccounts`)."""

from __future__ import annotations

from typing import Any

from . import _documented as documented
from . import _fields as f
from ._call import Call, Reply, reply
from ._errors import ZohoError
from ._listing import ListSpec, text_of
from ._resources import Resource, status_action
from ._store import Record

ACCOUNT_TYPES = (
    "other_asset",
    "other_current_asset",
    "cash",
    "bank",
    "fixed_asset",
    "other_current_liability",
    "credit_card",
    "long_term_liability",
    "other_liability",
    "equity",
    "income",
    "other_income",
    "expense",
    "cost_of_goods_sold",
    "other_expense",
    "accounts_receivable",
    "accounts_payable",
    "stock",
    "payment_clearing",
)
EXPENSE_TYPES = ("expense", "cost_of_goods_sold", "other_expense", "fixed_asset", "other_current_asset")
PAID_THROUGH_TYPES = (
    "cash",
    "bank",
    "credit_card",
    "other_current_liability",
    "equity",
    "other_current_asset",
    "payment_clearing",
)
_GROUPS = {
    "Asset": (
        "other_asset",
        "other_current_asset",
        "cash",
        "bank",
        "fixed_asset",
        "accounts_receivable",
        "stock",
        "payment_clearing",
    ),
    "Liability": (
        "other_current_liability",
        "credit_card",
        "long_term_liability",
        "other_liability",
        "accounts_payable",
    ),
    "Equity": ("equity",),
    "Income": ("income", "other_income"),
    "Expense": ("expense", "cost_of_goods_sold", "other_expense"),
}
ROW_FIELDS = (
    "account_id",
    "account_name",
    "account_code",
    "account_type",
    "description",
    "is_user_created",
    "is_system_account",
    "is_standalone_account",
    "is_active",
    "can_show_in_ze",
    "is_involved_in_transaction",
    "current_balance",
    "parent_account_id",
    "parent_account_name",
    "depth",
    "has_attachment",
    "documents",
    "created_time",
    "last_modified_time",
)


def make_account(account_id: str, name: str, account_type: str, code: str, stamp: str, *, system: bool) -> Record:
    record: Record = {
        "account_id": account_id,
        "account_name": name,
        "account_code": code,
        "account_type": account_type,
        "description": "",
        "currency_id": "",
        "currency_code": "",
        "is_user_created": not system,
        "is_system_account": system,
        "is_standalone_account": False,
        "is_active": True,
        "can_show_in_ze": False,
        "include_in_vat_return": False,
        "is_involved_in_transaction": False,
        "current_balance": 0,
        "parent_account_id": "",
        "parent_account_name": "",
        "depth": 0,
        "has_attachment": False,
        "documents": [],
        "custom_fields": [],
        "created_time": stamp,
        "last_modified_time": stamp,
    }
    return documented.fill(record, documented.ACCOUNT)


def build(call: Call, existing: Record | None, body: dict[str, Any]) -> Record:
    old = existing or {}
    source = {**old, **body}
    name = f.text(source, "account_name", limit=100, required=True)
    for other in call.org["chartofaccounts"]:
        if other is not existing and str(other.get("account_name", "")).lower() == name.lower():
            raise ZohoError(400, 4, f'An account named "{name}" already exists. Choose another account_name.')
    if "account_type" not in source:
        raise ZohoError(
            400, 4, f"Invalid value passed for account_type. It is required: one of {', '.join(ACCOUNT_TYPES)}."
        )
    account_type = f.choice(source, "account_type", ACCOUNT_TYPES, "expense")
    record = make_account(
        str(old.get("account_id") or call.new_id()),
        name,
        account_type,
        f.text(source, "account_code", limit=50),
        str(old.get("created_time") or call.timestamp()),
        system=bool(old.get("is_system_account", False)),
    )
    record["description"] = f.text(source, "description", limit=500)
    parent_id = f.identifier(source, "parent_account_id")
    if parent_id:
        parent = call.org["chartofaccounts"].get(parent_id)
        if parent is None:
            raise ZohoError(400, 4, f"Invalid value passed for parent_account_id. No account has id {parent_id}.")
        record.update(parent_account_id=parent_id, parent_account_name=parent["account_name"], depth=1)
    record["is_active"] = bool(old.get("is_active", True))
    record["last_modified_time"] = call.timestamp()
    return record


def before_delete(call: Call, record: Record) -> None:
    if record.get("is_system_account"):
        raise ZohoError(400, 4, "System accounts cannot be deleted.")
    account_id = str(record["account_id"])
    for expense in call.org["expenses"]:
        if account_id in (str(expense.get("account_id")), str(expense.get("paid_through_account_id"))):
            raise ZohoError(400, 4, "The account has transactions and cannot be deleted; mark it inactive instead.")


def _group(name: str) -> Any:
    types = _GROUPS[name]
    return lambda r: r.get("account_type") in types


RESOURCE = Resource(
    collection="chartofaccounts",
    singular="chart_of_account",
    id_field="account_id",
    label="Account",
    listing=ListSpec(
        key="chartofaccounts",
        report_name="Chart of Accounts",
        sort_columns={
            "account_name": lambda r: str(r.get("account_name", "")).lower(),
            "account_type": lambda r: str(r.get("account_type", "")),
            "account_code": lambda r: str(r.get("account_code", "")),
        },
        default_sort="account_name",
        default_order="A",
        filter_by={
            "AccountType.All": lambda r: True,
            "AccountType.Active": lambda r: bool(r.get("is_active")),
            "AccountType.Inactive": lambda r: not r.get("is_active"),
            **{f"AccountType.{name}": _group(name) for name in _GROUPS},
        },
        default_filter="AccountType.All",
        text={"account_name": text_of("account_name"), "account_code": text_of("account_code")},
        search=text_of("account_name", "account_code", "description"),
    ),
    build=build,
    created="The account has been created.",
    updated="The account has been updated.",
    deleted="The account has been deleted.",
    before_delete=before_delete,
)


def get_account(call: Call) -> Reply:
    """Zoho's spec puts the account's fields at the top level; clients also read `chart_of_account`."""
    account = RESOURCE.find(call)
    return reply(200, "success", **account, chart_of_account=account)


def mark(active: bool) -> Any:
    def handler(call: Call) -> Reply:
        state = "active" if active else "inactive"
        return status_action(
            RESOURCE, call, lambda r: {**r, "is_active": active}, f"The account has been marked as {state}."
        )

    return handler


def find_typed(call: Call, account_id: str, field: str, types: tuple[str, ...]) -> Record:
    account = call.org["chartofaccounts"].get(account_id)
    if account is None:
        raise ZohoError(
            400, 4, f"Invalid value passed for {field}. No account has id {account_id}; see GET /chartofaccounts."
        )
    if account.get("account_type") not in types:
        raise ZohoError(
            400,
            4,
            f"Invalid value passed for {field}. Account {account['account_name']!r} is {account['account_type']}; "
            f"use an account of type {', '.join(types)}.",
        )
    return account
