"""The emulator kit's Emulator base, served calls, controls and servers, through a toy provider."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import httpx
import pytest
from starlette.responses import JSONResponse, Response

from unified.emulator import (
    ASGIApp,
    BackgroundServer,
    BadBody,
    Emulator,
    Exchange,
    Limits,
    OAuthError,
    OAuthServer,
    Refusal,
    Rule,
    inject_fault,
    parse_json_body,
    served,
)


class ToyEmulator(Emulator):
    """A provider with one endpoint, `POST /api/things`, behind a bearer token and 3 calls a window."""

    connector_name: ClassVar[str] = "toy"
    title: ClassVar[str] = "Toy emulator"

    def __init__(self, rate: int = 3, **kit: Any) -> None:
        super().__init__(fault_path_prefixes=("/api",), **kit)
        self.limits = Limits(self.clock, rules={"org": [Rule.per_window("minute", rate)]}, window_seconds=60)
        self.oauth = OAuthServer(self.clock)
        self.oauth.add_client("app", "s3cret")
        self.oauth.add_refresh_token("r0", "app", organizations=["org-1"])
        self.token = self.oauth.refresh("app", "s3cret", "r0").access_token

    def build_app(self) -> ASGIApp:
        return served(self, self._things)

    async def _things(self, exchange: Exchange) -> Response:
        exchange.entry["endpoint"] = "POST /api/things"
        try:
            access = self.oauth.authenticate(exchange.request.headers.get("authorization", "").removeprefix("Bearer "))
        except OAuthError as exc:
            return JSONResponse({"Fault": exc.reason}, status_code=401)
        exchange.entry["organization_id"] = access.organizations[0]
        outcome = self.limits.acquire({"org": access.organizations[0]})
        if isinstance(outcome, Refusal):
            return JSONResponse({"Fault": "throttled"}, status_code=429)
        with outcome:
            kind = await inject_fault(self, exchange)
            if kind == "500":
                return JSONResponse({"Fault": "internal"}, status_code=500)
            body = parse_json_body(await exchange.body())
            return JSONResponse({"echo": body, "remaining": outcome.remaining("minute")})

    def render_bad_body(self, error: BadBody) -> Response:
        return JSONResponse({"Fault": {"Error": error.message}}, status_code=error.status)

    def connector_settings(self) -> dict[str, Any]:
        return {"api_url": self.url + "/api", "access_token": self.token}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def toy() -> AsyncIterator[tuple[ToyEmulator, httpx.AsyncClient]]:
    emu = ToyEmulator(max_body_bytes=1000)
    transport = httpx.ASGITransport(app=emu.app)
    headers = {"Authorization": f"Bearer {emu.token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://toy.test", headers=headers) as http:
        yield emu, http


pytestmark = pytest.mark.anyio


async def test_a_nan_time_advance_is_refused_and_breaks_nothing(toy: tuple[ToyEmulator, httpx.AsyncClient]) -> None:
    emu, http = toy
    for bad in ("NaN", "Infinity", -5, "soon", [1]):
        refused = await http.post("/__emulator/time/advance", json={"seconds": bad})
        assert refused.status_code == 400 and "seconds" in refused.json()["error"]
    assert emu.clock.offset == 0
    assert (await http.get("/__emulator/time")).json()["offset_seconds"] == 0
    assert (await http.post("/api/things", json={"a": 1})).status_code == 200
    moved = await http.post("/__emulator/time/advance", json={"seconds": 30})
    assert moved.status_code == 200 and moved.json()["offset_seconds"] == 30


async def test_bodies_past_the_limit_are_413_and_malformed_ones_400_in_the_provider_shape(
    toy: tuple[ToyEmulator, httpx.AsyncClient],
) -> None:
    emu, http = toy
    emu.limits.replace(Rule.per_window("minute", 100))
    large = await http.post("/api/things", content=b"[" + b"1," * 600 + b"1]")
    assert large.status_code == 413 and "at most 1000 bytes" in large.json()["Fault"]["Error"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b" " * 100

    chunked = await http.post("/api/things", content=chunks())
    assert chunked.status_code == 413
    for raw in (b'{"n": ' + b"9" * 900 + b"}", b"[" * 400 + b"]" * 400, b"{oops"):
        malformed = await http.post("/api/things", content=raw)
        assert malformed.status_code == 400 and "Error" in malformed.json()["Fault"]
    assert emu.stats()["by_status"] == {"413": 2, "400": 3}


async def test_the_request_log_keeps_no_secret(toy: tuple[ToyEmulator, httpx.AsyncClient]) -> None:
    emu, http = toy
    await http.post("/api/things", params={"code": "the-code", "client_secret": "s3cret", "page": "2"}, json={})
    entry = emu.request_log[-1]
    assert entry["query"] == {"code": "***", "client_secret": "***", "page": "2"}
    assert entry["organization_id"] == "org-1" and entry["endpoint"] == "POST /api/things"
    text = repr(emu.request_log) + repr(emu.stats())
    assert emu.token not in text and "s3cret" not in text and "the-code" not in text


async def test_faults_and_controls(toy: tuple[ToyEmulator, httpx.AsyncClient]) -> None:
    emu, http = toy
    added = await http.post("/__emulator/faults", json={"kind": "drop", "count": 1, "path": "/things"})
    assert added.json()["rules"][0]["kind"] == "drop"
    with pytest.raises(httpx.RemoteProtocolError):
        await http.post("/api/things", json={})
    emu.faults.fail_next(1, "500")
    assert (await http.post("/api/things", json={})).status_code == 500
    assert (await http.post("/api/things", json={})).json()["remaining"] == 0  # the faulted calls counted
    assert (await http.post("/api/things", json={})).status_code == 429
    stats = (await http.get("/__emulator/stats")).json()
    assert stats["by_status"] == {"dropped": 1, "500": 1, "200": 1, "429": 1}
    assert stats["by_fault"] == {"drop": 1, "500": 1}
    assert (await http.post("/__emulator/reset", json={"stats": False})).json() == {"status": "reset"}
    assert (await http.post("/api/things", json={})).status_code == 200  # limits were reset
    assert (await http.get("/__emulator/stats")).json()["requests"] == 5  # stats were kept
    assert (await http.post("/__emulator/tokens/expire")).status_code == 200
    assert (await http.post("/api/things", json={})).json() == {"Fault": "expired"}
    assert (await http.get("/__emulator/health")).json() == {"status": "ok"}
    assert (await http.get("/__emulator/nothing")).status_code == 404
    assert (await http.post("/__emulator/faults", json={"kind": "boom"})).status_code == 400


# --- on a real socket ---------------------------------------------------------------------------------


@pytest.fixture
def serving() -> Iterator[ToyEmulator]:
    emu = ToyEmulator(idle_timeout=0.2)
    with emu.serve() as running:
        yield running


@pytest.mark.e2e
@pytest.mark.anyio(False)
def test_serve_answers_once_started_and_knows_its_url(serving: ToyEmulator) -> None:
    assert serving.url.startswith("http://127.0.0.1:") and serving.base_url == serving.url
    settings = serving.connector_settings()
    response = httpx.post(
        settings["api_url"] + "/things", json={"x": 1}, headers={"Authorization": "Bearer " + settings["access_token"]}
    )
    assert response.json() == {"echo": {"x": 1}, "remaining": 2}
    with pytest.raises(RuntimeError, match="already serving"), serving.serve():
        pass


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(10)  # a bound on the wait, not a timing assertion
    try:
        while sock.recv(1024):
            pass
    except TimeoutError:
        return False
    return True


@pytest.mark.e2e
@pytest.mark.anyio(False)
@pytest.mark.parametrize("sent", [b"", b"POST /api/things HTTP/1.1\r\nHost: x\r\n"])
def test_idle_connections_are_closed(serving: ToyEmulator, sent: bytes) -> None:
    host, port = serving.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(sent)  # nothing, or a request head that never ends
        assert _closed_by_server(sock)


@pytest.mark.e2e
@pytest.mark.anyio(False)
def test_a_background_server_is_listening_when_start_returns() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await Response("ok")(scope, receive, send)

    server = BackgroundServer(app, "127.0.0.1", 0)
    server.start()
    try:
        assert httpx.get(server.url).text == "ok"
    finally:
        server.stop()


@pytest.mark.e2e
@pytest.mark.anyio(False)
def test_serve_forever_calls_on_ready_only_once_listening_and_stops_on_ctrl_c() -> None:
    script = textwrap.dedent(
        """
        import socket
        from starlette.responses import Response
        from unified.emulator import serve_forever

        async def app(scope, receive, send):
            await Response("ok")(scope, receive, send)

        def ready(url):
            host, port = url.removeprefix("http://").split(":")
            socket.create_connection((host, int(port))).close()  # refused unless listening
            print("ready", url, flush=True)

        serve_forever(app, "127.0.0.1", 0, on_ready=ready)
        print("stopped", flush=True)
        """
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        first = process.stdout.readline().split()
        assert first[0] == "ready"
        assert httpx.get(first[1]).text == "ok"
        process.send_signal(signal.SIGINT)
        assert process.stdout.read().strip() == "stopped"
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
