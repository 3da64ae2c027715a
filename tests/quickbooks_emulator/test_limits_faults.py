"""Limits per company (per minute, in flight, batches), 429 as Intuit sends it, and injected faults."""

from __future__ import annotations

import httpx

from .conftest import Api, fault_code, make_emulator


def test_per_minute_limit_is_per_company_and_the_window_slides() -> None:
    emu = make_emulator(realms=2, rate_limit=3, contacts=3, invoices=2, bills=1, expenses=1)
    with emu.serve(), httpx.Client(base_url=emu.url) as client:
        first = Api(emu, client)
        second = Api(emu, client, emu.realm_ids[1], refresh_token=first.refresh_token)
        assert [first.get("preferences").status_code for _ in range(3)] == [200, 200, 200]
        refused = first.get("preferences")
        assert refused.status_code == 429
        assert fault_code(refused) == "3001"
        assert refused.json()["Fault"]["type"] == "SERVICE"
        assert "ThrottleExceeded" in refused.json()["Fault"]["Error"][0]["Message"]
        assert int(refused.headers["Retry-After"]) >= 1
        assert float(refused.headers["X-Emulator-Retry-After"]) > 0
        assert refused.headers["intuit_tid"]
        assert second.get("preferences").status_code == 200  # another company has its own budget
        emu.advance_time(60)
        assert first.get("preferences").status_code == 200


def test_requests_in_flight_past_ten_are_refused() -> None:
    emu = make_emulator(contacts=3, invoices=2, bills=1, expenses=1)
    with emu.serve(), httpx.Client(base_url=emu.url) as client:
        api = Api(emu, client)
        held = [emu.limits.acquire({"realm": emu.realm_id}) for _ in range(10)]
        refused = api.get("preferences")
        assert refused.status_code == 429
        assert refused.headers["X-Emulator-Limit"] == "concurrent"
        for admission in held:
            admission.release()  # type: ignore[union-attr]
        assert api.get("preferences").status_code == 200


def test_batch_limit_counts_batches_only() -> None:
    emu = make_emulator(batch_limit=2, contacts=3, invoices=2, bills=1, expenses=1)
    with emu.serve(), httpx.Client(base_url=emu.url) as client:
        api = Api(emu, client)
        batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Item"}]}
        assert [api.post("batch", batch).status_code for _ in range(2)] == [200, 200]
        assert api.post("batch", batch).status_code == 429
        assert api.get("preferences").status_code == 200


def test_injected_faults_in_intuit_shapes() -> None:
    emu = make_emulator(contacts=3, invoices=2, bills=1, expenses=1)
    with emu.serve(), httpx.Client(base_url=emu.url) as client:
        api = Api(emu, client)
        emu.faults.fail_next(1, "500", path="/preferences")
        failed = api.get("preferences")
        assert failed.status_code == 500
        assert failed.json()["Fault"]["type"] == "SystemFault"
        emu.faults.fail_next(1, "503")
        assert api.get("preferences").status_code == 503
        emu.faults.fail_next(1, "html")
        assert api.get("preferences").headers["content-type"].startswith("text/html")
        emu.faults.fail_next(1, "expired_token")
        assert fault_code(api.get("preferences")) == "100"
        emu.faults.fail_next(1, "drop_after_commit", method="POST")
        try:
            api.post("customer", {"DisplayName": "Committed then dropped"})
        except httpx.HTTPError:
            pass
        else:
            raise AssertionError("the connection should have been dropped")
        assert any(c["DisplayName"] == "Committed then dropped" for c in emu.records("Customer"))
        assert emu.stats()["by_fault"]["500"] == 1
