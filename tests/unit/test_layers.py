"""Imports go one way: schemas <- unified <- connectors; the emulator stands apart from the connector."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("schemas", ("unified", "connectors")),
        ("unified", ("connectors",)),
        ("connectors/zoho_books/emulator", ("unified", "schemas", "connectors.zoho_books.")),
    ],
)
def test_no_import_against_the_layering(package: str, forbidden: tuple[str, ...]) -> None:
    offenders = {
        path: sorted(
            n
            for n in names
            if n.startswith(forbidden) and not n.startswith(("connectors.zoho_books.emulator", "unified.emulator"))
        )
        for path, names in imported_modules(package).items()
    }
    offenders = {p: n for p, n in offenders.items() if n}
    assert not offenders, f"{package} imports what it must not: {offenders}"


def test_the_scan_sees_files() -> None:
    assert len(imported_modules("unified")) >= 8 and len(imported_modules("schemas")) >= 5


def test_no_file_under_unified_names_a_provider() -> None:
    import re

    names = re.compile(r"zoho|xero|quickbooks|intuit", re.IGNORECASE)
    offenders = {
        str(path.relative_to(ROOT)): [
            n + 1 for n, line in enumerate(path.read_text().splitlines()) if names.search(line)
        ]
        for path in (ROOT / "unified").rglob("*.py")
    }
    offenders = {path: lines for path, lines in offenders.items() if lines}
    assert not offenders, f"unified/ names a provider (it must find connectors through entry points): {offenders}"
