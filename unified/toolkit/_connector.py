"""A connector over one :class:`ApiClient`: the provider's native API through ``proxy``, and closing it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import httpx

from unified.connector import Connector
from unified.toolkit._http import ApiClient

__all__ = ["ApiConnector"]

HttpT = TypeVar("HttpT", bound=ApiClient)


class ApiConnector(Connector, Generic[HttpT]):
    """A :class:`~unified.connector.Connector` whose calls go through ``self.http``, set by the subclass:
    ``class MyBooksConnector(ApiConnector[MyBooksHttp])``."""

    http: HttpT

    async def proxy(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Any call of the provider's API under the connector's root, e.g. ``proxy("GET", "/accounts")``: auth, the
        organization, pacing and retries are done, and the provider's answer comes back as it is."""
        return await self.http.raw(method, path, params=params, json=json, headers=headers)

    async def aclose(self) -> None:
        await self.http.aclose()
