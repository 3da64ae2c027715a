"""The server's parts without a server: wire JSON, API keys, query parameters, fields, consumers, the rate bound."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from unified.errors import ConnectorRateLimitError, EntityNotFoundError, RequestValidationError
from unified.server import ApiKeys, ServerSettings, create_app, env_keys
from unified.server._consumers import Connections
from unified.server._errors import ConnectionNotFoundError, ConnectorNotFoundError, RequestHeadersValidationError
from unified.server._json import dumps, loads
from unified.server._pacing import TrackedTransport, bounded
from unified.server._query import parse_list
from unified.server._resources import RESOURCES, parse_fields, project
from unified.vault import Connection, Vault

# -- wire JSON -----------------------------------------------------------------------------------------------

decimals = st.decimals(allow_nan=False, allow_infinity=False)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | decimals,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_json_round_trips_decimals_exactly(value: Any) -> None:
    back = json.loads(dumps(value), parse_float=Decimal, parse_int=Decimal)

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, bool) or a is None or isinstance(a, str):
            return a == b and type(a) is type(b)
        if isinstance(a, int | Decimal):
            return isinstance(b, Decimal) and Decimal(a) == b  # a number, never a string
        if isinstance(a, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        return set(a) == set(b) and all(same(a[k], b[k]) for k in a)

    assert same(value, back)


def test_json_keeps_every_digit_and_text_that_looks_like_a_number() -> None:
    body = dumps({"total": Decimal("12345678901234567890.12"), "note": "12.5", "rate": Decimal("1E+2")})
    assert body == b'{"total":12345678901234567890.12,"note":"12.5","rate":1E+2}'


@pytest.mark.parametrize("body", [b"{", b"[" * 100_000, b'{"n": 1' + b"0" * 5000 + b"}", b"\xff"])
def test_bad_json_is_a_validation_error(body: bytes) -> None:
    with pytest.raises(RequestValidationError, match="not valid JSON"):
        loads(body)


# -- API keys ------------------------------------------------------------------------------------------------


def test_keys_are_shown_once_and_kept_hashed(tmp_path: Path) -> None:
    keys = ApiKeys(tmp_path / "home", extra=[])
    key, info = keys.create("billing")
    assert key.startswith("uk_") and len(key) > 40 and keys.verify(key)
    assert not keys.verify(key + "x") and not keys.verify("uk_" + "a" * 40)
    stored = (tmp_path / "home" / "api_keys.db").read_bytes()
    assert key.encode() not in stored and key.split("_")[2].encode() not in stored
    assert stat.S_IMODE(os.stat(tmp_path / "home" / "api_keys.db").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "home").st_mode) == 0o700
    assert [k.id for k in keys.list()] == [info.id] and key not in repr(keys.list())
    other = ApiKeys(tmp_path / "home", extra=[])  # another process: sees the key at once
    assert other.verify(key)
    keys.revoke(info.id)
    assert not other.verify(key) and keys.count() == 0
    with pytest.raises(EntityNotFoundError, match="unified keys list"):
        keys.revoke(info.id)


def test_env_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UNIFIED_API_KEYS", " first-key-0123456789 , second-key-0123456789,")
    assert env_keys() == ["first-key-0123456789", "second-key-0123456789"]
    keys = ApiKeys(tmp_path)
    assert keys.count() == 2 and keys.verify("second-key-0123456789") and not keys.verify("third-key-0123456789")
    with pytest.raises(RequestValidationError, match="at least 16"):
        env_keys("short")


def test_no_key_no_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNIFIED_API_KEYS", raising=False)
    with pytest.raises(RequestValidationError, match="unified keys create"):
        create_app(ServerSettings(home=tmp_path))


@pytest.mark.parametrize("wait", [-1.0, float("nan"), float("inf")])
def test_settings_refuse_a_bad_wait(wait: float) -> None:
    with pytest.raises(RequestValidationError, match="rate_limit_wait"):
        ServerSettings(rate_limit_wait=wait)


# -- query parameters and fields -----------------------------------------------------------------------------


def test_list_parameters() -> None:
    params = parse_list(
        [
            ("cursor", "abc"),
            ("limit", "50"),
            ("filter[status]", "paid"),
            ("filter[updated_since]", "2024-05-01T12:00:00"),
            ("sort[by]", "created_at"),
            ("sort[direction]", "desc"),
            ("raw", "true"),
        ]
    )
    assert (params.cursor, params.limit, params.filters, params.raw) == ("abc", 50, {"status": "paid"}, True)
    assert params.updated_since is not None and params.updated_since.utcoffset() is not None  # naive means UTC
    assert params.sort is not None and (params.sort.by, params.sort.direction) == ("created_at", "desc")
    assert parse_list([]).limit == 20


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ([("limit", "201")], "limit"),
        ([("limit", "1"), ("limit", "2")], "limit"),
        ([("sort[direction]", "desc")], "sort[by]"),
        ([("filter[]", "x")], "filter[]"),
    ],
)
def test_list_parameters_refused(query: list[tuple[str, str]], field: str) -> None:
    with pytest.raises(RequestValidationError) as refused:
        parse_list(query)
    assert refused.value.field == field


def test_fields_projection() -> None:
    customers = RESOURCES["customers"]
    tree = parse_fields("display_name, addresses.city,addresses", customers)
    assert tree == {"display_name": {}, "addresses": {}}  # the whole of addresses wins over one of its fields
    record = {"id": "1", "display_name": "A", "addresses": [{"city": "Oslo", "line1": "x"}], "emails": []}
    assert project(record, tree) == {"display_name": "A", "addresses": [{"city": "Oslo", "line1": "x"}]}
    only_city = parse_fields("addresses.city", customers)
    assert only_city is not None and project(record, only_city) == {"addresses": [{"city": "Oslo"}]}
    assert parse_fields(None, customers) is None and parse_fields(" ", customers) is None
    with pytest.raises(RequestValidationError, match="is_customer"):
        parse_fields("is_customer", customers)  # not in Apideck's Customer
    with pytest.raises(RequestValidationError, match="empty name"):
        parse_fields("id,,display_name", customers)


# -- consumers -----------------------------------------------------------------------------------------------


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Vault:
    monkeypatch.delenv("UNIFIED_VAULT_KEY", raising=False)
    vault = Vault(tmp_path / "vault")
    for name, connector in [("acme", "zoho-books"), ("acme.uk", "xero"), ("beta.eu", "xero"), ("beta.us", "xero")]:
        vault.save(Connection(name, connector, {}, {"refresh_token": "r"}))
    return vault


@pytest.mark.parametrize(
    ("consumer", "service", "connection"),
    [
        ("acme", "zoho-books", "acme"),
        ("acme", "xero", "acme.uk"),
        ("acme.uk", None, "acme.uk"),
        ("beta.eu", None, "beta.eu"),
    ],
)
def test_consumer_rule(vault: Vault, consumer: str, service: str | None, connection: str) -> None:
    route = asyncio.run(Connections(vault).route(consumer, service))
    assert route.connection == connection and route.consumer == consumer


@pytest.mark.parametrize(
    ("consumer", "service", "error", "says"),
    [
        (None, None, RequestHeadersValidationError, "x-apideck-consumer-id"),
        ("acme", None, RequestHeadersValidationError, "x-apideck-service-id"),  # two services
        ("beta", None, RequestHeadersValidationError, "beta.eu, beta.us"),  # two of one service
        ("gamma", None, ConnectionNotFoundError, "gamma"),
        ("acme", "quickbooks", ConnectorNotFoundError, "xero, zoho-books"),
        ("ac", None, ConnectionNotFoundError, "ac"),  # a prefix is not a consumer
    ],
)
def test_consumer_rule_refusals(
    vault: Vault, consumer: str | None, service: str | None, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        asyncio.run(Connections(vault).route(consumer, service))


# -- the rate bound ------------------------------------------------------------------------------------------


def _transport() -> TrackedTransport:
    return TrackedTransport(httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True})))


def test_a_waiting_read_is_429_after_the_bound() -> None:
    async def main() -> None:
        gate = asyncio.Event()  # a budget that never frees

        async def read() -> str:
            await gate.wait()
            return "never"

        with pytest.raises(ConnectorRateLimitError) as busy:
            await bounded(read, wait=0.01, write=False)
        assert busy.value.retry_after == 1 and busy.value.outcome == "failed"

    asyncio.run(main())


def test_a_write_that_was_sent_runs_to_its_end() -> None:
    async def main() -> None:
        released = asyncio.Event()
        client = httpx.AsyncClient(transport=_transport())

        async def write() -> str:
            await client.post("http://provider.test/records")  # sent: it may be written
            await released.wait()  # then a wait past the bound (a retry's back-off, say)
            return "created"

        task = asyncio.create_task(bounded(write, wait=0.01, write=True))
        await asyncio.wait({task}, timeout=0.05)
        assert not task.done()  # still running, past its bound
        released.set()
        assert await task == "created"
        await client.aclose()

    asyncio.run(main())


def test_a_write_not_yet_sent_is_429() -> None:
    async def main() -> None:
        client = httpx.AsyncClient(transport=_transport())
        gate = asyncio.Event()

        async def write() -> str:
            await gate.wait()  # waiting for budget: nothing sent
            await client.post("http://provider.test/records")
            return "created"

        with pytest.raises(ConnectorRateLimitError):
            await bounded(write, wait=0.01, write=True)
        await client.aclose()

    asyncio.run(main())


def test_a_call_at_the_provider_is_awaited_first() -> None:
    async def main() -> None:
        answered = asyncio.Event()

        async def slow(request: httpx.Request) -> httpx.Response:
            await answered.wait()
            return httpx.Response(200)

        client = httpx.AsyncClient(transport=TrackedTransport(httpx.MockTransport(slow)))

        async def read() -> int:
            return (await client.get("http://provider.test/slow")).status_code

        task = asyncio.create_task(bounded(read, wait=0.01, write=False))
        await asyncio.wait({task}, timeout=0.05)
        assert not task.done()  # slow provider, not a busy budget: no 429
        answered.set()
        assert await task == 200
        await client.aclose()

    asyncio.run(main())


def test_a_quick_call_passes() -> None:
    async def quick() -> int:
        return 7

    assert asyncio.run(bounded(quick, wait=0.0, write=True)) == 7
