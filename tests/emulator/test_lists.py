"""Lists: paging through 0, 1, 199, 200, 201 and 450 records, page_context, rows without line items, filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.zoho_books.emulator import ZohoBooksEmulator

from .conftest import Zoho, asgi_client

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("count", [0, 1, 199, 200, 201, 450])
async def test_paging_through_every_record(count: int) -> None:
    emu = ZohoBooksEmulator(seed=count, contacts=count, invoices=0, bills=0, expenses=0, rate_limit=10_000)
    async with asgi_client(emu) as http:
        zoho = Zoho(emu, http)
        seen: list[str] = []
        pages = 0
        page = 1
        while True:
            body = await zoho.ok("GET", "/contacts", params={"page": page})
            pages += 1
            context = body["page_context"]
            assert context["page"] == page
            assert context["per_page"] == 200  # Zoho's default
            assert len(body["contacts"]) <= 200
            seen.extend(c["contact_id"] for c in body["contacts"])
            if not context["has_more_page"]:
                break
            assert len(body["contacts"]) == 200
            page += 1
        assert len(seen) == count
        assert len(set(seen)) == count
        assert pages == max(1, -(-count // 200))


async def test_per_page_is_capped_at_200_and_validated(zoho: Zoho) -> None:
    body = await zoho.ok("GET", "/contacts", params={"per_page": 500})
    assert body["page_context"]["per_page"] == 200
    small = await zoho.ok("GET", "/contacts", params={"per_page": 5, "page": 2})
    assert len(small["contacts"]) == 5
    assert small["page_context"] == {
        "page": 2,
        "per_page": 5,
        "has_more_page": True,
        "report_name": "Contacts",
        "applied_filter": "Status.All",
        "sort_column": "contact_name",
        "sort_order": "A",
    }
    for bad in ({"per_page": "0"}, {"page": "x"}):
        response = await zoho.call("GET", "/contacts", params=bad)
        assert response.status_code == 400
        assert response.json()["code"] == 2


async def test_list_rows_omit_line_items(zoho: Zoho) -> None:
    for path, key in (("/invoices", "invoices"), ("/bills", "bills")):
        body = await zoho.ok("GET", path)
        assert body[key]
        assert all("line_items" not in row for row in body[key])
        detail_key = key[:-1]
        detail = await zoho.ok("GET", f"{path}/{body[key][0][detail_key + '_id']}")
        assert detail[detail_key]["line_items"]


async def test_contact_type_filter_and_search(zoho: Zoho) -> None:
    customers = await zoho.all_pages("/contacts", "contacts", contact_type="customer")
    vendors = await zoho.all_pages("/contacts", "contacts", contact_type="vendor")
    assert customers and vendors
    assert {c["contact_type"] for c in customers} == {"customer"}
    assert {c["contact_type"] for c in vendors} == {"vendor"}
    assert len(customers) + len(vendors) == len(zoho.emu.records(zoho.org, "contacts"))
    name = customers[0]["contact_name"]
    found = await zoho.all_pages("/contacts", "contacts", search_text=name[:6].lower())
    assert name in {c["contact_name"] for c in found}
    starts = await zoho.all_pages("/contacts", "contacts", contact_name_startswith=name[:3])
    assert all(c["contact_name"].lower().startswith(name[:3].lower()) for c in starts)


async def test_invalid_filter_is_code_2(zoho: Zoho) -> None:
    response = await zoho.call("GET", "/contacts", params={"filter_by": "Status.Nonsense"})
    assert response.status_code == 400
    assert response.json()["code"] == 2
    assert "filter_by" in response.json()["message"]
    assert (await zoho.call("GET", "/invoices", params={"sort_column": "colour"})).json()["code"] == 2
    assert (await zoho.call("GET", "/invoices", params={"last_modified_time": "yesterday"})).json()["code"] == 2


async def test_unknown_parameters_are_ignored(zoho: Zoho) -> None:
    plain = await zoho.ok("GET", "/contacts")
    odd = await zoho.ok("GET", "/contacts", params={"colour": "blue"})
    assert odd["contacts"] == plain["contacts"]


async def test_last_modified_time_means_modified_after(zoho: Zoho) -> None:
    invoices = await zoho.all_pages("/invoices", "invoices")
    times = sorted(i["last_modified_time"] for i in invoices)
    middle = times[len(times) // 2]
    newer = await zoho.all_pages("/invoices", "invoices", last_modified_time=middle)
    assert newer
    assert len(newer) < len(invoices)
    from connectors.zoho_books.emulator._time import parse_timestamp

    cut = parse_timestamp(middle)
    assert cut is not None
    assert all((parse_timestamp(i["last_modified_time"]) or 0) > cut for i in newer)
    # A record written now is newer than everything seeded.
    contact_id = invoices[0]["customer_id"]
    latest = max(c["last_modified_time"] for c in await zoho.all_pages("/contacts", "contacts"))
    await zoho.ok("PUT", f"/contacts/{contact_id}", json={"notes": "touched"})
    touched = await zoho.all_pages("/contacts", "contacts", last_modified_time=latest)
    assert [c["contact_id"] for c in touched] == [contact_id]


async def test_status_date_range_and_customer_filters(zoho: Zoho) -> None:
    invoices = await zoho.all_pages("/invoices", "invoices")
    for status in {i["status"] for i in invoices}:
        rows = await zoho.all_pages("/invoices", "invoices", status=status)
        assert rows and {r["status"] for r in rows} == {status}
    dates = sorted(i["date"] for i in invoices)
    start, end = dates[5], dates[-5]
    ranged = await zoho.all_pages("/invoices", "invoices", date_start=start, date_end=end)
    assert ranged and all(start <= r["date"] <= end for r in ranged)
    assert len(ranged) == sum(1 for d in dates if start <= d <= end)
    customer = invoices[0]["customer_id"]
    mine = await zoho.all_pages("/invoices", "invoices", customer_id=customer)
    assert mine and {r["customer_id"] for r in mine} == {customer}
    bills = await zoho.all_pages("/bills", "bills")
    vendor = bills[0]["vendor_id"]
    assert {b["vendor_id"] for b in await zoho.all_pages("/bills", "bills", vendor_id=vendor)} == {vendor}
    paid = await zoho.all_pages("/invoices", "invoices", filter_by="Status.Paid")
    assert {r["status"] for r in paid} <= {"paid"}


async def test_sort_column_and_order(zoho: Zoho) -> None:
    ascending = await zoho.all_pages("/invoices", "invoices", sort_column="total", sort_order="A")
    totals = [Decimal(str(i["total"])) for i in ascending]
    assert totals == sorted(totals)
    descending = await zoho.all_pages("/invoices", "invoices", sort_column="date", sort_order="D")
    dates = [i["date"] for i in descending]
    assert dates == sorted(dates, reverse=True)
    default = await zoho.ok("GET", "/invoices")
    assert default["page_context"]["sort_column"] == "created_time"
