"""``/__emulator/*``: health, stats, request log, reset, faults, token expiry and time, as JSON.

An emulator adds its own controls (e.g. webhook deliveries) by overriding ``Emulator.controls()`` with routes
built from :func:`control_endpoint`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ._body import BadBody, parse_json_body

if TYPE_CHECKING:
    from ._base import Emulator

CONTROL_PREFIX = "/__emulator"
CONTROL_MAX_BODY = 64 * 1024


async def control_body(request: Request) -> dict[str, Any]:
    """The JSON object a control call carries ({} when empty); BadBody otherwise."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > CONTROL_MAX_BODY:
        raise BadBody(f"control bodies are at most {CONTROL_MAX_BODY} bytes", status=413)
    body = parse_json_body(await request.body(), decimals=False, empty={})
    if not isinstance(body, dict):
        raise BadBody('send a JSON object, e.g. {"seconds": 60}')
    return body


def control_endpoint(handler: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
    """A control handler returning JSON-able data; bad input (BadBody, ValueError, TypeError, KeyError) is a 400
    ``{"error": message}``."""

    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request))
        except BadBody as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        except (ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return endpoint


def _number(body: dict[str, Any], name: str, default: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} must be a number, like 60")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, like 60, not {value!r}") from None


def control_routes(emulator: Emulator) -> list[BaseRoute]:
    """The routes under ``/__emulator``: the kit's and then ``emulator.controls()``."""

    async def health(request: Request) -> dict[str, Any]:
        return {"status": "ok"}

    async def stats(request: Request) -> dict[str, Any]:
        return emulator.stats()

    async def requests(request: Request) -> dict[str, Any]:
        return {"requests": emulator.request_log}

    async def reset(request: Request) -> dict[str, Any]:
        body = await control_body(request)
        parts = {name: bool(body.get(name, True)) for name in emulator.reset_parts}
        emulator.reset(**parts)
        return {"status": "reset"}

    async def faults(request: Request) -> dict[str, Any]:
        if request.method == "DELETE":
            emulator.faults.clear()
        elif request.method == "POST":
            body = await control_body(request)
            if "timeout_seconds" in body:
                emulator.faults.timeout_seconds = _number(body, "timeout_seconds", 30.0)
            kind = body.get("kind")
            if kind is not None:
                where = {"path": body.get("path"), "method": body.get("method")}
                if "fraction" in body:
                    seed = int(_number(body, "seed", 0))
                    emulator.faults.fail_fraction(_number(body, "fraction", 0), str(kind), seed=seed, **where)
                else:
                    emulator.faults.fail_next(int(_number(body, "count", 1)), str(kind), **where)
        return emulator.faults.describe()

    async def expire(request: Request) -> dict[str, Any]:
        emulator.expire_tokens()
        return {"status": "expired"}

    async def time(request: Request) -> dict[str, Any]:
        if request.method == "POST":
            body = await control_body(request)
            emulator.advance_time(_number(body, "seconds", 0))
        return {"now": emulator.clock.timestamp(), "offset_seconds": emulator.clock.offset}

    return [
        Route("/health", control_endpoint(health), methods=["GET"]),
        Route("/stats", control_endpoint(stats), methods=["GET"]),
        Route("/requests", control_endpoint(requests), methods=["GET"]),
        Route("/reset", control_endpoint(reset), methods=["POST"]),
        Route("/faults", control_endpoint(faults), methods=["GET", "POST", "DELETE"]),
        Route("/tokens/expire", control_endpoint(expire), methods=["POST"]),
        Route("/time", control_endpoint(time), methods=["GET"]),
        Route("/time/advance", control_endpoint(time), methods=["POST"]),
        *emulator.controls(),
    ]
