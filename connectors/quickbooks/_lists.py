"""The company's lists a line links to, read once per connector and cached: items, accounts, classes, departments,
tax codes and rates, and the sales-form custom field definitions.

QuickBooks refuses a transaction whose references do not exist ("Referenced entities can't be created on the fly"),
so a write's links are checked against these lists before the call. A link missing from a cached list is looked
up once more (it may have been created since) before it is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.quickbooks._convert import structure
from connectors.quickbooks._documents import Links
from connectors.quickbooks._http import QuickBooksHttp
from connectors.quickbooks._query import Select
from connectors.quickbooks._tax import TaxTable
from connectors.quickbooks._wire import QboListEntry, QboTaxCode, QboTaxRate
from unified.toolkit import KeyedCache

__all__ = ["CompanyLists", "custom_field_definitions"]

PAGE = 1000
_LISTS = ("Item", "Account", "Class", "Department")
_CUSTOM_NAME = re.compile(r"^SalesFormsPrefs\.SalesCustomName(\d+)$")
_CUSTOM_USE = re.compile(r"^SalesFormsPrefs\.UseSalesCustom(\d+)$")


class CompanyLists:
    def __init__(self, http: QuickBooksHttp) -> None:
        self.http = http
        self._cache: KeyedCache[str, Any] = KeyedCache(self._fetch)

    def __repr__(self) -> str:
        return f"CompanyLists(realm_id={self.http.realm_id!r})"

    async def rows(self, entity: str, where: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Every row of a query, page after page."""
        out: list[dict[str, Any]] = []
        start = 1
        while True:
            rows, _ = await self.http.query(Select(entity, where, start=start, size=PAGE))
            out.extend(rows)
            if len(rows) < PAGE:
                return out
            start += PAGE

    async def entries(self, name: str) -> dict[str, QboListEntry]:
        found: dict[str, QboListEntry] = await self._cache.get(name)
        return found

    async def taxes(self) -> TaxTable:
        table: TaxTable = await self._cache.get("TaxCode")
        return table

    async def links(self, needed: set[str]) -> Links:
        """The lists ``needed`` names (see ``_documents.lists_needed``), loaded."""
        links = Links()
        if "Item" in needed:
            links.items = await self.entries("Item")
        if "Account" in needed:
            links.accounts = await self.entries("Account")
        if "Class" in needed:
            links.classes = await self.entries("Class")
        if "Department" in needed:
            links.departments = await self.entries("Department")
        if "TaxCode" in needed:
            links.taxes = await self.taxes()
        if "CustomField" in needed:
            links.custom_fields = await self._cache.get("CustomField")
        if "TaxMode" in needed:
            links.line_codes = await self.line_codes_required()
        return links

    async def line_codes_required(self) -> bool:
        """Whether every line needs a tax code: a company on QuickBooks' non-US tax model (sales tax on, not the US
        automated sales tax, no TAX/NON pseudo codes)."""
        prefs = await self._cache.get("Preferences")
        tax_prefs = prefs.get("TaxPrefs") if isinstance(prefs, Mapping) else None
        if not isinstance(tax_prefs, Mapping) or tax_prefs.get("UsingSalesTax") is not True:
            return False
        if tax_prefs.get("PartnerTaxEnabled") is True:
            return False
        codes = (await self.taxes()).codes
        return not ({"TAX", "NON"} & set(codes))

    def forget(self, name: str | None = None) -> None:
        self._cache.forget("TaxCode" if name in ("TaxCode", "TaxRate") else name)

    async def _fetch(self, name: str) -> Any:
        if name in _LISTS:
            rows = await self.rows(name, ["Active = true"])
            entries = [structure(row, QboListEntry) for row in rows]
            return {e.Id: e for e in entries if e.Id}
        if name == "TaxCode":
            codes = [structure(row, QboTaxCode) for row in await self.rows("TaxCode")]
            rates = [structure(row, QboTaxRate) for row in await self.rows("TaxRate")]
            return TaxTable(rates={r.Id: r for r in rates if r.Id}, codes={c.Id: c for c in codes if c.Id})
        if name == "Preferences":
            body = await self.http.request("GET", "/preferences")
            prefs = body.get("Preferences") if isinstance(body, Mapping) else None
            return prefs if isinstance(prefs, Mapping) else {}
        if name == "CustomField":
            return custom_field_definitions(await self._cache.get("Preferences"))
        raise KeyError(name)


def custom_field_definitions(preferences: object) -> dict[str, str]:
    """Sales-form custom fields switched on in Preferences: name -> DefinitionId (1 to 3)."""
    if not isinstance(preferences, Mapping):
        return {}
    sales = preferences.get("SalesFormsPrefs")
    groups = sales.get("CustomField") if isinstance(sales, Mapping) else None
    names: dict[str, str] = {}
    used: dict[str, bool] = {}
    for group in groups if isinstance(groups, list) else []:
        entries = group.get("CustomField") if isinstance(group, Mapping) else None
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, Mapping):
                continue
            label = str(entry.get("Name") or "")
            if match := _CUSTOM_NAME.match(label):
                if isinstance(entry.get("StringValue"), str) and entry["StringValue"].strip():
                    names[match.group(1)] = entry["StringValue"].strip()
            elif match := _CUSTOM_USE.match(label):
                used[match.group(1)] = entry.get("BooleanValue") is True
    return {name: number for number, name in names.items() if used.get(number, True)}
