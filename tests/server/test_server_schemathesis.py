"""schemathesis (v4) runs the server's own /openapi.json against it, in front of each backend's emulator: no 5xx,
every answer's status, content type and body as the document says.

Generated cases carry the test key and consumer (random ones would only ever meet 401 and 404), and for paths
with an id, a real record's id in 3 of 4 cases so the success answers and their schemas are reached.
Run as a script to print the counts: python tests/server/test_server_schemathesis.py
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.server.conftest import CONSUMER, KEY, Served

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

pytestmark = pytest.mark.e2e

CHECKS = (
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
)
EXAMPLES = 4  # per operation: the run stays well under a minute on a small machine


@dataclass
class Tally:
    operations: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)


def _real_ids(served: Served) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    with served.client() as http:
        for path in ("customers", "suppliers", "invoices", "bills", "expenses", "tax-rates", "contacts"):
            ids[path] = [r["id"] for r in http.get(f"/accounting/{path}", params={"limit": 50}).json()["data"]]
    return ids


def _exercise(operation: Any, strategy: Any, examples: int, ids: dict[str, list[str]], http: Any, tally: Tally) -> None:
    resource = operation.path.split("/")[2] if operation.path.startswith("/accounting/") else None

    @settings(
        max_examples=examples, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "x-apideck-service-id"}
        case.headers = headers | {"Authorization": f"Bearer {KEY}", "x-apideck-consumer-id": CONSUMER}
        if resource and "id" in (case.path_parameters or {}) and ids.get(resource):
            known = ids[resource]
            pick = zlib.crc32(repr(case.path_parameters["id"]).encode())
            if pick % 4:
                case.path_parameters["id"] = known[pick % len(known)]
        response = case.call(session=http)
        tally.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    check()


def run(served: Served, tally: Tally) -> None:
    import requests

    document = httpx.get(served.url + "/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=served.url)
    ids = _real_ids(served)
    with requests.Session() as http:
        for result in schema.get_all_operations():
            operation = result.ok()
            tally.operations.append(f"{operation.method.upper()} {operation.path}")
            for example in operation.get_strategies_from_examples():  # the document's own example bodies
                _exercise(operation, example, 1, ids, http, tally)
            _exercise(operation, operation.as_strategy(), EXAMPLES, ids, http, tally)


def test_server_openapi_document_against_the_server(served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    tally = Tally()
    run(served, tally)
    assert len(tally.operations) >= 35
    assert tally.statuses[200] and tally.statuses[201] and tally.statuses[400] and tally.statuses[404]
    assert not [code for code in tally.statuses if code >= 500]
    with capsys.disabled():
        print(f"\nschemathesis: {len(tally.operations)} operations, statuses {dict(sorted(tally.statuses.items()))}")


if __name__ == "__main__":
    import tempfile
    from pathlib import Path

    from tests.server.conftest import BACKENDS, serve_backend

    for backend in BACKENDS:
        with tempfile.TemporaryDirectory() as home, serve_backend(backend, Path(home)) as running:
            counts = Tally()
            run(running, counts)
            print(backend.connector, len(counts.operations), "operations", dict(sorted(counts.statuses.items())))
