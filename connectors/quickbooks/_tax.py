"""Tax through QuickBooks' tax codes: a line carries a TaxCode, a TaxCode groups TaxRates (non-US companies).

The unified ``tax_rates`` resource is QuickBooks' TaxRate list. A line's ``tax_rate`` reads as the line's TaxCode
(``code``, the code's id) and, when the code applies one rate to this kind of document (its sales list for
invoices, its purchase list for bills and expenses), that rate's ``id`` and ``name``; ``rate`` is the sum of the
code's rates. A write names the code (``code``: its id or name) or a rate (``id``): a rate becomes the active code
whose list for this kind of document is exactly that rate. A ``rate`` given with it must agree. Anything else is
refused before the call, listing what exists. US companies' pseudo codes (``TAX``, ``NON``) pass through as codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from connectors.quickbooks._convert import structure
from connectors.quickbooks._read import meta_times, model
from connectors.quickbooks._wire import QboRef, QboTaxCode, QboTaxRate
from schemas import LinkedTaxRate, TaxRate
from unified.errors import RequestValidationError

__all__ = ["Purpose", "TaxTable", "tax_rate_from_qbo"]

Purpose = Literal["sales", "purchase"]


@dataclass(frozen=True)
class TaxTable:
    rates: Mapping[str, QboTaxRate]
    codes: Mapping[str, QboTaxCode]

    @classmethod
    def empty(cls) -> TaxTable:
        return cls({}, {})

    def rate_ids(self, code: QboTaxCode, purpose: Purpose) -> list[str]:
        listed = code.SalesTaxRateList if purpose == "sales" else code.PurchaseTaxRateList
        details = (listed.TaxRateDetail if listed is not None else None) or []
        return [d.TaxRateRef.value for d in details if d.TaxRateRef is not None and d.TaxRateRef.value]

    def total(self, ids: Sequence[str]) -> Decimal | None:
        if not ids:
            return Decimal(0)  # an exempt or zero-rated code applies no rate
        values = [self.rates[i].RateValue for i in ids if i in self.rates]
        if len(values) != len(ids) or any(v is None for v in values):
            return None
        return sum((v for v in values if v is not None), Decimal(0))

    def linked(self, ref: QboRef | None, purpose: Purpose) -> dict[str, Any] | None:
        """The unified ``tax_rate`` of a line's TaxCodeRef."""
        if ref is None or not ref.value:
            return None
        code = self.codes.get(ref.value)
        if code is None:  # a pseudo code (TAX, NON), or a table not loaded
            return {"code": ref.value, "name": ref.name}
        ids = self.rate_ids(code, purpose)
        if len(ids) == 1:
            rate = self.rates.get(ids[0])
            return {"id": ids[0], "code": code.Id, "name": rate.Name if rate else code.Name, "rate": self.total(ids)}
        return {"code": code.Id, "name": code.Name, "rate": self.total(ids)}

    def code_for(self, linked: LinkedTaxRate, purpose: Purpose, where: str) -> str:
        """The TaxCode id a line's ``tax_rate`` names; refused before the call when there is none."""
        if linked.code:
            code = self._code_named(linked.code, where)
            if linked.id and self.rate_ids(code, purpose) != [linked.id] and linked.id != code.Id:
                raise RequestValidationError(
                    f"{where}.id {linked.id!r} is not the one rate of tax code {linked.code!r} on "
                    f"{purpose} documents ({self._describe(code, purpose)}): give one of the two.",
                    field=f"{where}.id",
                )
        elif linked.id:
            code = self._code_for_rate(linked.id, purpose, where)
        else:
            raise RequestValidationError(
                f"{where} needs an id (a tax rate from tax_rates) or a code (a QuickBooks tax code): "
                f"{self._known_codes(purpose)}.",
                field=where,
            )
        total = self.total(self.rate_ids(code, purpose))
        if linked.rate is not None and total is not None and linked.rate != total:
            raise RequestValidationError(
                f"{where}.rate is {linked.rate}%, but QuickBooks' tax code {code.Name!r} (id {code.Id}) applies "
                f"{total}% on {purpose} documents: correct the rate or choose another code.",
                field=f"{where}.rate",
            )
        assert code.Id is not None
        return code.Id

    # -- helpers ---------------------------------------------------------------------------------------------

    def _code_named(self, name: str, where: str) -> QboTaxCode:
        found = self.codes.get(name)
        if found is None:
            found = next((c for c in self.codes.values() if (c.Name or "").lower() == name.lower()), None)
        if found is not None and found.Active is not False:
            return found
        if not self.codes and name.upper() in ("TAX", "NON"):  # US pseudo codes: no TaxCode list to check
            return QboTaxCode(Id=name.upper(), Name=name.upper())
        raise RequestValidationError(
            f"{where}.code {name!r} is not an active QuickBooks tax code; known: {self._known_codes(None)}.",
            field=f"{where}.code",
        )

    def _code_for_rate(self, rate_id: str, purpose: Purpose, where: str) -> QboTaxCode:
        if rate_id not in self.rates:
            code = self.codes.get(rate_id)
            if code is not None and code.Active is not False and rate_id not in self.rates:
                return code  # a tax code's id given as the id
            raise RequestValidationError(
                f"{where}.id {rate_id!r} is not a QuickBooks tax rate; known: {self._known_rates()}.",
                field=f"{where}.id",
            )
        codes = sorted(
            (c for c in self.codes.values() if c.Active is not False and self.rate_ids(c, purpose) == [rate_id]),
            key=lambda c: (len(c.Id or ""), c.Id or ""),
        )
        if not codes:
            rate = self.rates[rate_id]
            raise RequestValidationError(
                f"{where}.id {rate_id!r} ({rate.Name}) is not the only rate of any active tax code on {purpose} "
                f"documents, and QuickBooks lines carry tax codes: give {where}.code; "
                f"{self._known_codes(purpose)}.",
                field=f"{where}.id",
            )
        return codes[0]

    def _describe(self, code: QboTaxCode, purpose: Purpose) -> str:
        ids = self.rate_ids(code, purpose)
        names = [f"{self.rates[i].Name} (id {i})" if i in self.rates else i for i in ids]
        return ", ".join(names) or "no rates"

    def _known_codes(self, purpose: Purpose | None) -> str:
        codes = [c for c in self.codes.values() if c.Active is not False]
        if not codes:
            return "none loaded"
        listed = []
        for code in codes[:15]:
            rates = f" = {self._describe(code, purpose)}" if purpose is not None else ""
            listed.append(f"{code.Id} {code.Name}{rates}")
        return "; ".join(listed)

    def _known_rates(self) -> str:
        rates = [f"{r.Id} {r.Name} ({r.RateValue}%)" for r in self.rates.values() if r.Active is not False]
        return "; ".join(rates[:20]) or "none"


def tax_rate_from_qbo(payload: Mapping[str, Any], *, raw: bool = False) -> TaxRate:
    """A QuickBooks TaxRate: ``Name``, ``Description``, ``RateValue`` (effective and total rate), ``Active``."""
    q = structure(payload, QboTaxRate)
    created_at, updated_at = meta_times(q.MetaData)
    data: dict[str, Any] = {
        "id": q.Id,
        "name": q.Name,
        "description": q.Description,
        "effective_tax_rate": q.RateValue,
        "total_tax_rate": q.RateValue,
        "type": q.SpecialTaxType if q.SpecialTaxType not in (None, "NONE") else None,
        "original_tax_rate_id": q.OriginalTaxRate.value if q.OriginalTaxRate is not None else None,
        "status": None if q.Active is None else ("active" if q.Active else "inactive"),
        "row_version": q.SyncToken,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    return model(TaxRate, data, payload, raw)
