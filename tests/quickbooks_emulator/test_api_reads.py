"""The query endpoint, reads by id, CompanyInfo and Preferences over HTTP."""

from __future__ import annotations

from connectors.quickbooks.emulator import QuickBooksEmulator

from .conftest import Api, fault_code


def test_query_response_shape_paging_and_count(api: Api, emu: QuickBooksEmulator) -> None:
    total = len(emu.records("Invoice"))
    first = api.query("select * from Invoice startposition 1 maxresults 7").json()
    assert set(first) == {"QueryResponse", "time"}
    page = first["QueryResponse"]
    assert (page["startPosition"], page["maxResults"], len(page["Invoice"])) == (1, 7, 7)
    seen = [r["Id"] for r in page["Invoice"]]
    position = 8
    while True:
        rows = api.rows(f"SELECT * FROM invoice STARTPOSITION {position} MAXRESULTS 7")
        if not rows:
            break
        seen += [r["Id"] for r in rows]
        position += 7
    assert len(seen) == len(set(seen)) == total
    assert api.query("select count(*) from Invoice").json()["QueryResponse"] == {"totalCount": total}


def test_get_query_and_empty_answers(api: Api) -> None:
    got = api.get("query", query="select * from Customer where DisplayName = 'no such name'")
    assert got.status_code == 200
    assert got.json()["QueryResponse"] == {}
    assert api.query("select * from Estimate").json()["QueryResponse"] == {}  # an entity the emulator holds none of


def test_name_lists_answer_active_records_unless_asked(api: Api, emu: QuickBooksEmulator) -> None:
    customer = emu.records("Customer")[0]
    changed = api.post(
        "customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "sparse": True, "Active": False}
    )
    assert changed.status_code == 200
    active = {r["Id"] for r in api.rows("select * from Customer maxresults 1000")}
    every = {r["Id"] for r in api.rows("select * from Customer where Active IN (true, false) maxresults 1000")}
    assert customer["Id"] not in active
    assert customer["Id"] in every
    assert len(every) == len(emu.records("Customer"))


def test_query_faults(api: Api) -> None:
    for statement, code in (
        ("select * from Customer where Nope = 'x'", "4001"),
        ("select * from NotAnEntity", "4001"),
        ("select from Customer", "4000"),
    ):
        response = api.query(statement)
        assert response.status_code == 400
        assert fault_code(response) == code
        assert response.json()["Fault"]["type"] == "ValidationFault"


def test_projection_and_metadata_filter(api: Api, emu: QuickBooksEmulator) -> None:
    rows = api.rows("select Id, DisplayName from Customer maxresults 3")
    assert rows and all(set(r) <= {"Id", "DisplayName", "domain", "sparse"} and r["sparse"] is True for r in rows)
    newest = max(emu.records("Invoice"), key=lambda r: r["MetaData"]["LastUpdatedTime"])
    stamp = newest["MetaData"]["LastUpdatedTime"]
    later = api.rows(f"select * from Invoice where Metadata.LastUpdatedTime >= '{stamp}' maxresults 1000")
    assert newest["Id"] in {r["Id"] for r in later}
    assert all(r["MetaData"]["LastUpdatedTime"] >= stamp[:10] for r in later)


def test_reads_by_id_in_any_case_and_not_found(api: Api, emu: QuickBooksEmulator) -> None:
    invoice = emu.records("Invoice")[0]
    for path in (f"invoice/{invoice['Id']}", f"Invoice/{invoice['Id']}"):
        got = api.get(path)
        assert got.status_code == 200
        assert got.json()["Invoice"]["Id"] == invoice["Id"]
    missing = api.get("invoice/999999")
    assert missing.status_code == 400
    assert fault_code(missing) == "610"
    assert api.get(f"companyinfo/{emu.realm_id}").json()["CompanyInfo"]["Id"] == emu.realm_id
    assert api.get("preferences").json()["Preferences"]["TaxPrefs"]["UsingSalesTax"] is True
    unknown = api.get("nosuchthing/1")
    assert fault_code(unknown) == "500"
    assert fault_code(api.get("invoice/1", minorversion="abc")) == "2010"
    assert api.get(f"invoice/{invoice['Id']}", minorversion="40").status_code == 200  # served as 75
