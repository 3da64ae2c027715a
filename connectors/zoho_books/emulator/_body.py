"""Request bodies as Zoho accepts them: raw JSON, or the legacy form field `JSONString` (parsed by the kit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from unified.emulator import BadBody, parse_json_body

from ._errors import ZohoError


def parse_body(raw: bytes, content_type: str, query: Mapping[str, str]) -> Any:
    """The JSON document a request carries, or None when it carries none."""
    text: str | None = None
    media = content_type.split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        form = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
        if "JSONString" in form:
            text = form["JSONString"][0]
    elif media == "multipart/form-data":
        text = _multipart_field(raw, content_type, "JSONString")
    elif raw.strip():
        text = raw.decode("utf-8", errors="replace")
    if text is None and "JSONString" in query:
        text = query["JSONString"]
    if text is None or not text.strip():
        return None
    try:
        return parse_json_body(text)  # invalid JSON, huge numbers, deep nesting: 400, never 500
    except BadBody as exc:
        raise ZohoError(400, 4, f"Invalid value passed for JSONString: {exc.message}.") from None


def require_object(body: Any) -> dict[str, Any]:
    if body is None:
        raise ZohoError(400, 4, "The parameter JSONString is mandatory: send the record as a JSON object.")
    if not isinstance(body, dict):
        raise ZohoError(400, 4, "Invalid value passed for JSONString: send a JSON object.")
    return body


def _multipart_field(raw: bytes, content_type: str, name: str) -> str | None:
    boundary = ""
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip('"')
    if not boundary:
        return None
    for chunk in raw.split(b"--" + boundary.encode()):
        head, _, content = chunk.partition(b"\r\n\r\n")
        if f'name="{name}"'.encode() in head:
            return content.rstrip(b"\r\n").decode("utf-8", errors="replace")
    return None
