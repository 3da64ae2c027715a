"""The Xero connector: the unified resources over one tenant of Xero's Accounting API 2.0.

``XeroConnector`` wires Xero's OAuth client, the token manager (rotating refresh tokens stored through the token
store before use) and :class:`XeroHttp` (the tenant header, pacing under Xero's limits, retries, error mapping) to
the mapping in ``_mapping``. Lists page with Xero's ``page``/``pageSize`` behind an opaque cursor and carry line
items; ``updated_since`` is Xero's ``If-Modified-Since``. Records Xero deleted, voided or archived are deletions:
lists leave them out and a get says the record is not found. Writes are checked and their links resolved before
any call, and go out with an ``Idempotency-Key`` (the caller's, or one made per write) and ``summarizeErrors=false``.
"""

from __future__ import annotations

import builtins
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel

from connectors.xero import _mapping as mapping
from connectors.xero import _wire as w
from connectors.xero._convert import parse_decimal, structure, unstructure
from connectors.xero._http import XeroDialect, XeroHttp
from connectors.xero._refs import Books
from connectors.xero.capabilities import CAPABILITIES, MAX_PAGE_SIZE, SPECS, ResourceSpec
from connectors.xero.oauth import XeroOAuth
from connectors.xero.settings import API_URL, IDENTITY_URL, LOGIN_URL, SETTINGS
from schemas import Bill, Contact, Expense, Invoice, TaxRate
from unified.connector import Capabilities, ListQuery, Page
from unified.errors import (
    ConflictError,
    ConnectorExecutionError,
    ConnectorOperationUnsupportedError,
    EntityNotFoundError,
    RequestValidationError,
)
from unified.ratelimit import RateLimitPolicy
from unified.secret import Secret
from unified.settings import ConnectionSettings
from unified.toolkit import (
    ApiClient,
    ApiConnector,
    KeyedCache,
    Offsets,
    PageNumbers,
    TokenManager,
    TokenSet,
    TokenStore,
)
from unified.toolkit import updated_since as since_filter

logger = logging.getLogger("connectors.xero")

__all__ = ["XeroConnector"]

_PAGES = PageNumbers(first=1, max_size=MAX_PAGE_SIZE)
_ROWS = Offsets(first=0, max_size=MAX_PAGE_SIZE)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TAX_TYPE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
#: unit amounts to 4 decimal places, both ways (Xero rounds them to 2 without it)
_UNITDP = {"unitdp": 4}
_LIVE_DOCUMENTS = "DRAFT,SUBMITTED,AUTHORISED,PAID"
_LABELS = {"contact": "contact", "invoice": "document", "banktransaction": "bank transaction", "taxrate": "tax rate"}


