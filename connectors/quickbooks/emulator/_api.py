"""``/v3/company/{realmId}/...``: authentication, the realm's limits, faults, requestid replay, then the call.

A call goes through: path -> bearer token (401 code 100) -> realm of the token (403 code 120) -> minorversion
-> limits (429 code 3001) -> injected faults -> requestid replay -> the operation. Entity names in paths are
matched without regard to case (clients send ``invoice``, Intuit's pages ``Invoice``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from unified.emulator import BadBody, Dropped, Exchange, OAuthError, Refusal, inject_fault, parse_json_body

from . import _errors as err
from . import _query as q
from ._json import dumps
from ._reads import cdc, entity_name, profit_and_loss, run_query
from ._records import Writer
from ._store import ENTITIES, SINGLETONS, WRITABLE, Realm, Record
from ._taxservice import create_tax_code
from ._webhooks import Change

if TYPE_CHECKING:
    from ._emulator import QuickBooksEmulator

log = logging.getLogger(__name__)
JSON = "application/json;charset=UTF-8"
MAX_BATCH = 30
MAX_REQUEST_ID = 50
MINIMUM_MINOR_VERSION = 75
PREFIX = "/v3/company/{realmId}"


class _Reply(Exception):
    """A finished answer (status, body) raised out of the dispatch."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body


def fault_body(fault: err.QBOFault, realm: Realm | None, emulator: QuickBooksEmulator) -> bytes:
    return dumps({"Fault": fault.fault(), "time": emulator.time_text(realm)})


def _query_fault(exc: q.QueryError) -> err.QBOFault:
    return err.QBOFault(exc.code, exc.message, exc.detail)


