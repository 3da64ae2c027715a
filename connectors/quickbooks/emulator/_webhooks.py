"""QuickBooks webhooks: change events, signed with the app's verifier token, in either of Intuit's two shapes.

Header ``intuit-signature``: base64 of the HMAC-SHA256 of the raw body keyed by the verifier token.

Legacy (``webhook_format="legacy"``)::

    {"eventNotifications": [{"realmId": "...", "dataChangeEvent": {"entities": [
        {"name": "Invoice", "id": "42", "operation": "Create", "lastUpdated": "2025-01-31T10:00:00.000Z"}]}}]}

CloudEvents 1.0 (``webhook_format="cloudevents"``): a JSON array of events::

    [{"specversion": "1.0", "id": "...", "source": "intuit.<app>", "type": "qbo.invoice.created.v1",
      "datacontenttype": "application/json", "time": "...", "intuitentityid": "42",
      "intuitaccountid": "<realmId>", "data": {}}]

Operations: Create, Update, Delete, Void (CloudEvents types: created, updated, deleted, voided). One
delivery per API call carries every change that call made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FORMATS = ("legacy", "cloudevents")
_PAST = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided", "Merge": "merged"}


def sign(body: bytes, verifier_token: str) -> str:
    """The ``intuit-signature`` of a body."""
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


def verify(body: bytes, signature: str, verifier_token: str) -> bool:
    return hmac.compare_digest(sign(body, verifier_token), signature)


@dataclass(frozen=True)
class Change:
    realm_id: str
    entity: str
    ident: str
    operation: str  # Create, Update, Delete, Void
    when: datetime


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def payload(changes: list[Change], fmt: str, app_source: str) -> bytes:
    """The body of one delivery."""
    if fmt not in FORMATS:
        raise ValueError(f"webhook_format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    body: Any
    if fmt == "legacy":
        by_realm: dict[str, list[dict[str, str]]] = {}
        for change in changes:
            by_realm.setdefault(change.realm_id, []).append(
                {
                    "name": change.entity,
                    "id": change.ident,
                    "operation": change.operation,
                    "lastUpdated": _utc(change.when),
                }
            )
        body = {
            "eventNotifications": [
                {"realmId": realm, "dataChangeEvent": {"entities": entities}} for realm, entities in by_realm.items()
            ]
        }
    else:
        body = [
            {
                "specversion": "1.0",
                "id": str(uuid.uuid4()),
                "source": f"intuit.{app_source}",
                "type": f"qbo.{change.entity.lower()}.{_PAST.get(change.operation, change.operation.lower())}.v1",
                "datacontenttype": "application/json",
                "time": _utc(change.when),
                "intuitentityid": change.ident,
                "intuitaccountid": change.realm_id,
                "data": {},
            }
            for change in changes
        ]
    return json.dumps(body, separators=(",", ":")).encode()
