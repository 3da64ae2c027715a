"""Zoho's answers mapped onto the unified error tree.

Books API (``{"code": <non-zero>, "message": ...}``)::

    14, 57              UnauthorizedError      (57 after a refresh and retry: the token may lack the scope)
    6041                ForbiddenError         the organization is not this user's
    1002, HTTP 404      EntityNotFoundError
    44, 1070            ConnectorRateLimitError  retriable: per-minute limit, too many in flight
    45                  ConnectorRateLimitError  not retriable before the daily budget resets
    1000, HTTP 5xx      ConnectorExecutionError  retriable
    2, other 4xx        RequestValidationError   Zoho's message
    HTML / not JSON     ConnectorExecutionError  naming the status and content type
    anything else       by HTTP status, Zoho's message surfaced

Zoho Accounts (``{"error": ...}`` from ``/oauth/v2/token``): ``invalid_code``, ``invalid_client`` and the
"Access Denied" throttle get messages that say what to do. Every error keeps Zoho's own code and message in
``downstream_errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from unified.errors import (
    ConflictError,
    ConnectorExecutionError,
    ConnectorRateLimitError,
    DownstreamError,
    EntityNotFoundError,
    ForbiddenError,
    RequestValidationError,
    UnauthorizedError,
    UnifiedError,
)
from unified.toolkit import unknown_outcome

__all__ = ["error_from_response", "error_from_token_response"]

Grant = Literal["authorization_code", "refresh_token", "revoke"]


def error_from_response(
    status: int,
    body: Mapping[str, Any] | None,
    *,
    content_type: str | None = None,
    method: str = "GET",
    path: str = "",
    organization_id: str | None = None,
    retry_after: float | None = None,
    resets_at: datetime | None = None,
    scope: str | None = None,
    refused_after_refresh: bool = False,
) -> UnifiedError:
    """The unified error for a Books API answer that is not a success.

    ``body`` is the parsed JSON object, or None when the answer was not JSON. ``scope`` is the OAuth scope the
    endpoint needs, named in the code-57 message.
    """
    where = f"{method.upper()} {path}".strip()
    detail: dict[str, Any] = {"request": where, "status": status}
    if body is None:
        kind = content_type or "no content type"
        hint = " Check api_url: it should end in /books/v3." if status == 404 else ""
        return ConnectorExecutionError(
            f"Zoho Books answered {where} with HTTP {status} and {kind} instead of JSON "
            f"(a proxy or outage page, not the API).{hint}",
            detail=detail,
            downstream_errors=[DownstreamError(None, f"HTTP {status} {kind}", status)],
            retriable=status >= 500 or status in (408, 429),
            outcome=unknown_outcome(method) if status >= 500 or status < 400 else "failed",
        )

    raw_code = body.get("code")
    code = raw_code if isinstance(raw_code, int) else _int_or_none(raw_code)
    message = str(body.get("message") or "").strip() or f"HTTP {status}"
    common: dict[str, Any] = {
        "detail": detail,
        "downstream_errors": [DownstreamError(None if raw_code is None else str(raw_code), message, status)],
    }
    said = f"code {code}: {message}" if code is not None else message

    if code in (14, 57) or (status == 401 and code is None):
        if code == 57:
            needs = f" ({scope})" if scope else ""
            if refused_after_refresh:
                happened = (
                    f"Zoho Books refused {where} with an access token refreshed moments ago ({said}); refreshing "
                    "again so soon would spend Zoho's budget of 10 tokens per 10 minutes, so the call stops here."
                )
            else:
                happened = f"Zoho Books refused {where} with a valid access token ({said})."
            return UnauthorizedError(
                f"{happened} If other endpoints work, the token lacks the scope for this one{needs}: reconnect "
                "with it (`unified connect zoho-books`, or ZohoOAuth.authorization_url(scopes=scopes_for([...]))). "
                "If every call fails, the grant was revoked: reconnect.",
                outcome="failed",
                **common,
            )
        return UnauthorizedError(
            f"Zoho Books did not accept the credentials for {where} ({said}). Check the access and refresh "
            "tokens, or reconnect (`unified connect zoho-books`) to get new ones.",
            outcome="failed",
            **common,
        )
    if code == 6041:
        org = organization_id or "(none given)"
        return ForbiddenError(
            f"This Zoho user cannot reach organization {org} ({said}). List the organizations the account can "
            "reach with `unified organizations` (in Python: client.organizations()) and use one of their "
            "organization_id values.",
            outcome="failed",
            **common,
        )
    if code == 2:
        return RequestValidationError(f"Zoho Books refused {where}: {message}", outcome="failed", **common)
    if code == 1002 or status == 404:
        return EntityNotFoundError(f"Zoho Books has no such record for {where}: {message}", outcome="failed", **common)
    if code == 45:
        when = f" It resets at {resets_at.isoformat(timespec='seconds')}." if resets_at else ""
        return ConnectorRateLimitError(
            f"The organization's daily Zoho Books API budget is used up ({said}).{when} No call succeeds before "
            "then: spread the work over days or move to a plan with a larger daily limit.",
            retry_after=retry_after,
            resets_at=resets_at,
            retriable=False,
            outcome="failed",
            **common,
        )
    if code == 44 or code == 1070 or status == 429:
        what = (
            "too many requests are in flight for this organization"
            if code == 1070
            else "the organization's per-minute request limit was reached"
        )
        wait = f"; retry after {retry_after:g} s" if retry_after is not None else ""
        return ConnectorRateLimitError(
            f"Zoho Books refused {where}: {what} ({said}){wait}.",
            retry_after=retry_after,
            retriable=True,
            outcome="failed",
            **common,
        )
    if code == 1000 or status >= 500:
        return ConnectorExecutionError(
            f"Zoho Books failed on {where} (HTTP {status}, {said}).",
            retriable=True,
            outcome=unknown_outcome(method),
            **common,
        )
    if status == 401:
        return UnauthorizedError(
            f"Zoho Books refused the credentials for {where} ({said}).", outcome="failed", **common
        )
    if status == 403:
        return ForbiddenError(f"Zoho Books does not allow {where} ({said}).", outcome="failed", **common)
    if status == 409:
        return ConflictError(f"Zoho Books refused {where}: {message}", outcome="failed", **common)
    if 400 <= status < 500:
        return RequestValidationError(f"Zoho Books refused {where}: {message}", outcome="failed", **common)
    # a non-zero code on a 2xx: Zoho reports errors in the envelope, whatever the status
    return ConnectorExecutionError(
        f"Zoho Books reported an error for {where} ({said}).", retriable=False, outcome="failed", **common
    )


def error_from_token_response(
    status: int,
    body: Mapping[str, Any] | None,
    *,
    grant: Grant,
    client_id: str,
    accounts_url: str,
    content_type: str | None = None,
) -> UnifiedError:
    """The unified error for a Zoho Accounts answer (token exchange, refresh or revoke) that is not a success."""
    if body is None or not isinstance(body.get("error"), str):
        kind = content_type or "no content type"
        return ConnectorExecutionError(
            f"Zoho Accounts ({accounts_url}) answered HTTP {status} with {kind} and no token.",
            downstream_errors=[DownstreamError(None, f"HTTP {status} {kind}", status)],
            retriable=status >= 500,
            outcome="failed",
        )
    error = str(body["error"])
    description = str(body.get("error_description") or "").strip()
    common: dict[str, Any] = {
        "downstream_errors": [DownstreamError(error, description or error, status)],
        "outcome": "failed",
    }
    if error == "Access Denied" or "too many requests" in description.lower():
        return ConnectorRateLimitError(
            "Zoho Accounts refused the token request: tokens are being requested too often. Zoho allows 10 "
            "access tokens per refresh token per 10 minutes; reuse each access token until it nears expiry "
            "(one TokenManager per connection) and try again in a few minutes.",
            retriable=False,
            **common,
        )
    if error == "invalid_code":
        if grant == "authorization_code":
            text = "The authorization code is used or expired: run the connect flow again."
        else:
            text = (
                "Zoho Accounts rejected the refresh token (invalid_code): it was revoked, or belongs to another "
                "client or data center. Run the connect flow again (`unified connect zoho-books`) for a new one."
            )
        return UnauthorizedError(text, **common)
    if error == "invalid_client":
        return UnauthorizedError(
            f"Zoho Accounts at {accounts_url} refused client id {client_id!r} with this client secret "
            "(invalid_client): the secret is wrong, or the client id is unknown to this data center. Check both "
            "in the Zoho API console, and that the client is enabled for this data center (API console > "
            "Settings > Multi-DC), or use the data center the account lives in.",
            **common,
        )
    if error in ("invalid_redirect_uri", "redirect_uri_mismatch"):
        return RequestValidationError(
            f"Zoho Accounts refused redirect_uri ({error}): it must equal a redirect URI registered for the "
            "client in the Zoho API console.",
            field="redirect_uri",
            **common,
        )
    if error == "invalid_scope":
        return RequestValidationError(
            f"Zoho Accounts refused the scopes ({error}{': ' + description if description else ''}); use "
            "scopes_for(...) to name valid Zoho Books scopes.",
            field="scopes",
            **common,
        )
    said = f"{error}: {description}" if description else error
    return UnauthorizedError(f"Zoho Accounts refused the token request ({said}).", **common)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
