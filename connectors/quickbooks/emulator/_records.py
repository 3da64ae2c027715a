"""Writes as QuickBooks makes them: create, full or sparse update, delete, deactivate, void.

Every write checks what QuickBooks checks (required fields, references that must exist, unique names and
document numbers, the current SyncToken), recomputes what QuickBooks computes (line and tax amounts, totals,
balances, names) and stamps Id, SyncToken and MetaData. Fields QuickBooks owns are ignored when sent.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from . import _errors as err
from ._schema import PROPERTIES
from ._store import NAME_LISTS, TRANSACTIONS, Realm, Record
from ._tax import MODES, Rate, TaxableLine, cents, compute

#: set by QuickBooks, ignored in requests
SERVER_FIELDS = frozenset(
    {
        "Id", "SyncToken", "MetaData", "domain", "sparse", "status", "TotalAmt", "HomeTotalAmt", "Balance",
        "HomeBalance", "BalanceWithJobs", "FullyQualifiedName", "UnappliedAmt", "CurrentBalance",
        "CurrentBalanceWithSubAccounts", "Level", "Classification",
    }
)  # fmt: skip
LIMITS = {
    "DisplayName": 500,
    "DocNumber": 21,
    "Name": 100,
    "PrivateNote": 4000,
    "CompanyName": 100,
    "Description": 4000,
}
ACCOUNT_TYPES = {
    "Bank": "Asset", "Other Current Asset": "Asset", "Fixed Asset": "Asset", "Other Asset": "Asset",
    "Accounts Receivable": "Asset", "Equity": "Equity", "Expense": "Expense", "Other Expense": "Expense",
    "Cost of Goods Sold": "Expense", "Accounts Payable": "Liability", "Credit Card": "Liability",
    "Long Term Liability": "Liability", "Other Current Liability": "Liability", "Income": "Revenue",
    "Other Income": "Revenue",
}  # fmt: skip
SUBTYPE_TYPES = {
    "Checking": "Bank", "Savings": "Bank", "CashOnHand": "Bank", "AccountsReceivable": "Accounts Receivable",
    "AccountsPayable": "Accounts Payable", "CreditCard": "Credit Card", "SalesOfProductIncome": "Income",
    "ServiceFeeIncome": "Income", "OfficeGeneralAdministrativeExpenses": "Expense", "Travel": "Expense",
    "SuppliesMaterials": "Expense", "AdvertisingPromotional": "Expense", "SuppliesMaterialsCogs": "Cost of Goods Sold",
    "Inventory": "Other Current Asset", "UndepositedFunds": "Other Current Asset",
    "GlobalTaxPayable": "Other Current Liability", "GlobalTaxSuspense": "Other Current Liability",
    "OpeningBalanceEquity": "Equity", "RetainedEarnings": "Equity",
}  # fmt: skip
PAYMENT_TYPES = ("Cash", "Check", "CreditCard")
ITEM_TYPES = ("Inventory", "Service", "NonInventory", "Category", "Group")
LINE_DETAILS = {
    "Invoice": ("SalesItemLineDetail", "DescriptionOnly", "SubTotalLineDetail"),
    "Bill": ("ItemBasedExpenseLineDetail", "AccountBasedExpenseLineDetail"),
    "Purchase": ("ItemBasedExpenseLineDetail", "AccountBasedExpenseLineDetail"),
}
NAME_ENTITIES = ("Customer", "Vendor")  # one namespace for their DisplayNames, as in QuickBooks


def clean(value: Any) -> Any:
    """The request without the empty strings and nulls clients send for unset fields."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = clean(item)
            if item is None or item == "":
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def _decimal(value: Any, element: str) -> Decimal:
    if isinstance(value, bool):
        raise err.invalid(element, f"must be a number, not {value!r}")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise err.invalid(element, f"must be a number, like 12.50, not {value!r}") from None
    if not number.is_finite():
        raise err.invalid(element, "must be a finite number")
    return number


def _date(value: Any, element: str) -> str:
    text = str(value)[:10]
    try:
        date.fromisoformat(text)
    except ValueError:
        raise err.invalid(element, f"must be a date like 2025-01-31, not {value!r}") from None
    return text


def _ref(body: Record, element: str) -> str | None:
    ref = body.get(element)
    if ref is None:
        return None
    value = ref.get("value") if isinstance(ref, dict) else ref  # some clients send the bare id
    if value is None or str(value).strip() == "":
        raise err.invalid(element, 'must be a reference like {"value": "42"}')
    return str(value)


