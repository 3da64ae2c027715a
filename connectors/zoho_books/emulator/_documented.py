"""Fields Zoho's documented example responses carry that the emulator has no behaviour for (GST, locations,
reverse charge, templates, tags...): present on every record, with a neutral value of the documented type,
so clients that read them find them. Records the emulator computes values for are left as they are."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ._store import Record

_GST = {"gst_no": "", "gst_treatment": "", "tax_treatment": "", "place_of_supply": "", "is_pre_gst": False}
_REVERSE_CHARGE = {
    "reverse_charge_tax_id": "",
    "reverse_charge_tax_name": "",
    "reverse_charge_tax_percentage": 0,
    "reverse_charge_tax_amount": 0,
}
_TEMPLATES = (
    "invoice_template_id",
    "estimate_template_id",
    "creditnote_template_id",
    "purchaseorder_template_id",
    "salesorder_template_id",
    "retainerinvoice_template_id",
    "paymentthankyou_template_id",
    "retainerinvoice_paymentthankyou_template_id",
    "invoice_email_template_id",
    "estimate_email_template_id",
    "creditnote_email_template_id",
    "purchaseorder_email_template_id",
    "salesorder_email_template_id",
    "retainerinvoice_email_template_id",
    "paymentthankyou_email_template_id",
    "retainerinvoice_paymentthankyou_email_template_id",
    "statement_template_id",
    "payment_remittance_email_template_id",
    "bill_template_id",
)

CONTACT: dict[str, Any] = {
    "ignore_auto_number_generation": False,
    "is_tds_registered": False,
    "opening_balances": [],
    "default_templates": {name: "" for name in _TEMPLATES},
}
INVOICE: dict[str, Any] = {
    **_GST,
    "ach_payment_initiated": False,
    "cfdi_usage": "",
    "is_reverse_charge_applied": False,
    "vat_reg_no": "",
    "contact_persons_associated": [],
    "client_viewed_time": "",
    "schedule_time": "",
    "documents": "",  # the list rows' example has a string here
    "location_id": "",
    "location_name": "",
    "tags": [],
    "payment_options": {"payment_gateways": []},
    "attachment_name": "",
    "can_send_in_mail": True,
}
INVOICE_LINE: dict[str, Any] = {
    "project_id": "",
    "project_name": "",
    "time_entry_ids": [],
    "location_id": "",
    "location_name": "",
    "item_type": "",
    "expense_id": "",
    "expense_receipt_name": "",
    "tags": [],
    "tax_treatment_code": "",
}
BILL: dict[str, Any] = {
    **_GST,
    "purchaseorder_ids": [],
    "source_of_supply": "",
    "destination_of_supply": "",
    "pricebook_id": "",
    "is_reverse_charge_applied": False,
    "unused_credits_payable_amount": 0,
    "documents": [],
    "tags": [],
    "location_id": "",
    "is_line_item_invoiced": False,
    "purchaseorders": [],
    "acquisition_vat_summary": [],
    "reverse_charge_vat_summary": [],
    "vendor_credits": [],
    "created_by_id": "",
    "open_purchaseorders_count": 0,
}
BILL_LINE: dict[str, Any] = {
    **_REVERSE_CHARGE,
    "image_document_id": "",
    "location_id": "",
    "tags": [],
    "tds_tax_id": "",
    "tax_treatment_code": "",
    "hsn_or_sac": "",
    "is_billable": False,
    "item_custom_fields": [],
}
EXPENSE: dict[str, Any] = {
    **_GST,
    **_REVERSE_CHARGE,
    "is_pre_gst": "false",  # expenses.yml documents a string here
    "transaction_id": "",
    "destination_of_supply": "",
    "destination_of_supply_state": "",
    "source_of_supply": "",
    "hsn_or_sac": "",
    "trip_id": "",
    "trip_number": "",
    "reverse_charge_vat_total": 0,
    "acquisition_vat_total": 0,
    "acquisition_vat_summary": [],
    "reverse_charge_vat_summary": [],
    "expense_item_id": "",
    "expense_receipt_type": "",
    "location_id": "",
    "mileage_rate": "",
    "mileage_unit": "",
    "start_reading": "",
    "end_reading": "",
    "tags": [],
}
EXPENSE_LINE: dict[str, Any] = {**_REVERSE_CHARGE, "hsn_or_sac": "", "location_id": "", "tags": []}
ITEM: dict[str, Any] = {
    "sat_item_key_code": "",
    "unitkey_code": "",
    "purchase_tax_rule_id": "",
    "sales_tax_rule_id": "",
    "item_tax_preferences": [],
    "locations": [],
}
BILL_PAYMENT: dict[str, Any] = {
    "is_single_bill_payment": True,
    "is_ach_payment": False,
    "is_paid_via_print_check": False,
}
ACCOUNT: dict[str, Any] = {"closing_balance": 0}
PAYMENT: dict[str, Any] = {"amount_refunded": 0, "status": "success", "location_id": "", "tags": []}
PAYMENT_INVOICE: dict[str, Any] = {"tax_amount_withheld": 0}
ORGANIZATION: dict[str, Any] = {"plan_type": 0, "tax_group_enabled": True, "zi_migration_status": 0}


def fill(record: Record, defaults: Mapping[str, Any]) -> Record:
    """``record`` with each documented field it lacks set to its neutral value (copied: never shared)."""
    for key, value in defaults.items():
        if key not in record:
            record[key] = copy.deepcopy(value) if isinstance(value, dict | list) else value
    return record


def fill_lines(record: Record, defaults: Mapping[str, Any], key: str = "line_items") -> Record:
    for line in record.get(key) or ():
        if isinstance(line, dict):
            fill(line, defaults)
    return record
