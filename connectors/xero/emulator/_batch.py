"""Writes of one or many elements, answered as Xero answers them.

PUT creates, POST creates or updates (an element that names an existing record updates it), POST /X/{id}
updates that record. Every element is tried on its own: valid ones are stored even when others fail.
With `summarizeErrors=false` the answer is 200 and every element comes back in its place, failed ones
with `ValidationErrors`, `StatusAttributeString: "ERROR"` and `HasErrors`/`HasValidationErrors: true`.
Otherwise (the parameter absent, as clients report Xero treats it, or true) any failure makes the answer
a 400 ValidationException whose `Elements` are the failed elements only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _fields as f
from ._call import Call, Reply
from ._errors import ElementError, post_data_invalid, validation
from ._wire import Record, ms_date

PROVIDER_NAME = "Xero API Emulator"


def envelope(call: Call, key: str, items: list[Record], extra: dict[str, Any] | None = None) -> Record:
    body: Record = {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": PROVIDER_NAME,
        "DateTimeUTC": ms_date(call.now).replace("+0000", ""),
    }
    if extra:
        body.update(extra)
    body[key] = items
    return body


@dataclass(frozen=True)
class Writer:
    key: str  # the collection and envelope key, e.g. "Invoices"
    spec: f.Obj  # how Xero's reader types an element
    error_flag: str  # "HasErrors" (documents) or "HasValidationErrors" (contacts, payments)
    create: Callable[[Call, Record], Record]
    update: Callable[[Call, Record, Record], Record]
    locate: Callable[[Call, Record], Record | None]
    render: Callable[[Call, Record], Record]
    # what Xero's element model always holds, for the echo of a failed element (its schema requires them)
    required: tuple[tuple[str, Any], ...] = ()


def _elements(call: Call, writer: Writer) -> list[Record]:
    elements = call.elements(writer.key, writer.spec)
    for index, element in enumerate(elements):
        path = f"{writer.key}[{index}]"
        if not isinstance(element, dict):
            raise post_data_invalid(f"Error converting value to type '{writer.key[:-1]}'. Path '{path}'.")
        f.check(element, writer.spec, path)
    return elements


def failed(writer: Writer, element: Record, messages: list[str]) -> Record:
    """A failed element as Xero answers it: its model (known fields, typed) with the validation messages."""
    echo: Record = f.project(element, writer.spec) or {}
    for key, default in writer.required:
        if echo.get(key) is None:
            echo[key] = default
    return {
        **echo,
        writer.error_flag: True,
        "StatusAttributeString": "ERROR",
        "ValidationErrors": [{"Message": m} for m in messages],
    }


def write(call: Call, writer: Writer, mode: str, target: Record | None = None) -> Reply:
    """mode: "create" (PUT), "upsert" (POST to the collection) or "update" (POST to one record, `target`)."""
    elements = _elements(call, writer)
    summarize = True if mode == "update" else call.flag("summarizeErrors", default=True)
    if mode == "update":
        elements = elements[:1]
    answers: list[Record] = []
    failures: list[Record] = []
    for element in elements:
        try:
            if mode == "update":
                assert target is not None
                record = writer.update(call, target, element)
            else:
                existing = writer.locate(call, element)
                if existing is not None and mode == "upsert":
                    record = writer.update(call, existing, element)
                else:
                    record = writer.create(call, element)
        except ElementError as exc:
            answer = failed(writer, element, exc.messages)
            failures.append(answer)
            answers.append(answer)
            continue
        answers.append({**writer.render(call, record), "StatusAttributeString": "OK"})
    if failures and summarize:
        raise validation(failures)
    return Reply(200, envelope(call, writer.key, answers))
