"""The kit imports no connector and names no provider; no emulator imports its connector; no pytest needed."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "unified" / "emulator"
PROVIDERS = re.compile(r"zoho|xero|quickbooks|intuit", re.IGNORECASE)


def imports_of(path: Path, package: str) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved against ``package``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).parts[:-1])  # a module's package, or an __init__'s own


def test_the_kit_imports_no_connector_and_names_no_provider() -> None:
    files = sorted(KIT.rglob("*.py"))
    assert len(files) >= 10
    for path in files:
        connectors = sorted(n for n in imports_of(path, package_of(path)) if n.split(".")[0] == "connectors")
        assert not connectors, f"{path.relative_to(ROOT)} imports {connectors}"
        named = PROVIDERS.search(path.read_text(encoding="utf-8"))
        assert named is None, f"{path.relative_to(ROOT)} names a provider: {named.group()!r}"


def test_no_emulator_imports_its_connector() -> None:
    emulators = sorted(p for p in (ROOT / "connectors").glob("*/emulator") if p.is_dir())
    assert emulators, "no emulator found under connectors/"
    for folder in emulators:
        name = folder.parent.name
        for path in folder.rglob("*.py"):
            found = imports_of(path, package_of(path))
            own = [n for n in found if n.startswith(f"connectors.{name}")]
            outside = sorted(n for n in own if not n.startswith(f"connectors.{name}.emulator"))
            assert not outside, f"{path.relative_to(ROOT)} imports its connector: {outside}"
            others = sorted(n for n in found if n.startswith("connectors.") and not n.startswith(f"connectors.{name}"))
            assert not others, f"{path.relative_to(ROOT)} imports another connector: {others}"


def test_the_scan_resolves_relative_imports(tmp_path: Path) -> None:
    sample = tmp_path / "mod.py"
    sample.write_text("from .. import mapping\nfrom ._store import Store\nfrom ..client import Http\n")
    found = imports_of(sample, "connectors.acme.emulator")
    assert {"connectors.acme.mapping", "connectors.acme.emulator._store", "connectors.acme.client"} <= found


def test_the_kit_imports_without_pytest() -> None:
    code = "import sys; sys.modules['pytest'] = None; import unified.emulator as kit; kit.Emulator; print('ok')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_every_public_name_resolves() -> None:
    import unified.emulator as kit

    assert [name for name in kit.__all__ if getattr(kit, name, None) is None] == []
    assert sorted(kit.__all__) == sorted(set(kit.__all__))
