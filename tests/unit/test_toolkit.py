"""The connector toolkit on its own: token manager and token stores, the request loop's retry and write-safety
decisions, URL and closed-client refusals, and the paginators' cursors."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from unified.errors import (
    ConnectorExecutionError,
    EntityNotFoundError,
    RequestValidationError,
    UnauthorizedError,
)
from unified.ratelimit import RateLimitPolicy
from unified.retry import RetryPolicy
from unified.secret import Secret
from unified.toolkit import (
    ApiClient,
    Dialect,
    IdempotencyHeader,
    LookupFirst,
    MemoryTokenStore,
    Offsets,
    PageNumbers,
    ProviderCursor,
    RequestIdParam,
    StoredTokens,
    TokenManager,
    TokenSet,
    fetch_details,
    updated_since,
)
from unified.vault import Connection, Vault

FAST = RetryPolicy(base_delay=0.0, max_delay=0.0)
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


class RotatingProvider:
    """A token endpoint whose refresh tokens work once: each refresh answers the next one."""

    def __init__(self) -> None:
        self.valid = {"r0"}
        self.refreshes = 0
        self.lock = threading.Lock()
        self.gate: threading.Event | None = None

    async def refresh(self, refresh_token: str | Secret) -> TokenSet:
        token = Secret.of(refresh_token).reveal()
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 5)
        with self.lock:
            if token not in self.valid:
                raise UnauthorizedError("invalid_grant: the refresh token was already used", outcome="failed")
            self.valid.discard(token)
            self.refreshes += 1
            n = self.refreshes
            self.valid.add(f"r{n}")
        return TokenSet(
            access_token=Secret(f"a{n}"), refresh_token=Secret(f"r{n}"), expires_at=NOW + timedelta(hours=1)
        )


def manager(provider: RotatingProvider, store: Any, **kwargs: Any) -> TokenManager:
    return TokenManager(provider, refresh_token="r0", store=store, clock=lambda: NOW, **kwargs)


def test_a_rotated_refresh_token_is_stored_before_the_new_access_token_is_handed_out() -> None:
    provider = RotatingProvider()
    store = MemoryTokenStore(StoredTokens(Secret("r0")))
    seen: list[str] = []

    class Watching(MemoryTokenStore):
        def compare_and_swap(self, expected: Secret, new: StoredTokens) -> bool:
            seen.append(f"stored {new.refresh_token.reveal()}")
            return store.compare_and_swap(expected, new)

        def load(self) -> StoredTokens | None:
            return store.load()

    tokens = manager(provider, Watching())
    token = run(tokens.token())
    seen.append(f"used {token.reveal()}")
    assert seen == ["stored r1", "used a1"]
    loaded = store.load()
    assert loaded is not None and loaded.refresh_token == Secret("r1") and loaded.access_token == Secret("a1")


def test_two_processes_refreshing_at_once_spend_one_refresh_and_end_with_the_valid_token() -> None:
    provider = RotatingProvider()
    store = MemoryTokenStore(StoredTokens(Secret("r0")))
    first, second = manager(provider, store), manager(provider, store)  # two processes' managers, one store
    provider.gate = threading.Event()
    results: dict[str, str] = {}

    def call(name: str, tokens: TokenManager) -> None:
        results[name] = run(tokens.token()).reveal()

    threads = [threading.Thread(target=call, args=(n, m)) for n, m in (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    provider.gate.set()
    for thread in threads:
        thread.join(10)
    assert provider.refreshes == 1
    assert results == {"first": "a1", "second": "a1"}
    assert first.refresh_count + second.refresh_count == 1 and first.adopted_count + second.adopted_count == 1
    stored = store.load()
    assert stored is not None and stored.refresh_token == Secret("r1") and provider.valid == {"r1"}


def test_a_manager_whose_refresh_token_was_rotated_elsewhere_takes_the_stored_one() -> None:
    provider = RotatingProvider()
    store = MemoryTokenStore(StoredTokens(Secret("r0")))
    run(manager(provider, store).token())  # another process rotated r0 -> r1 and stored it
    late = manager(provider, store)
    run(late.invalidate(Secret("a1")))  # the stored access token is no good to it either
    late._rejected = Secret("a1")
    assert run(late.token()).reveal() == "a2"  # refreshed with r1 from the store, not the dead r0
    assert provider.refreshes == 2


def test_a_store_that_cannot_be_written_fails_the_refresh_clearly() -> None:
    class Broken(MemoryTokenStore):
        def compare_and_swap(self, expected: Secret, new: StoredTokens) -> bool:
            raise OSError("disk full")

    with pytest.raises(ConnectorExecutionError, match="could not be stored"):
        run(manager(RotatingProvider(), Broken()).token())


def test_the_vault_token_store_swaps_only_the_expected_refresh_token(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    vault.save(Connection("acme", "zoho-books", {"organization_id": "1"}, {"refresh_token": "r0"}))
    store = vault.token_store("acme")
    new = StoredTokens(Secret("r1"), Secret("a1"), NOW)
    assert store.compare_and_swap(Secret("stale"), new) is False
    assert store.compare_and_swap(Secret("r0"), new) is True
    loaded = store.load()
    assert loaded == StoredTokens(Secret("r1"), Secret("a1"), NOW)
    assert "r1" not in repr(store) and vault.get("acme").secrets["refresh_token"] == "r1"


def test_the_vault_token_store_lock_lets_one_holder_in_at_a_time(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    vault.save(Connection("acme", "zoho-books", {}, {"refresh_token": "r0"}))
    order: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with vault.token_store("acme").lock():
            order.append("first in")
            inside.set()
            release.wait(5)
            order.append("first out")

    def waiter() -> None:
        inside.wait(5)
        with vault.token_store("acme").lock():
            order.append("second in")

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    for thread in threads:
        thread.start()
    inside.wait(5)
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first in", "first out", "second in"]


# -- the request loop ----------------------------------------------------------------------------------------


class StaticAuth:
    async def token(self) -> Secret:
        return Secret("sekrit-9f3a")

    async def invalidate(self, token: Secret) -> bool:
        return False


def client(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> ApiClient:
    return ApiClient(
        dialect=Dialect(),
        base_url="https://api.example.test/v1",
        auth=StaticAuth(),
        limiter_key=f"toolkit-test:{id(handler)}",
        rate_limit=RateLimitPolicy(limit=1000, window=1.0, max_concurrent=10),
        retry=FAST,
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


class LosesFirstAnswer:
    """Stores the write, then drops the connection before answering (once)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) == 1:
            raise httpx.RemoteProtocolError("server disconnected without sending a response", request=request)
        return httpx.Response(201, json={"id": "1"})


