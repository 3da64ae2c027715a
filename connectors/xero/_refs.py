"""The organisation's own records a line links to, and how a unified link resolves to them before any write.

A line names its tax rate, ledger account, item and tracking options by Xero's codes (``TaxType``,
``AccountCode``, ``ItemCode``, the tracking category's ``Name`` and ``Option``). A unified link may say an id, a
code or a name; each is looked up in the organisation's ``/TaxRates``, ``/Accounts``, ``/Items`` and
``/TrackingCategories``, and a link that matches nothing (or more than one thing) is refused with a message that
names the field and lists what exists, never sent for Xero to drop or guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Literal

import attrs

from connectors.xero._wire import (
    XeroAccount,
    XeroItem,
    XeroTaxRate,
    XeroTracking,
    XeroTrackingCategory,
)
from schemas import (
    LinkedFinancialAccount,
    LinkedInvoiceItem,
    LinkedLedgerAccount,
    LinkedTaxRate,
    LinkedTrackingCategory,
)
from unified.errors import RequestValidationError

__all__ = [
    "MAX_TRACKING",
    "Books",
    "Usage",
    "resolve_account",
    "resolve_item",
    "resolve_tax_type",
    "resolve_tracking",
]

#: Xero takes at most two tracking categories on a line (one option each)
MAX_TRACKING = 2
_LISTED = 12

Usage = Literal["revenue", "expenses"]


@attrs.frozen
class Books:
    """The tables a write consults; each is empty when the record links nothing of its kind."""

    taxes: Mapping[str, XeroTaxRate] = attrs.field(factory=dict)
    accounts: Sequence[XeroAccount] = ()
    items: Sequence[XeroItem] = ()
    tracking: Sequence[XeroTrackingCategory] = ()


def _refuse(message: str, field: str) -> RequestValidationError:
    return RequestValidationError(message, field=field)


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_LISTED])
    more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
    return (shown + more) or "none"


def resolve_tax_type(rate: LinkedTaxRate, taxes: Mapping[str, XeroTaxRate], where: str, usage: Usage) -> str:
    """The ``TaxType`` a line's ``tax_rate`` names: by id or code (a TaxType), else by its rate."""
    code = rate.id or rate.code
    if rate.id and rate.code and rate.id != rate.code:
        raise _refuse(
            f"{where}tax_rate has id {rate.id!r} and code {rate.code!r}; in Xero both are the TaxType: give one.",
            f"{where}tax_rate.id",
        )
    usable = [t for t in taxes.values() if t.TaxType and t.Status in (None, "ACTIVE")]
    if code:
        tax = taxes.get(code)
        if tax is None or tax.Status not in (None, "ACTIVE"):
            state = "is not active" if tax is not None else "is not a tax rate of this organisation"
            known = _listing([f"{t.TaxType} ({t.Name})" for t in usable])
            raise _refuse(
                f"{where}tax_rate {code!r} {state}; Xero's tax rates (TaxType): {known}.", f"{where}tax_rate.id"
            )
        allowed = tax.CanApplyToRevenue if usage == "revenue" else tax.CanApplyToExpenses
        if allowed is False:
            raise _refuse(
                f"{where}tax_rate {code!r} ({tax.Name}) cannot be used on {usage} lines in Xero; choose a rate that "
                f"applies to {usage}.",
                f"{where}tax_rate.id",
            )
        if rate.rate is not None and tax.EffectiveRate is not None and Decimal(rate.rate) != tax.EffectiveRate:
            raise _refuse(
                f"{where}tax_rate says {rate.rate}% but Xero's {code} ({tax.Name}) is {tax.EffectiveRate}%. Send the "
                "rate's own percentage, or only its id.",
                f"{where}tax_rate.rate",
            )
        return code
    if rate.rate is None:
        raise _refuse(f"{where}tax_rate needs an id (a Xero TaxType such as OUTPUT) or a rate.", f"{where}tax_rate.id")
    fits = [
        t
        for t in usable
        if t.EffectiveRate == Decimal(rate.rate)
        and (t.CanApplyToRevenue if usage == "revenue" else t.CanApplyToExpenses) is not False
    ]
    if len(fits) != 1:
        problem = "no tax rate" if not fits else f"{len(fits)} tax rates"
        known = _listing([f"{t.TaxType} {t.EffectiveRate}%" for t in (fits or usable)])
        raise _refuse(
            f"{where}tax_rate: {problem} of this organisation applies {rate.rate}% to {usage}; send the TaxType as "
            f"its id. Tax rates: {known}.",
            f"{where}tax_rate.id",
        )
    assert fits[0].TaxType is not None
    return fits[0].TaxType


