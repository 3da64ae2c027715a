"""Xero's error answers, each in the shape Xero sends it.

- Accounting API exceptions: `{"ErrorNumber", "Type", "Message", "Elements"?}` (400 ValidationException
  number 10, PostDataInvalidException 14, QueryParseException 16).
- The API gateway's problem documents for 401/403/429: `{"Type": null, "Title", "Status", "Detail",
  "Instance", "Extensions": {}}`.
- 404: the plain text `The resource you're looking for cannot be found` (Xero-OpenAPI#163).
"""

from __future__ import annotations

import uuid
from typing import Any

from ._wire import Record, dumps

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"


class XeroError(Exception):
    """An answer other than success; `body()` is what goes on the wire."""

    def __init__(self, status: int, payload: Record | str, headers: dict[str, str] | None = None) -> None:
        super().__init__(payload if isinstance(payload, str) else payload.get("Message") or payload.get("Detail"))
        self.status = status
        self.payload = payload
        self.headers = dict(headers or {})

    @property
    def media_type(self) -> str:
        return "text/html; charset=utf-8" if isinstance(self.payload, str) else "application/json; charset=utf-8"

    def body(self) -> bytes:
        return self.payload.encode() if isinstance(self.payload, str) else dumps(self.payload)


class ElementError(Exception):
    """One element of a write is invalid: its validation messages, in Xero's words."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def exception(number: int, kind: str, message: str, elements: list[Record] | None = None) -> XeroError:
    payload: Record = {"ErrorNumber": number, "Type": kind, "Message": message}
    if elements is not None:
        payload["Elements"] = elements
    return XeroError(400, payload)


def validation(elements: list[Record]) -> XeroError:
    return exception(10, "ValidationException", "A validation exception occurred", elements)


def single_validation(*messages: str) -> XeroError:
    """A ValidationException about the request itself rather than one element."""
    return validation([{"ValidationErrors": [{"Message": m} for m in messages]}])


def post_data_invalid(detail: str) -> XeroError:
    return exception(14, "PostDataInvalidException", f"JSON for post data was invalid,{detail}")


def query_parse(message: str) -> XeroError:
    return exception(16, "QueryParseException", message)


def not_found() -> XeroError:
    return XeroError(404, NOT_FOUND_TEXT)


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> XeroError:
    payload: dict[str, Any] = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return XeroError(status, payload, headers)


def unauthorized(detail: str = "AuthenticationUnsuccessful") -> XeroError:
    return problem(401, "Unauthorized", detail, {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def forbidden(detail: str = "AuthorizationUnsuccessful") -> XeroError:
    return problem(403, "Forbidden", detail)


def method_not_allowed() -> XeroError:
    return problem(405, "Method Not Allowed", "The requested resource does not support this http method.")
