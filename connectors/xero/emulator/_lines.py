"""Line items shared by invoices, credit notes and bank transactions: links checked, amounts computed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import _fields as f
from . import _money, _settings
from ._call import Call
from ._errors import ElementError
from ._money import LINE_AMOUNT_TYPES, Totals
from ._wire import Record, money

TRACKING = f.Obj({"TrackingCategoryID": f.GUID, "TrackingOptionID": f.GUID, "Name": f.TEXT, "Option": f.TEXT})
LINE = f.Obj(
    {
        "LineItemID": f.GUID,
        "Description": f.TEXT,
        "Quantity": f.NUMBER,
        "UnitAmount": f.NUMBER,
        "ItemCode": f.TEXT,
        "AccountCode": f.TEXT,
        "AccountID": f.GUID,
        "TaxType": f.TEXT,
        "TaxAmount": f.NUMBER,
        "LineAmount": f.NUMBER,
        "DiscountRate": f.NUMBER,
        "DiscountAmount": f.NUMBER,
        "Tracking": f.Many(TRACKING),
    }
)
AMOUNT_TYPES = f.OneOf(*LINE_AMOUNT_TYPES)


@dataclass
class Lines:
    lines: list[Record]
    totals: Totals
    discounted: bool


def amount_type(value: str | None, default: str = "Exclusive") -> str:
    if not value:
        return default
    for option in LINE_AMOUNT_TYPES:
        if option.lower() == value.strip().lower():
            return option
    return default


def _one(
    call: Call,
    sent: Record,
    previous: dict[str, Record],
    kind: str,
    sales: bool,
    approved: bool,
    number: int,
) -> tuple[Record, _money.LineResult]:
    tenant = call.tenant
    errors: list[str] = []
    line: Record = {}
    line_id = f.guid(sent, "LineItemID")
    line["LineItemID"] = line_id if line_id and line_id in previous else call.new_id()
    description = f.text(sent, "Description")
    item_code = (f.text(sent, "ItemCode") or "").strip()
    details: Record = {}
    if item_code:
        item = _settings.find_item(tenant, item_code)
        if item is None:
            errors.append(f"Item code '{item_code}' is not valid.")
        else:
            details = (item.get("SalesDetails") if sales else item.get("PurchaseDetails")) or {}
            line["ItemCode"] = item["Code"]
            line["Item"] = {"ItemID": item["ItemID"], "Name": item.get("Name", ""), "Code": item["Code"]}
            if description is None:
                description = str((item.get("Description") if sales else item.get("PurchaseDescription")) or "")
    if description is not None:
        if len(description) > 4000:
            errors.append("Description must not be more than 4000 characters long.")
        line["Description"] = description
    account = None
    account_id = f.guid(sent, "AccountID")
    account_code = (f.text(sent, "AccountCode") or "").strip() or str(details.get("AccountCode") or "")
    if account_id or account_code:
        account = _settings.account_by(tenant, code=account_code or None, account_id=account_id)
        if account is None or account.get("Status") != "ACTIVE":
            errors.append(f"Account code '{account_code or account_id}' is not a valid code for this document.")
        else:
            line["AccountCode"] = account.get("Code", "")
            line["AccountID"] = account["AccountID"]
    elif approved:
        errors.append(f"Line item {number}: an account code must be specified on an approved document.")
    tax_type = (f.text(sent, "TaxType") or "").strip()
    if not tax_type:
        if kind == "NoTax":
            tax_type = "NONE"
        else:
            tax_type = str(details.get("TaxType") or (account or {}).get("TaxType") or "NONE")
    rate = _settings.rate_of(tenant, tax_type)
    if rate is None:
        if kind == "NoTax" and tax_type == "NONE":
            rate = Decimal(0)
        else:
            errors.append(
                f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of transaction."
            )
            rate = Decimal(0)
    line["TaxType"] = tax_type
    unit = f.number(sent, "UnitAmount")
    if unit is None and details.get("UnitPrice") is not None and not f.has(sent, "LineAmount"):
        unit = Decimal(str(details["UnitPrice"]))
    discount_rate = f.number(sent, "DiscountRate")
    discount_amount = f.number(sent, "DiscountAmount")
    if discount_rate is not None and not Decimal(0) <= discount_rate <= Decimal(100):
        errors.append("DiscountRate must be between 0 and 100.")
    if (discount_rate or discount_amount) and not sales:
        errors.append("Discounts are only supported on sales documents (ACCREC).")
    try:
        result = _money.line(
            _money.Line(
                quantity=f.number(sent, "Quantity"),
                unit_amount=unit,
                line_amount=f.number(sent, "LineAmount"),
                discount_rate=discount_rate,
                discount_amount=discount_amount,
                tax_amount=f.number(sent, "TaxAmount"),
                rate=rate,
            ),
            kind,
            call.unit_places,
        )
    except ArithmeticError:
        raise ElementError(f"Line item {number}: the amounts cannot be computed.") from None
    line["Quantity"] = result.quantity
    line["UnitAmount"] = result.unit_amount
    line["TaxAmount"] = result.tax_amount
    line["LineAmount"] = result.line_amount
    if discount_rate is not None:
        line["DiscountRate"] = discount_rate
    if discount_amount is not None:
        line["DiscountAmount"] = money(discount_amount)
    try:
        line["Tracking"] = _settings.resolve_tracking(tenant, f.objects(sent, "Tracking"))
    except ElementError as exc:
        errors.extend(exc.messages)
    if errors:
        raise ElementError(*errors)
    return line, result


def compute(call: Call, sent: list[Record], previous: list[Record], kind: str, *, sales: bool, approved: bool) -> Lines:
    """The document's lines as Xero stores them and its totals; every problem with any line, or ElementError."""
    known = {str(line.get("LineItemID", "")).lower(): line for line in previous}
    lines: list[Record] = []
    results: list[_money.LineResult] = []
    errors: list[str] = []
    for number, entry in enumerate(sent, start=1):
        try:
            line, result = _one(call, entry, known, kind, sales, approved, number)
        except ElementError as exc:
            errors.extend(exc.messages)
            continue
        lines.append(line)
        results.append(result)
    if errors:
        raise ElementError(*errors)
    totals = _money.totals(results, kind)
    return Lines(lines, totals, any(r.discount for r in results))


def existing_results(lines: list[Record]) -> list[_money.LineResult]:
    """Stored lines read back as results, to total a document whose lines did not change."""
    return [
        _money.LineResult(
            Decimal(str(line.get("Quantity") or 0)),
            Decimal(str(line.get("UnitAmount") or 0)),
            Decimal(str(line.get("LineAmount") or 0)),
            Decimal(str(line.get("TaxAmount") or 0)),
            Decimal(0),
        )
        for line in lines
    ]