class Writer:
    """Writes for one company at one instant; the caller holds the store's lock."""

    def __init__(
        self, realm: Realm, now: datetime, on_change: Callable[[str, Record, str], None], *, bulk: bool = False
    ) -> None:
        self.realm = realm
        self.bulk = bulk  # generating: balances are settled once at the end (settle_balances)
        self.now = now
        self.stamp = realm.stamp(now)
        self.on_change = on_change  # (entity, record, operation) for webhooks

    # --- references ----------------------------------------------------------------------------------

    def referenced(self, body: Record, element: str, entity: str, *, required: bool = False) -> Record | None:
        ident = _ref(body, element)
        if ident is None:
            if required:
                raise err.required(element, f'Send {element}: {{"value": "<{entity} Id>"}}.')
            return None
        found = self.realm.get(entity, ident)
        if found is None or (entity in NAME_LISTS and found.get("Active") is False):
            raise err.invalid_reference(element, entity, ident)
        body[element] = self._ref_of(entity, found)
        return found

    @staticmethod
    def _ref_of(entity: str, record: Record) -> Record:
        name = record.get("DisplayName") or record.get("Name") or record.get("FullyQualifiedName")
        ref: Record = {"value": str(record["Id"])}
        if name:
            ref["name"] = name
        return ref

    # --- the operations ------------------------------------------------------------------------------

    def create(self, entity: str, body: Record) -> Record:
        record = self._input(entity, body)
        ident = self.realm.new_id(entity)
        record["Id"] = ident
        record = self.normalize(entity, record, None)
        record["Id"] = ident
        record["SyncToken"] = "0"
        record["domain"] = "QBO"
        record["sparse"] = False
        record["MetaData"] = {"CreateTime": self.stamp, "LastUpdatedTime": self.stamp}
        self.realm.add(entity, record)
        self.after_write(entity, record)
        self.on_change(entity, record, "Create")
        return record

    def update(self, entity: str, body: Record) -> Record:
        current = self._current(entity, body)
        sparse = body.get("sparse") is True or str(body.get("sparse")).lower() == "true"
        sent = self._input(entity, body)
        if sparse:
            merged = {k: copy.deepcopy(v) for k, v in current.items() if k not in SERVER_FIELDS or k == "Id"}
            merged.update(sent)
        else:
            merged = sent  # a full update: what is left out is cleared, as QuickBooks does
        merged["Id"] = current["Id"]
        record = self.normalize(entity, merged, current)
        return self._commit(entity, current, record, "Update")

    def _commit(self, entity: str, current: Record, record: Record, operation: str) -> Record:
        record["Id"] = current["Id"]
        record["SyncToken"] = str(int(current.get("SyncToken", "0")) + 1)
        record["domain"] = "QBO"
        record["sparse"] = False
        record["MetaData"] = {**current.get("MetaData", {}), "LastUpdatedTime": self.stamp}
        record["MetaData"].setdefault("CreateTime", self.stamp)
        self.realm.add(entity, record)
        self.after_write(entity, record, current)
        self.on_change(entity, record, operation)
        return record

    def delete(self, entity: str, body: Record) -> Record:
        if entity not in TRANSACTIONS:
            raise err.unsupported(
                f'Delete on {entity}: {entity} is a name list; send a sparse update with "Active": false'
            )
        current = self._current(entity, body)
        self.realm.remove(entity, str(current["Id"]), self.stamp)
        self.after_delete(entity, current)
        gone = {"Id": str(current["Id"]), "status": "Deleted", "domain": "QBO"}
        self.on_change(entity, {**gone, "MetaData": {"LastUpdatedTime": self.stamp}}, "Delete")
        return gone

    def void(self, entity: str, body: Record) -> Record:
        if entity != "Invoice":
            raise err.unsupported(f"Void on {entity} (the emulator voids invoices)")
        current = self._current(entity, body)
        if self._applied(str(current["Id"])) > 0:
            raise err.business("This invoice has payments applied: delete or unapply the payments first.")
        record = copy.deepcopy(current)
        for line in record.get("Line", []):
            line["Amount"] = Decimal("0.00")
            for detail in ("SalesItemLineDetail",):
                if detail in line:
                    line[detail].pop("TaxInclusiveAmt", None)
                    if "Qty" in line[detail]:
                        line[detail]["Qty"] = Decimal(0)
        record["TotalAmt"] = Decimal("0.00")
        record["Balance"] = Decimal("0.00")
        record["TxnTaxDetail"] = {"TotalTax": Decimal("0.00")}
        record["PrivateNote"] = "Voided"
        return self._commit(entity, current, record, "Void")

    def _current(self, entity: str, body: Record) -> Record:
        ident = body.get("Id")
        if ident is None or str(ident).strip() == "":
            raise err.required("Id", f"Send the Id and SyncToken of the {entity} to change.")
        current = self.realm.get(entity, ident)
        if current is None:
            raise err.not_found(entity, str(ident))
        token = body.get("SyncToken")
        if token is None or str(token).strip() == "":
            raise err.required("SyncToken", f"Send the {entity}'s current SyncToken ({entity} GET answers it).")
        if str(token) != str(current.get("SyncToken")):
            raise err.stale(entity, str(ident), str(token), str(current.get("SyncToken")))
        return current

    def _input(self, entity: str, body: Record) -> Record:
        known = PROPERTIES.get(entity, frozenset())
        lowered = {p.lower() for p in known}
        for key in body:
            if key not in known and key.lower() not in lowered:
                raise err.invalid(
                    key, f"is not a property of {entity}: check the spelling (see Intuit's {entity} schema)"
                )
        owned = SERVER_FIELDS - {"TotalAmt"} if entity == "Payment" else SERVER_FIELDS  # a payment's amount is sent
        record = clean({k: copy.deepcopy(v) for k, v in body.items() if k not in owned})
        assert isinstance(record, dict)
        for element, limit in LIMITS.items():
            value = record.get(element)
            if isinstance(value, str) and len(value) > limit:
                raise err.too_long(element, limit)
        return record

    # --- per entity ----------------------------------------------------------------------------------

    def normalize(self, entity: str, record: Record, current: Record | None) -> Record:
        handler = getattr(self, f"_{entity.lower()}", None)
        if handler is None:
            raise err.unsupported(f"writes on {entity}")
        result: Record = handler(record, current)
        return result

    def _unique_name(self, entity: str, field: str, record: Record, entities: tuple[str, ...] | None = None) -> None:
        if self.bulk:
            return
        name = str(record.get(field, "")).strip()
        for other_entity in entities or (entity,):
            for other in self.realm.records[other_entity].values():
                if str(other.get("Id")) == str(record.get("Id")) and other_entity == entity:
                    continue
                if other.get("Active") is False:
                    continue
                if str(other.get(field, "")).strip().lower() == name.lower():
                    raise err.duplicate_name(
                        f"Another {other_entity.lower()} is already using this name ({name!r}, Id {other['Id']}). "
                        f"Please use a different name."
                    )

    def _person(self, entity: str, record: Record) -> Record:
        if not record.get("DisplayName"):
            parts = [record.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
            derived = " ".join(str(p) for p in parts if p)
            if not derived:
                derived = str(record.get("CompanyName", ""))
            if not derived:
                raise err.required(
                    "DisplayName", "Send DisplayName, or a name (GivenName, FamilyName, ...) it can be made from."
                )
            record["DisplayName"] = derived
        self._unique_name(entity, "DisplayName", record, NAME_ENTITIES)
        record.setdefault("Active", True)
        record["FullyQualifiedName"] = record["DisplayName"]
        record.setdefault("PrintOnCheckName", record["DisplayName"][:110])
        if "CurrencyRef" not in record:
            record["CurrencyRef"] = self.realm.currency_ref()
        return record

    def _customer(self, record: Record, current: Record | None) -> Record:
        self._person("Customer", record)
        self.referenced(record, "DefaultTaxCodeRef", "TaxCode")
        self.referenced(record, "SalesTermRef", "Term")
        record.setdefault("Taxable", True)
        record.setdefault("Job", False)
        record.setdefault("BillWithParent", False)
        record["Balance"] = current.get("Balance", Decimal("0.00")) if current else Decimal("0.00")
        record["BalanceWithJobs"] = record["Balance"]
        record.setdefault("PreferredDeliveryMethod", "Print")
        return record

    def _vendor(self, record: Record, current: Record | None) -> Record:
        self._person("Vendor", record)
        self.referenced(record, "TermRef", "Term")
        record["Balance"] = current.get("Balance", Decimal("0.00")) if current else Decimal("0.00")
        record.setdefault("Vendor1099", False)
        return record

    def _named(self, entity: str, record: Record) -> Record:
        if not record.get("Name"):
            raise err.required("Name", f"Send the {entity}'s Name.")
        self._unique_name(entity, "Name", record)
        record.setdefault("Active", True)
        record["FullyQualifiedName"] = record["Name"]
        return record

    def _class(self, record: Record, current: Record | None) -> Record:
        self._named("Class", record)
        record.setdefault("SubClass", False)
        return record

    def _department(self, record: Record, current: Record | None) -> Record:
        self._named("Department", record)
        record.setdefault("SubDepartment", False)
        return record

    def _term(self, record: Record, current: Record | None) -> Record:
        self._named("Term", record)
        record.setdefault("Type", "STANDARD")
        record.setdefault("DueDays", 30)
        return record

    def _account(self, record: Record, current: Record | None) -> Record:
        self._named("Account", record)
        kind = record.get("AccountType")
        if not kind and record.get("AccountSubType") in SUBTYPE_TYPES:
            kind = SUBTYPE_TYPES[str(record["AccountSubType"])]
        if not kind:
            raise err.required("AccountType", "Send AccountType (e.g. Expense) or a known AccountSubType.")
        if kind not in ACCOUNT_TYPES:
            raise err.invalid("AccountType", f"must be one of {', '.join(ACCOUNT_TYPES)}, not {kind!r}")
        record["AccountType"] = kind
        record["Classification"] = ACCOUNT_TYPES[str(kind)]
        record.setdefault("SubAccount", False)
        record["CurrentBalance"] = current.get("CurrentBalance", Decimal(0)) if current else Decimal(0)
        record["CurrentBalanceWithSubAccounts"] = record["CurrentBalance"]
        record.setdefault("CurrencyRef", self.realm.currency_ref())
        return record

    def _item(self, record: Record, current: Record | None) -> Record:
        self._named("Item", record)
        kind = record.setdefault("Type", "Service")
        if kind not in ITEM_TYPES:
            raise err.invalid("Type", f"must be one of {', '.join(ITEM_TYPES)}, not {kind!r}")
        income = self.referenced(record, "IncomeAccountRef", "Account")
        expense = self.referenced(record, "ExpenseAccountRef", "Account")
        asset = self.referenced(record, "AssetAccountRef", "Account")
        self.referenced(record, "SalesTaxCodeRef", "TaxCode")
        self.referenced(record, "PurchaseTaxCodeRef", "TaxCode")
        if kind == "Inventory":
            for element, found in (
                ("IncomeAccountRef", income),
                ("ExpenseAccountRef", expense),
                ("AssetAccountRef", asset),
            ):
                if found is None:
                    raise err.required(element, "Inventory items need income, expense and asset accounts.")
            record.setdefault("TrackQtyOnHand", True)
            record.setdefault("QtyOnHand", Decimal(0))
            record.setdefault("InvStartDate", self.realm.today(self.now))
        elif kind in ("Service", "NonInventory") and income is None and expense is None:
            raise err.required("IncomeAccountRef", f"A {kind} item needs IncomeAccountRef (or ExpenseAccountRef).")
        for element in ("UnitPrice", "PurchaseCost"):
            if element in record:
                record[element] = _decimal(record[element], element)
        record.setdefault("Taxable", False)
        record.setdefault("TrackQtyOnHand", False)
        return record

    # --- transactions ----------------------------------------------------------------------------------

    def _txn_common(self, entity: str, record: Record) -> None:
        record["TxnDate"] = _date(record.get("TxnDate") or self.realm.today(self.now), "TxnDate")
        if "CurrencyRef" not in record:
            record["CurrencyRef"] = self.realm.currency_ref()
        elif _ref(record, "CurrencyRef") != self.realm.currency:
            raise err.business(
                f"Multicurrency is off in this company: send CurrencyRef {self.realm.currency} or leave it out."
            )
        self.referenced(record, "DepartmentRef", "Department")
        self.referenced(record, "ClassRef", "Class")
        mode = record.setdefault("GlobalTaxCalculation", "TaxExcluded")
        if mode not in MODES:
            raise err.invalid("GlobalTaxCalculation", f"must be one of {', '.join(MODES)}, not {mode!r}")

    def _lines(self, entity: str, record: Record, sales: bool) -> tuple[list[Record], list[TaxableLine]]:
        lines = record.get("Line")
        if not isinstance(lines, list) or not lines:
            raise err.required("Line", f"An {entity} needs at least one Line with an Amount.")
        allowed = LINE_DETAILS[entity]
        kept: list[Record] = []
        taxable: list[TaxableLine] = []
        inclusive = record["GlobalTaxCalculation"] == "TaxInclusive"
        for number, line in enumerate(lines, start=1):
            if not isinstance(line, dict):
                raise err.invalid("Line", "must be a list of objects")
            kind = line.get("DetailType")
            if kind not in allowed:
                raise err.invalid(
                    "Line.DetailType", f"{kind!r} on line {number}: an {entity} takes {', '.join(allowed)}"
                )
            if kind == "SubTotalLineDetail":
                continue  # QuickBooks computes the subtotal line
            out = {k: v for k, v in line.items() if k not in ("Id", "LineNum", "LinkedTxn")}
            out["Id"] = str(len(kept) + 1)
            out["LineNum"] = len(kept) + 1
            if kind == "DescriptionOnly":
                out["Amount"] = Decimal("0.00")
                out.setdefault("DescriptionLineDetail", {})
                kept.append(out)
                continue
            detail = out.get(kind)
            if not isinstance(detail, dict):
                detail = {}
            out[kind] = detail
            if kind == "AccountBasedExpenseLineDetail":
                self.referenced(detail, "AccountRef", "Account", required=True)
            else:
                item = self.referenced(detail, "ItemRef", "Item", required=True)
                assert item is not None
                if "TaxCodeRef" not in detail:
                    default = item.get("SalesTaxCodeRef" if sales else "PurchaseTaxCodeRef")
                    if default:
                        detail["TaxCodeRef"] = {"value": default["value"]}
            self.referenced(detail, "ClassRef", "Class")
            self.referenced(detail, "CustomerRef", "Customer")
            for element in ("UnitPrice", "Qty"):
                if element in detail:
                    detail[element] = _decimal(detail[element], f"Line.{kind}.{element}")
            amount = self._line_amount(out, detail, inclusive, number)
            rates = self._rates(detail, record["GlobalTaxCalculation"], sales, number)
            taxable.append(TaxableLine(amount, rates))
            kept.append(out)
        return kept, taxable

    def _line_amount(self, line: Record, detail: Record, inclusive: bool, number: int) -> Decimal:
        gross = detail.get("TaxInclusiveAmt")
        if inclusive and gross is not None and _decimal(gross, "TaxInclusiveAmt") != 0:
            return _decimal(gross, "TaxInclusiveAmt")
        if line.get("Amount") is not None:
            return _decimal(line["Amount"], f"Line[{number}].Amount")
        if "UnitPrice" in detail and "Qty" in detail:
            return cents(Decimal(detail["UnitPrice"]) * Decimal(detail["Qty"]))
        raise err.required("Amount", f"Line {number} needs an Amount (or UnitPrice and Qty).")

    def _rates(self, detail: Record, mode: str, sales: bool, number: int) -> list[Rate]:
        if mode == "NotApplicable":
            return []
        code = self.referenced(detail, "TaxCodeRef", "TaxCode")
        if code is None:
            raise err.business(
                f"Make sure all your transactions have a tax rate before you save: line {number} has no "
                f"TaxCodeRef (or send GlobalTaxCalculation NotApplicable)."
            )
        listed = code.get("SalesTaxRateList" if sales else "PurchaseTaxRateList", {}).get("TaxRateDetail", [])
        rates = []
        for entry in listed:
            rate = self.realm.get("TaxRate", entry["TaxRateRef"]["value"])
            if rate is not None:
                rates.append(Rate(str(rate["Id"]), str(rate.get("Name", "")), Decimal(str(rate.get("RateValue", 0)))))
        return rates

    def _apply_tax(self, record: Record, kept: list[Record], taxable: list[TaxableLine]) -> Decimal:
        mode = record["GlobalTaxCalculation"]
        taxed = compute(taxable, mode)
        amounts = iter(zip(taxed.net, taxed.gross, strict=True))
        for line in kept:
            if line["DetailType"] == "DescriptionOnly":
                continue
            net, gross = next(amounts)
            line["Amount"] = net
            detail = line[line["DetailType"]]
            if mode == "NotApplicable":
                detail.pop("TaxInclusiveAmt", None)
            else:
                detail["TaxInclusiveAmt"] = gross
        given = record.get("TxnTaxDetail") if isinstance(record.get("TxnTaxDetail"), dict) else {}
        detail_out: Record = {}
        if given and given.get("TxnTaxCodeRef"):
            self.referenced(given, "TxnTaxCodeRef", "TaxCode")
            detail_out["TxnTaxCodeRef"] = given["TxnTaxCodeRef"]
        detail_out["TotalTax"] = taxed.total_tax
        if taxed.tax_lines:
            detail_out["TaxLine"] = [
                {
                    "Amount": t.amount,
                    "DetailType": "TaxLineDetail",
                    "TaxLineDetail": {
                        "TaxRateRef": {"value": t.rate.rate_id, "name": t.rate.name},
                        "PercentBased": True,
                        "TaxPercent": t.rate.percent,
                        "NetAmountTaxable": t.net_amount_taxable,
                    },
                }
                for t in taxed.tax_lines
            ]
        record["TxnTaxDetail"] = detail_out
        return taxed.total if mode != "TaxInclusive" else sum(taxed.gross, Decimal("0.00"))

    def _due(self, record: Record, party: Record | None, party_term: str) -> None:
        """DueDate as sent, else TxnDate plus the days of the document's term, the party's, or 30."""
        term = self.referenced(record, "SalesTermRef", "Term")
        if record.get("DueDate"):
            record["DueDate"] = _date(record["DueDate"], "DueDate")
            return
        if term is None and party is not None and party.get(party_term):
            term = self.realm.get("Term", party[party_term]["value"])
        days = int(term.get("DueDays", 30)) if term else 30
        record["DueDate"] = (date.fromisoformat(record["TxnDate"]) + timedelta(days=days)).isoformat()

    def _invoice(self, record: Record, current: Record | None) -> Record:
        customer = self.referenced(record, "CustomerRef", "Customer", required=True)
        self._txn_common("Invoice", record)
        number = record.get("DocNumber")
        if number and not self.bulk:
            for other in self.realm.records["Invoice"].values():
                if str(other.get("Id")) != str(record.get("Id")) and other.get("DocNumber") == number:
                    raise err.duplicate_doc_number(str(number), "Invoice")
        else:
            self.realm.doc_numbers += 1
            record["DocNumber"] = str(self.realm.doc_numbers)
        kept, taxable = self._lines("Invoice", record, sales=True)
        total = self._apply_tax(record, kept, taxable)
        subtotal = sum((line["Amount"] for line in kept), Decimal("0.00"))
        kept.append({"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
        record["Line"] = kept
        record["TotalAmt"] = total
        self._due(record, customer, "SalesTermRef")
        if customer is not None and "BillAddr" not in record and customer.get("BillAddr"):
            record["BillAddr"] = copy.deepcopy(customer["BillAddr"])
        if customer is not None and "BillEmail" not in record and customer.get("PrimaryEmailAddr"):
            record["BillEmail"] = copy.deepcopy(customer["PrimaryEmailAddr"])
        applied = self._applied(str(record["Id"])) if current else Decimal(0)
        if applied > total:
            raise err.business(
                f"The invoice total {total} would be less than the {applied} already paid: delete or change the "
                f"payments first."
            )
        record["Balance"] = total - applied
        record["HomeBalance"] = record["Balance"]
        record.setdefault("PrintStatus", "NotSet")
        record.setdefault("EmailStatus", "NotSet")
        record.setdefault("Deposit", Decimal(0))
        record.setdefault("ApplyTaxAfterDiscount", False)
        if current and current.get("LinkedTxn"):
            record["LinkedTxn"] = current["LinkedTxn"]
        return record

    def _bill(self, record: Record, current: Record | None) -> Record:
        vendor = self.referenced(record, "VendorRef", "Vendor", required=True)
        self._txn_common("Bill", record)
        if not self.referenced(record, "APAccountRef", "Account"):
            payable = next(
                (a for a in self.realm.records["Account"].values() if a.get("AccountType") == "Accounts Payable"), None
            )
            if payable is not None:
                record["APAccountRef"] = self._ref_of("Account", payable)
        kept, taxable = self._lines("Bill", record, sales=False)
        total = self._apply_tax(record, kept, taxable)
        record["Line"] = kept
        record["TotalAmt"] = total
        record["Balance"] = total
        self._due(record, vendor, "TermRef")
        return record

    def _purchase(self, record: Record, current: Record | None) -> Record:
        self.referenced(record, "AccountRef", "Account", required=True)
        kind = record.get("PaymentType")
        if not kind:
            raise err.required("PaymentType", f"Send PaymentType: one of {', '.join(PAYMENT_TYPES)}.")
        if kind not in PAYMENT_TYPES:
            raise err.invalid("PaymentType", f"must be one of {', '.join(PAYMENT_TYPES)}, not {kind!r}")
        entity_ref = record.get("EntityRef")
        if entity_ref:
            ref_type = entity_ref.get("type", "Vendor") if isinstance(entity_ref, dict) else "Vendor"
            if ref_type not in ("Vendor", "Customer"):
                raise err.invalid("EntityRef.type", f"must be Vendor or Customer, not {ref_type!r}")
            self.referenced(record, "EntityRef", ref_type)
            record["EntityRef"]["type"] = ref_type
        self._txn_common("Purchase", record)
        kept, taxable = self._lines("Purchase", record, sales=False)
        total = self._apply_tax(record, kept, taxable)
        record["Line"] = kept
        record["TotalAmt"] = total
        record.setdefault("Credit", False)
        return record

    def _payment(self, record: Record, current: Record | None) -> Record:
        customer = self.referenced(record, "CustomerRef", "Customer", required=True)
        assert customer is not None
        if record.get("TotalAmt") is None:
            raise err.required("TotalAmt", "Send the payment's TotalAmt.")
        total = _decimal(record["TotalAmt"], "TotalAmt")
        record["TxnDate"] = _date(record.get("TxnDate") or self.realm.today(self.now), "TxnDate")
        record.setdefault("CurrencyRef", self.realm.currency_ref())
        self.referenced(record, "DepositToAccountRef", "Account")
        applied = Decimal(0)
        lines = []
        for number, line in enumerate(record.get("Line") or [], start=1):
            amount = _decimal(line.get("Amount", 0), f"Line[{number}].Amount")
            links = line.get("LinkedTxn") or []
            if not links:
                raise err.required("LinkedTxn", f"Payment line {number} needs LinkedTxn [{{TxnId, TxnType: Invoice}}].")
            for link in links:
                if link.get("TxnType") != "Invoice":
                    raise err.invalid("LinkedTxn.TxnType", "the emulator applies payments to invoices only")
                invoice = self.realm.get("Invoice", link.get("TxnId"))
                if invoice is None:
                    raise err.invalid_reference("LinkedTxn.TxnId", "Invoice", str(link.get("TxnId")))
                if invoice["CustomerRef"]["value"] != customer["Id"]:
                    raise err.business(f"Invoice {invoice['Id']} belongs to another customer than this payment's.")
                already = self._applied(str(invoice["Id"]), excluding=str(record.get("Id")) if current else None)
                if already + amount > invoice["TotalAmt"]:
                    raise err.business(
                        f"The payment applies {amount} to invoice {invoice['Id']}, whose open balance is "
                        f"{invoice['TotalAmt'] - already}: apply at most that."
                    )
            applied += amount
            lines.append(
                {
                    "Amount": cents(amount),
                    "LinkedTxn": [{"TxnId": str(k["TxnId"]), "TxnType": "Invoice"} for k in links],
                }
            )
        if applied > total:
            raise err.business(f"The lines apply {applied}, more than the payment's TotalAmt {total}.")
        record["Line"] = lines
        record["TotalAmt"] = cents(total)
        record["UnappliedAmt"] = cents(total - applied)
        record.setdefault("ProcessPayment", False)
        return record

    # --- derived state -----------------------------------------------------------------------------

    def _applied(self, invoice_id: str, excluding: str | None = None) -> Decimal:
        total = Decimal(0)
        for payment in self.realm.records["Payment"].values():
            if excluding is not None and str(payment["Id"]) == excluding:
                continue
            for line in payment.get("Line", []):
                if any(str(link.get("TxnId")) == invoice_id for link in line.get("LinkedTxn", [])):
                    total += Decimal(str(line.get("Amount", 0)))
        return total

    def after_write(self, entity: str, record: Record, before: Record | None = None) -> None:
        if entity == "Payment":
            touched = self._linked_invoices(record) | (self._linked_invoices(before) if before else set())
            self._refresh_invoices(touched)
            self._refresh_balance("Customer", record["CustomerRef"]["value"])
        elif entity == "Invoice":
            self._refresh_balance("Customer", record["CustomerRef"]["value"])
            if before and before["CustomerRef"]["value"] != record["CustomerRef"]["value"]:
                self._refresh_balance("Customer", before["CustomerRef"]["value"])
        elif entity == "Bill":
            self._refresh_balance("Vendor", record["VendorRef"]["value"])

    def after_delete(self, entity: str, record: Record) -> None:
        if entity == "Payment":
            self._refresh_invoices(self._linked_invoices(record))
            self._refresh_balance("Customer", record["CustomerRef"]["value"])
        elif entity == "Invoice":
            ident = str(record["Id"])
            for payment in list(self.realm.records["Payment"].values()):
                lines = [
                    line
                    for line in payment.get("Line", [])
                    if all(str(k.get("TxnId")) != ident for k in line.get("LinkedTxn", []))
                ]
                if len(lines) != len(payment.get("Line", [])):
                    updated = copy.deepcopy(payment)
                    updated["Line"] = lines
                    applied = sum((Decimal(str(line["Amount"])) for line in lines), Decimal(0))
                    updated["UnappliedAmt"] = cents(Decimal(str(payment["TotalAmt"])) - applied)
                    self._bump("Payment", payment, updated)
            self._refresh_balance("Customer", record["CustomerRef"]["value"])
        elif entity == "Bill":
            self._refresh_balance("Vendor", record["VendorRef"]["value"])

    @staticmethod
    def _linked_invoices(payment: Record | None) -> set[str]:
        if not payment:
            return set()
        return {str(k.get("TxnId")) for line in payment.get("Line", []) for k in line.get("LinkedTxn", [])}

    def _refresh_invoices(self, ids: set[str]) -> None:
        """An invoice's Balance and LinkedTxn follow its payments (a new SyncToken, as QuickBooks gives)."""
        for ident in sorted(ids):
            invoice = self.realm.get("Invoice", ident)
            if invoice is None:
                continue
            links = [
                {"TxnId": str(p["Id"]), "TxnType": "Payment"}
                for p in self.realm.records["Payment"].values()
                if ident in self._linked_invoices(p)
            ]
            balance = Decimal(str(invoice["TotalAmt"])) - self._applied(ident)
            if balance == invoice.get("Balance") and links == invoice.get("LinkedTxn", []):
                continue
            updated = copy.deepcopy(invoice)
            updated["Balance"] = balance
            updated["HomeBalance"] = balance
            if links:
                updated["LinkedTxn"] = links
            else:
                updated.pop("LinkedTxn", None)
            self._bump("Invoice", invoice, updated)

    def _bump(self, entity: str, current: Record, updated: Record) -> None:
        updated["SyncToken"] = str(int(current.get("SyncToken", "0")) + 1)
        updated["MetaData"] = {**current.get("MetaData", {}), "LastUpdatedTime": self.stamp}
        self.realm.add(entity, updated)
        self.on_change(entity, updated, "Update")

    def _refresh_balance(self, entity: str, ident: str) -> None:
        """A customer's (vendor's) Balance is what its invoices (bills) leave open; it does not change its
        SyncToken (a balance is not an edit of the customer)."""
        party = self.realm.get(entity, ident)
        if party is None or self.bulk:
            return
        docs, key = ("Invoice", "CustomerRef") if entity == "Customer" else ("Bill", "VendorRef")
        balance = sum(
            (Decimal(str(d.get("Balance", 0))) for d in self.realm.records[docs].values() if d[key]["value"] == ident),
            Decimal("0.00"),
        )
        party["Balance"] = balance
        if entity == "Customer":
            party["BalanceWithJobs"] = balance


def settle_balances(realm: Realm) -> None:
    """Every customer's and vendor's Balance from the open documents (after a bulk load)."""
    for entity, docs, key in (("Customer", "Invoice", "CustomerRef"), ("Vendor", "Bill", "VendorRef")):
        open_by: dict[str, Decimal] = {}
        for doc in realm.records[docs].values():
            ident = doc[key]["value"]
            open_by[ident] = open_by.get(ident, Decimal("0.00")) + Decimal(str(doc.get("Balance", 0)))
        for party in realm.records[entity].values():
            party["Balance"] = open_by.get(str(party["Id"]), Decimal("0.00"))
            if entity == "Customer":
                party["BalanceWithJobs"] = party["Balance"]
