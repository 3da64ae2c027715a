"""CRUD shared by the record modules: list, get, create, update, delete, and upsert by a unique custom field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _customfields as cf
from ._call import Call, Reply, reply
from ._errors import ZohoError, invalid_field, not_found
from ._listing import ListSpec, list_page
from ._store import Collection, Record

Builder = Callable[[Call, Record | None, dict[str, Any]], Record]
Hook = Callable[[Call, Record], None]
AfterWrite = Callable[[Call, Record, Record | None], None]  # (call, record now, record before)


@dataclass(frozen=True)
class Resource:
    collection: str
    singular: str
    id_field: str
    label: str
    listing: ListSpec
    build: Builder
    created: str
    updated: str
    deleted: str
    entity: str | None = None  # custom-field and webhook entity
    before_delete: Hook | None = None
    after_write: AfterWrite | None = None

    def records(self, call: Call) -> Collection:
        return call.org[self.collection]

    def find(self, call: Call, record_id: str | None = None) -> Record:
        record = self.records(call).get(record_id if record_id is not None else call.params[self.id_field])
        if record is None:
            raise not_found(self.label)
        return record


def list_records(resource: Resource, call: Call) -> Reply:
    return Reply(200, list_page(resource.records(call), resource.listing, call.query))


def get_record(resource: Resource, call: Call) -> Reply:
    return reply(200, "success", **{resource.singular: resource.find(call)})


def _save(resource: Resource, call: Call, existing: Record | None, body: dict[str, Any]) -> Record:
    record = resource.build(call, existing, body)
    if resource.entity:
        check_unique_fields(resource, call, record)
    resource.records(call).put(record)
    if resource.after_write:
        resource.after_write(call, record, existing)
    call.emit(resource.entity, "updated" if existing else "created", record)
    return record


def create_record(resource: Resource, call: Call) -> Reply:
    record = _save(resource, call, None, call.object_body())
    return reply(201, resource.created, **{resource.singular: record})


def update_record(resource: Resource, call: Call) -> Reply:
    existing = resource.find(call)
    record = _save(resource, call, existing, call.object_body())
    return reply(200, resource.updated, **{resource.singular: record})


def delete_record(resource: Resource, call: Call) -> Reply:
    record = resource.find(call)
    remove(resource, call, record)
    return reply(200, resource.deleted)


def remove(resource: Resource, call: Call, record: Record) -> None:
    if resource.before_delete:
        resource.before_delete(call, record)
    resource.records(call).delete(str(record[resource.id_field]))
    if resource.after_write:
        resource.after_write(call, record, record)
    call.emit(resource.entity, "deleted", record)


def bulk_delete(resource: Resource, call: Call) -> Reply:
    """DELETE /<module>?<id_field>s=1,2,3 — every id must exist, then all are deleted."""
    param = f"{resource.id_field}s"
    raw = call.query.get(param, "")
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if not ids:
        raise ZohoError(400, 2, f"Invalid value passed for {param}. Send a comma-separated list of ids.")
    records = [resource.find(call, record_id) for record_id in ids]
    for record in records:
        remove(resource, call, record)
    return reply(200, f"The selected {resource.collection} have been deleted.")


def upsert_record(resource: Resource, call: Call) -> Reply:
    """PUT /<module> with X-Unique-Identifier-Key/-Value (and X-Upsert: true to create when missing)."""
    assert resource.entity
    key = call.headers.get("x-unique-identifier-key", "")
    value = call.headers.get("x-unique-identifier-value", "")
    if not key or not value:
        raise ZohoError(
            400,
            4,
            "Send X-Unique-Identifier-Key (a unique custom field's api_name, e.g. cf_external_id) and "
            "X-Unique-Identifier-Value to update by custom field.",
        )
    definition = cf.unique_definition(call.org, resource.entity, key)
    wanted = cf.coerce(definition, value, call.org.precision)
    body = dict(call.object_body())
    for record in resource.records(call):
        if cf.current_values(record).get(definition["customfield_id"]) == wanted:
            updated = _save(resource, call, record, body)
            return reply(200, resource.updated, **{resource.singular: updated})
    if call.headers.get("x-upsert", "").lower() != "true":
        raise not_found(resource.label)
    entries = list(body.get("custom_fields") or [])
    if not any(isinstance(e, dict) and e.get("api_name") == key for e in entries):
        entries.append({"api_name": key, "value": value})
    body["custom_fields"] = entries
    created = _save(resource, call, None, body)
    return reply(201, resource.created, **{resource.singular: created})


def custom_fields_of(call: Call, entity: str, existing: Record | None, body: dict[str, Any]) -> Record:
    """`custom_fields` and `custom_field_hash` for a record being written."""
    values = cf.current_values(existing) if existing else {}
    if "custom_fields" in body and body["custom_fields"] is not None:
        values = cf.apply_writes(call.org, entity, values, body["custom_fields"], call.org.precision)
    fields, hash_ = cf.render(call.org, entity, values)
    return {"custom_fields": fields, "custom_field_hash": hash_}


def check_unique_fields(resource: Resource, call: Call, record: Record) -> None:
    assert resource.entity
    uniques = [d for d in call.org.customfields.get(resource.entity, []) if d.get("is_unique")]
    if not uniques:
        return
    mine = cf.current_values(record)
    for definition in uniques:
        cid = definition["customfield_id"]
        if cid not in mine:
            continue
        for other in resource.records(call):
            if other[resource.id_field] != record[resource.id_field] and cf.current_values(other).get(cid) == mine[cid]:
                raise invalid_field(
                    definition["api_name"],
                    f"Another {resource.entity} already has the value {mine[cid]!r}; this field is unique.",
                )


def status_action(resource: Resource, call: Call, change: Callable[[Record], Record], message: str) -> Reply:
    """A status action (mark active, void, ...): the record is rewritten and an update event is sent."""
    before = resource.find(call)
    record = change(dict(before))
    record["last_modified_time"] = call.timestamp()
    resource.records(call).put(record)
    if resource.after_write:
        resource.after_write(call, record, before)
    call.emit(resource.entity, "updated", record)
    return reply(200, message)


def custom_fields_update(resource: Resource) -> Callable[[Call], Reply]:
    """PUT /invoice/{id}/customfields (note the singular path): the body is the bare custom-field array."""
    assert resource.entity

    def handler(call: Call) -> Reply:
        record = resource.find(call)
        body = call.body
        entries = body if isinstance(body, list) else body.get("custom_fields") if isinstance(body, dict) else None
        if not isinstance(entries, list):
            raise invalid_field("custom_fields", 'Send the array, e.g. [{"customfield_id": "...", "value": "..."}].')
        assert resource.entity
        updated = {**record, **custom_fields_of(call, resource.entity, record, {"custom_fields": entries})}
        updated["last_modified_time"] = call.timestamp()
        check_unique_fields(resource, call, updated)
        resource.records(call).put(updated)
        call.emit(resource.entity, "updated", updated)
        return reply(200, "Custom Fields Updated Successfully")

    return handler
