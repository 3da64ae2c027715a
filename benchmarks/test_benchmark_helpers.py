"""The arithmetic the benchmark figures rest on (run with ``python -m pytest benchmarks``; no timing here)."""

from __future__ import annotations

import pytest
from _common import Served, minimum_calls, pages
from listing import ratio
from throughput import busiest_window, share_of_ceiling

from connectors.zoho_books import ZohoBooksConnector

TOTALS = {"contacts": 300, "invoices": 1000, "bills": 200, "expenses": 200, "tax_rates": 7}


def zoho() -> ZohoBooksConnector:
    return ZohoBooksConnector(
        client_id="1000.X",
        client_secret="s",
        refresh_token="r",
        organization_id="1",
        api_url="http://127.0.0.1:9/books/v3",
        accounts_url="http://127.0.0.1:9",
    )


def test_pages_are_at_least_one_and_round_up() -> None:
    assert [pages(n) for n in (0, 1, 200, 201, 10_000)] == [1, 1, 1, 2, 50]


def test_a_full_sync_lists_every_page_and_fetches_every_detail() -> None:
    # lists: 2 + 5 + 1 + 1 + 1; details: every contact, invoice, bill and expense (tax rates have none)
    assert minimum_calls(zoho(), TOTALS, None) == 10 + 1700
    assert minimum_calls(zoho(), TOTALS, None, reduced=True) == 10


def test_an_incremental_sync_lists_changes_where_zoho_can_and_everything_where_it_cannot() -> None:
    changed = {"contacts": 21, "invoices": 61, "bills": 10, "expenses": 10}
    # contacts (newest first), invoices and bills (last_modified_time): one page each; expenses and tax rates
    # cannot be narrowed: all their pages
    assert minimum_calls(zoho(), TOTALS, changed) == 5 + 102


def test_served_sorts_the_emulators_counts() -> None:
    stats = {
        "by_endpoint": {
            "POST /oauth/v2/token": 2,
            "GET /books/v3/invoices": 5,
            "GET /books/v3/settings/taxes": 1,
            "GET /books/v3/invoices/{invoice_id}": 40,
            "PUT /books/v3/invoices/{invoice_id}": 3,
            "GET /books/v3/settings/customfields": 1,
        },
        "by_status": {"200": 50, "429": 2},
    }
    served = Served.of(stats)
    assert (served.lists, served.details, served.other, served.rejected, served.oauth) == (6, 40, 4, 2, 2)
    assert served.books == 50


def test_busiest_window_counts_arrivals_in_any_sliding_window() -> None:
    assert busiest_window([], 1.0) == 0
    assert busiest_window([0.0, 0.5, 0.99, 1.0, 1.5, 2.2], 1.0) == 3
    assert busiest_window([3.0, 0.0, 0.1, 2.95], 0.2) == 2


def test_share_of_ceiling_is_the_rate_over_the_window_s_limit() -> None:
    # 100 calls per 1.5 s allow 66.7 calls/s: 1,300 calls in 20 s are 65 a second, 97.5% of that
    assert share_of_ceiling(1300, 20.0, 1.5) == pytest.approx(0.975)
    assert share_of_ceiling(100, 1.5, 1.5) == pytest.approx(1.0)


def test_the_listing_ratio_is_our_time_over_theirs() -> None:
    assert ratio(2.0, 1.0) == 2.0 and ratio(0.5, 1.0) == 0.5
