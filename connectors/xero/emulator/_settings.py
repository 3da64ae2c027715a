"""Organisation, Currencies, TaxRates, Accounts, Items and TrackingCategories (with their Options)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import _fields as f
from ._batch import Writer, envelope
from ._call import Call, Reply
from ._errors import ElementError, not_found, single_validation
from ._money import effective_rate
from ._store import Tenant
from ._wire import Record, quantize

ACCOUNT_TYPES = (
    "BANK",
    "CURRENT",
    "CURRLIAB",
    "DEPRECIATN",
    "DIRECTCOSTS",
    "EQUITY",
    "EXPENSE",
    "FIXED",
    "INVENTORY",
    "LIABILITY",
    "NONCURRENT",
    "OTHERINCOME",
    "OVERHEADS",
    "PREPAYMENT",
    "REVENUE",
    "SALES",
    "TERMLIAB",
    "PAYG",
)
ACCOUNT_CLASS = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "EQUITY": "EQUITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "OTHERINCOME": "REVENUE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
}
TAX_RATE_FIELDS = (
    "Name",
    "TaxType",
    "TaxComponents",
    "Status",
    "ReportTaxType",
    "CanApplyToAssets",
    "CanApplyToEquity",
    "CanApplyToExpenses",
    "CanApplyToLiabilities",
    "CanApplyToRevenue",
    "DisplayTaxRate",
    "EffectiveRate",
)
ACCOUNT_FIELDS = (
    "AccountID",
    "Code",
    "Name",
    "Type",
    "BankAccountNumber",
    "Status",
    "Description",
    "BankAccountType",
    "CurrencyCode",
    "TaxType",
    "EnablePaymentsToAccount",
    "ShowInExpenseClaims",
    "Class",
    "SystemAccount",
    "ReportingCode",
    "ReportingCodeName",
    "HasAttachments",
    "UpdatedDateUTC",
    "AddToWatchlist",
)
ITEM_FIELDS = (
    "ItemID",
    "Code",
    "Name",
    "IsSold",
    "IsPurchased",
    "Description",
    "PurchaseDescription",
    "PurchaseDetails",
    "SalesDetails",
    "IsTrackedAsInventory",
    "InventoryAssetAccountCode",
    "TotalCostPool",
    "QuantityOnHand",
    "UpdatedDateUTC",
)
TRACKING_FIELDS = ("TrackingCategoryID", "Name", "Status", "Options")
CURRENCY_FIELDS = ("Code", "Description")
ORGANISATION_FIELDS = ("OrganisationID", "Name", "LegalName", "BaseCurrency", "CountryCode", "Version", "ShortCode")


# --- tax rates ----------------------------------------------------------------------------------------------


def tax_rate(name: str, tax_type: str, components: list[tuple[str, Decimal, bool]], report: str) -> Record:
    rate = effective_rate((r, c) for _, r, c in components)
    return {
        "Name": name,
        "TaxType": tax_type,
        "ReportTaxType": report,
        "CanApplyToAssets": True,
        "CanApplyToEquity": True,
        "CanApplyToExpenses": True,
        "CanApplyToLiabilities": True,
        "CanApplyToRevenue": True,
        "DisplayTaxRate": rate,
        "EffectiveRate": rate,
        "Status": "ACTIVE",
        "TaxComponents": [
            {"Name": n, "Rate": quantize(r, 4), "IsCompound": c, "IsNonRecoverable": False} for n, r, c in components
        ],
    }


def rate_of(tenant: Tenant, tax_type: str) -> Decimal | None:
    """The effective rate (percent) of an ACTIVE tax type, or None if the tenant has no such active type."""
    record = tenant["TaxRates"].get(tax_type)
    if record is None or record.get("Status", "ACTIVE") != "ACTIVE":
        return None
    components = [
        (Decimal(str(c.get("Rate") or 0)), bool(c.get("IsCompound"))) for c in record.get("TaxComponents") or []
    ]
    if components:
        return effective_rate(components)
    return Decimal(str(record.get("EffectiveRate") or 0))


_COMPONENT = f.Obj({"Name": f.TEXT, "Rate": f.NUMBER, "IsCompound": f.BOOL, "IsNonRecoverable": f.BOOL})
TAX_RATE_SPEC = f.Obj(
    {
        "Name": f.TEXT,
        "TaxType": f.TEXT,
        "Status": f.OneOf("ACTIVE", "DELETED", "ARCHIVED", "PENDING"),
        "ReportTaxType": f.TEXT,
        "TaxComponents": f.Many(_COMPONENT),
    }
)


def _components(element: Record, errors: list[str]) -> list[tuple[str, Decimal, bool]]:
    result = []
    for component in f.objects(element, "TaxComponents"):
        rate = f.number(component, "Rate")
        name = (f.text(component, "Name") or "").strip()
        if rate is None or not name or rate < 0 or rate > 100:
            errors.append("Each tax component needs a Name and a Rate between 0 and 100.")
            continue
        result.append((name, rate, bool(f.flag(component, "IsCompound"))))
    return result


def create_tax_rate(call: Call, element: Record) -> Record:
    errors: list[str] = []
    name = (f.text(element, "Name") or "").strip()
    if not name:
        errors.append("Name is a required field.")
    elif call.tenant["TaxRates"].find("Name", name) is not None:
        errors.append(f"The tax rate name '{name}' is already used by another tax rate.")
    components = _components(element, errors)
    if not components:
        errors.append("At least one tax component is required.")
    if errors:
        raise ElementError(*errors)
    tax_type = f"TAX{call.tenant.next_number('TaxRates'):03d}"
    while call.tenant["TaxRates"].get(tax_type) is not None:
        tax_type = f"TAX{call.tenant.next_number('TaxRates'):03d}"
    record = tax_rate(name, tax_type, components, (f.text(element, "ReportTaxType") or "OUTPUT").upper())
    call.tenant["TaxRates"].put(record)
    return record


def update_tax_rate(call: Call, existing: Record, element: Record) -> Record:
    errors: list[str] = []
    record = {**existing}
    if f.has(element, "TaxComponents"):
        components = _components(element, errors)
        if components and not errors:
            record.update(
                tax_rate(str(record["Name"]), str(record["TaxType"]), components, str(record.get("ReportTaxType")))
            )
    status = f.text(element, "Status")
    if status:
        record["Status"] = status.upper()
    name = (f.text(element, "Name") or "").strip()
    if name:
        record["Name"] = name
    if errors:
        raise ElementError(*errors)
    call.tenant["TaxRates"].put(record)
    return record


def locate_tax_rate(call: Call, element: Record) -> Record | None:
    tax_type = f.text(element, "TaxType")
    if tax_type:
        found = call.tenant["TaxRates"].get(tax_type)
        if found is None:
            raise ElementError(f"The TaxType code {tax_type} does not exist.")
        return found
    name = f.text(element, "Name")
    return call.tenant["TaxRates"].find("Name", name) if name else None


TAX_RATES = Writer(
    "TaxRates", TAX_RATE_SPEC, "HasValidationErrors", create_tax_rate, update_tax_rate, locate_tax_rate, lambda c, r: r
)


# --- accounts -----------------------------------------------------------------------------------------------

ACCOUNT_SPEC = f.Obj(
    {
        "AccountID": f.GUID,
        "Code": f.TEXT,
        "Name": f.TEXT,
        "Type": f.OneOf(*ACCOUNT_TYPES),
        "Status": f.OneOf("ACTIVE", "ARCHIVED", "DELETED"),
        "Description": f.TEXT,
        "TaxType": f.TEXT,
        "BankAccountNumber": f.TEXT,
        "BankAccountType": f.OneOf("BANK", "CREDITCARD", "PAYPAL", "NONE", ""),
        "CurrencyCode": f.TEXT,
        "EnablePaymentsToAccount": f.BOOL,
        "ShowInExpenseClaims": f.BOOL,
        "AddToWatchlist": f.BOOL,
    }
)


def account(account_id: str, code: str, name: str, kind: str, tax_type: str, stamp: str, **extra: Any) -> Record:
    record: Record = {
        "AccountID": account_id,
        "Code": code,
        "Name": name,
        "Status": "ACTIVE",
        "Type": kind,
        "TaxType": tax_type,
        "Description": "",
        "Class": ACCOUNT_CLASS.get(kind, "EXPENSE"),
        "EnablePaymentsToAccount": False,
        "ShowInExpenseClaims": kind in ("EXPENSE", "OVERHEADS", "DIRECTCOSTS"),
        "BankAccountType": "BANK" if kind == "BANK" else "",
        "ReportingCode": "",
        "ReportingCodeName": "",
        "HasAttachments": False,
        "UpdatedDateUTC": stamp,
        "AddToWatchlist": False,
    }
    record.update(extra)
    return record


def _apply_account(call: Call, record: Record, element: Record, creating: bool) -> None:
    errors: list[str] = []
    accounts = call.tenant["Accounts"]
    code = f.text(element, "Code")
    if code is not None or creating:
        code = (code or "").strip()
        other = accounts.find("Code", code) if code else None
        if creating and not code and f.text(element, "Type") != "BANK":
            errors.append("Please enter a unique Code.")
        elif len(code) > 10:
            errors.append("Code must not be more than 10 characters long.")
        elif other is not None and other["AccountID"] != record.get("AccountID"):
            errors.append("Please enter a unique Code.")
        else:
            record["Code"] = code
    name = f.text(element, "Name")
    if name is not None or creating:
        name = (name or "").strip()
        other = accounts.find("Name", name) if name else None
        if not name:
            errors.append("Please enter a unique Name.")
        elif len(name) > 150:
            errors.append("Name must not be more than 150 characters long.")
        elif other is not None and other["AccountID"] != record.get("AccountID"):
            errors.append("Please enter a unique Name.")
        else:
            record["Name"] = name
    kind = f.text(element, "Type")
    if kind:
        record["Type"] = kind.upper()
        record["Class"] = ACCOUNT_CLASS.get(record["Type"], "EXPENSE")
        record["BankAccountType"] = "BANK" if record["Type"] == "BANK" else ""
    elif creating:
        errors.append("Type is a required field.")
    tax_type = f.text(element, "TaxType")
    if tax_type:
        if rate_of(call.tenant, tax_type) is None:
            errors.append(f"The TaxType code {tax_type} does not exist or cannot be used for this type of account.")
        else:
            record["TaxType"] = tax_type
    for key in ("Description", "BankAccountNumber", "CurrencyCode"):
        if f.has(element, key):
            record[key] = f.text(element, key) or ""
    for key in ("EnablePaymentsToAccount", "ShowInExpenseClaims", "AddToWatchlist"):
        if f.has(element, key):
            record[key] = bool(f.flag(element, key))
    status = f.text(element, "Status")
    if status and not creating:
        if status.upper() == "DELETED":
            errors.append("Accounts are deleted with DELETE /Accounts/{AccountID}; archive with Status ARCHIVED.")
        elif record.get("SystemAccount") and status.upper() == "ARCHIVED":
            errors.append("System accounts cannot be archived.")
        else:
            record["Status"] = status.upper()
    if errors:
        raise ElementError(*errors)


def create_account(call: Call, element: Record) -> Record:
    record = account(call.new_id(), "", "", "EXPENSE", "NONE", call.stamp)
    _apply_account(call, record, element, creating=True)
    call.tenant["Accounts"].put(record)
    return record


def update_account(call: Call, existing: Record, element: Record) -> Record:
    if existing.get("Status") == "DELETED":
        raise ElementError("This account has been deleted and cannot be changed.")
    record = {**existing}
    _apply_account(call, record, element, creating=False)
    record["UpdatedDateUTC"] = call.stamp
    call.tenant["Accounts"].put(record)
    return record


def locate_account(call: Call, element: Record) -> Record | None:
    account_id = f.guid(element, "AccountID")
    return call.tenant["Accounts"].get(account_id) if account_id else None


ACCOUNTS = Writer(
    "Accounts", ACCOUNT_SPEC, "HasValidationErrors", create_account, update_account, locate_account, lambda c, r: r
)


def delete_account(call: Call, record: Record) -> Reply:
    if record.get("SystemAccount"):
        raise single_validation("System accounts cannot be deleted.")
    for collection in ("Invoices", "CreditNotes", "BankTransactions"):
        for document in call.tenant[collection]:
            lines = document.get("LineItems") or []
            if any(str(line.get("AccountCode", "")) == record.get("Code") for line in lines):
                raise single_validation("This account has transactions and cannot be deleted: archive it instead.")
    call.tenant["Accounts"].remove(record["AccountID"])
    return Reply(200, envelope(call, "Accounts", [{**record, "Status": "DELETED"}]))


def account_by(tenant: Tenant, code: str | None = None, account_id: str | None = None) -> Record | None:
    accounts = tenant["Accounts"]
    if account_id:
        return accounts.get(account_id)
    if code:
        return accounts.find("Code", code)
    return None


# --- items --------------------------------------------------------------------------------------------------

_DETAILS = f.Obj({"UnitPrice": f.NUMBER, "AccountCode": f.TEXT, "COGSAccountCode": f.TEXT, "TaxType": f.TEXT})
ITEM_SPEC = f.Obj(
    {
        "ItemID": f.GUID,
        "Code": f.TEXT,
        "Name": f.TEXT,
        "Description": f.TEXT,
        "PurchaseDescription": f.TEXT,
        "IsSold": f.BOOL,
        "IsPurchased": f.BOOL,
        "SalesDetails": _DETAILS,
        "PurchaseDetails": _DETAILS,
        "InventoryAssetAccountCode": f.TEXT,
    }
)


def item(item_id: str, code: str, name: str, stamp: str, **extra: Any) -> Record:
    record: Record = {
        "ItemID": item_id,
        "Code": code,
        "Name": name,
        "Description": "",
        "PurchaseDescription": "",
        "UpdatedDateUTC": stamp,
        "PurchaseDetails": {},
        "SalesDetails": {},
        "IsTrackedAsInventory": False,
        "IsSold": True,
        "IsPurchased": True,
    }
    record.update(extra)
    return record


def _details(call: Call, sent: Record, current: Record, errors: list[str]) -> Record:
    details = dict(current)
    price = f.number(sent, "UnitPrice")
    if price is not None:
        details["UnitPrice"] = quantize(price, 4)
    code = f.text(sent, "AccountCode")
    if code:
        if account_by(call.tenant, code=code) is None:
            errors.append(f"Account code '{code}' is not a valid code for this document.")
        else:
            details["AccountCode"] = code
    tax_type = f.text(sent, "TaxType")
    if tax_type:
        if rate_of(call.tenant, tax_type) is None:
            errors.append(f"The TaxType code {tax_type} does not exist or cannot be used for this type of transaction.")
        else:
            details["TaxType"] = tax_type
    return details


def _apply_item(call: Call, record: Record, element: Record, creating: bool) -> None:
    errors: list[str] = []
    code = f.text(element, "Code")
    if code is not None or creating:
        code = (code or "").strip()
        other = call.tenant["Items"].find("Code", code) if code else None
        if not code:
            errors.append("Item code must be specified.")
        elif len(code) > 30:
            errors.append("Item code must not be more than 30 characters long.")
        elif other is not None and other["ItemID"] != record.get("ItemID"):
            errors.append(f"Item code '{code}' already exists.")
        else:
            record["Code"] = code
    name = f.text(element, "Name")
    if name is not None:
        if len(name) > 50:
            errors.append("Item name must not be more than 50 characters long.")
        else:
            record["Name"] = name
    elif creating:
        record["Name"] = record.get("Code", "")
    for key in ("Description", "PurchaseDescription"):
        if f.has(element, key):
            record[key] = f.text(element, key, 4000) or ""
    for key in ("IsSold", "IsPurchased"):
        if f.has(element, key):
            record[key] = bool(f.flag(element, key))
    for key in ("SalesDetails", "PurchaseDetails"):
        sent = f.obj(element, key)
        if sent is not None:
            record[key] = _details(call, sent, record.get(key) or {}, errors)
    if errors:
        raise ElementError(*errors)


def create_item(call: Call, element: Record) -> Record:
    record = item(call.new_id(), "", "", call.stamp)
    _apply_item(call, record, element, creating=True)
    call.tenant["Items"].put(record)
    return record


def update_item(call: Call, existing: Record, element: Record) -> Record:
    record = {**existing}
    _apply_item(call, record, element, creating=False)
    record["UpdatedDateUTC"] = call.stamp
    call.tenant["Items"].put(record)
    return record


def locate_item(call: Call, element: Record) -> Record | None:
    item_id = f.guid(element, "ItemID")
    if item_id:
        return call.tenant["Items"].get(item_id)
    code = f.text(element, "Code")
    return call.tenant["Items"].find("Code", code) if code else None


ITEMS = Writer(
    "Items",
    ITEM_SPEC,
    "HasValidationErrors",
    create_item,
    update_item,
    locate_item,
    lambda c, r: r,
    required=(("Code", ""),),
)


def find_item(tenant: Tenant, key: str) -> Record | None:
    return tenant["Items"].get(key) or tenant["Items"].find("Code", key)


# --- tracking categories ------------------------------------------------------------------------------------

MAX_ACTIVE_CATEGORIES = 2  # Xero allows two active tracking categories per organisation


def tracking_option(option_id: str, name: str) -> Record:
    return {"TrackingOptionID": option_id, "Name": name, "Status": "ACTIVE"}


def tracking_category(category_id: str, name: str, options: list[Record]) -> Record:
    return {"TrackingCategoryID": category_id, "Name": name, "Status": "ACTIVE", "Options": options}


def visible_category(record: Record, include_archived: bool) -> Record | None:
    status = record.get("Status", "ACTIVE")
    if status == "DELETED" or (status == "ARCHIVED" and not include_archived):
        return None
    options = [
        o
        for o in record.get("Options") or []
        if o.get("Status", "ACTIVE") == "ACTIVE" or (include_archived and o.get("Status") == "ARCHIVED")
    ]
    return {**record, "Options": options}


TRACKING_SPEC = f.Obj({"Name": f.TEXT, "Status": f.OneOf("ACTIVE", "ARCHIVED", "DELETED")})
OPTION_SPEC = f.Obj({"Name": f.TEXT, "Status": f.OneOf("ACTIVE", "ARCHIVED", "DELETED")})


def _single(call: Call, spec: f.Obj, key: str) -> Record:
    body = call.body
    if isinstance(body, dict):
        for name, value in body.items():
            if name.lower() == key.lower() and isinstance(value, list) and value and isinstance(value[0], dict):
                body = value[0]
                break
    if not isinstance(body, dict):
        raise single_validation("Send one JSON object.")
    f.check(body, spec, "")
    return body


def _category_name(call: Call, name: str | None, current_id: str | None) -> str:
    text = (name or "").strip()
    if not text:
        raise single_validation("Tracking Category Name is required.")
    if len(text) > 100:
        raise single_validation("Tracking Category Name must not be more than 100 characters long.")
    for other in call.tenant["TrackingCategories"]:
        same = str(other.get("Name", "")).lower() == text.lower()
        if same and other.get("Status") != "DELETED" and other["TrackingCategoryID"] != current_id:
            raise single_validation(f"A tracking category named {text} already exists.")
    return text


def _active_categories(tenant: Tenant) -> int:
    return sum(1 for c in tenant["TrackingCategories"] if c.get("Status", "ACTIVE") == "ACTIVE")


def create_tracking_category(call: Call) -> Reply:
    body = _single(call, TRACKING_SPEC, "TrackingCategories")
    name = _category_name(call, f.text(body, "Name"), None)
    if _active_categories(call.tenant) >= MAX_ACTIVE_CATEGORIES:
        raise single_validation("You can only have 2 active tracking categories. Archive one to add another.")
    record = tracking_category(call.new_id(), name, [])
    call.tenant["TrackingCategories"].put(record)
    return Reply(200, envelope(call, "TrackingCategories", [record]))


def update_tracking_category(call: Call, record: Record) -> Reply:
    body = _single(call, TRACKING_SPEC, "TrackingCategories")
    record = {**record}
    if f.has(body, "Name"):
        record["Name"] = _category_name(call, f.text(body, "Name"), str(record["TrackingCategoryID"]))
    status = (f.text(body, "Status") or "").upper()
    if status:
        if status == "ACTIVE" and record.get("Status") != "ACTIVE" and _active_categories(call.tenant) >= 2:
            raise single_validation("You can only have 2 active tracking categories. Archive one to add another.")
        record["Status"] = status
    call.tenant["TrackingCategories"].put(record)
    return Reply(200, envelope(call, "TrackingCategories", [record]))


def delete_tracking_category(call: Call, record: Record) -> Reply:
    deleted = {**record, "Status": "DELETED"}
    call.tenant["TrackingCategories"].put(deleted)
    return Reply(200, envelope(call, "TrackingCategories", [deleted]))


def _option_name(record: Record, name: str | None, current_id: str | None) -> str:
    text = (name or "").strip()
    if not text:
        raise single_validation("Tracking Option Name is required.")
    if len(text) > 100:
        raise single_validation("Tracking Option Name must not be more than 100 characters long.")
    for option in record.get("Options") or []:
        same = str(option.get("Name", "")).lower() == text.lower()
        if same and option.get("Status") != "DELETED" and option["TrackingOptionID"] != current_id:
            raise single_validation(f"The option {text} already exists in {record.get('Name')}.")
    return text


def _options_reply(call: Call, options: list[Record]) -> Reply:
    return Reply(200, envelope(call, "Options", options))


def create_option(call: Call, record: Record) -> Reply:
    body = _single(call, OPTION_SPEC, "Options")
    option = tracking_option(call.new_id(), _option_name(record, f.text(body, "Name"), None))
    call.tenant["TrackingCategories"].put({**record, "Options": [*(record.get("Options") or []), option]})
    return _options_reply(call, [option])


def _option(record: Record, option_id: str) -> Record:
    for option in record.get("Options") or []:
        if str(option["TrackingOptionID"]).lower() == option_id.lower() and option.get("Status") != "DELETED":
            found: Record = option
            return found
    raise not_found()


def update_option(call: Call, record: Record, option_id: str) -> Reply:
    body = _single(call, OPTION_SPEC, "Options")
    option = {**_option(record, option_id)}
    if f.has(body, "Name"):
        option["Name"] = _option_name(record, f.text(body, "Name"), str(option["TrackingOptionID"]))
    status = (f.text(body, "Status") or "").upper()
    if status:
        option["Status"] = status
    options = [option if o["TrackingOptionID"] == option["TrackingOptionID"] else o for o in record["Options"]]
    call.tenant["TrackingCategories"].put({**record, "Options": options})
    return _options_reply(call, [option])


def delete_option(call: Call, record: Record, option_id: str) -> Reply:
    option = _option(record, option_id)
    options = [
        {**o, "Status": "DELETED"} if o["TrackingOptionID"] == option["TrackingOptionID"] else o
        for o in record["Options"]
    ]
    call.tenant["TrackingCategories"].put({**record, "Options": options})
    return _options_reply(call, [o for o in options if o.get("Status") != "DELETED"])


def resolve_tracking(tenant: Tenant, sent: list[Record]) -> list[Record]:
    """A line's Tracking as Xero stores it (both ids and both names), refusing unknown categories or options."""
    if len(sent) > MAX_ACTIVE_CATEGORIES:
        raise ElementError("A line item can have a maximum of 2 tracking categories.")
    resolved: list[Record] = []
    for entry in sent:
        category = None
        category_id = f.guid(entry, "TrackingCategoryID")
        category_name = (f.text(entry, "Name") or "").strip()
        for candidate in tenant["TrackingCategories"]:
            if candidate.get("Status", "ACTIVE") != "ACTIVE":
                continue
            if (category_id and str(candidate["TrackingCategoryID"]).lower() == category_id) or (
                not category_id and str(candidate.get("Name", "")).lower() == category_name.lower()
            ):
                category = candidate
                break
        if category is None:
            shown = category_id or category_name
            raise ElementError(f"Tracking category '{shown}' is not a valid active tracking category.")
        option = None
        option_id = f.guid(entry, "TrackingOptionID")
        option_name = (f.text(entry, "Option") or "").strip()
        for candidate in category.get("Options") or []:
            if candidate.get("Status", "ACTIVE") != "ACTIVE":
                continue
            if (option_id and str(candidate["TrackingOptionID"]).lower() == option_id) or (
                not option_id and str(candidate.get("Name", "")).lower() == option_name.lower()
            ):
                option = candidate
                break
        if option is None:
            shown = option_id or option_name
            raise ElementError(
                f"The tracking option '{shown}' does not exist in tracking category '{category['Name']}'."
            )
        if any(r["TrackingCategoryID"] == category["TrackingCategoryID"] for r in resolved):
            raise ElementError(f"Tracking category '{category['Name']}' is given twice on one line.")
        resolved.append(
            {
                "Name": category["Name"],
                "Option": option["Name"],
                "TrackingCategoryID": category["TrackingCategoryID"],
                "TrackingOptionID": option["TrackingOptionID"],
            }
        )
    return resolved
