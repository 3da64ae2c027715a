"""The conformance kit fails connectors that break the contract (it is not a rubber stamp)."""

from __future__ import annotations

import pytest

HEADER = """
from typing import Any
import pytest
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified.connector import ListQuery, Page
from unified.testing import ConnectorConformance
"""

TEMPLATE = """
class Broken(ReferenceConnector):
{body}

class TestBroken(ConnectorConformance):
    @pytest.fixture
    def connector_factory(self):
        backend = ReferenceBackend().seed()
        return lambda: Broken(backend)
"""


def run_kit(pytester: pytest.Pytester, body: str, select: str) -> pytest.RunResult:
    pytester.makepyfile(test_broken=HEADER + TEMPLATE.format(body=body))
    return pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-k", select)


def test_repeated_ids_across_pages_fail(pytester: pytest.Pytester) -> None:
    body = """
    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        page = await super().list(resource, query.__class__(limit=query.limit))
        return Page(data=page.data, next_cursor=page.next_cursor if query.cursor is None else None)
"""
    result = run_kit(pytester, body, "ids_unique and invoices")
    result.assert_outcomes(failed=2)
    assert "ids repeated across pages" in result.stdout.str()


def test_oversized_pages_fail(pytester: pytest.Pytester) -> None:
    body = """
    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        page = await super().list(resource, query.__class__(limit=50))
        return Page(data=page.data, next_cursor=None)
"""
    result = run_kit(pytester, body, "ids_unique and contacts")
    result.assert_outcomes(failed=2)
    assert "with limit=" in result.stdout.str()


def test_a_dropped_field_fails_the_round_trip(pytester: pytest.Pytester) -> None:
    body = """
    async def create(self, resource: str, record: Any, *, raw: bool = False) -> Any:
        if resource == "tax_rates":
            record = record.model_copy(update={"name": "something else"})
        return await super().create(resource, record, raw=raw)
"""
    result = run_kit(pytester, body, "create_read_update_delete and tax_rates")
    result.assert_outcomes(failed=2)
    assert "read back" in result.stdout.str()


def test_a_declared_operation_that_does_not_work_fails(pytester: pytest.Pytester) -> None:
    body = """
    async def delete(self, resource: str, id: str) -> None:
        return None
"""
    result = run_kit(pytester, body, "create_read_update_delete and bills")
    result.assert_outcomes(failed=2)
    assert "DID NOT RAISE" in result.stdout.str()


def test_a_healthy_connector_passes(pytester: pytest.Pytester) -> None:
    result = run_kit(pytester, "    pass\n", "ids_unique or get_matches_list")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 20 and "failed" not in outcomes
