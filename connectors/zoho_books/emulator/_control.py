"""`/__emulator/*`: stats, request log, reset, faults, token expiry, time and webhook deliveries as JSON."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._faults import KINDS
from ._runtime import Runtime


class _BadRequest(Exception):
    pass


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _BadRequest(f"the body is not valid JSON: {exc.msg}") from None
    if not isinstance(body, dict):
        raise _BadRequest("send a JSON object")
    return body


def _endpoint(handler: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request))
        except (_BadRequest, ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return endpoint


def routes(runtime: Runtime) -> list[Route]:
    async def health(request: Request) -> dict[str, Any]:
        return {"status": "ok"}

    async def stats(request: Request) -> dict[str, Any]:
        return runtime.stats.snapshot()

    async def requests(request: Request) -> dict[str, Any]:
        return {"requests": runtime.stats.entries()}

    async def reset(request: Request) -> dict[str, Any]:
        body = await _body(request)
        if body.get("stats", True):
            runtime.stats.reset()
        if body.get("limits", True):
            runtime.limits.reset()
        if body.get("faults", True):
            runtime.faults.clear()
        return {"status": "reset"}

    async def faults(request: Request) -> dict[str, Any]:
        if request.method == "DELETE":
            runtime.faults.clear()
        elif request.method == "POST":
            body = await _body(request)
            if "timeout_seconds" in body:
                runtime.faults.timeout_seconds = float(body["timeout_seconds"])
            kind = body.get("kind")
            if kind is not None:
                if kind not in KINDS:
                    raise _BadRequest(f"kind must be one of {', '.join(KINDS)}")
                where = {"path": body.get("path"), "method": body.get("method")}
                if "fraction" in body:
                    runtime.faults.fail_fraction(float(body["fraction"]), kind, seed=int(body.get("seed", 0)), **where)
                else:
                    runtime.faults.fail_next(int(body.get("count", 1)), kind, **where)
        return {
            "rules": runtime.faults.rules(),
            "timeout_seconds": runtime.faults.timeout_seconds,
            "injected": dict(runtime.faults.injected),
            "kinds": list(KINDS),
        }

    async def expire(request: Request) -> dict[str, Any]:
        runtime.accounts.expire_all()
        return {"status": "expired"}

    async def time(request: Request) -> dict[str, Any]:
        if request.method == "POST":
            body = await _body(request)
            runtime.clock.advance(float(body.get("seconds", 0)))
        return {"now": runtime.clock.now(), "offset_seconds": runtime.clock.offset}

    async def deliveries(request: Request) -> dict[str, Any]:
        return {"deliveries": list(runtime.webhooks.deliveries)}

    return [
        Route("/health", _endpoint(health), methods=["GET"]),
        Route("/stats", _endpoint(stats), methods=["GET"]),
        Route("/requests", _endpoint(requests), methods=["GET"]),
        Route("/reset", _endpoint(reset), methods=["POST"]),
        Route("/faults", _endpoint(faults), methods=["GET", "POST", "DELETE"]),
        Route("/tokens/expire", _endpoint(expire), methods=["POST"]),
        Route("/time", _endpoint(time), methods=["GET"]),
        Route("/time/advance", _endpoint(time), methods=["POST"]),
        Route("/webhooks/deliveries", _endpoint(deliveries), methods=["GET"]),
    ]
