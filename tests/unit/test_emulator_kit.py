"""The emulator kit's parts on their own: clock, limits, faults, OAuth server, bodies, stats, fixtures."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unified.emulator import (
    Admission,
    BadBody,
    Clock,
    Faults,
    FixtureError,
    Limits,
    OAuthError,
    OAuthServer,
    Refusal,
    Rule,
    Stats,
    TokenPolicy,
    check_counts,
    parse_json_body,
    read_fixture,
    redact,
)

START = datetime(2025, 1, 1, tzinfo=UTC)

# --- Clock ------------------------------------------------------------------------------------------


def test_a_frozen_clock_moves_only_when_advanced() -> None:
    clock = Clock(start=START)
    assert clock.now() == START and clock.now().tzinfo is UTC
    before = clock.monotonic()
    clock.advance(90)
    assert clock.now() == datetime(2025, 1, 1, 0, 1, 30, tzinfo=UTC)
    assert clock.monotonic() - before == 90 and clock.offset == 90


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, -1, "60", None, True])
def test_advance_refuses_what_is_not_a_finite_forward_step_and_changes_nothing(bad: Any) -> None:
    clock = Clock(start=START)
    with pytest.raises(ValueError, match="seconds must be"):
        clock.advance(bad)
    assert clock.offset == 0 and clock.now() == START
    clock.advance(1)  # still usable
    assert clock.offset == 1


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Clock(start=datetime(2025, 1, 1))


# --- Limits -----------------------------------------------------------------------------------------


def _limits(clock: Clock, **rules: list[Rule]) -> Limits:
    return Limits(clock, rules=rules, window_seconds=60)


def test_a_sliding_window_refuses_past_its_limit_and_refusals_do_not_count() -> None:
    clock = Clock(start=START)
    limits = _limits(clock, org=[Rule.per_window("minute", 2)])
    for expected in (1, 0):
        admission = limits.acquire({"org": "a"})
        assert isinstance(admission, Admission) and admission.remaining("minute") == expected
        admission.release()
    clock.advance(10)
    for _ in range(5):
        refusal = limits.acquire({"org": "a"})
        assert isinstance(refusal, Refusal) and refusal.rule == "minute" and refusal.key == "a"
        assert refusal.retry_after == pytest.approx(50)
    assert isinstance(limits.acquire({"org": "b"}), Admission)  # keys are counted apart
    clock.advance(50)  # the window slid past both counted requests, the refused ones never counted
    assert isinstance(limits.acquire({"org": "a"}), Admission)
    assert isinstance(limits.acquire({"org": "a"}), Admission)


def test_a_fixed_day_resets_after_1440_windows() -> None:
    clock = Clock(start=START)
    limits = Limits(clock, rules={"org": [Rule.per_day("day", 1)]}, window_seconds=0.5)
    assert isinstance(limits.acquire({"org": "a"}), Admission)
    refusal = limits.acquire({"org": "a"})
    assert isinstance(refusal, Refusal) and refusal.retry_after == pytest.approx(720)
    clock.advance(720)
    assert isinstance(limits.acquire({"org": "a"}), Admission)


def test_in_flight_slots_are_held_until_the_admission_ends() -> None:
    clock = Clock(start=START)
    limits = _limits(clock, org=[Rule.in_flight("concurrent", 2, retry_after=0.5)])
    first, second = limits.acquire({"org": "a"}), limits.acquire({"org": "a"})
    assert isinstance(first, Admission) and isinstance(second, Admission)
    assert limits.in_flight("a") == 2
    refusal = limits.acquire({"org": "a"})
    assert isinstance(refusal, Refusal) and refusal.rule == "concurrent" and refusal.retry_after == 0.5
    with first:
        pass
    first.release()  # idempotent
    assert limits.in_flight("a") == 1
    assert isinstance(limits.acquire({"org": "a"}), Admission)


def test_two_scopes_are_checked_together_and_a_refusal_counts_against_neither() -> None:
    clock = Clock(start=START)
    limits = _limits(clock, tenant=[Rule.per_window("tenant-minute", 5)], app=[Rule.per_window("app-minute", 3)])
    for tenant in ("t1", "t2", "t3"):
        assert isinstance(limits.acquire({"tenant": tenant, "app": "client"}), Admission)
    refusal = limits.acquire({"tenant": "t4", "app": "client"})
    assert isinstance(refusal, Refusal) and (refusal.scope, refusal.rule) == ("app", "app-minute")
    assert refusal.usage["tenant-minute"].remaining == 5  # t4's request was not counted
    usage = limits.usage({"tenant": "t1"})
    assert usage["tenant-minute"].remaining == 4 and usage["tenant-minute"].limit == 5
    assert limits.usage({"tenant": "t1"})["tenant-minute"].remaining == 4  # usage() counts nothing


def test_limits_refuse_bad_rules_and_scopes() -> None:
    clock = Clock()
    with pytest.raises(ValueError, match="limit must be >= 1"):
        Rule.per_window("minute", 0)
    with pytest.raises(ValueError, match="unique"):
        _limits(clock, a=[Rule.per_window("x", 1)], b=[Rule.per_window("x", 1)])
    with pytest.raises(ValueError, match="window_seconds"):
        Limits(clock, rules={"a": [Rule.per_window("x", 1)]}, window_seconds=math.nan)
    with pytest.raises(ValueError, match="unknown limit scope"):
        _limits(clock, org=[Rule.per_window("x", 1)]).acquire({"tenant": "t"})


def test_reset_forgets_counts_but_not_requests_in_flight() -> None:
    limits = _limits(Clock(start=START), org=[Rule.per_window("minute", 1), Rule.in_flight("concurrent", 5)])
    held = limits.acquire({"org": "a"})
    assert isinstance(held, Admission)
    assert isinstance(limits.acquire({"org": "a"}), Refusal)
    limits.reset()
    assert limits.in_flight("a") == 1
    assert isinstance(limits.acquire({"org": "a"}), Admission)


# --- Faults -----------------------------------------------------------------------------------------


def test_bad_fault_arguments_are_refused() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="kind"):
        faults.fail_next(1, "boom")
    with pytest.raises(ValueError, match="n must"):
        faults.fail_next(0, "500")
    with pytest.raises(ValueError, match="p must"):
        faults.fail_fraction(1.5, "500")
    with pytest.raises(ValueError, match="timeout_seconds"):
        faults.timeout_seconds = math.nan
    assert faults.timeout_seconds == 30


def test_fail_next_matches_a_path_prefix_with_or_without_the_api_prefix() -> None:
    faults = Faults(path_prefixes=("/api/v2",))
    faults.fail_next(2, "503", path="/invoices", method="GET")
    assert faults.pick("POST", "/api/v2/invoices") is None
    assert faults.pick("GET", "/api/v2/invoicesX") is None
    assert faults.pick("GET", "/api/v2/invoices/7") == "503"
    assert faults.pick("get", "/invoices") == "503"
    assert faults.pick("GET", "/invoices") is None and faults.rules() == []
    assert faults.injected == {"503": 2}


def test_a_seeded_fraction_fails_the_same_calls_every_time() -> None:
    def run() -> list[str | None]:
        faults = Faults()
        faults.fail_fraction(0.3, "500", seed=4)
        return [faults.pick("GET", "/x") for _ in range(200)]

    first = run()
    assert first == run() and 30 < first.count("500") < 90


# --- OAuth ------------------------------------------------------------------------------------------


def _oauth(**policy: Any) -> tuple[Clock, OAuthServer]:
    clock = Clock(start=START)
    server = OAuthServer(clock, TokenPolicy(**policy))
    server.add_client("app", "s3cret")
    return clock, server


def _error(call: Any) -> OAuthError:
    with pytest.raises(OAuthError) as caught:
        call()
    return caught.value


def test_a_code_is_used_once_before_it_expires_and_keeps_scopes_and_organizations() -> None:
    clock, server = _oauth(code_lifetime=60)
    code = server.authorize("app", "https://x/cb", ["read"], organizations=["t1", "t2"])
    tokens = server.exchange_code("app", "s3cret", code, "https://x/cb")
    access = server.authenticate(tokens.access_token)
    assert access.scopes == ("read",) and access.organizations == ("t1", "t2")
    assert tokens.refresh_token and tokens.refresh_token not in repr(tokens)
    assert _error(lambda: server.exchange_code("app", "s3cret", code)).reason == "unknown"
    late = server.authorize("app", "https://x/cb", ["read"])
    clock.advance(61)
    assert _error(lambda: server.exchange_code("app", "s3cret", late)).reason == "expired"


def test_the_token_endpoint_checks_the_client_and_the_redirect_uri() -> None:
    _, server = _oauth()
    code = server.authorize("app", "https://x/cb", ["read"])
    assert _error(lambda: server.exchange_code("app", "wrong", code)).error == "invalid_client"
    assert _error(lambda: server.exchange_code("app", "s3cret", code, "https://evil/cb")).error == (
        "invalid_redirect_uri"
    )
    assert _error(lambda: server.authorize("nobody", "https://x/cb", [])).error == "invalid_client"
    assert _error(lambda: server.authorize("app", "ftp://x", [])).error == "invalid_redirect_uri"


def test_access_tokens_expire_after_their_lifetime_and_on_expire_all() -> None:
    clock, server = _oauth(access_lifetime=1800)
    server.add_refresh_token("r0", "app", ["read"])
    tokens = server.refresh("app", "s3cret", "r0")
    assert tokens.expires_in == 1800 and tokens.refresh_token is None  # not rotating
    clock.advance(1799)
    server.authenticate(tokens.access_token)
    clock.advance(1)
    assert _error(lambda: server.authenticate(tokens.access_token)).reason == "expired"
    fresh = server.refresh("app", "s3cret", "r0")
    server.expire_all()
    assert _error(lambda: server.authenticate(fresh.access_token)).error == "invalid_token"


def test_rotating_refresh_tokens_honour_the_previous_one_once_within_the_grace() -> None:
    clock, server = _oauth(rotate_refresh=True, rotation_grace=1800)
    server.add_refresh_token("r0", "app", ["read"], ["t1"])
    first = server.refresh("app", "s3cret", "r0")
    assert first.refresh_token and first.refresh_token != "r0"
    again = server.refresh("app", "s3cret", "r0")  # the answer was lost: the old one works once more
    assert again.refresh_token == first.refresh_token and again.organizations == ("t1",)
    assert _error(lambda: server.refresh("app", "s3cret", "r0")).reason == "rotated"
    second = server.refresh("app", "s3cret", first.refresh_token)
    assert second.refresh_token
    clock.advance(1801)
    assert _error(lambda: server.refresh("app", "s3cret", first.refresh_token)).reason == "rotated"
    assert server.refresh("app", "s3cret", second.refresh_token).refresh_token


def test_refresh_tokens_expire_and_revocation_ends_their_access_tokens() -> None:
    clock, server = _oauth(refresh_lifetime=100)
    code = server.authorize("app", "https://x/cb", ["read"])
    tokens = server.exchange_code("app", "s3cret", code)
    assert tokens.refresh_token and tokens.refresh_expires_in == 100
    refreshed = server.refresh("app", "s3cret", tokens.refresh_token)
    assert server.revoke(tokens.refresh_token) and not server.revoke("nope")
    for token in (tokens.access_token, refreshed.access_token):
        assert _error(lambda t=token: server.authenticate(t)).reason == "unknown"
    other = server.exchange_code("app", "s3cret", server.authorize("app", "https://x/cb", []))
    assert other.refresh_token
    clock.advance(100)
    assert _error(lambda: server.refresh("app", "s3cret", other.refresh_token or "")).reason == "expired"


def test_the_refresh_throttle_and_the_live_token_limit() -> None:
    clock, server = _oauth(throttle=(3, 600), live_access_per_refresh=2)
    server.add_refresh_token("r0", "app")
    issued = [server.refresh("app", "s3cret", "r0") for _ in range(3)]
    assert _error(lambda: server.refresh("app", "s3cret", "r0")).error == "throttled"
    assert _error(lambda: server.authenticate(issued[0].access_token)).reason == "unknown"  # the oldest ended
    server.authenticate(issued[2].access_token)
    clock.advance(600)
    server.refresh("app", "s3cret", "r0")


# --- bodies -----------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_any_reasonable_json_document_parses_as_json_does(value: Any) -> None:
    text = json.dumps(value)
    assert parse_json_body(text.encode()) == json.loads(text)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**12), max_value=10**12))
def test_decimals_parse_exactly(value: Decimal) -> None:
    parsed = parse_json_body(f'{{"amount": {value}}}'.encode())
    assert parsed == {"amount": value} and isinstance(parsed["amount"], Decimal)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'{"a": ' + b"9" * 5000 + b"}", "characters"),
        (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
        (b"[" * 70 + b"]" * 70, "nests too deeply"),
        (b'{"a": NaN}', "not a JSON number"),
        (b'{"a": 1e999999}', "out of range"),
        (b'{"a": ', "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_bodies_are_a_bad_body_not_a_crash(raw: bytes, why: str) -> None:
    with pytest.raises(BadBody, match=why) as caught:
        parse_json_body(raw)
    assert caught.value.status == 400


def test_an_empty_body_is_the_empty_value() -> None:
    assert parse_json_body(b"  ") is None and parse_json_body(b"", empty={}) == {}


# --- stats, fixtures --------------------------------------------------------------------------------


def test_the_log_masks_secret_parameters_and_counts_groups() -> None:
    assert redact([("code", "abc"), ("Client_Secret", "s"), ("page", "2")]) == {
        "code": "***",
        "Client_Secret": "***",
        "page": "2",
    }
    stats = Stats(groups={"webhooks": ("queued", "failed")})
    stats.record({"endpoint": "GET /x", "status": 200, "organization_id": "o1", "fault": None})
    stats.count("webhooks", "queued")
    snapshot = stats.snapshot()
    assert snapshot["requests"] == 1 and snapshot["by_organization"] == {"o1": 1}
    assert snapshot["webhooks"] == {"queued": 1, "failed": 0}
    stats.reset()
    assert stats.snapshot()["requests"] == 0 and stats.entries() == []


def test_read_fixture_names_what_is_wrong(tmp_path: Path) -> None:
    keys = {"contacts", "invoices"}
    assert read_fixture({"contacts": [{"id": 1}]}, known_keys=keys) == {"contacts": [{"id": 1}]}
    with pytest.raises(FixtureError, match="does not exist"):
        read_fixture(tmp_path / "missing.json", known_keys=keys)
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(FixtureError, match="not valid JSON"):
        read_fixture(bad, known_keys=keys)
    with pytest.raises(FixtureError, match=r"unknown fixture key.*use any of contacts, invoices"):
        read_fixture({"people": []}, known_keys=keys)
    with pytest.raises(FixtureError, match="list of JSON objects"):
        read_fixture({"contacts": [1]}, known_keys=keys)
    with pytest.raises(FixtureError, match="is a directory"):
        read_fixture(tmp_path, known_keys=keys)
    listed = tmp_path / "list.json"
    listed.write_text("[]", encoding="utf-8")
    with pytest.raises(FixtureError, match="a fixture is a JSON object"):
        read_fixture(listed, known_keys=keys)


def test_check_counts_refuses_negative_or_non_integer_counts() -> None:
    assert check_counts(contacts=3, invoices=0) == {"contacts": 3, "invoices": 0}
    with pytest.raises(ValueError, match="contacts must be a whole number >= 0, not -1"):
        check_counts(contacts=-1)
    with pytest.raises(ValueError, match="bills"):
        check_counts(bills=True)
