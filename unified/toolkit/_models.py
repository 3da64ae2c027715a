"""From a provider's payload to a unified model, and the checks every connector's writes share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from unified.errors import ConnectorExecutionError, RequestValidationError

__all__ = ["clean", "one_tax_inclusive_flag", "read_model"]

M = TypeVar("M", bound=BaseModel)


def clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop None (and objects left empty), so a read model's ``model_fields_set`` is what the provider had."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            value = clean(value)
            if not value:
                continue
        elif isinstance(value, list):
            value = [clean(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


def read_model(cls: type[M], data: Mapping[str, Any], payload: Mapping[str, Any], *, raw: bool, provider: str) -> M:
    """The unified ``cls`` from mapped ``data`` (the provider's ``payload`` kept in ``raw`` when asked)."""
    fields = clean(data)
    if raw:
        fields["raw"] = dict(payload)
    try:
        return cls.model_validate(fields)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConnectorExecutionError(
            f"{provider} sent a {cls.__name__} this library cannot represent: {'; '.join(problems)}",
            detail={"errors": problems},
        ) from None


def one_tax_inclusive_flag(document: bool | None, lines: Sequence[Any], *, rule: str) -> bool | None:
    """The one tax-inclusive flag a provider keeps per document: the document's own, or the one its lines agree
    on. Lines that disagree with each other or with the document are refused, naming the line; ``rule`` says
    why (``"My Books applies one tax mode to the whole document"``)."""
    flags: dict[int, bool] = {
        i: bool(line.tax_inclusive) for i, line in enumerate(lines) if line.tax_inclusive is not None
    }
    if len(set(flags.values())) > 1:
        inclusive = min(i for i, flag in flags.items() if flag)
        exclusive = min(i for i, flag in flags.items() if not flag)
        raise RequestValidationError(
            f"line_items[{inclusive}] is tax-inclusive but line_items[{exclusive}] is not; {rule}. Make the lines "
            "agree, or split them into two documents.",
            field=f"line_items[{max(inclusive, exclusive)}].tax_inclusive",
        )
    if not flags:
        return document
    index, flag = next(iter(flags.items()))
    if document is not None and document != flag:
        raise RequestValidationError(
            f"line_items[{index}].tax_inclusive is {flag} but the document's tax_inclusive is {document}; {rule}. "
            "Make them agree.",
            field=f"line_items[{index}].tax_inclusive",
        )
    return flag