class XeroConnector(ApiConnector[XeroHttp]):
    """One Xero organisation (tenant) behind the unified accounting API.

    Point it at a local Xero with ``api_url``/``identity_url``/``login_url`` (an emulator's
    ``connector_settings()`` gives them all). Refresh tokens rotate on every refresh: give a ``token_store`` shared
    by every process using the connection (the vault's is one) so the new one is kept before it is used;
    ``on_token_refresh`` sees each new token set too. Nothing secret is logged or shown in a repr.
    """

    name: ClassVar[str] = "xero"
    settings: ClassVar[ConnectionSettings | None] = SETTINGS

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str | Secret,
        refresh_token: str | Secret,
        tenant_id: str,
        api_url: str | None = None,
        identity_url: str | None = None,
        login_url: str | None = None,
        window_seconds: float = 60.0,
        access_token: str | Secret | None = None,
        expires_at: datetime | str | None = None,
        token_store: TokenStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        on_token_refresh: Callable[[TokenSet], None] | None = None,
        rate_limit: RateLimitPolicy | None = None,
    ) -> None:
        if not isinstance(tenant_id, str) or not tenant_id.strip():
            raise RequestValidationError(
                "tenant_id is required: list the organisations this login reaches with "
                "XeroConnector(...).connections() (GET /connections) and pass one's tenantId.",
                field="tenant_id",
            )
        if isinstance(expires_at, str):
            try:
                expires_at = datetime.fromisoformat(expires_at)
            except ValueError:
                raise RequestValidationError(
                    f"expires_at {expires_at!r} is not an ISO 8601 datetime like 2024-05-01T12:00:00+00:00.",
                    field="expires_at",
                ) from None
        self.tenant_id = tenant_id.strip()
        self.api_url = (api_url or API_URL).strip().rstrip("/")
        self.oauth = XeroOAuth(
            client_id,
            client_secret,
            identity_url=identity_url or IDENTITY_URL,
            login_url=login_url or LOGIN_URL,
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
            reconnect_hint="run `unified connect xero` to get one",
        )
        self.http = XeroHttp(
            tokens=self.tokens,
            api_url=self.api_url,
            tenant_id=self.tenant_id,
            client_id=self.oauth.client_id,
            window_seconds=window_seconds,
            rate_limit=rate_limit,
            transport=transport,
            timeout=timeout,
        )
        self._transport = transport
        self._timeout = timeout
        self._identity: ApiClient | None = None
        self._taxes: KeyedCache[str, dict[str, w.XeroTaxRate]] = KeyedCache(self._fetch_taxes)
        self._accounts: KeyedCache[str, list[w.XeroAccount]] = KeyedCache(self._fetch_accounts)
        self._items: KeyedCache[str, list[w.XeroItem]] = KeyedCache(self._fetch_items)
        self._tracking: KeyedCache[str, list[w.XeroTrackingCategory]] = KeyedCache(self._fetch_tracking)
        self._absent_taxes: set[str] = set()

    def __repr__(self) -> str:
        return f"XeroConnector(api_url={self.api_url!r}, tenant_id={self.tenant_id!r})"

    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    # -- reads -----------------------------------------------------------------------------------------------

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        spec = SPECS[resource]
        if not spec.paged:
            return await self._list_all_at_once(spec, query)
        position = _PAGES.position(query.cursor, query.limit)
        params: dict[str, Any] = {"page": position.start, "pageSize": position.size}
        if spec.element in ("invoice", "banktransaction"):
            params.update(_UNITDP)
        where = _base_where(spec)
        for name, value in query.filters.items():
            flt = spec.filters[name]
            text = flt.value(name, value)
            if flt.param is not None:
                params[flt.param] = text
            else:
                where.append(f'{flt.element}=="{text}"')
        if spec.element == "invoice":
            params.setdefault("Statuses", _LIVE_DOCUMENTS)
        if where:
            params["where"] = " AND ".join(where)
        if query.sort is not None:
            params["order"] = f"{spec.sorts[query.sort.by]} {query.sort.direction.upper()}"
        headers: dict[str, str] = {}
        since = query.updated_since
        if since is not None:
            # a second early, whole seconds: a record changed at `since` is listed whether Xero reads > or >=
            early = (since - timedelta(seconds=1)).astimezone(UTC).replace(microsecond=0)
            headers["If-Modified-Since"] = early.isoformat()
        body = await self.http.get(spec.path, params=params, headers=headers or None)
        rows = _rows(body, spec)
        kept = [row for row in rows if _belongs(spec, row)]
        taxes = await self._taxes_for(kept) if spec.element in ("invoice", "banktransaction") else None
        reader = mapping.READERS[resource]
        records = [reader(row, raw=query.raw, taxes=taxes) for row in kept]
        records = since_filter(records, since)
        more, total = _paging(body, position.start, position.size, len(rows))
        return Page(data=records, next_cursor=_PAGES.next_cursor(position, more=more), total=total)

    async def _list_all_at_once(self, spec: ResourceSpec, query: ListQuery) -> Page[Any]:
        """Tax rates: Xero answers them all in one list; pages are slices of it."""
        position = _ROWS.position(query.cursor, query.limit)
        body = await self.http.get(spec.path)
        rows = [row for row in _rows(body, spec) if _belongs(spec, row)]
        chunk = rows[position.start : position.start + position.size]
        reader = mapping.READERS["tax_rates"]
        records = [reader(row, raw=query.raw) for row in chunk]
        more = position.start + position.size < len(rows)
        return Page(
            data=records, next_cursor=_ROWS.next_cursor(position, returned=len(chunk), more=more), total=len(rows)
        )

    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
        spec = SPECS[resource]
        payload = await self._fetch(spec, id)
        self._check_belongs(spec, payload, id)
        return await self._read(resource, payload, raw=raw)

    async def fetch_payload(self, resource: str, id: str) -> dict[str, Any]:
        """Xero's payload of one record, deleted or not (for webhooks and tools that need to see deletions)."""
        return await self._fetch(SPECS[resource], id)

    async def read_payload(self, resource: str, payload: Mapping[str, Any], *, raw: bool = True) -> BaseModel:
        """A Xero payload as the resource's unified model (tax rates on lines resolved)."""
        return await self._read(resource, payload, raw=raw)

    async def _read(self, resource: str, payload: Mapping[str, Any], *, raw: bool) -> BaseModel:
        spec = SPECS[resource]
        taxes = await self._taxes_for([payload]) if spec.element in ("invoice", "banktransaction") else None
        return mapping.READERS[resource](payload, raw=raw, taxes=taxes)

    async def _fetch(self, spec: ResourceSpec, record_id: str) -> dict[str, Any]:
        params = _UNITDP if spec.element in ("invoice", "banktransaction") else None
        body = await self.http.get(f"{spec.path}/{_segment(spec, record_id)}", params=params)
        rows = _rows(body, spec)
        if not rows:
            raise EntityNotFoundError(f"Xero has no {_LABELS[spec.element]} with id {record_id}.")
        return rows[0]

    def _check_belongs(self, spec: ResourceSpec, payload: Mapping[str, Any], record_id: str) -> None:
        if mapping.is_deleted(spec.element, payload):
            state = payload.get("ContactStatus") or payload.get("Status")
            raise EntityNotFoundError(
                f"Xero {_LABELS[spec.element]} {record_id} is {state}: a deleted, voided or archived record is "
                f"deleted to the unified API. Its last state is on proxy('GET', '{spec.path}/{record_id}').",
                detail={"id": record_id, "status": state},
            )
        if not _belongs(spec, payload):
            kind = payload.get("Type")
            what = {"ACCREC": "a sales invoice", "ACCPAY": "a bill", "SPEND": "a spend-money transaction"}.get(
                str(kind), f"of type {kind}"
            )
            if spec.role is not None:
                role = "customer" if spec.role == "IsCustomer" else "supplier"
                raise EntityNotFoundError(
                    f"No {role} has id {record_id}: Xero has not made that contact a {role} (it has no "
                    f"{'sales invoice' if role == 'customer' else 'bill'} yet). Read it through contacts."
                )
            raise EntityNotFoundError(f"No record of this resource has id {record_id}: in Xero it is {what}.")

    # -- writes ----------------------------------------------------------------------------------------------

    async def create(
        self, resource: str, record: BaseModel, *, raw: bool = False, idempotency_key: str | None = None
    ) -> BaseModel:
        spec = SPECS[resource]
        if spec.role is not None:
            raise ConnectorOperationUnsupportedError(
                f"Xero cannot create {resource}: it makes a contact a customer or supplier itself, once a sales "
                "invoice or bill names it. Create the contact through contacts, then raise the document."
            )
        fields = self._fields(spec, record)
        mapping.validate_write(resource, record, fields, create=True)
        element = await self._element(spec, record, fields, create=True, current=None)
        answer = await self.http.write_element(
            "PUT",
            spec.path,
            spec.list_key,
            element,
            params=_UNITDP if spec.element in ("invoice", "banktransaction") else None,
            idempotency_key=idempotency_key,
            summarize=spec.element != "taxrate",
        )
        if spec.element == "taxrate":
            self._taxes.forget()
        return await self._read(resource, answer, raw=raw)

    async def update(self, resource: str, id: str, record: BaseModel, *, raw: bool = False) -> BaseModel:
        spec = SPECS[resource]
        fields = self._fields(spec, record)
        mapping.validate_write(resource, record, fields, create=False)
        current = await self._fetch(spec, id)
        self._check_belongs(spec, current, id)
        element = await self._element(spec, record, fields, create=False, current=current)
        element[spec.id_field] = current.get(spec.id_field) or id
        if spec.type is not None and spec.element == "invoice":
            element["Type"] = spec.type
        answer = await self.http.write_element(
            "POST",
            spec.path,
            spec.list_key,
            element,
            params=_UNITDP if spec.element in ("invoice", "banktransaction") else None,
            summarize=spec.element != "taxrate",
        )
        if spec.element == "taxrate":
            self._taxes.forget()
        return await self._read(resource, answer, raw=raw)

    async def delete(self, resource: str, id: str) -> None:
        """Archive a contact, delete (draft) or void (authorised) a document, delete an expense or a tax rate."""
        spec = SPECS[resource]
        current = await self._fetch(spec, id)
        self._check_belongs(spec, current, id)
        element: dict[str, Any] = {spec.id_field: current.get(spec.id_field) or id}
        if spec.element == "contact":
            element["ContactStatus"] = "ARCHIVED"
        elif spec.element == "invoice":
            element["Status"] = _document_deletion(current, id)
        elif spec.element == "banktransaction":
            if current.get("IsReconciled") is True:
                raise ConflictError(
                    f"Xero bank transaction {id} is reconciled: Xero deletes only unreconciled ones. Unreconcile it "
                    "in Xero first."
                )
            element["Status"] = "DELETED"
        else:
            # Xero's example names the tax rate by its Name on update: send what it has, with the new status
            tax = structure(current, w.XeroTaxRate)
            kept = w.XeroTaxRate(
                TaxType=tax.TaxType, Name=tax.Name, TaxComponents=tax.TaxComponents, ReportTaxType=tax.ReportTaxType
            )
            element.update(unstructure(kept))
            element["Status"] = "DELETED"
        await self.http.write_element("POST", spec.path, spec.list_key, element, summarize=spec.element != "taxrate")
        if spec.element == "taxrate":
            self._taxes.forget()

    def _fields(self, spec: ResourceSpec, record: BaseModel) -> set[str]:
        if isinstance(record, Contact):
            mapping.check_roles(record)
        return mapping.check_fields(record, spec.writable, spec.read_only())

    async def _element(
        self,
        spec: ResourceSpec,
        record: BaseModel,
        fields: set[str],
        *,
        create: bool,
        current: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        if isinstance(record, Contact):
            return mapping.contact_to_xero(record, fields, create=create)
        if isinstance(record, TaxRate):
            existing = structure(current, w.XeroTaxRate) if current is not None else None
            return mapping.tax_rate_to_xero(record, fields, existing)
        books = await self._books(record, fields)
        try:
            return self._build(record, fields, books, create)
        except RequestValidationError:
            if books == Books():
                raise
            # a tax rate, account, item or option created since the tables were read: read them once more
            for cache in (self._taxes, self._accounts, self._items, self._tracking):
                cache.forget()
            return self._build(record, fields, await self._books(record, fields), create)

    @staticmethod
    def _build(record: BaseModel, fields: set[str], books: Books, create: bool) -> dict[str, Any]:
        if isinstance(record, Invoice | Bill):
            return mapping.invoice_to_xero(record, fields, books, create=create)
        if isinstance(record, Expense):
            return mapping.bank_transaction_to_xero(record, fields, books, create=create)
        raise ConnectorExecutionError(f"No Xero writer for {type(record).__name__}.")  # pragma: no cover

    async def _books(self, record: BaseModel, fields: set[str]) -> Books:
        if "line_items" not in fields and not (fields & {"account", "account_id"}):
            return Books()
        taxes, accounts, items, tracking = mapping.line_links(record) if "line_items" in fields else (False,) * 4
        accounts = accounts or bool(fields & {"account", "account_id"})
        tenant = self.tenant_id
        return Books(
            taxes=await self._taxes.get(tenant) if taxes else {},
            accounts=await self._accounts.get(tenant) if accounts else (),
            items=await self._items.get(tenant) if items else (),
            tracking=await self._tracking.get(tenant) if tracking else (),
        )

    # -- the organisation's tables ---------------------------------------------------------------------------

    async def _taxes_for(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, w.XeroTaxRate]:
        """The tax table, read again once when a line names a TaxType it lacks (a rate created since)."""
        taxes = await self._taxes.get(self.tenant_id)
        wanted = {
            line.get("TaxType")
            for row in rows
            for line in (row.get("LineItems") or [])
            if isinstance(line, Mapping) and line.get("TaxType")
        }
        unknown = wanted - set(taxes) - self._absent_taxes
        if unknown:
            self._taxes.forget()
            taxes = await self._taxes.get(self.tenant_id)
            # codes Xero's table still lacks are read as codes alone, without asking again on every page
            self._absent_taxes |= {code for code in unknown - set(taxes) if isinstance(code, str)}
        return taxes

    async def _fetch_taxes(self, _tenant: str) -> dict[str, w.XeroTaxRate]:
        body = await self.http.get("/TaxRates")
        table: dict[str, w.XeroTaxRate] = {}
        for row in _rows(body, SPECS["tax_rates"]):
            tax = structure(row, w.XeroTaxRate)
            if tax.TaxType:
                table[tax.TaxType] = tax
        return table

    async def _fetch_accounts(self, _tenant: str) -> builtins.list[w.XeroAccount]:
        body = await self.http.get("/Accounts")
        return [structure(row, w.XeroAccount) for row in body.get("Accounts") or [] if isinstance(row, Mapping)]

    async def _fetch_items(self, _tenant: str) -> builtins.list[w.XeroItem]:
        body = await self.http.get("/Items")
        return [structure(row, w.XeroItem) for row in body.get("Items") or [] if isinstance(row, Mapping)]

    async def _fetch_tracking(self, _tenant: str) -> builtins.list[w.XeroTrackingCategory]:
        body = await self.http.get("/TrackingCategories")
        rows = body.get("TrackingCategories") or []
        return [structure(row, w.XeroTrackingCategory) for row in rows if isinstance(row, Mapping)]

    # -- the rest of Xero's API ------------------------------------------------------------------------------

    async def connections(self) -> builtins.list[dict[str, Any]]:
        """The organisations (tenants) this login reaches, as Xero's ``GET /connections`` lists them."""
        if self._identity is None:
            self._identity = ApiClient(
                dialect=XeroDialect(),
                base_url=self.api_url,
                auth=self.tokens,
                limiter_key=f"xero-connections:{self.api_url}:{self.oauth.client_id}",
                rate_limit=RateLimitPolicy(limit=60, window=60, max_concurrent=5),
                transport=self._transport,
                timeout=self._timeout,
            )
        body = await self._identity.request("GET", "/connections")
        if not isinstance(body, list):
            raise ConnectorExecutionError("Xero answered GET /connections without a list of connections.")
        return [row for row in body if isinstance(row, dict)]

    async def organizations(self) -> builtins.list[dict[str, Any]]:
        """The tenants this login reaches (``unified organizations``): Xero's ``GET /connections`` rows."""
        return await self.connections()

    async def aclose(self) -> None:
        await super().aclose()
        if self._identity is not None:
            await self._identity.aclose()


# -- helpers ---------------------------------------------------------------------------------------------------


def _segment(spec: ResourceSpec, record_id: str) -> str:
    pattern = _TAX_TYPE if spec.element == "taxrate" else _GUID
    if not pattern.match(record_id):
        kind = "a TaxType code like OUTPUT" if spec.element == "taxrate" else "a GUID"
        raise EntityNotFoundError(f"No record has id {record_id!r}: Xero ids here are {kind}.")
    return record_id


def _rows(body: Mapping[str, Any], spec: ResourceSpec) -> builtins.list[dict[str, Any]]:
    rows = body.get(spec.list_key)
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise ConnectorExecutionError(f"Xero answered {spec.path} with {spec.list_key} that is not a list.")
    return [row for row in rows if isinstance(row, dict)]


def _base_where(spec: ResourceSpec) -> builtins.list[str]:
    where: builtins.list[str] = []
    if spec.type is not None:
        where.append(f'Type=="{spec.type}"')
    if spec.element == "banktransaction":
        where.append('Status=="AUTHORISED"')
    if spec.role is not None:
        where.append(f"{spec.role}==true")
    return where


def _belongs(spec: ResourceSpec, row: Mapping[str, Any]) -> bool:
    """Whether a row is a live record of this resource (Xero's filters did it; this makes sure)."""
    if mapping.is_deleted(spec.element, row):
        return False
    if spec.type is not None and row.get("Type") not in (None, spec.type):
        return False
    return spec.role is None or row.get(spec.role) is True


def _paging(body: Mapping[str, Any], page: int, size: int, returned: int) -> tuple[bool, int | None]:
    """(whether a next page exists, how many records the listing holds) from Xero's ``pagination`` block."""
    block = body.get("pagination")
    if isinstance(block, Mapping):
        count, items = block.get("pageCount"), block.get("itemCount")
        total = items if isinstance(items, int) and not isinstance(items, bool) else None
        if isinstance(count, int) and not isinstance(count, bool):
            return page < count, total
        return returned >= size, total
    return returned >= size, None


def _document_deletion(current: Mapping[str, Any], record_id: str) -> str:
    """The status that deletes a document: DELETED for a draft or submitted one, VOIDED for an authorised one."""
    status = str(current.get("Status") or "")
    if status in ("DRAFT", "SUBMITTED"):
        return "DELETED"
    paid = parse_decimal(current.get("AmountPaid"))
    if status == "AUTHORISED" and not paid and not current.get("Payments"):
        return "VOIDED"
    raise ConflictError(
        f"Xero document {record_id} is {status.lower() or 'in a state'} with payments on it: Xero voids only documents "
        "without payments. Remove the payments in Xero first.",
        detail={"id": record_id, "status": status},
    )