def resolve_account(
    link: LinkedLedgerAccount | LinkedFinancialAccount, accounts: Sequence[XeroAccount], where: str, *, bank: bool
) -> XeroAccount:
    """The account a link names by id (AccountID) or code (Code); ``bank``: it must be a bank account."""
    if not (link.id or link.code):
        raise _refuse(f"{where}needs an id (AccountID) or a code (the account code).", f"{where}id")
    live = [a for a in accounts if a.Status in (None, "ACTIVE")]
    found = [a for a in live if (not link.id or a.AccountID == link.id) and (not link.code or a.Code == link.code)]
    kind = "bank account" if bank else "account"
    if bank:
        found = [a for a in found if a.Type == "BANK"]
        live = [a for a in live if a.Type == "BANK"]
    if len(found) != 1:
        said = " and ".join(f"{k} {v!r}" for k, v in (("id", link.id), ("code", link.code)) if v)
        known = _listing([f"{a.Code or a.AccountID} ({a.Name})" for a in live])
        raise _refuse(
            f"{where[:-1] or 'account'} with {said} is not an active {kind} of this Xero organisation; its "
            f"{kind}s: {known}.",
            f"{where}{'id' if link.id else 'code'}",
        )
    return found[0]


def resolve_item(link: LinkedInvoiceItem, items: Sequence[XeroItem], where: str) -> XeroItem:
    """The item a line's ``item`` names by id (ItemID), code (Code) or name."""
    if not (link.id or link.code or link.name):
        raise _refuse(f"{where}item needs an id, a code or a name.", f"{where}item.id")
    found = [
        i
        for i in items
        if (not link.id or i.ItemID == link.id)
        and (not link.code or i.Code == link.code)
        and (link.id or link.code or i.Name == link.name)
    ]
    if len(found) != 1 or not found[0].Code:
        known = _listing([f"{i.Code} ({i.Name})" for i in items if i.Code])
        raise _refuse(
            f"{where}item does not name one item of this Xero organisation; its items (code): {known}.",
            f"{where}item.{'id' if link.id else 'code' if link.code else 'name'}",
        )
    return found[0]


def resolve_tracking(
    links: Sequence[LinkedTrackingCategory], categories: Sequence[XeroTrackingCategory], where: str
) -> list[XeroTracking]:
    """Each link as a tracking category and option of the organisation (the link names the option).

    A link's ``id`` is the option's TrackingOptionID, or ``name`` its name; ``parent_id``/``parent_name`` name the
    category (needed when two categories have an option of that name).
    """
    if len(links) > MAX_TRACKING:
        raise _refuse(
            f"{where}tracking_categories has {len(links)} entries; Xero takes at most {MAX_TRACKING} on a line.",
            f"{where}tracking_categories",
        )
    chosen: list[XeroTracking] = []
    for index, link in enumerate(links):
        here = f"{where}tracking_categories[{index}]"
        matches = [
            XeroTracking(category.TrackingCategoryID, option.TrackingOptionID, category.Name, option.Name)
            for category in categories
            if category.Status in (None, "ACTIVE")
            and (not link.parent_id or category.TrackingCategoryID == link.parent_id)
            and (not link.parent_name or category.Name == link.parent_name)
            for option in category.Options or []
            if option.Status in (None, "ACTIVE")
            and (not link.id or option.TrackingOptionID == link.id)
            and (not link.name or option.Name == link.name)
        ]
        if not (link.id or link.name) or len(matches) != 1:
            known = _listing(
                [
                    f"{c.Name}: {o.Name} (id {o.TrackingOptionID})"
                    for c in categories
                    if c.Status in (None, "ACTIVE")
                    for o in c.Options or []
                    if o.Status in (None, "ACTIVE")
                ]
            )
            problem = "names no option" if not (link.id or link.name) else "matches no single active option"
            raise _refuse(
                f"{here} {problem} of this organisation's tracking categories; Xero would drop it, so it is refused. "
                f"Name the option by id, or by name with parent_name for its category. Options: {known}.",
                f"{here}.{'id' if link.id else 'name'}",
            )
        if any(t.TrackingCategoryID == matches[0].TrackingCategoryID for t in chosen):
            raise _refuse(
                f"{here} is a second option of the category {matches[0].Name!r}; a Xero line takes one option per "
                "tracking category.",
                here,
            )
        chosen.append(matches[0])
    return chosen