def test_an_idempotency_key_header_makes_a_lost_create_safe_to_resend_with_the_same_key() -> None:
    server = LosesFirstAnswer()
    http = client(server, writes=IdempotencyHeader("Idempotency-Key"))
    assert run(http.write("POST", "/invoices", json={"n": 1})) == {"id": "1"}
    keys = [r.headers.get("Idempotency-Key") for r in server.requests]
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]


def test_the_callers_idempotency_key_travels_and_a_too_long_one_is_refused() -> None:
    server = LosesFirstAnswer()
    http = client(server, writes=RequestIdParam("requestid", max_length=50))
    run(http.write("POST", "/invoice", json={}, idempotency_key="order-42"))
    assert [r.url.params.get("requestid") for r in server.requests] == ["order-42", "order-42"]
    with pytest.raises(RequestValidationError) as info:
        run(http.write("POST", "/invoice", json={}, idempotency_key="x" * 51))
    assert info.value.field == "idempotency_key"


def test_without_keys_a_lost_create_is_looked_up_and_never_resent() -> None:
    server = LosesFirstAnswer()
    http = client(server, writes=LookupFirst())

    async def lookup() -> dict[str, str]:
        return {"id": "found"}

    assert run(http.write("POST", "/contacts", json={}, lookup=lookup)) == {"id": "found"}
    assert len(server.requests) == 1
    with pytest.raises(ConnectorExecutionError) as info:
        run(client(LosesFirstAnswer(), writes=LookupFirst()).write("POST", "/contacts", json={}))
    assert info.value.outcome == "uncertain" and "idempotency key" in info.value.message


def test_reads_are_retried_on_5xx_and_a_404_maps_to_not_found() -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, json={"ok": True})])
    assert run(client(lambda r: next(answers)).request("GET", "/x")) == {"ok": True}
    with pytest.raises(EntityNotFoundError):
        run(client(lambda r: httpx.Response(404, json={})).request("GET", "/x/1"))


