"""The server on 127.0.0.1 in front of each backend's emulator, through a plain HTTP client: every path."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import BACKENDS, CONSUMER, KEY, Backend, Served, serve_backend
from unified.vault import Connection

pytestmark = pytest.mark.e2e


def _ids(records: list[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in records]


def _error(response: httpx.Response, status: int, type_name: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status_code"] == status and body["type_name"] == type_name, body
    assert body["message"] and body["error"] and body["ref"].startswith("https://")
    return body


# -- lists ---------------------------------------------------------------------------------------------------


def test_list_follows_cursors_to_the_end(served: Served, http: httpx.Client) -> None:
    emu = served.emulator
    expected = {str(r["invoice_id"]) for r in emu.records(emu.organization_id, "invoices")}
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        body = http.get("/accounting/invoices", params=params).json()
        assert body["status_code"] == 200 and body["operation"] == "all" and body["resource"] == "invoices"
        assert body["service"] == served.backend.connector
        assert body["meta"]["items_on_page"] == len(body["data"]) <= 10
        assert body["meta"]["cursors"]["current"] == cursor
        seen += _ids(body["data"])
        pages += 1
        cursor = body["meta"]["cursors"]["next"]
        if cursor is None:
            assert body["links"]["next"] is None
            break
        assert f"cursor={cursor}" in httpx.URL(body["links"]["next"]).query.decode()
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert pages == -(-len(expected) // 10)


def test_links_next_is_the_next_page(http: httpx.Client) -> None:
    first = http.get("/accounting/invoices", params={"limit": 5}).json()
    second = http.get(first["links"]["next"]).json()  # an absolute link, keeping limit
    assert len(second["data"]) == 5 and not set(_ids(first["data"])) & set(_ids(second["data"]))


def test_default_page_is_apideck_size(http: httpx.Client) -> None:
    assert len(http.get("/accounting/invoices").json()["data"]) == 20


def test_supported_filter(served: Served, http: httpx.Client) -> None:
    resource, name, value = served.backend.supported_filter
    body = http.get(f"/accounting/{resource}", params={f"filter[{name}]": value, "limit": 200}).json()
    assert body["data"] and all(record[name] == value for record in body["data"])


def test_updated_since_filter(http: httpx.Client) -> None:
    everything = http.get("/accounting/invoices", params={"limit": 200}).json()["data"]
    stamps = sorted(datetime.fromisoformat(r["updated_at"]) for r in everything)
    since = stamps[len(stamps) // 2]
    body = http.get("/accounting/invoices", params={"limit": 200, "filter[updated_since]": since.isoformat()}).json()
    got = [datetime.fromisoformat(r["updated_at"]) for r in body["data"]]
    assert got and all(stamp >= since for stamp in got) and len(got) < len(everything)


def test_unsupported_filter_is_refused(served: Served, http: httpx.Client) -> None:
    resource, name = served.backend.unsupported_filter
    body = _error(http.get(f"/accounting/{resource}", params={f"filter[{name}]": "x"}), 400, "UnsupportedFiltersError")
    assert name in body["message"]


def test_sort(served: Served, http: httpx.Client) -> None:
    by = served.backend.supported_sort
    params = {"sort[by]": by, "sort[direction]": "desc", "limit": 200}
    stamps = [r[by] for r in http.get("/accounting/invoices", params=params).json()["data"]]
    assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) > 1


def test_unsupported_sort_is_refused(served: Served, http: httpx.Client) -> None:
    response = http.get("/accounting/invoices", params={"sort[by]": served.backend.unsupported_sort})
    assert served.backend.unsupported_sort in _error(response, 400, "UnsupportedSortFieldError")["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"sort[by]": "created_at", "sort[direction]": "up"}, "sort[direction]"),
        ({"raw": "maybe"}, "raw"),
        ({"filter[updated_since]": "yesterday"}, "filter[updated_since]"),
        ({"colour": "red"}, "colour"),
        ({"pass_through[search]": "x"}, "pass_through[search]"),
        ({"fields": "id,no_such_field"}, "no_such_field"),
    ],
)
def test_bad_list_parameters_are_named(http: httpx.Client, params: dict[str, str], field: str) -> None:
    assert field in _error(http.get("/accounting/invoices", params=params), 400, "RequestValidationError")["message"]


def test_every_resource_lists(http: httpx.Client) -> None:
    for path in ("customers", "suppliers", "invoices", "bills", "expenses", "tax-rates", "contacts"):
        body = http.get(f"/accounting/{path}", params={"limit": 3}).json()
        assert body["status_code"] == 200 and body["resource"] == path and body["data"], path


def test_customers_are_apideck_customers(http: httpx.Client) -> None:
    customers = http.get("/accounting/customers").json()["data"]
    contacts = http.get("/accounting/contacts").json()["data"]
    assert all("is_customer" not in record for record in customers)  # not in Apideck's Customer
    assert all("is_customer" in record for record in contacts)  # the whole unified Contact


def test_expense_lists_carry_line_items(http: httpx.Client) -> None:
    # Apideck's Expense requires line_items: the server fetches what list rows leave out
    expenses = http.get("/accounting/expenses", params={"limit": 3}).json()["data"]
    assert all(expense["line_items"] for expense in expenses)
    assert all("line_items" not in e for e in http.get("/accounting/expenses?fields=id,memo").json()["data"])


def test_money_is_an_exact_json_number(http: httpx.Client) -> None:
    text = http.get("/accounting/invoices", params={"limit": 5, "raw": "true"}).text
    body = json.loads(text, parse_float=Decimal)
    for record, payload in zip(body["data"], body["_raw"]["data"], strict=True):
        assert isinstance(record["total"], Decimal | int)  # a JSON number, not a string
        assert record["total"] == payload["total"]  # the provider's digits, through no float


# -- one record ----------------------------------------------------------------------------------------------


def test_get_with_raw_and_fields(http: httpx.Client) -> None:
    listed = http.get("/accounting/invoices", params={"limit": 1}).json()["data"][0]
    body = http.get(f"/accounting/invoices/{listed['id']}", params={"raw": "true"}).json()
    assert body["operation"] == "one" and body["data"]["id"] == listed["id"]
    assert body["data"]["line_items"]  # the detail
    assert isinstance(body["_raw"], dict) and body["_raw"]  # the provider's own payload
    assert "_raw" not in http.get(f"/accounting/invoices/{listed['id']}").json()
    picked = http.get(f"/accounting/invoices/{listed['id']}", params={"fields": "id,line_items.description"}).json()
    assert set(picked["data"]) == {"id", "line_items"}
    assert all(set(line) <= {"description"} for line in picked["data"]["line_items"])


def test_list_fields_and_raw(http: httpx.Client) -> None:
    body = http.get("/accounting/customers", params={"fields": "id,display_name,emails.email", "raw": "true"}).json()
    assert body["data"] and all(set(r) <= {"id", "display_name", "emails"} for r in body["data"])
    assert all(set(email) == {"email"} for r in body["data"] for email in r.get("emails", []))
    assert len(body["_raw"]["data"]) == len(body["data"]) and all(isinstance(p, dict) for p in body["_raw"]["data"])


def test_missing_record_is_404(http: httpx.Client) -> None:
    _error(http.get("/accounting/invoices/999999999999"), 404, "EntityNotFoundError")


# -- writes --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["customers", "suppliers"])
def test_create_update_delete(served: Served, http: httpx.Client, path: str) -> None:
    new = served.backend.new_records[path]
    created = http.post(f"/accounting/{path}", json=new)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["operation"] == "add" and body["status"] == "Created"
    record_id = body["data"]["id"]
    assert http.get(f"/accounting/{path}/{record_id}").json()["data"]["display_name"] == new["display_name"]

    updated = http.patch(f"/accounting/{path}/{record_id}", json={"display_name": new["display_name"] + " II"})
    assert updated.status_code == 200 and updated.json()["data"] == {"id": record_id}
    assert updated.json()["operation"] == "update"
    assert http.get(f"/accounting/{path}/{record_id}").json()["data"]["display_name"] == new["display_name"] + " II"

    deleted = http.delete(f"/accounting/{path}/{record_id}")
    assert deleted.status_code == 200 and deleted.json()["data"] == {"id": record_id}
    _error(http.get(f"/accounting/{path}/{record_id}"), 404, "EntityNotFoundError")


def test_create_with_raw(served: Served, http: httpx.Client) -> None:
    new = served.backend.new_records["customers"] | {"display_name": "Raw Create Ltd"}
    body = http.post("/accounting/customers", params={"raw": "true"}, json=new).json()
    assert body["data"]["id"] and isinstance(body["_raw"], dict) and body["_raw"]


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b'{"display_name": "A", "colour": "red"}', "colour"),
        (b"[1, 2]", "body"),
        (b"{not json", "body"),
        (b'{"display_name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "body"),
    ],
)
def test_bad_bodies_are_400(http: httpx.Client, content: bytes, field: str) -> None:
    response = http.post("/accounting/customers", content=content, headers={"Content-Type": "application/json"})
    assert field in _error(response, 400, "RequestValidationError")["message"]


def test_oversized_body_is_413(served: Served) -> None:
    with served.client() as http:
        response = http.post("/accounting/customers", content=b" " * (5 * 1024 * 1024 + 1))
    assert response.status_code == 413 and response.json()["type_name"] == "RequestValidationError"


def test_refused_write_names_the_field(http: httpx.Client) -> None:
    body = _error(http.post("/accounting/customers", json={"display_name": "x" * 201}), 400, "RequestValidationError")
    assert "200" in body["message"]


# -- proxy ---------------------------------------------------------------------------------------------------


def _proxy(http: httpx.Client, url: str, method: str = "GET", **headers: str) -> httpx.Response:
    return http.post(
        "/proxy", headers={"x-apideck-downstream-url": url, "x-apideck-downstream-method": method, **headers}
    )


def test_proxy_by_path_and_by_url(served: Served, http: httpx.Client) -> None:
    by_path = _proxy(http, served.backend.proxy_path)
    assert by_path.status_code == 200 and by_path.headers["content-type"].startswith("application/json")
    root = served.emulator.connector_settings()["api_url"].rstrip("/")
    by_url = _proxy(http, root + served.backend.proxy_path)
    assert by_url.status_code == 200 and by_url.json() == by_path.json()
    as_get = http.get("/proxy", headers={"x-apideck-downstream-url": served.backend.proxy_path})
    assert as_get.status_code == 200 and as_get.json() == by_path.json()


@pytest.mark.parametrize(
    "url",
    ["https://example.com/steal", "http://127.0.0.1:1/books/v3/contacts", "/../../oauth/v2/token", "//example.com/x"],
)
def test_proxy_stays_on_the_provider(served: Served, http: httpx.Client, url: str) -> None:
    before = len(served.emulator.request_log)
    _error(_proxy(http, url), 400, "RequestValidationError")
    assert len(served.emulator.request_log) == before  # nothing left the server


def test_proxy_refuses_foreign_credentials(served: Served, http: httpx.Client) -> None:
    response = _proxy(http, served.backend.proxy_path, **{"x-apideck-downstream-authorization": "Bearer other"})
    assert "x-apideck-downstream-authorization" in _error(response, 400, "RequestValidationError")["message"]


def test_proxy_needs_a_url(http: httpx.Client) -> None:
    assert "x-apideck-downstream-url" in _error(http.post("/proxy"), 400, "RequestValidationError")["message"]


# -- keys, consumers, services, routes -----------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-key-0123456789", f"Basic {KEY}", "Bearer"])
def test_auth_failures_are_401(served: Served, authorization: str | None) -> None:
    headers = {"x-apideck-consumer-id": CONSUMER} | ({"Authorization": authorization} if authorization else {})
    response = httpx.get(served.url + "/accounting/invoices", headers=headers)
    _error(response, 401, "UnauthorizedError")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_made_and_revoked_keys(served: Served) -> None:
    key, info = served.keys.create("e2e")
    with served.client(key=key) as http:
        assert http.get("/accounting/tax-rates").status_code == 200
        served.keys.revoke(info.id)
        _error(http.get("/accounting/tax-rates"), 401, "UnauthorizedError")


def test_health_and_openapi_need_no_key(served: Served) -> None:
    assert httpx.get(served.url + "/health").json() == {"status": "ok"}
    document = httpx.get(served.url + "/openapi.json").json()
    assert "/accounting/invoices/{id}" in document["paths"] and "/proxy" in document["paths"]


def test_consumer_header_is_required(served: Served) -> None:
    with served.client(consumer=None) as http:
        body = _error(http.get("/accounting/invoices"), 400, "RequestHeadersValidationError")
    assert "x-apideck-consumer-id" in body["message"]


def test_unknown_consumer_and_service(served: Served) -> None:
    with served.client(consumer="nobody") as http:
        _error(http.get("/accounting/invoices"), 404, "ConnectionNotFoundError")
    with served.client(**{"x-apideck-service-id": "no-such-books"}) as http:
        body = _error(http.get("/accounting/invoices"), 404, "ConnectorNotFoundError")
    assert served.backend.connector in body["message"]


def test_consumer_with_several_services(served: Served) -> None:
    own = served.vault.get(CONSUMER)
    served.vault.save(Connection("multi", own.connector, own.settings, own.secrets))
    served.vault.save(Connection("multi.other", "other-books", {}, {}))
    try:
        with served.client(consumer="multi") as http:
            assert (
                "x-apideck-service-id"
                in _error(http.get("/accounting/tax-rates"), 400, "RequestHeadersValidationError")["message"]
            )
        with served.client(consumer="multi", **{"x-apideck-service-id": own.connector}) as http:
            body = http.get("/accounting/tax-rates").json()
        assert body["status_code"] == 200 and body["service"] == own.connector
        with served.client(consumer="multi.other") as http:  # its own name picks one connection
            assert http.get("/accounting/tax-rates").status_code != 200  # other-books is no installed connector
    finally:
        served.vault.delete("multi")
        served.vault.delete("multi.other")


def test_unknown_routes_and_methods(http: httpx.Client) -> None:
    _error(http.get("/accounting/widgets"), 404, "EntityNotFoundError")
    _error(http.get("/nowhere"), 404, "EntityNotFoundError")
    response = http.put("/accounting/invoices")
    _error(response, 405, "RequestValidationError")
    assert "GET" in response.headers["Allow"]


# -- the rate budget -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda backend: backend.connector)
def test_busy_budget_is_429_after_the_bound(backend: Backend, tmp_path: Path) -> None:
    with serve_backend(backend, tmp_path, rate_limit_wait=0.2) as running, running.client() as http:
        assert http.get("/accounting/tax-rates").status_code == 200
        backend.hold_budget(running.emulator, 30.0)
        before = len(running.emulator.request_log)
        read = http.get("/accounting/tax-rates")
        write = http.post("/accounting/customers", json=backend.new_records["customers"])
        for response in (read, write):
            body = _error(response, 429, "ConnectorRateLimitError")
            assert int(response.headers["Retry-After"]) >= 1 and body["outcome"] == "failed"
        assert len(running.emulator.request_log) == before  # the write was never sent


# -- the request log -----------------------------------------------------------------------------------------


def test_one_log_line_per_call_without_secrets(
    served: Served, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        http.get("/accounting/invoices", params={"limit": 2})
        http.post("/accounting/customers", json={"colour": "red"})
        httpx.get(served.url + "/accounting/invoices", headers={"Authorization": "Bearer guessed-key-123456789"})
        http.get("/accounting/invoices/1%0AGET /forged 200 0.1 ms consumer=x")  # a path that tries a second line
    lines = [r.getMessage() for r in caplog.records if r.name == "unified.server"]
    assert any(
        line.startswith("GET /accounting/invoices 200 ") and line.endswith(f"consumer={CONSUMER}") for line in lines
    )
    assert any(line.startswith("POST /accounting/customers 400 ") for line in lines)
    assert any(line.startswith("GET /accounting/invoices 401 ") for line in lines)
    assert not [line for line in lines if "\n" in line or line.startswith("GET /forged")]  # one line per call
    everything = "\n".join(r.getMessage() for r in caplog.records)
    secrets = [KEY, "guessed-key-123456789", *served.vault.get(CONSUMER).secrets.values()]
    assert not [secret for secret in secrets if secret in everything]
