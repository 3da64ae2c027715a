"""Pieces of the CLI on their own: dates, progress and its budget ETA, organization prompt, env settings."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import typer
from rich.console import Console
from rich.progress import Progress

from unified.cli import _connect
from unified.cli._group import error_line
from unified.cli._options import parse_since
from unified.cli._progress import BudgetEtaColumn, SyncProgress
from unified.cli._settings import ConnectionOptions, env_name
from unified.connect import Organization
from unified.errors import ConnectorRateLimitError, DownstreamError, RequestValidationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T12:30:00Z", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T12:30:00", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T12:30:00+02:00", datetime(2024, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))),
    ],
)
def test_parse_since(text: str, expected: datetime) -> None:
    parsed = parse_since(text)
    assert parsed == expected and parsed is not None and parsed.tzinfo is not None


def test_parse_since_refuses_garbage() -> None:
    with pytest.raises(typer.BadParameter, match="ISO 8601"):
        parse_since("last tuesday")


def _progress() -> Progress:
    return Progress(console=Console(force_terminal=False, file=io.StringIO()))


def test_sync_progress_runs_bars_in_order_with_expected_totals() -> None:
    progress = _progress()
    callback = SyncProgress(
        progress, lambda: 0.6, ["contacts", "invoices"], expected={"contacts": 10}, calls_per_item={"contacts": 1.005}
    )
    contacts, invoices = progress.tasks
    assert contacts.started and not invoices.started
    assert contacts.total == 10 and invoices.total is None
    assert contacts.fields["calls_per_item"] == 1.005 and contacts.fields["pace"] == 0.6
    callback("contacts", 4, None, "listing")
    assert contacts.completed == 4
    callback("contacts", 12, None, "listing")  # more than expected: the bar grows instead of overflowing
    assert contacts.total == 12
    callback("contacts", 12, None, "done")
    assert contacts.finished and invoices.started
    callback("invoices", 3, None, "deletions")
    assert invoices.description == "invoices (deletions)"


def test_budget_eta_uses_calls_left_and_pace() -> None:
    progress = _progress()
    task_id = progress.add_task("invoices", total=1000, calls_per_item=1.005, pace=0.6)
    progress.update(task_id, completed=800)
    text = BudgetEtaColumn().render(progress.tasks[0]).plain
    assert text == "ETA 2:01"  # 200 records * 1.005 calls * 0.6 s = 120.6 s
    progress.update(task_id, completed=1000)
    assert BudgetEtaColumn().render(progress.tasks[0]).plain == ""


def test_organization_prompt_retries_until_a_valid_number(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([5, 2])
    asked: list[Any] = []

    def prompt(text: str, **kwargs: Any) -> int:
        asked.append(kwargs.get("default"))
        return next(answers)

    monkeypatch.setattr(typer, "prompt", prompt)
    orgs = [Organization("1", "One"), Organization("2", "Two", is_default=True)]
    assert _connect.prompt_organization(orgs).id == "2"
    assert asked == [2, 2]  # the default organization is the default answer


def test_env_names_and_env_only_settings_come_from_the_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_name("zoho-books", "client_id") == "UNIFIED_ZOHO_CLIENT_ID"
    monkeypatch.setenv("UNIFIED_ZOHO_WINDOW_SECONDS", "2.5")
    monkeypatch.setenv("UNIFIED_ZOHO_PLAN", "free")
    given = ConnectionOptions(connector="zoho-books").given()
    assert given["window_seconds"] == 2.5 and given["plan"] == "free"
    monkeypatch.setenv("UNIFIED_ZOHO_WINDOW_SECONDS", "fast")
    with pytest.raises(RequestValidationError, match="UNIFIED_ZOHO_WINDOW_SECONDS='fast' is not a float"):
        ConnectionOptions(connector="zoho-books").given()


def test_a_flag_another_connector_declares_is_refused_naming_this_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RequestValidationError, match="--tenant-id is not a setting of zoho-books") as info:
        ConnectionOptions(connector="zoho-books", flags={"tenant_id": "t"}).given()
    assert "--organization-id" in info.value.message


def test_unified_connector_picks_the_backend_and_an_unknown_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIFIED_CONNECTOR", "zoho-books")
    assert ConnectionOptions().chosen() == "zoho-books"
    monkeypatch.setenv("UNIFIED_CONNECTOR", "nope")
    with pytest.raises(RequestValidationError, match="'nope'"):
        ConnectionOptions().chosen()


def test_error_line_is_one_line_with_the_provider_code() -> None:
    error = ConnectorRateLimitError(
        "Zoho Books' daily limit is used up;\nit resets at midnight.",
        downstream_errors=[DownstreamError("45", "limit")],
    )
    line = error_line(error)
    assert "\n" not in line
    assert line == "Error: Zoho Books' daily limit is used up; it resets at midnight. (provider code 45)"
    assert error_line(FileNotFoundError(2, "No such file or directory", "x.json")) == (
        "Error: No such file or directory: x.json"
    )
