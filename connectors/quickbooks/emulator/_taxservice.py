"""``POST /taxservice/taxcode``: a new TaxCode with existing or new TaxRates, answered as Intuit does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import _errors as err
from ._records import Writer, _decimal
from ._store import Record

APPLICABLE = ("Sales", "Purchase")


def create_tax_code(writer: Writer, body: Record) -> dict[str, Any]:
    realm = writer.realm
    name = str(body.get("TaxCode") or "").strip()
    if not name:
        raise err.required("TaxCode", "Send the new tax code's name in TaxCode.")
    if any(str(c.get("Name", "")).lower() == name.lower() for c in realm.records["TaxCode"].values()):
        raise err.duplicate_name(f"Another tax code is already using this name ({name!r}).")
    details = body.get("TaxRateDetails")
    if not isinstance(details, list) or not details:
        raise err.required("TaxRateDetails", "Send at least one TaxRateDetails entry (TaxRateId, or a new rate).")
    meta = {"CreateTime": writer.stamp, "LastUpdatedTime": writer.stamp}
    out_details: list[dict[str, Any]] = []
    sales: list[Record] = []
    purchase: list[Record] = []
    for index, detail in enumerate(details):
        if not isinstance(detail, dict):
            raise err.invalid("TaxRateDetails", "must be a list of objects")
        applicable = str(detail.get("TaxApplicableOn") or "Sales")
        if applicable not in APPLICABLE:
            raise err.invalid("TaxApplicableOn", f"must be Sales or Purchase, not {applicable!r}")
        if detail.get("TaxRateId"):
            rate = realm.get("TaxRate", detail["TaxRateId"])
            if rate is None:
                raise err.invalid_reference("TaxRateId", "TaxRate", str(detail["TaxRateId"]))
        else:
            rate_name = str(detail.get("TaxRateName") or "").strip()
            if not rate_name:
                raise err.required("TaxRateName", "Send TaxRateId of an existing rate, or TaxRateName and RateValue.")
            if detail.get("RateValue") is None:
                raise err.required("RateValue", "Send the new rate's RateValue, e.g. 8.5 for 8.5%.")
            value = _decimal(detail["RateValue"], "RateValue")
            if not Decimal(0) <= value <= Decimal(100):
                raise err.invalid("RateValue", f"must be between 0 and 100, not {value}")
            agency = str(detail.get("TaxAgencyId") or "1")
            if realm.get("TaxAgency", agency) is None:
                raise err.invalid_reference("TaxAgencyId", "TaxAgency", agency)
            rate = realm.add(
                "TaxRate",
                {"Id": realm.new_id("TaxRate"), "SyncToken": "0", "domain": "QBO", "sparse": False,
                 "Name": rate_name, "Description": rate_name, "Active": True, "RateValue": value,
                 "AgencyRef": {"value": agency}, "SpecialTaxType": "NONE", "DisplayType": "ReadOnly",
                 "MetaData": meta},
            )  # fmt: skip
        entry = {"TaxRateRef": {"value": rate["Id"], "name": rate["Name"]}, "TaxTypeApplicable": "TaxOnAmount",
                 "TaxOrder": index}  # fmt: skip
        (sales if applicable == "Sales" else purchase).append(entry)
        out_details.append(
            {"TaxRateName": rate["Name"], "TaxRateId": rate["Id"], "RateValue": rate["RateValue"],
             "TaxAgencyId": rate.get("AgencyRef", {}).get("value", "1"), "TaxApplicableOn": applicable}
        )  # fmt: skip
    code = realm.add(
        "TaxCode",
        {"Id": realm.new_id("TaxCode"), "SyncToken": "0", "domain": "QBO", "sparse": False, "Name": name,
         "Description": name, "Active": True, "Hidden": False, "Taxable": True, "TaxGroup": len(details) > 1,
         "SalesTaxRateList": {"TaxRateDetail": sales}, "PurchaseTaxRateList": {"TaxRateDetail": purchase},
         "MetaData": meta},
    )  # fmt: skip
    writer.on_change("TaxCode", code, "Create")
    return {"TaxCode": name, "TaxCodeId": code["Id"], "TaxRateDetails": out_details}
