"""Zoho's error envelope (`{"code": <non-zero>, "message": ...}`) as an exception the dispatcher renders."""

from __future__ import annotations


class ZohoError(Exception):
    """An error answered in Zoho's envelope with the given HTTP status."""

    def __init__(self, status: int, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}


def invalid_param(name: str, fix: str = "") -> ZohoError:
    """Code 2: a query parameter Zoho cannot use (its message names the parameter)."""
    suffix = f" {fix}" if fix else ""
    return ZohoError(400, 2, f"Invalid value passed for {name}.{suffix}")


def invalid_field(name: str, fix: str) -> ZohoError:
    """Code 4: a body field Zoho cannot use."""
    return ZohoError(400, 4, f"Invalid value passed for {name}. {fix}")


def not_found(entity: str) -> ZohoError:
    return ZohoError(404, 1002, f"{entity} does not exist.")


UNAUTHENTICATED = (
    "The request could not be authenticated as the authentication value you entered is invalid. "
    "Enter a valid authentication value and try again."
)
NOT_AUTHORIZED = "You are not authorized to perform this operation"
RATE_LIMITED = (
    "For security reasons your organization has been blocked as it have exceeded the maximum number of "
    "requests per minute that can originate from an organization."
)
CONCURRENCY = "You have reached the maximum number of in process requests allowed. Kindly try again after some time."


def unauthenticated() -> ZohoError:
    return ZohoError(401, 14, UNAUTHENTICATED)


def not_authorized() -> ZohoError:
    return ZohoError(401, 57, NOT_AUTHORIZED)


def organization_unknown(organization_id: str) -> ZohoError:
    return ZohoError(400, 6041, f"This user is not associated with the CompanyID/CompanyName:{organization_id}.")
