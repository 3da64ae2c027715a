"""Zoho's own control under `/__emulator` (the kit serves the rest): `GET webhooks/deliveries`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from unified.emulator import control_endpoint

from ._runtime import Runtime


def routes(runtime: Runtime) -> list[BaseRoute]:
    async def deliveries(request: Request) -> dict[str, Any]:
        return {"deliveries": list(runtime.webhooks.deliveries)}

    return [Route("/webhooks/deliveries", control_endpoint(deliveries), methods=["GET"])]
