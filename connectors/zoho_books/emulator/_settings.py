"""Organizations (`/organizations`) and custom-field definitions (`/settings/customfields`)."""

from __future__ import annotations

from typing import Any

from . import _accounts, _contacts, _currencies, _documents, _expenses, _items, _payments, _taxes, _users, _webhooks
from . import _customfields as cf
from . import _fields as f
from ._call import Call, Reply, reply
from ._errors import ZohoError, organization_unknown
from ._store import Collection, IdSequence, Organization, Record, Store

ORG_ROW = (
    "organization_id",
    "name",
    "contact_name",
    "email",
    "is_default_org",
    "plan_type",
    "plan_name",
    "plan_period",
    "language_code",
    "fiscal_year_start_month",
    "account_created_date",
    "time_zone",
    "is_org_active",
    "currency_id",
    "currency_code",
    "currency_symbol",
    "currency_format",
    "price_precision",
    "plan_type",
    "tax_group_enabled",
    "zi_migration_status",
    "account_created_date_formatted",
)


def list_organizations(store: Store) -> Reply:
    rows = [{k: org.record[k] for k in ORG_ROW if k in org.record} for org in store.organizations.values()]
    return reply(200, "success", organizations=rows)


def _organization(store: Store, organization_id: str) -> Organization:
    org = store.get(organization_id)
    if org is None:
        raise organization_unknown(organization_id)
    return org


def get_organization(store: Store, organization_id: str) -> Reply:
    return reply(200, "success", organization=_organization(store, organization_id).record)


def update_organization(store: Store, organization_id: str, body: dict[str, Any]) -> Reply:
    org = _organization(store, organization_id)
    record = dict(org.record)
    for key, limit in (("name", 200), ("contact_name", 100), ("email", 100), ("phone", 50), ("website", 200)):
        if key in body:
            record[key] = f.text(body, key, limit=limit, required=key == "name")
    org.record = record
    return reply(200, "Organization details have been updated.", organization=record)


def list_customfields(call: Call) -> Reply:
    entity = call.query.get("entity") or call.query.get("module", "").rstrip("s")
    if entity and entity not in cf.ENTITIES:
        raise ZohoError(400, 2, f"Invalid value passed for entity. Use one of: {', '.join(cf.ENTITIES)}.")
    entities = [entity] if entity else list(cf.ENTITIES)
    fields: dict[str, list[Record]] = {name: list(call.org.customfields.get(name, [])) for name in entities}
    return reply(200, "success", customfields=fields)


def create_customfield(call: Call) -> Reply:
    definition = cf.create_definition(call.org, call.object_body(), call.new_id)
    return reply(201, "Custom field has been created.", customfield=definition)


def delete_customfield(call: Call) -> Reply:
    wanted = call.params["customfield_id"]
    for definitions in call.org.customfields.values():
        for definition in definitions:
            if definition["customfield_id"] == wanted:
                definitions.remove(definition)
                return reply(200, "Custom field has been deleted.")
    raise ZohoError(404, 1002, "Custom field does not exist.")


def new_organization(organization_id: str, record: Record, offset_minutes: int, id_base: int) -> Organization:
    """An empty organization with a collection per module, each with its module's list-row shape."""
    rows = {
        "contacts": ("contact_id", _contacts.ROW_FIELDS),
        "invoices": ("invoice_id", _documents.INVOICE_ROW),
        "bills": ("bill_id", _documents.BILL_ROW),
        "expenses": ("expense_id", _expenses.ROW_FIELDS),
        "items": ("item_id", _items.ROW_FIELDS),
        "taxes": ("tax_id", _taxes.ROW_FIELDS),
        "chartofaccounts": ("account_id", _accounts.ROW_FIELDS),
        "currencies": ("currency_id", _currencies.FIELDS),
        "customerpayments": ("payment_id", _payments.ROW_FIELDS),
        "webhooks": ("webhook_id", _webhooks.ROW_FIELDS),
        "users": ("user_id", _users.ROW_FIELDS),
    }
    org = Organization(organization_id, record, offset_minutes, IdSequence(id_base))
    org.collections = {name: Collection(name, id_field, fields) for name, (id_field, fields) in rows.items()}
    _users.seed_users(org)
    return org
