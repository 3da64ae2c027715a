"""Error trackers that capture locals (Sentry and the like) must not find a secret in our frames: secrets stay
``Secret`` until they are written into a request, and the request is dropped from our frames when it fails."""

from __future__ import annotations

import asyncio
import traceback
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.zoho_books import ZohoBooksConnector
from unified.connector import ListQuery

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("client-secret-7f3e", "1000.refresh-9c2d", "1000.access-4b1a")


class Boom(Exception):
    pass


def handler(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/oauth/v2/token"):
        return httpx.Response(200, json={"access_token": SECRETS[2], "expires_in": 3600, "api_domain": "x"})
    raise Boom("the network stack failed in a way nobody planned for")


def _texts(value: Any, depth: int = 0) -> list[str]:
    if depth > 3:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, bytes):
        return [value.decode("latin-1")]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _texts(k, depth + 1) + _texts(v, depth + 1)]
    if isinstance(value, (list, tuple, set)):
        return [t for v in value for t in _texts(v, depth + 1)]
    if isinstance(value, (httpx.Request, httpx.Headers)):
        return [repr(dict(value.headers if isinstance(value, httpx.Request) else value))]
    return []


def test_no_secret_in_the_locals_of_our_frames_when_a_call_blows_up() -> None:
    connector = ZohoBooksConnector(
        client_id="1000.CLIENT",
        client_secret=SECRETS[0],
        refresh_token=SECRETS[1],
        organization_id="10234695",
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(Boom) as info:
        asyncio.run(_call(connector))
    frames = [f for f, _ in traceback.walk_tb(info.value.__traceback__)]
    ours = [f for f in frames if str(ROOT) in f.f_code.co_filename and "/tests/" not in f.f_code.co_filename]
    assert ours, "the traceback should pass through the library's frames"
    leaks = [
        (f.f_code.co_name, name)
        for f in ours
        for name, value in f.f_locals.items()
        if any(secret in text for text in _texts(value) for secret in SECRETS)
    ]
    assert not leaks, f"secrets in frame locals: {leaks}"


async def _call(connector: ZohoBooksConnector) -> None:
    try:
        await connector.list("invoices", ListQuery(limit=10))
    finally:
        await connector.aclose()