class Api:
    def __init__(self, emulator: QuickBooksEmulator) -> None:
        self.emulator = emulator

    async def __call__(self, exchange: Exchange) -> Response:
        emulator = self.emulator
        request = exchange.request
        parts = [p for p in request.url.path.split("/") if p]
        realm: Realm | None = None
        headers: dict[str, str] = {"intuit_tid": emulator.transaction_id()}
        try:
            if len(parts) < 4 or [p.lower() for p in parts[:2]] != ["v3", "company"]:
                raise self._no_resource(request.url.path)
            realm_id, rest = parts[2], parts[3:]
            exchange.entry["organization_id"] = realm_id
            exchange.entry["endpoint"] = self._template(request.method, rest)
            realm = self._authorized(request.headers.get("authorization"), realm_id)
            self._minor_version(request.query_params.get("minorversion"))
            keys = {"realm": realm_id}
            if rest[0].lower() == "batch":
                keys["batch"] = realm_id
            outcome = emulator.limits.acquire(keys)
            if isinstance(outcome, Refusal):
                raise self._throttled(outcome)
            with outcome:
                kind = await inject_fault(emulator, exchange)
                if kind is not None and kind != "drop_after_commit":
                    exchange.entry["code"] = kind
                    return emulator.fault_response(kind, realm, headers)
                status, body = await self._replayed_or_run(exchange, realm, rest)
                if kind == "drop_after_commit":
                    raise Dropped
                return Response(body, status_code=status, media_type=JSON, headers=headers)
        except err.QBOFault as fault:
            exchange.entry["code"] = fault.code
            return Response(
                fault_body(fault, realm, emulator), status_code=fault.status, media_type=JSON,
                headers={**headers, **fault.headers},
            )  # fmt: skip
        except q.QueryError as exc:
            exchange.entry["code"] = exc.code
            return Response(fault_body(_query_fault(exc), realm, emulator), 400, media_type=JSON, headers=headers)
        except Dropped:
            raise
        except Exception:
            log.exception("internal error serving %s %s", request.method, request.url.path)
            exchange.entry["code"] = "10000"
            return Response(fault_body(err.system(), realm, emulator), 500, media_type=JSON, headers=headers)

    # --- the gates ---------------------------------------------------------------------------------

    @staticmethod
    def _no_resource(path: str) -> err.QBOFault:
        return err.unsupported(f"Could not find resource for relative : {path}")

    @staticmethod
    def _template(method: str, rest: list[str]) -> str:
        head = rest[0].lower()
        if head in ("query", "cdc", "batch", "preferences"):
            return f"{method} {PREFIX}/{head}"
        if head == "reports" and len(rest) > 1:
            return f"{method} {PREFIX}/reports/{rest[1]}"
        if head == "taxservice":
            return f"{method} {PREFIX}/taxservice/taxcode"
        return f"{method} {PREFIX}/{head}" + ("/{id}" if len(rest) > 1 else "")

    def _authorized(self, authorization: str | None, realm_id: str) -> Realm:
        emulator = self.emulator
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise err.authentication("Authorization header missing or not Bearer: send Authorization: Bearer <token>.")
        try:
            access = emulator.oauth.authenticate(token.strip())
        except OAuthError as exc:
            detail = "Token expired" if exc.reason == "expired" else "Token invalid or revoked"
            raise err.authentication(f"{detail}: refresh it at /oauth2/v1/tokens/bearer.") from None
        realm = emulator.store.get(realm_id)
        if realm is None or (access.organizations and realm_id not in access.organizations):
            raise err.authorization(f"The token is not authorized for company {realm_id}: connect that company.")
        return realm

    @staticmethod
    def _minor_version(value: str | None) -> None:
        # Below 75 is served as 75: Intuit retired minor versions 1-74 in 2025 and serves them as 75.
        if value is not None and not value.strip().isdigit():
            raise err.invalid("minorversion", f"must be a whole number like {MINIMUM_MINOR_VERSION}, not {value!r}")

    def _throttled(self, refusal: Refusal) -> err.QBOFault:
        wait = max(refusal.retry_after, 0.001)
        headers = {"X-Emulator-Retry-After": f"{wait:.3f}", "X-Emulator-Limit": refusal.rule}
        if self.emulator.retry_after:
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
        what = {
            "minute": f"{refusal.limit} requests per minute for this company",
            "second": f"{refusal.limit} requests per second for this company",
            "concurrent": f"{refusal.limit} requests in flight for this company",
            "batch-minute": f"{refusal.limit} batch requests per minute for this company",
        }.get(refusal.rule, refusal.rule)
        return err.throttled(f"ThrottleExceeded: over {what}; wait before retrying.", headers)

    async def _replayed_or_run(self, exchange: Exchange, realm: Realm, rest: list[str]) -> tuple[int, bytes]:
        request = exchange.request
        request_id = request.query_params.get("requestid")
        if request_id is not None and len(request_id) > MAX_REQUEST_ID:
            raise err.invalid("requestid", f"is at most {MAX_REQUEST_ID} characters")
        if request_id and request.method == "POST":
            with self.emulator.store.lock:
                seen = realm.replies.get(request_id)
            if seen is not None:
                exchange.entry["replayed"] = True
                return seen
        raw = await exchange.body() if request.method == "POST" else b""
        changes: list[Change] = []
        try:
            status, body = self._dispatch(exchange, realm, rest, raw, changes)
        except err.QBOFault as fault:
            status, body = fault.status, fault_body(fault, realm, self.emulator)
            exchange.entry["code"] = fault.code
            if fault.status >= 500 or not (request_id and request.method == "POST"):
                raise
        except q.QueryError as exc:
            status, body = 400, fault_body(_query_fault(exc), realm, self.emulator)
            exchange.entry["code"] = exc.code
        if request_id and request.method == "POST":
            with self.emulator.store.lock:
                realm.remember(request_id, (status, body))
        if changes:
            exchange.after.append(lambda: self.emulator.notify(changes))
        return status, body

    # --- the operations ----------------------------------------------------------------------------

    def _dispatch(
        self, exchange: Exchange, realm: Realm, rest: list[str], raw: bytes, changes: list[Change]
    ) -> tuple[int, bytes]:
        request = exchange.request
        method = request.method
        head = rest[0].lower()
        emulator = self.emulator
        now = emulator.clock.now()

        def reply(payload: dict[str, Any]) -> tuple[int, bytes]:
            return 200, dumps({**payload, "time": emulator.time_text(realm)})

        def on_change(entity: str, record: Record, operation: str) -> None:
            changes.append(Change(realm.realm_id, entity, str(record.get("Id")), operation, now))

        store = emulator.store
        if head == "query" and method in ("GET", "POST"):
            text = request.query_params.get("query", "") if method == "GET" else raw.decode("utf-8", "replace")
            if method == "POST" and not text.strip():
                text = request.query_params.get("query", "")
            with store.lock:
                return reply({"QueryResponse": run_query(realm, text)})
        if head == "cdc" and method == "GET":
            params = request.query_params
            with store.lock:
                return reply(
                    {"CDCResponse": cdc(realm, params.get("entities", ""), params.get("changedSince", ""), now)}
                )
        if head == "batch" and method == "POST":
            return reply({"BatchItemResponse": self._batch(realm, raw, on_change)})
        if head == "reports" and method == "GET" and len(rest) == 2:
            if rest[1].lower() != "profitandloss":
                raise err.unsupported(f"report {rest[1]} (the emulator serves ProfitAndLoss)")
            with store.lock:
                return 200, dumps(profit_and_loss(realm, request.query_params, now))
        if head == "taxservice" and method == "POST" and len(rest) == 2 and rest[1].lower() == "taxcode":
            body = self._object(raw)
            with store.lock:
                return 200, dumps(create_tax_code(Writer(realm, now, on_change), body))
        entity = entity_name(head)
        if entity is None or (head == "taxservice"):
            raise self._no_resource(request.url.path)
        if entity in SINGLETONS and method == "GET":
            with store.lock:
                if entity == "CompanyInfo" and len(rest) == 2 and rest[1] not in (realm.realm_id, "1"):
                    raise err.not_found(entity, rest[1])
                return reply({entity: next(iter(realm.records[entity].values()))})
        if method == "GET" and len(rest) == 2:
            with store.lock:
                record = realm.get(entity, rest[1]) if entity in ENTITIES else None
                if record is None:
                    raise err.not_found(entity, rest[1])
                return reply({entity: record})
        if method == "POST" and len(rest) == 1:
            if entity not in WRITABLE:
                hint = " (use /taxservice/taxcode)" if entity in ("TaxCode", "TaxRate") else ""
                raise err.unsupported(f"{(request.query_params.get('operation') or 'write').title()} on {entity}{hint}")
            body = self._object(raw)
            operation = (request.query_params.get("operation") or "").lower()
            with store.lock:
                return reply({entity: self._write(realm, entity, operation, body, on_change)})
        raise self._no_resource(request.url.path)

    @staticmethod
    def _object(raw: bytes) -> Record:
        try:
            body = parse_json_body(raw, empty={})
        except BadBody as exc:
            raise err.QBOFault(
                "2010", "Request has invalid or unsupported property", f"Request body: {exc.message}", status=exc.status
            ) from None
        if not isinstance(body, dict):
            raise err.invalid("body", 'must be a JSON object: the entity\'s fields, e.g. {"DisplayName": "..."}')
        return body

    def _write(
        self, realm: Realm, entity: str, operation: str, body: Record, on_change: Callable[[str, Record, str], None]
    ) -> Record:
        writer = Writer(realm, self.emulator.clock.now(), on_change)
        if operation == "delete":
            return writer.delete(entity, body)
        if operation == "void":
            return writer.void(entity, body)
        if operation not in ("", "create", "update"):
            raise err.unsupported(f"{operation} (operation is create, update, delete or void)")
        if operation == "update" or body.get("Id") not in (None, ""):
            return writer.update(entity, body)
        return writer.create(entity, body)

    def _batch(self, realm: Realm, raw: bytes, on_change: Callable[[str, Record, str], None]) -> list[Record]:
        body = self._object(raw)
        items = body.get("BatchItemRequest")
        if not isinstance(items, list) or not items:
            raise err.required("BatchItemRequest", 'Send {"BatchItemRequest": [{"bId": "1", ...}, ...]}.')
        if len(items) > MAX_BATCH:
            raise err.business(f"A batch holds at most {MAX_BATCH} items; this one has {len(items)}: split it.")
        answers: list[Record] = []
        for item in items:
            bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
            try:
                if not isinstance(item, dict) or not bid:
                    raise err.required("bId", "Every BatchItemRequest needs a bId.")
                answers.append({**self._batch_item(realm, item, on_change), "bId": bid})
            except err.QBOFault as fault:
                answers.append({"Fault": fault.fault(), "bId": bid})
            except q.QueryError as exc:
                answers.append({"Fault": _query_fault(exc).fault(), "bId": bid})
        return answers

    def _batch_item(self, realm: Realm, item: Record, on_change: Callable[[str, Record, str], None]) -> Record:
        with self.emulator.store.lock:
            if "Query" in item:
                return {"QueryResponse": run_query(realm, str(item["Query"]))}
            named = [k for k in item if k not in ("bId", "operation", "optionsData")]
            if len(named) != 1 or entity_name(named[0]) is None:
                raise err.invalid("BatchItemRequest", 'carries one entity (e.g. "Invoice": {...}) or a Query')
            entity = entity_name(named[0])
            assert entity is not None
            if entity not in WRITABLE:
                raise err.unsupported(f"batch writes on {entity}")
            payload = item[named[0]]
            if not isinstance(payload, dict):
                raise err.invalid(entity, "must be an object")
            operation = str(item.get("operation", "create")).lower()
            if operation not in ("create", "update", "delete", "void"):
                raise err.unsupported(f"{operation} in a batch (create, update, delete or void)")
            return {entity: self._write(realm, entity, operation, payload, on_change)}
