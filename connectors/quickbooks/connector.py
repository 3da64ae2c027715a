"""The QuickBooks Online connector: the unified resources over one company (realm) of QuickBooks' API v3.

``QuickBooksConnector`` wires Intuit's OAuth client, the token manager (rotating refresh tokens stored through the
token store before the new access token is used) and :class:`QuickBooksHttp` (realm path, ``minorversion``, pacing at
500 a window and 10 in flight, Fault envelopes as unified errors) to the mapping modules. Lists are queries, paged
with ``startposition``/``maxresults`` behind an opaque cursor; every row is a whole record. Writes are checked before
any call (references to items, accounts, tax codes, classes and departments against the company's cached lists),
carry ``requestid`` (a lost answer is sent again and answered once), and updates are sparse with ``row_version`` as
QuickBooks' ``SyncToken``: a stale one is a :class:`~unified.errors.ConflictError`, never an overwrite. Incremental
syncs read the change data capture feed (``changes``), deletions included.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel

from connectors.quickbooks import _cdc
from connectors.quickbooks._contacts import (
    CUSTOMER,
    VENDOR,
    Entity,
    contact_from_qbo,
    contact_id,
    contact_to_qbo,
    entity_of,
    parse_contact_id,
    validate_contact,
)
from connectors.quickbooks._documents import (
    MissingLink,
    bill_from_qbo,
    bill_to_qbo,
    expense_from_qbo,
    expense_to_qbo,
    invoice_from_qbo,
    invoice_to_qbo,
    lists_needed,
)
from connectors.quickbooks._http import QuickBooksHttp, policy
from connectors.quickbooks._lists import CompanyLists
from connectors.quickbooks._query import Select, equals, since
from connectors.quickbooks._tax import TaxTable, tax_rate_from_qbo
from connectors.quickbooks.capabilities import CAPABILITIES, SPECS, ResourceSpec
from connectors.quickbooks.oauth import QuickBooksOAuth, base_url
from connectors.quickbooks.settings import API_URL, MINOR_VERSION, SETTINGS
from schemas import Bill, Contact, Expense, Invoice
from unified.connector import Capabilities, ListQuery, Page
from unified.errors import EntityNotFoundError, RequestValidationError
from unified.secret import Secret
from unified.settings import ConnectionSettings
from unified.sync import Changes
from unified.toolkit import ApiConnector, Offsets, TokenManager, TokenSet, TokenStore, decode_cursor, encode_cursor

__all__ = ["QuickBooksConnector"]

_PAGES = Offsets(first=1, max_size=1000)
_VIEWS: Mapping[str, Entity] = {"customers": CUSTOMER, "suppliers": VENDOR}


class QuickBooksConnector(ApiConnector[QuickBooksHttp]):
    """One QuickBooks Online company behind the unified accounting API.

    Point it at the local emulator with ``QuickBooksConnector(**emu.connector_settings())``. Tokens refreshed on the
    way go through ``token_store`` (the vault passes one) and to ``on_token_refresh``; nothing secret is logged or
    shown in a repr.
    """

    name: ClassVar[str] = "quickbooks"
    settings: ClassVar[ConnectionSettings | None] = SETTINGS

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str | Secret,
        refresh_token: str | Secret,
        realm_id: str,
        api_url: str | None = None,
        oauth_url: str | None = None,
        appcenter_url: str | None = None,
        window_seconds: float = 60.0,
        minorversion: int = MINOR_VERSION,
        access_token: str | Secret | None = None,
        expires_at: datetime | None = None,
        token_store: TokenStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        on_token_refresh: Callable[[TokenSet], None] | None = None,
    ) -> None:
        self.oauth = QuickBooksOAuth(
            client_id,
            client_secret,
            oauth_url=oauth_url,
            appcenter_url=appcenter_url,
            transport=transport,
            timeout=timeout,
        )
        self.tokens = TokenManager(
            self.oauth,
            refresh_token=refresh_token,
            access_token=access_token,
            expires_at=expires_at,
            on_refresh=on_token_refresh,
            store=token_store,
            reconnect_hint="run the connect flow (`unified connect quickbooks`) to get one",
        )
        self.http = QuickBooksHttp(
            tokens=self.tokens,
            api_url=base_url(api_url, API_URL, "api_url"),
            realm_id=realm_id,
            minorversion=minorversion,
            transport=transport,
            rate_limit=policy(window_seconds),
            timeout=timeout,
        )
        self.realm_id = self.http.realm_id
        self.lists = CompanyLists(self.http)

    def __repr__(self) -> str:
        return f"QuickBooksConnector(api_url={self.http.api_url!r}, realm_id={self.realm_id!r})"

    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    # -- reads -----------------------------------------------------------------------------------------------

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        spec = SPECS[resource]
        position = _PAGES.position(query.cursor, query.limit)
        index = _entity_index(query.cursor, spec)
        where = [_filter(spec, name, value) for name, value in query.filters.items()]
        if spec.name_list:
            where.append("Active = true")  # an inactive customer or vendor is a deleted one
        if query.updated_since is not None:
            where.append(since(query.updated_since))
        orderby = ["Id"]
        if query.sort is not None:
            orderby = [f"{spec.sorts[query.sort.by]} {query.sort.direction.upper()}", "Id"]
        start = position.start
        while True:
            entity = spec.entities[index]
            rows, _ = await self.http.query(Select(entity, where, orderby, start, position.size))
            if rows or index + 1 >= len(spec.entities):
                break
            index, start = index + 1, _PAGES.first  # this entity is done: the next one's first page
        taxes = await self._taxes(spec)
        records = [self._read(entity, row, taxes, query.raw) for row in rows]
        next_cursor: str | None = None
        if len(rows) >= position.size:
            next_cursor = encode_cursor({"start": start + position.size, "size": position.size, "entity": index})
        elif index + 1 < len(spec.entities):
            next_cursor = encode_cursor({"start": _PAGES.first, "size": position.size, "entity": index + 1})
        return Page(data=records, next_cursor=next_cursor)

    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
        spec = SPECS[resource]
        entity, payload = await self._fetch(resource, spec, id)
        return self._read(entity, payload, await self._taxes(spec), raw)

    async def _fetch(self, resource: str, spec: ResourceSpec, record_id: str) -> tuple[str, dict[str, Any]]:
        """(entity, payload) of an active record, or EntityNotFoundError."""
        if not spec.name_list:
            return spec.entities[0], await self.http.read(spec.entities[0], _digits(record_id, spec))
        parsed = parse_contact_id(record_id, _VIEWS.get(resource))
        if parsed is None:
            view = {"customers": "customer", "suppliers": "supplier"}.get(resource, "contact")
            raise EntityNotFoundError(
                f"No {view} has id {record_id!r}: QuickBooks contact ids look like customer-58 or vendor-12."
            )
        entity, qbo_id = parsed
        candidates = [entity] if entity is not None else [CUSTOMER, VENDOR]
        found: builtins.list[tuple[str, dict[str, Any]]] = []
        for candidate in candidates:
            try:
                payload = await self.http.read(candidate, qbo_id)
            except EntityNotFoundError:
                continue
            if payload.get("Active") is not False:
                found.append((candidate, payload))
        if len(found) > 1:
            raise RequestValidationError(
                f"QuickBooks has a customer and a vendor with id {qbo_id}: say which with customer-{qbo_id} or "
                f"vendor-{qbo_id}.",
                field="id",
            )
        if not found:
            raise EntityNotFoundError(
                f"No active QuickBooks {' or '.join(c.lower() for c in candidates)} has id {qbo_id} (an inactive one "
                "is a deleted one)."
            )
        return found[0]

    async def read_payload(self, entity: str, payload: Mapping[str, Any], *, raw: bool = False) -> BaseModel:
        """A QuickBooks payload of ``entity`` (Customer, Vendor, Invoice, Bill, Purchase, TaxRate), unified."""
        spec = next((s for s in SPECS.values() if entity in s.entities), None)
        if spec is None:
            raise RequestValidationError(
                f"QuickBooks {entity} records are not read by the unified API.", field="entity"
            )
        return self._read(entity, payload, await self._taxes(spec), raw)

    def _read(self, entity: str, payload: Mapping[str, Any], taxes: TaxTable, raw: bool) -> BaseModel:
        if entity in (CUSTOMER, VENDOR):
            return contact_from_qbo(payload, CUSTOMER if entity == CUSTOMER else VENDOR, raw=raw)
        if entity == "Invoice":
            return invoice_from_qbo(payload, taxes, raw=raw)
        if entity == "Bill":
            return bill_from_qbo(payload, taxes, raw=raw)
        if entity == "Purchase":
            return expense_from_qbo(payload, taxes, raw=raw)
        return tax_rate_from_qbo(payload, raw=raw)

    async def _taxes(self, spec: ResourceSpec) -> TaxTable:
        if spec.model in (Invoice, Bill, Expense):
            return await self.lists.taxes()
        return TaxTable.empty()

    # -- writes ----------------------------------------------------------------------------------------------

    async def create(
        self, resource: str, record: BaseModel, *, raw: bool = False, idempotency_key: str | None = None
    ) -> BaseModel:
        spec = SPECS[resource]
        fields = _write_fields(spec, record)
        entity, body = await self._body(resource, spec, record, fields, create=True)
        payload = await self.http.save(entity, body, idempotency_key=idempotency_key)
        return self._read(entity, payload, await self._taxes(spec), raw)

    async def update(self, resource: str, id: str, record: BaseModel, *, raw: bool = False) -> BaseModel:
        """A sparse update. With ``row_version`` it is QuickBooks' SyncToken (stale: ConflictError); without, the
        current one is read first, and the update applies to whatever is current."""
        spec = SPECS[resource]
        fields = _write_fields(spec, record)
        token = getattr(record, "row_version", None) if "row_version" in fields else None
        target = self._target(resource, spec, id) if token else None
        if target is None:
            entity, current = await self._fetch(resource, spec, id)
            target, token = (entity, str(current["Id"])), token or current.get("SyncToken")
        entity, qbo_id = target
        _, body = await self._body(resource, spec, record, fields, create=False, entity=entity)
        body.update(Id=qbo_id, SyncToken=token, sparse=True)
        payload = await self.http.save(entity, body)
        return self._read(entity, payload, await self._taxes(spec), raw)

    def _target(self, resource: str, spec: ResourceSpec, record_id: str) -> tuple[str, str] | None:
        """(entity, QuickBooks id) when the id alone says it; None when a read must tell."""
        if not spec.name_list:
            return spec.entities[0], _digits(record_id, spec)
        parsed = parse_contact_id(record_id, _VIEWS.get(resource))
        if parsed is None or parsed[0] is None:
            return None
        return parsed[0], parsed[1]

    async def delete(self, resource: str, id: str) -> None:
        spec = SPECS[resource]
        entity, current = await self._fetch(resource, spec, id)
        reference = {"Id": current["Id"], "SyncToken": current.get("SyncToken")}
        if spec.name_list:
            await self.http.save(entity, {**reference, "sparse": True, "Active": False})
        else:
            await self.http.save(entity, reference, operation="delete")

    async def _body(
        self,
        resource: str,
        spec: ResourceSpec,
        record: BaseModel,
        fields: set[str],
        *,
        create: bool,
        entity: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """(entity, body) of a write: checked, references resolved against the company's lists."""
        if isinstance(record, Contact):
            view = _VIEWS.get(resource)
            target: Entity = entity_of(record, view) if entity is None else (CUSTOMER if entity == CUSTOMER else VENDOR)
            if view is not None and create and getattr(record, "is_supplier" if view == CUSTOMER else "is_customer"):
                other = "suppliers" if view == CUSTOMER else "customers"
                raise RequestValidationError(
                    f"{resource} holds QuickBooks {view}s only: write this contact through {other} or contacts.",
                    field="is_supplier" if view == CUSTOMER else "is_customer",
                )
            validate_contact(record, fields, target, create=create)
            return target, contact_to_qbo(record, fields, target, create=create)
        if not isinstance(record, Invoice | Bill | Expense):
            raise RequestValidationError(f"QuickBooks cannot write {resource} through this connector.", field="record")
        writer = {Invoice: invoice_to_qbo, Bill: bill_to_qbo, Expense: expense_to_qbo}[type(record)]
        needed = lists_needed(record, fields)
        links = await self.lists.links(needed)
        try:
            return spec.entities[0], writer(record, fields, links, create=create)  # type: ignore[operator]
        except MissingLink as missing:
            # created since the list was read? read it once more before refusing
            self.lists.forget(missing.list_name)
            links = await self.lists.links(needed)
            return spec.entities[0], writer(record, fields, links, create=create)  # type: ignore[operator]

    # -- the change feed (unified.sync.ChangeFeed) -----------------------------------------------------------

    def change_horizon(self, resource: str) -> timedelta | None:
        spec = SPECS.get(resource)
        return _cdc.HORIZON if spec is not None and spec.feed else None

    async def changes(self, resource: str, since: datetime) -> Changes:
        """Every change of ``resource`` since ``since`` from one ``/cdc`` call; inactive contacts are deletions."""
        spec = SPECS[resource]
        feed = await _cdc.fetch(self.http, spec.entities, since)
        taxes = await self._taxes(spec)
        changed: builtins.list[BaseModel] = []
        deleted: builtins.list[str] = []
        for entity in spec.entities:
            ids = feed.deleted[entity]
            for row in feed.rows[entity]:
                if spec.name_list and row.get("Active") is False:
                    ids.append(str(row.get("Id")))
                else:
                    changed.append(self._read(entity, row, taxes, False))
            deleted += [contact_id(entity, i) if spec.name_list else i for i in ids]
        return Changes(changed=changed, deleted=deleted, as_of=feed.as_of, complete=feed.complete)

    # -- the rest of QuickBooks' API -------------------------------------------------------------------------


