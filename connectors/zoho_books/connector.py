"""The Zoho Books connector: the unified resources over Zoho's Books API v3.

``ZohoBooksConnector`` wires the OAuth client, the token manager and :class:`ZohoHttp` (auth, organization_id,
pacing, retries, error mapping) to the mapping in ``_mapping``. Lists page with Zoho's ``page``/``per_page``
behind an opaque cursor; ``detail=True`` fetches each record's detail (line items, addresses...) with bounded
concurrency. Writes are checked before any request, creates are sent once (an unknown outcome is settled by
looking the record up, never by sending it again), updates send only the fields the record sets.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import attrs
import httpx
from pydantic import BaseModel

from connectors.zoho_books import _mapping as mapping
from connectors.zoho_books._customfields import DefinitionCache, resolve
from connectors.zoho_books._datacenters import DATA_CENTERS
from connectors.zoho_books._http import ZohoHttp, policy_for_plan
from connectors.zoho_books._wire import ZohoContact, ZohoCustomField, ZohoTax
from connectors.zoho_books.capabilities import CAPABILITIES, SORT_ORDER, SPECS, ResourceSpec
from connectors.zoho_books.oauth import TokenSet, ZohoOAuth
from connectors.zoho_books.settings import SETTINGS
from schemas import Bill, Contact, CustomField, Expense, Invoice, LinkedTaxRate, TaxRate
from unified.connector import Capabilities, ListQuery, Page
from unified.errors import ConnectorExecutionError, EntityNotFoundError, RequestValidationError
from unified.secret import Secret
from unified.settings import ConnectionSettings
from unified.toolkit import ApiConnector, PageNumbers, TokenManager, TokenStore, fetch_details
from unified.toolkit import TokenSet as BaseTokenSet
from unified.toolkit import updated_since as since_filter

logger = logging.getLogger("connectors.zoho_books")

__all__ = ["ZohoBooksConnector"]

Lookup = Callable[[], Awaitable[dict[str, Any] | None]]
_WRITERS: dict[type[BaseModel], Callable[..., Any]] = {
    Contact: mapping.contact_to_zoho,
    Bill: mapping.bill_to_zoho,
    Expense: mapping.expense_to_zoho,
    TaxRate: mapping.tax_rate_to_zoho,
}


_PAGES = PageNumbers(first=1, max_size=200)


class ZohoBooksConnector(ApiConnector[ZohoHttp]):
    """Zoho Books (all data centers) behind the unified accounting API.

    Point it at the local emulator with ``api_url``/``accounts_url``, or at Zoho with ``data_center``. Tokens
    refreshed on the way are passed to ``on_token_refresh`` (to keep them in a vault); nothing secret is
    logged or shown in a repr.
    """

    name: ClassVar[str] = "zoho-books"
    settings: ClassVar[ConnectionSettings | None] = SETTINGS

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str | Secret,
        refresh_token: str | Secret,
        organization_id: str,
        data_center: str = "us",
        api_url: str | None = None,
        accounts_url: str | None = None,
        access_token: str | Secret | None = None,
        expires_at: datetime | None = None,
        plan: str = "premium",
        window_seconds: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        on_token_refresh: Callable[[TokenSet], None] | None = None,
        token_store: TokenStore | None = None,
        detail_concurrency: int = 4,
        unique_custom_field: str | None = None,
    ) -> None:
        if not isinstance(organization_id, str) or not organization_id.strip():
            raise RequestValidationError(
                "organization_id is required: list the organizations the account can reach with "
                "ZohoBooksConnector(...).organizations() or GET /organizations, and pass one.",
                field="organization_id",
            )
        if not isinstance(detail_concurrency, int) or not 1 <= detail_concurrency <= 10:
            raise RequestValidationError(
                "detail_concurrency must be a whole number from 1 to 10 (Zoho allows 10 calls in flight).",
                field="detail_concurrency",
            )
        if unique_custom_field is not None and not unique_custom_field.startswith("cf_"):
            raise RequestValidationError(
                f"unique_custom_field must be the api_name of a unique custom field, like cf_external_id; "
                f"got {unique_custom_field!r}.",
                field="unique_custom_field",
            )
        self.oauth = ZohoOAuth(
            client_id, client_secret, data_center=data_center, accounts_url=accounts_url, transport=transport
        )
        # Zoho says where the account's data lives: unless told an api_url, follow the token's api_domain
        follow_api_domain = api_url is None

        def refreshed(tokens: BaseTokenSet) -> None:
            api_domain = getattr(tokens, "api_domain", None)
            books_url = _books_url(api_domain) if follow_api_domain and api_domain else None
            if books_url is not None:
                self.http.api_url = books_url
            if on_token_refresh is not None and isinstance(tokens, TokenSet):
                on_token_refresh(tokens)

        self.tokens = TokenManager(
            self.oauth,
            refresh_token=refresh_token,
            access_token=access_token,
            expires_at=expires_at,
            on_refresh=refreshed,
            store=token_store,
            reconnect_hint="run the connect flow (`unified connect zoho-books`) to get one",
        )
        self.http = ZohoHttp(
            tokens=self.tokens,
            api_url=api_url or DATA_CENTERS[self.oauth.data_center.key].api_url,
            organization_id=organization_id.strip(),
            transport=transport,
            rate_limit=policy_for_plan(plan, window_seconds),
            timeout=timeout,
        )
        self.organization_id = organization_id.strip()
        self.detail_concurrency = detail_concurrency
        self.unique_custom_field = unique_custom_field
        self._definitions = DefinitionCache(self._fetch_definitions)
        self._taxes: dict[str, ZohoTax] | None = None
        self._currencies: dict[str, str] | None = None
        self._settings_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ZohoBooksConnector(api_url={self.http.api_url!r}, organization_id={self.organization_id!r})"

    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    # -- reads -----------------------------------------------------------------------------------------------

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        spec = SPECS[resource]
        position = _PAGES.position(query.cursor, query.limit)
        params: dict[str, Any] = {"page": position.start, "per_page": position.size}
        if spec.contact_type:
            params["contact_type"] = spec.contact_type
        for name, value in query.filters.items():
            key, zoho_value = spec.filters[name].to_zoho(name, value)
            params[key] = zoho_value
        if query.sort is not None:
            params["sort_column"] = spec.sorts[query.sort.by]
            params["sort_order"] = SORT_ORDER[query.sort.direction]
        since = query.updated_since if spec.server_since else None
        if since is not None:
            # a second early, so a record changed at `since` is listed whether Zoho reads "after" or "from"
            params["last_modified_time"] = mapping.format_timestamp(since - timedelta(seconds=1))
        body = await self.http.request("GET", spec.path, params=params)
        rows = body.get(spec.list_key)
        if not isinstance(rows, list):
            raise ConnectorExecutionError(f"Zoho Books answered GET {spec.path} without a {spec.list_key} list.")
        rows = [row for row in rows if isinstance(row, Mapping)]
        reader = mapping.READERS[resource]
        if query.detail:
            records = await self._details(spec, reader, rows, query.raw)
        else:
            records = [reader(row, raw=query.raw) for row in rows]
        records = since_filter(records, since)
        return Page(data=records, next_cursor=_PAGES.next_cursor(position, more=_has_more(body)))

    async def _details(
        self, spec: ResourceSpec, reader: Callable[..., BaseModel], rows: Sequence[Mapping[str, Any]], raw: bool
    ) -> builtins.list[BaseModel]:
        """Each row's detail, ``detail_concurrency`` GETs at a time, in the list's order."""

        async def one(row: Mapping[str, Any]) -> BaseModel:
            return reader(await self._fetch(spec, str(row.get(spec.id_field, ""))), raw=raw)

        return await fetch_details(rows, one, concurrency=self.detail_concurrency)

    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
        spec = SPECS[resource]
        payload = await self._fetch(spec, id)
        self._check_view(spec, payload, id)
        return mapping.READERS[resource](payload, raw=raw)

    async def _fetch(self, spec: ResourceSpec, record_id: str) -> dict[str, Any]:
        body = await self.http.request("GET", f"{spec.path}/{_segment(record_id)}")
        return _record(body, spec)

    @staticmethod
    def _check_view(spec: ResourceSpec, payload: Mapping[str, Any], record_id: str) -> None:
        if spec.contact_type and payload.get("contact_type") != spec.contact_type:
            role = "customer" if spec.contact_type == "customer" else "supplier"
            raise EntityNotFoundError(
                f"No {role} has id {record_id}: the contact is not a {role} (read it through contacts)."
            )

    # -- writes ----------------------------------------------------------------------------------------------

    async def create(
        self, resource: str, record: BaseModel, *, raw: bool = False, idempotency_key: str | None = None
    ) -> BaseModel:
        spec = SPECS[resource]
        if idempotency_key is not None:
            record = self._with_unique_key(spec, record, idempotency_key)
        fields = _write_fields(spec, record)
        self._check_role(spec, record)
        mapping.validate_write(resource, record, fields, create=True)
        body, params, context = await self._body(spec, record, fields, create=True)
        answer = await self.http.create(
            spec.path, json=body, params=params or None, lookup=self._lookup(spec, body, context)
        )
        if resource == "tax_rates":
            self._taxes = None
        return mapping.READERS[resource](_record(answer, spec), raw=raw)

    async def update(self, resource: str, id: str, record: BaseModel, *, raw: bool = False) -> BaseModel:
        spec = SPECS[resource]
        fields = _write_fields(spec, record)
        self._check_role(spec, record, fields)
        mapping.validate_write(resource, record, fields, create=False)
        current: ZohoContact | None = None
        if spec.contact_type or (isinstance(record, Contact) and fields & mapping.PERSON_FIELDS):
            payload = await self._fetch(spec, id)
            self._check_view(spec, payload, id)
            current = mapping.structure(payload, ZohoContact)
        body, params, _ = await self._body(spec, record, fields, create=False, current=current)
        answer = await self.http.request("PUT", f"{spec.path}/{_segment(id)}", json=body, params=params or None)
        if resource == "tax_rates":
            self._taxes = None
        return mapping.READERS[resource](_record(answer, spec), raw=raw)

    async def delete(self, resource: str, id: str) -> None:
        spec = SPECS[resource]
        if spec.contact_type:
            self._check_view(spec, await self._fetch(spec, id), id)
        await self.http.request("DELETE", f"{spec.path}/{_segment(id)}")
        if resource == "tax_rates":
            self._taxes = None

    def _with_unique_key(self, spec: ResourceSpec, record: BaseModel, key: str) -> BaseModel:
        """The record with the caller's idempotency key in the unique custom field, so a lost create is found.

        Zoho has no idempotency keys: without ``unique_custom_field`` the key cannot travel, and a lost create is
        settled by the record's number or reference alone.
        """
        if self.unique_custom_field is None or spec.custom_field_entity is None:
            return record
        fields: builtins.list[CustomField] = list(getattr(record, "custom_fields", None) or [])
        if any(f.name == self.unique_custom_field or f.id == self.unique_custom_field for f in fields):
            return record
        fields.append(CustomField(name=self.unique_custom_field, value=key))
        return record.model_copy(update={"custom_fields": fields})

    def _check_role(self, spec: ResourceSpec, record: BaseModel, fields: set[str] | None = None) -> None:
        if not (spec.contact_type and isinstance(record, Contact)):
            return
        other = "is_supplier" if spec.contact_type == "customer" else "is_customer"
        if getattr(record, other) and (fields is None or other in fields):
            view = "customers" if spec.contact_type == "customer" else "suppliers"
            raise RequestValidationError(
                f"{view} holds only {view}: a contact with {other}=True belongs to the other view; write it "
                "through contacts.",
                field=other,
            )

    async def _body(
        self,
        spec: ResourceSpec,
        record: BaseModel,
        fields: set[str],
        *,
        create: bool,
        current: ZohoContact | None = None,
    ) -> tuple[dict[str, Any], dict[str, str], mapping.WriteContext]:
        context = mapping.WriteContext(
            custom_fields=await self._custom_fields(spec, record) if "custom_fields" in fields else None,
            currencies=await self._currency_ids() if "currency" in fields and getattr(record, "currency", None) else {},
            taxes=await self._tax_table() if "line_items" in fields and _line_rates(record) else {},
            current_contact=current,
        )
        try:
            body, params = _write(spec, record, fields, context, create)
        except RequestValidationError:
            if not context.taxes:
                raise
            # a tax created since the table was read: read it once more before refusing
            self._taxes = None
            context = attrs.evolve(context, taxes=await self._tax_table())
            body, params = _write(spec, record, fields, context, create)
        return body, params, context

    async def _custom_fields(self, spec: ResourceSpec, record: BaseModel) -> builtins.list[ZohoCustomField]:
        fields = getattr(record, "custom_fields", None) or []
        if spec.custom_field_entity is None:
            if fields:
                raise RequestValidationError("Zoho Books tax rates have no custom fields.", field="custom_fields")
            return []
        entity = spec.custom_field_entity
        definitions = await self._definitions.get(self.organization_id, entity)
        try:
            return resolve(fields, definitions, entity=entity, where="custom_fields")
        except RequestValidationError as refused:
            if not (isinstance(refused.detail, Mapping) and "known" in refused.detail):
                raise
            # an unknown field may have been defined since the definitions were cached: look once more
            self._definitions.forget(self.organization_id)
            definitions = await self._definitions.get(self.organization_id, entity)
            return resolve(fields, definitions, entity=entity, where="custom_fields")

    async def _fetch_definitions(self, entity: str) -> Mapping[str, Any]:
        return await self.http.request("GET", "/settings/customfields", params={"entity": entity})

    async def _tax_table(self) -> dict[str, ZohoTax]:
        async with self._settings_lock:
            if self._taxes is None:
                taxes: dict[str, ZohoTax] = {}
                page = 1
                while True:
                    body = await self.http.request("GET", "/settings/taxes", params={"page": page, "per_page": 200})
                    for row in body.get("taxes") or []:
                        tax = mapping.structure(row, ZohoTax) if isinstance(row, Mapping) else None
                        if tax is not None and tax.tax_id:
                            taxes[tax.tax_id] = tax
                    if not _has_more(body):
                        break
                    page += 1
                self._taxes = taxes
            return self._taxes

    async def _currency_ids(self) -> dict[str, str]:
        async with self._settings_lock:
            if self._currencies is None:
                body = await self.http.request("GET", "/settings/currencies")
                self._currencies = {
                    str(row["currency_code"]).upper(): str(row["currency_id"])
                    for row in body.get("currencies") or []
                    if isinstance(row, Mapping) and row.get("currency_code") and row.get("currency_id")
                }
            return self._currencies

    # -- finding a record after a create whose outcome is unknown --------------------------------------------

    def _lookup(self, spec: ResourceSpec, body: Mapping[str, Any], context: mapping.WriteContext) -> Lookup | None:
        unique = self._unique_value(spec, context)
        if unique is not None:
            return lambda: self._lookup_unique(spec, body, unique)
        keys: dict[str, str] = {}
        if spec.item_key == "contact" and body.get("contact_name"):
            keys = {"contact_name": str(body["contact_name"])}  # contact names are unique in an organization
        elif spec.item_key == "invoice" and body.get("invoice_number"):
            keys = {"invoice_number": str(body["invoice_number"])}
        elif spec.item_key == "invoice" and body.get("reference_number"):
            # a reference need not be unique: the customer and the date narrow it to this invoice
            keys = {"reference_number": str(body["reference_number"]), "customer_id": str(body["customer_id"])}
            if body.get("date"):
                keys["date"] = str(body["date"])
        elif spec.item_key == "bill" and body.get("bill_number"):
            keys = {"bill_number": str(body["bill_number"]), "vendor_id": str(body["vendor_id"])}
        elif spec.item_key == "expense" and body.get("reference_number"):
            keys = {"reference_number": str(body["reference_number"])}
        elif spec.item_key == "tax" and body.get("tax_name"):
            return lambda: self._lookup_tax(str(body["tax_name"]))
        if not keys:
            return None
        return lambda: self._lookup_by(spec, keys)

    def _unique_value(self, spec: ResourceSpec, context: mapping.WriteContext) -> str | None:
        if self.unique_custom_field is None or not context.custom_fields or spec.custom_field_entity is None:
            return None
        definitions = self._definitions.cached(self.organization_id, spec.custom_field_entity)
        ids = {d.customfield_id for d in definitions if d.api_name == self.unique_custom_field}
        for entry in context.custom_fields:
            if entry.customfield_id in ids and entry.value not in (None, ""):
                value = entry.value
                return str(mapping.decimal_out(value)) if isinstance(value, Decimal) else str(value)
        return None

    async def _lookup_unique(self, spec: ResourceSpec, body: Mapping[str, Any], value: str) -> dict[str, Any] | None:
        # Zoho's update-by-unique-custom-field (no X-Upsert): rewrites the record with the same body if it exists
        assert self.unique_custom_field is not None
        headers = {"X-Unique-Identifier-Key": self.unique_custom_field, "X-Unique-Identifier-Value": value}
        try:
            return await self.http.request("PUT", spec.path, json=dict(body), headers=headers)
        except EntityNotFoundError:
            return None

    async def _lookup_by(self, spec: ResourceSpec, keys: Mapping[str, str]) -> dict[str, Any] | None:
        params: dict[str, Any] = {**keys, "per_page": 200}
        if spec.contact_type:
            params["contact_type"] = spec.contact_type
        body = await self.http.request("GET", spec.path, params=params)
        rows = [r for r in body.get(spec.list_key) or [] if isinstance(r, Mapping)]
        matches = [
            r for r in rows if all(str(r.get(k, "")).strip().lower() == v.strip().lower() for k, v in keys.items())
        ]
        if len(matches) != 1:
            return None
        return {spec.item_key: await self._fetch(spec, str(matches[0][spec.id_field]))}

    async def _lookup_tax(self, name: str) -> dict[str, Any] | None:
        self._taxes = None
        for tax_id, tax in (await self._tax_table()).items():
            if (tax.tax_name or "").lower() == name.lower():
                return {"tax": await self._fetch(SPECS["tax_rates"], tax_id)}
        return None

    # -- the rest of Zoho's API ------------------------------------------------------------------------------

    async def organizations(self) -> builtins.list[dict[str, Any]]:
        """The organizations this connection's user can reach, as Zoho lists them."""
        return await self.http.organizations()


