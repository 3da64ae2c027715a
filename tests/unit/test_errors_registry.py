"""The error tree and the connector registry."""

from __future__ import annotations

import pytest

import unified.errors as errors
from unified.errors import DownstreamError
from unified.registry import connector_names, load

APIDECK_NAMES = {
    "RequestValidationError",
    "UnsupportedFiltersError",
    "UnsupportedSortFieldError",
    "UnauthorizedError",
    "EntityNotFoundError",
    "ConnectorRateLimitError",
    "ConnectorOperationUnsupportedError",
    "ConnectorExecutionError",
}


def all_error_classes() -> list[type[errors.UnifiedError]]:
    return [
        getattr(errors, n)
        for n in errors.__all__
        if isinstance(getattr(errors, n), type) and issubclass(getattr(errors, n), errors.UnifiedError)
    ]


def test_every_error_is_a_unified_error_with_its_contract() -> None:
    classes = all_error_classes()
    assert {c.type_name for c in classes} >= APIDECK_NAMES
    for cls in classes:
        err = cls("boom", downstream_errors=[DownstreamError("57", "not authorized", 401)])
        body = err.to_dict()
        assert set(body) >= {
            "status_code",
            "type_name",
            "message",
            "detail",
            "downstream_errors",
            "retriable",
            "outcome",
        }
        assert body["downstream_errors"][0]["code"] == "57" and 100 <= err.status_code < 600


def test_the_docstring_draws_every_class() -> None:
    doc = errors.__doc__ or ""
    for cls in all_error_classes():
        assert cls.__name__ in doc


def test_uncertain_outcome_is_said_out_loud() -> None:
    err = errors.ConnectorTimeoutError("The create timed out.", outcome="uncertain")
    assert "outcome uncertain" in str(err) and err.retriable


def test_rate_limit_carries_when_to_retry() -> None:
    err = errors.ConnectorRateLimitError("slow down", retry_after=12.5)
    assert err.retry_after == 12.5 and err.status_code == 429 and err.retriable


def test_unknown_connector_lists_the_installed_ones() -> None:
    with pytest.raises(errors.RequestValidationError, match=r"available: .*zoho-books"):
        load("unified.connectors", "no-such-books")
    assert "zoho-books" in connector_names()
