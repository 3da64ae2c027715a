"""What production Zoho clients rely on: forgiving paths, users, rate-limit headers on every answer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed

import httpx
import pytest

from connectors.zoho_books.emulator import ZohoBooksEmulator

from .conftest import Zoho, asgi_client

pytestmark = pytest.mark.anyio


async def test_a_doubled_slash_is_read_as_one(zoho: Zoho) -> None:
    token = await zoho.token()
    auth = {"Authorization": f"Zoho-oauthtoken {token}"}
    doubled = await zoho.http.get("/books/v3//organizations", headers=auth)
    single = await zoho.http.get("/books/v3/organizations", headers=auth)
    assert doubled.status_code == 200 and doubled.json() == single.json()
    contacts = await zoho.http.get(
        "/books/v3//contacts/", params={"organization_id": zoho.org, "per_page": 3}, headers=auth
    )
    assert contacts.status_code == 200 and len(contacts.json()["contacts"]) == 3
    assert zoho.emu.request_log[-1]["endpoint"] == "GET /books/v3/contacts"


async def test_the_legacy_api_v3_prefix_is_served_like_books_v3(zoho: Zoho) -> None:
    token = await zoho.token()
    auth = {"Authorization": f"Zoho-oauthtoken {token}"}
    legacy = await zoho.http.get("/api/v3/contacts", params={"organization_id": zoho.org}, headers=auth)
    current = await zoho.http.get("/books/v3/contacts", params={"organization_id": zoho.org}, headers=auth)
    assert legacy.status_code == 200 and legacy.json() == current.json()
    assert (await zoho.http.get("/api/v3/organizations", headers=auth)).json()["code"] == 0
    assert (await zoho.http.get("/api/v2/contacts", headers=auth)).json() == {
        "code": 5,
        "message": "Invalid URL Passed",
    }


async def test_users_and_the_current_user_are_served_as_documented(zoho: Zoho) -> None:
    listed = await zoho.ok("GET", "/users")
    users = listed["users"]
    assert len(users) == 2 and listed["page_context"]["per_page"] == 10  # users.yml: 10 by default
    assert listed["page_context"]["report_name"] == "Users"
    me = (await zoho.ok("GET", "/users/me"))["user"]
    current = [u for u in users if u["is_current_user"]]
    assert len(current) == 1 and current[0]["user_id"] == me["user_id"]
    assert me["email_ids"] == [{"email": current[0]["email"], "is_selected": True}]
    assert me["user_role"] == "admin" and me["status"] == "active"
    other = next(u for u in users if not u["is_current_user"])
    assert (await zoho.ok("GET", f"/users/{other['user_id']}"))["user"]["name"] == other["name"]
    assert (await zoho.call("GET", "/users/1")).json()["code"] == 1002
    by_email = await zoho.ok("GET", "/users", params={"sort_column": "email", "filter_by": "Status.Active"})
    assert [u["email"] for u in by_email["users"]] == sorted(u["email"] for u in users)
    assert (await zoho.ok("GET", "/users", params={"filter_by": "Status.Inactive"}))["users"] == []


async def test_every_books_answer_carries_the_rate_limit_headers(zoho: Zoho) -> None:
    token = await zoho.token()
    answers = [
        await zoho.http.get("/books/v3/organizations", headers={"Authorization": f"Zoho-oauthtoken {token}"}),
        await zoho.http.get(f"/books/v3/organizations/{zoho.org}", headers={"Authorization": f"Bearer {token}"}),
        await zoho.call("GET", "/contacts"),
        await zoho.call("GET", "/invoices/1"),  # 404
        await zoho.call("GET", "/nothing-here"),  # 404 code 5
        await zoho.call("GET", "/contacts", token="1000.bad.bad"),  # 401
        await zoho.call("GET", "/contacts", org="999"),  # 6041
    ]
    for response in answers:
        assert response.headers["X-Rate-Limit-Limit"] == "10000", response.url
        assert int(response.headers["X-Rate-Limit-Remaining"]) <= 10000
        assert int(response.headers["X-Rate-Limit-Reset"]) > 0


async def _refused(emu: ZohoBooksEmulator) -> httpx.Response:
    async with asgi_client(emu) as http:
        zoho = Zoho(emu, http)
        await zoho.token()
        for _ in range(2):
            assert (await zoho.call("GET", "/contacts")).status_code == 200
        return await zoho.call("GET", "/contacts")


async def test_retry_after_on_429_can_be_left_out_as_zoho_does_not_document_it() -> None:
    with_header = await _refused(ZohoBooksEmulator(contacts=2, invoices=0, bills=0, expenses=0, rate_limit=2))
    without = await _refused(
        ZohoBooksEmulator(contacts=2, invoices=0, bills=0, expenses=0, rate_limit=2, retry_after=False)
    )
    assert with_header.status_code == without.status_code == 429
    assert with_header.json()["code"] == without.json()["code"] == 44
    assert int(with_header.headers["Retry-After"]) >= 1
    assert "Retry-After" not in without.headers and "X-Rate-Limit-Remaining" in without.headers


@pytest.mark.e2e
@pytest.mark.anyio(False)
def test_sixty_calls_at_once_on_the_free_plan_get_1070_past_five_in_flight() -> None:
    emu = ZohoBooksEmulator(contacts=2, invoices=0, bills=0, expenses=0, plan="free", rate_limit=10_000)
    with emu.serve():
        form = {
            "grant_type": "refresh_token",
            "refresh_token": emu.refresh_token,
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
        }
        token = httpx.post(emu.accounts_url + "/oauth/v2/token", data=form).json()["access_token"]
        headers = {"Authorization": f"Zoho-oauthtoken {token}"}

        def call(_: int) -> httpx.Response:
            with httpx.Client(timeout=30) as http:
                return http.get(
                    emu.api_url + "/contacts", params={"organization_id": emu.organization_id}, headers=headers
                )

        lock = emu.runtime.store.lock
        lock.acquire()  # admitted calls wait in their handler, in flight, until the refused ones are back
        released = False
        try:
            with ThreadPoolExecutor(max_workers=60) as pool:
                futures = [pool.submit(call, n) for n in range(60)]
                answers: list[httpx.Response] = []
                for future in as_completed(futures):
                    answers.append(future.result())
                    if len(answers) == 55:
                        lock.release()
                        released = True
        finally:
            if not released:
                lock.release()
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * 5 + [429] * 55
    refused = [r.json() for r in answers if r.status_code == 429]
    assert {body["code"] for body in refused} == {1070}