@pytest.mark.parametrize("path", ["/invoices/" + "9" * 100_000, "/invoices/a\x00b", "https://evil.test/x"])
def test_paths_no_url_can_carry_are_a_validation_error_naming_the_field(path: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        run(client(lambda r: httpx.Response(200, json={})).request("GET", path))
    assert info.value.field == "path"


def test_a_filter_value_no_url_can_carry_is_a_validation_error() -> None:
    with pytest.raises(RequestValidationError) as info:
        run(client(lambda r: httpx.Response(200, json={})).request("GET", "/x", params={"q": "a" * 100_000}))
    assert info.value.field == "path"


def test_a_closed_client_raises_a_unified_error() -> None:
    http = client(lambda r: httpx.Response(200, json={}))
    run(http.aclose())
    with pytest.raises(ConnectorExecutionError, match="closed"):
        run(http.request("GET", "/x"))


def test_the_access_token_never_shows_in_a_repr_or_error() -> None:
    http = client(lambda r: httpx.Response(401, json={}))
    with pytest.raises(UnauthorizedError) as info:
        run(http.request("GET", "/x"))
    assert all("sekrit-9f3a" not in text for text in (repr(http), str(info.value), repr(info.value.to_dict())))


# -- paging --------------------------------------------------------------------------------------------------


@given(st.integers(1, 10_000), st.integers(1, 200), st.booleans())
def test_page_number_cursors_round_trip(page: int, size: int, more: bool) -> None:
    pages = PageNumbers(max_size=200)
    position = pages.position(None, size)
    assert (position.start, position.size) == (1, size)
    cursor = pages.next_cursor(pages.position(None, size).__class__(page, size), more=more)
    if not more:
        assert cursor is None
    else:
        assert cursor is not None and pages.position(cursor, 1).start == page + 1


@given(st.integers(1, 100_000), st.integers(1, 1000), st.integers(0, 1000))
def test_offset_cursors_advance_by_a_full_page(start: int, size: int, returned: int) -> None:
    offsets = Offsets(first=1, max_size=1000)
    position = offsets.position(None, size).__class__(start, size)
    cursor = offsets.next_cursor(position, returned=returned)
    if returned < size:
        assert cursor is None
    else:
        assert cursor is not None and offsets.position(cursor, 1).start == start + size


def test_provider_cursors_carry_the_token_and_foreign_cursors_are_refused() -> None:
    cursors = ProviderCursor(max_size=100)
    position = cursors.position(None, 50)
    cursor = cursors.next_cursor(position, token="abc")
    assert cursor is not None and cursors.position(cursor, 1).token == "abc"
    for bad in ("not a cursor", "e30", PageNumbers().next_cursor(PageNumbers().position(None, 10), more=True)):
        with pytest.raises(RequestValidationError) as info:
            cursors.position(bad, 10)
        assert info.value.field == "cursor"


def test_detail_fetch_keeps_the_order_bounds_concurrency_and_drops_deleted_rows() -> None:
    in_flight = 0
    peak = 0

    async def fetch(n: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)
        in_flight -= 1
        if n == 3:
            raise EntityNotFoundError("gone")
        return n * 10

    assert run(fetch_details(list(range(8)), fetch, concurrency=2)) == [0, 10, 20, 40, 50, 60, 70]
    assert peak <= 2


def test_client_side_updated_since_keeps_records_at_or_after_it() -> None:
    class R:
        def __init__(self, at: datetime | None) -> None:
            self.updated_at = at

    records = [R(NOW), R(NOW - timedelta(seconds=1)), R(None)]
    assert [r.updated_at for r in updated_since(records, NOW)] == [NOW, None]


def test_runs_given_the_same_first_refresh_token_continue_from_the_newest(tmp_path: Path) -> None:
    from unified.vault import CachedTokenStore

    provider = RotatingProvider()
    vault = Vault(tmp_path)
    for expected in ("a1", "a1", "a2"):  # each run as the CLI builds it from the same environment
        store = CachedTokenStore(vault, "key-of-these-credentials", Secret("r0"))
        tokens = manager(provider, store)
        if expected == "a2":
            tokens._rejected = Secret("a1")  # the cached access token was refused: a real refresh, with r1
        assert run(tokens.token()).reveal() == expected
    assert provider.refreshes == 2 and provider.valid == {"r2"}
    assert "r2" not in repr(CachedTokenStore(vault, "k", Secret("r0")))
