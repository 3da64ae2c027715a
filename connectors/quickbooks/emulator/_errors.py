"""QuickBooks' Fault envelope and the error codes the emulator answers with (Intuit's codes and texts).

``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type": "ValidationFault"}, "time": ...}``;
``code`` is a string, as Intuit sends it. Validation faults answer HTTP 400, as QuickBooks does even for 610
(object not found).
"""

from __future__ import annotations

from typing import Any


class QBOFault(Exception):
    """One fault answer: HTTP ``status``, Intuit ``code``, its ``message``, a ``detail`` naming the fix."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str = "",
        *,
        element: str = "",
        status: int = 400,
        kind: str = "ValidationFault",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code = code
        self.message = message
        self.detail = detail
        self.element = element
        self.status = status
        self.kind = kind
        self.headers = headers or {}

    def fault(self) -> dict[str, Any]:
        error: dict[str, Any] = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element:
            error["element"] = self.element
        return {"Error": [error], "type": self.kind}


def not_found(entity: str, ident: str) -> QBOFault:
    return QBOFault(
        "610",
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive. Check the fields with "
        f"accounts, customers, items, vendors or employees. ({entity} {ident} does not exist in this company.)",
    )


def required(element: str, hint: str = "") -> QBOFault:
    detail = f"Required parameter {element} is missing in the request"
    return QBOFault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"{detail}. {hint}".strip() if hint else detail,
        element=element,
    )


def invalid(element: str, detail: str) -> QBOFault:
    return QBOFault(
        "2010", "Request has invalid or unsupported property", f"Property Name:{element} {detail}", element=element
    )


def invalid_reference(element: str, entity: str, ident: str) -> QBOFault:
    return QBOFault(
        "2500",
        "Invalid Reference Id",
        f"Invalid Reference Id : {element} refers to {entity} {ident!r}, which does not exist or is inactive "
        f"in this company: create it first (references can't be created within a transaction).",
        element=element,
    )


def too_long(element: str, limit: int) -> QBOFault:
    return QBOFault(
        "2050",
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. Min:0 Max:{limit} supported. "
        f"Supplied length for {element} is over {limit}: shorten it.",
        element=element,
    )


def duplicate_name(detail: str) -> QBOFault:
    return QBOFault("6240", "Duplicate Name Exists Error", f"The name supplied already exists. : {detail}")


def duplicate_doc_number(doc_number: str, txn_type: str) -> QBOFault:
    # 6210 as the project's facts cite Intuit's common-errors page; some Intuit pages give 6140 for this.
    return QBOFault(
        "6210",
        "Duplicate Document Number Error",
        f"Duplicate Document Number Error : You must specify a different number. This number has already "
        f"been used. DocNumber={doc_number} is assigned to TxnType={txn_type}",
    )


def stale(entity: str, ident: str, sent: str, current: str) -> QBOFault:
    return QBOFault(
        "5010",
        "Stale Object Error",
        f"Stale Object Error : You and emulator@example.com were working on this at the same time. "
        f"emulator@example.com finished before you did, so your work was not saved. ({entity} {ident}: "
        f"SyncToken {sent} sent, {current} is current; read it again and resend.)",
    )


def unsupported(detail: str) -> QBOFault:
    return QBOFault("500", "Unsupported Operation", f"Operation {detail} is not supported.")


def business(detail: str) -> QBOFault:
    return QBOFault("6000", "A business validation error has occurred while processing your request", detail)


def authentication(detail: str) -> QBOFault:
    return QBOFault(
        "100",
        "message=AuthenticationFailed; errorCode=100; statusCode=401",
        detail,
        status=401,
        kind="AUTHENTICATION",
    )


def authorization(detail: str) -> QBOFault:
    return QBOFault(
        "120",
        "message=AuthorizationFailure; errorCode=120; statusCode=403",
        detail,
        status=403,
        kind="AUTHORIZATION",
    )


def throttled(detail: str, headers: dict[str, str]) -> QBOFault:
    return QBOFault(
        "3001",
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        detail,
        status=429,
        kind="SERVICE",
        headers=headers,
    )


def system(status: int = 500) -> QBOFault:
    return QBOFault(
        "10000",
        "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a "
        "few minutes and try again. If the problem persists, contact customer support.",
        status=status,
        kind="SystemFault",
    )
