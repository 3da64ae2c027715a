"""``/proxy``: the provider's own API with the connection's auth filled in, limited to that provider's API.

``x-apideck-downstream-url`` is a path under the provider's API root (``/chartofaccounts``) or a full URL under
it (``https://api.example.com/v3/chartofaccounts``); the connector's ``proxy`` takes only paths under its
own root, so neither form can send the connection's token to another host. The method is
``x-apideck-downstream-method`` or the request's own; a JSON body is passed on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from unified.connector import Connector
from unified.errors import RequestValidationError

__all__ = ["downstream_target", "passed_headers"]

URL_HEADER = "x-apideck-downstream-url"
METHOD_HEADER = "x-apideck-downstream-method"
AUTH_HEADER = "x-apideck-downstream-authorization"
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
#: answer headers passed back: what the body is, and the provider's pacing
_PASSED = ("content-type", "retry-after", "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")


def api_root(connector: Connector) -> str | None:
    """The root URL of the connector's native API, where the connector shows it (``api_url``)."""
    for holder in (connector, getattr(connector, "http", None)):
        root = getattr(holder, "api_url", None)
        if isinstance(root, str) and "://" in root:
            return root.rstrip("/")
    return None


def downstream_target(url: str | None, connector: Connector) -> tuple[str, dict[str, str]]:
    """The path (under the API root) and query parameters ``x-apideck-downstream-url`` names."""
    if not url or not url.strip():
        raise RequestValidationError(
            f"Missing header {URL_HEADER}: the provider URL or path to call, e.g. /settings/currencies.",
            field=URL_HEADER,
        )
    parts = urlsplit(url.strip())
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    if not parts.scheme and not parts.netloc:
        return "/" + parts.path.lstrip("/"), params
    root = api_root(connector)
    if root is None:
        raise RequestValidationError(
            f"{URL_HEADER} must be a path under the provider's API root (like /invoices) for {connector.name}.",
            field=URL_HEADER,
        )
    base = urlsplit(root)
    prefix = base.path.rstrip("/")
    inside = parts.path == prefix or parts.path.startswith(prefix + "/")
    if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()) or not inside:
        raise RequestValidationError(
            f"{URL_HEADER} must be under this connection's API, {root}; the proxy calls no other host.",
            field=URL_HEADER,
        )
    return "/" + parts.path[len(prefix) :].lstrip("/"), params


def downstream_method(header: str | None, method: str) -> str:
    chosen = (header or method).strip().upper()
    if chosen not in METHODS:
        raise RequestValidationError(
            f"{METHOD_HEADER} must be one of {', '.join(sorted(METHODS))}; got {chosen!r}.", field=METHOD_HEADER
        )
    return chosen


def passed_headers(headers: Any) -> dict[str, str]:
    return {name: headers[name] for name in _PASSED if name in headers}