def _segment(record_id: str) -> str:
    if not record_id.isdigit():
        raise EntityNotFoundError(f"No record has id {record_id!r}: Zoho Books ids are strings of digits.")
    return record_id


def _has_more(body: Mapping[str, Any]) -> bool:
    context = body.get("page_context")
    if isinstance(context, list) and context:
        context = context[0]  # some of Zoho's documented examples wrap it in a list
    return isinstance(context, Mapping) and context.get("has_more_page") is True


def _record(body: Mapping[str, Any], spec: ResourceSpec) -> dict[str, Any]:
    found = body.get(spec.item_key)
    if isinstance(found, list) and found and isinstance(found[0], Mapping):
        found = found[0]  # Zoho's documented GET /settings/taxes/{id} wraps the tax in a list
    if not isinstance(found, Mapping):
        raise ConnectorExecutionError(f"Zoho Books answered without the {spec.item_key} it was asked for.")
    return dict(found)


def _write_fields(spec: ResourceSpec, record: BaseModel) -> set[str]:
    """The fields a write sends: those the record sets, minus the ones Zoho computes."""
    return set(record.model_fields_set) - spec.declare().read_only_fields


def _write(
    spec: ResourceSpec, record: BaseModel, fields: set[str], context: mapping.WriteContext, create: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    if isinstance(record, Invoice):
        return mapping.invoice_to_zoho(record, fields, context, create=create)
    body: dict[str, Any] = _WRITERS[type(record)](record, fields, context, create=create)
    if spec.contact_type and create:
        body["contact_type"] = spec.contact_type
    return body, {}


def _line_rates(record: BaseModel) -> list[LinkedTaxRate]:
    lines = getattr(record, "line_items", None) or []
    return [line.tax_rate for line in lines if getattr(line, "tax_rate", None) is not None]


def _books_url(api_domain: str) -> str | None:
    """Books' base URL on the API domain a token response names; None (kept as is) unless https or loopback."""
    try:
        url = httpx.URL(api_domain)
    except httpx.InvalidURL:
        url = None
    loopback = url is not None and url.host in ("127.0.0.1", "localhost", "::1")
    if url is None or not (url.scheme == "https" or (url.scheme == "http" and loopback)):
        logger.warning("ignoring the token response's api_domain: not an https URL")
        return None
    return f"{str(url).rstrip('/')}/books/v3"