def _entity_index(cursor: str | None, spec: ResourceSpec) -> int:
    if cursor is None:
        return 0
    index = decode_cursor(cursor).get("entity", 0)
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(spec.entities):
        raise RequestValidationError("The cursor is out of range; start again without a cursor.", field="cursor")
    return index


def _filter(spec: ResourceSpec, name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise RequestValidationError(
            f"filters.{name} must be a non-empty string; got {value!r}.", field=f"filters.{name}"
        )
    prop = spec.filters[name]
    if prop in ("CustomerRef", "VendorRef"):
        parsed = parse_contact_id(value, CUSTOMER if prop == "CustomerRef" else VENDOR)
        if parsed is None:
            raise RequestValidationError(
                f"filters.{name} {value!r} is not a QuickBooks {'customer' if prop == 'CustomerRef' else 'vendor'} id.",
                field=f"filters.{name}",
            )
        value = parsed[1]
    return equals(prop, value)


def _digits(record_id: str, spec: ResourceSpec) -> str:
    if not record_id.isdigit():
        raise EntityNotFoundError(f"No {spec.entities[0]} has id {record_id!r}: QuickBooks ids are strings of digits.")
    return record_id


def _write_fields(spec: ResourceSpec, record: BaseModel) -> set[str]:
    """The fields a write sends: those the record sets, minus the ones QuickBooks computes."""
    fields = set(record.model_fields_set) - spec.declare().read_only_fields
    unwritable = sorted(f for f in fields - spec.writable if getattr(record, f, None) not in (None, [], False))
    if unwritable and isinstance(record, Contact):
        unwritable = [f for f in unwritable if f not in ("is_customer", "is_supplier")]
    if unwritable:
        raise RequestValidationError(
            f"QuickBooks cannot write {unwritable[0]} here; the fields it writes: {', '.join(sorted(spec.writable))}.",
            field=unwritable[0],
        )
    return fields & spec.writable
