"""The pytest plugin: a served emulator per installed one, as users' own tests get it; nothing breaks without one."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint

import pytest

from unified.testing import plugin

USER_TEST = """
from connectors.zoho_books import ZohoBooksConnector
from unified import UnifiedClient


def test_my_integration(zoho_books_emulator):
    assert zoho_books_emulator.url.startswith("http://127.0.0.1:")
    with UnifiedClient(ZohoBooksConnector(**zoho_books_emulator.connector_settings())) as client:
        assert len(list(client.contacts.list())) == 6


def test_the_same_emulator_serves_the_session(zoho_books_emulator, request):
    assert request.getfixturevalue("zoho_books_emulator") is zoho_books_emulator
"""

SMALL = """
import pytest

@pytest.fixture(scope="session")
def unified_emulator_options():
    return {"zoho-books": {"seed": 3, "contacts": 6, "invoices": 2, "bills": 1, "expenses": 1}}
"""


def test_fixture_names_follow_the_entry_point_names() -> None:
    assert plugin.fixture_name("zoho-books") == "zoho_books_emulator"
    assert plugin.fixture_name("xero") == "xero_emulator"
    assert plugin.fixture_name("quickbooks") == "quickbooks_emulator"
    assert hasattr(plugin, "zoho_books_emulator")


@pytest.mark.e2e
def test_a_user_s_test_gets_a_served_emulator_that_builds_the_connector(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(SMALL)
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)


def test_an_emulator_that_cannot_be_loaded_skips_its_tests_with_the_reason(pytester: pytest.Pytester) -> None:
    broken = EntryPoint("widgets-books", "no_such_package.emulator:WidgetsEmulator", plugin.EMULATOR_GROUP)
    pytester.makeconftest(
        "from unified.testing import plugin\n"
        "from importlib.metadata import EntryPoint\n"
        f"widgets_books_emulator = plugin._make_fixture(EntryPoint({broken.name!r}, {broken.value!r}, "
        f"{plugin.EMULATOR_GROUP!r}))\n"
    )
    pytester.makepyfile(test_user="def test_it(widgets_books_emulator):\n    assert False\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*'widgets-books' emulator*cannot be loaded*no_such_package*"])


def test_loading_the_plugin_imports_no_connector_and_no_kit() -> None:
    code = (
        "import sys, unified.testing.plugin\n"
        "heavy = ('connectors', 'unified.testing.conformance', 'hypothesis')\n"
        "loaded = [m for m in sys.modules if m.startswith(heavy)]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_kit_without_pytest_says_which_extra_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['pytest'] = None  # as if pytest were not installed\n"
        "try:\n"
        "    from unified.testing import ConnectorConformance\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "pip install 'unified-accounting[testing]'" in out
