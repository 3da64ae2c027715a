"""The conformance kit, proven on the in-memory reference connector."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from schemas import Contact
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified.errors import RequestValidationError, UnifiedError
from unified.testing import ConnectorConformance


@pytest.fixture(scope="module")
def backend() -> ReferenceBackend:
    return ReferenceBackend().seed()


class TestReferenceConnector(ConnectorConformance):
    @pytest.fixture
    def connector_factory(self, backend: ReferenceBackend) -> Callable[[], ReferenceConnector]:
        return lambda: ReferenceConnector(backend)

    def invalid_writes(self, resource: str) -> list[tuple[object, type[UnifiedError]]]:
        if resource == "contacts":
            return [(Contact(display_name="Both", is_customer=True, is_supplier=True), RequestValidationError)]
        return []
