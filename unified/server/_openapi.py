"""The server's own OpenAPI document, made from the unified models: Apideck's paths, parameters and envelopes
with the records exactly as this server writes them (money as numbers, unset fields left out)."""

from __future__ import annotations

import copy
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from unified.server._resources import _NOT_IN_LINE, RESOURCES, ServedResource

__all__ = ["openapi_document"]

_REF = "#/components/schemas/"
_LINE_MODELS = ("InvoiceLineItem", "BillLineItem", "ExpenseLineItem")

#: Apideck's documented filters per resource; a connector may offer others, and refuses the ones it cannot do
_FILTERS: dict[str, tuple[str, ...]] = {
    "customers": ("company_name", "display_name", "first_name", "last_name", "email", "status", "supplier_id"),
    "suppliers": ("company_name", "display_name", "first_name", "last_name", "email"),
    "invoices": ("number", "customer_id", "supplier_id", "created_since", "id_since"),
    "bills": ("status", "billed_since", "due_since", "id_since"),
    "expenses": ("status", "type"),
    "tax-rates": ("status", "assets", "equity", "expenses", "liabilities", "revenue"),
    "contacts": ("company_name", "display_name", "first_name", "last_name", "email", "status"),
}


#: a body each create accepts as it is (documents need ids of records that exist, so they have none)
_EXAMPLES: dict[str, dict[str, Any]] = {
    "customers": {"display_name": "Acme GmbH", "emails": [{"email": "ap@acme.example", "type": "primary"}]},
    "suppliers": {"display_name": "Northwind Supplies Ltd", "phone_numbers": [{"number": "+1-555-0100"}]},
    "contacts": {"display_name": "Contoso Ltd", "is_customer": True},
    "tax-rates": {"name": "Example VAT", "effective_tax_rate": 7.5},
}


class _WireSchema(GenerateJsonSchema):
    """Money is written as a JSON number; requests may send it as a number or a string."""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        if self.mode == "serialization":
            return {"type": "number"}
        return super().decimal_schema(schema)


def _models() -> list[type[BaseModel]]:
    return list(dict.fromkeys(resource.model for resource in RESOURCES.values()))


def _rename_refs(node: Any, suffix: str) -> Any:
    if isinstance(node, dict):
        return {
            key: (_REF + value.rsplit("/", 1)[1] + suffix if key == "$ref" else _rename_refs(value, suffix))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rename_refs(item, suffix) for item in node]
    return node


def _record_schemas() -> dict[str, Any]:
    """Output schemas under the models' names (and Customer, Supplier), input schemas as <Model>Input."""
    schemas: dict[str, Any] = {}
    for mode, suffix in (("serialization", ""), ("validation", "Input")):
        _, defs = models_json_schema(
            [(model, mode) for model in _models()],  # type: ignore[misc]
            schema_generator=_WireSchema,
        )
        for name, schema in defs.get("$defs", {}).items():
            schemas[name + suffix] = _rename_refs(schema, suffix)
    for name in _LINE_MODELS:
        for prop in _NOT_IN_LINE:
            schemas[name]["properties"].pop(prop, None)
    for resource in RESOURCES.values():
        if resource.left_out:
            view = copy.deepcopy(schemas[resource.model.__name__])
            view["title"] = resource.schema_name
            for prop in resource.left_out:
                view["properties"].pop(prop, None)
            view["required"] = [name for name in view.get("required", []) if name not in resource.left_out]
            if not view["required"]:
                del view["required"]
            schemas[resource.schema_name] = view
    return schemas


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _camel(path: str) -> str:
    return "".join(part.capitalize() for part in path.split("-"))


def _operation_id(resource: ServedResource, verb: str) -> str:
    name = _camel(resource.path)
    return name[0].lower() + name[1:] + verb


_ENVELOPE_REQUIRED = ["status_code", "status", "service", "resource", "operation", "data"]


def _envelope(data: dict[str, Any], *, listing: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "status_code": {"type": "integer", "description": "HTTP status code", "example": 200},
        "status": {"type": "string", "description": "HTTP status", "example": "OK"},
        "service": {"type": "string", "description": "The connector that answered", "example": "my-books"},
        "resource": {"type": "string", "description": "Unified resource name", "example": "invoices"},
        "operation": {"type": "string", "description": "Operation performed", "example": "all"},
        "data": data,
        "_raw": _ref("Raw"),
    }
    if listing:
        properties["meta"] = _ref("Meta")
        properties["links"] = _ref("Links")
    return {"type": "object", "required": _ENVELOPE_REQUIRED, "properties": properties}


def _shared_schemas() -> dict[str, Any]:
    nullable_string = {"type": ["string", "null"]}
    return {
        "Raw": {
            "type": ["object", "null"],
            "additionalProperties": True,
            "description": "The provider's own payload, with raw=true (a list's records under data).",
        },
        "UnifiedId": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        "Meta": {
            "type": "object",
            "properties": {
                "items_on_page": {"type": "integer"},
                "cursors": {
                    "type": "object",
                    "properties": {"previous": nullable_string, "current": nullable_string, "next": nullable_string},
                },
            },
        },
        "Links": {
            "type": "object",
            "properties": {"previous": nullable_string, "current": {"type": "string"}, "next": nullable_string},
        },
        "Error": {
            "type": "object",
            "required": ["status_code", "error", "type_name", "message"],
            "properties": {
                "status_code": {"type": "number", "example": 400},
                "error": {"type": "string", "example": "Bad Request"},
                "type_name": {"type": "string", "example": "RequestValidationError"},
                "message": {"type": "string"},
                "detail": {"anyOf": [{"type": "string"}, {"type": "object"}]},
                "ref": {"type": "string"},
                "downstream_errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "message": {"type": "string"},
                            "code": {"type": "string"},
                            "status_code": {"type": "string"},
                        },
                    },
                },
                "retriable": {"type": "boolean", "description": "Whether the same request may succeed later."},
                "outcome": {
                    "type": "string",
                    "enum": ["failed", "uncertain", "unknown"],
                    "description": "uncertain: a write may have happened although it failed.",
                },
            },
        },
    }


def _header(name: str, description: str, *, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


_HEADERS = [
    _header("x-apideck-consumer-id", "The vault connection (or the consumer owning several).", required=True),
    _header("x-apideck-service-id", "The connector (e.g. my-books), when the consumer has several."),
    _header("x-apideck-app-id", "Accepted for Apideck clients; not used."),
]
_RAW = {"name": "raw", "in": "query", "description": "Add _raw: the provider's payload.", "schema": {"type": "boolean"}}
_FIELDS = {
    "name": "fields",
    "in": "query",
    "description": "Comma-separated fields to keep, nested ones with dots: id,display_name,addresses.city.",
    "schema": {"type": "string"},
}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}, "description": "Record id."}


def _errors(*codes: int) -> dict[str, Any]:
    described = {
        400: "Bad request: a field, filter or sort the message names",
        401: "Missing or unknown API key, or the connection's credentials failed",
        404: "No such record, consumer, service or route",
        409: "The record's state forbids the change",
        413: "The request body is too large",
        429: "The provider's rate budget is used up: wait Retry-After seconds",
        501: "The connector does not offer this operation",
        502: "The provider failed",
        504: "The provider did not answer in time",
    }
    error = {"content": {"application/json": {"schema": _ref("Error")}}}
    answers = {str(code): {"description": described[code], **error} for code in codes}
    answers["default"] = {"description": "Unexpected error", **error}
    return answers


def _json_answer(description: str, schema_name: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


def _paths(schemas: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    reads = (400, 401, 404, 429, 501, 502, 504)
    writes = (400, 401, 404, 409, 413, 429, 501, 502, 504)
    for resource in RESOURCES.values():
        plural, single, tag = _camel(resource.path), resource.schema_name, resource.path
        input_name = resource.model.__name__ + "Input"
        schemas[f"Get{plural}Response"] = _envelope({"type": "array", "items": _ref(single)}, listing=True)
        schemas[f"Get{single}Response"] = _envelope(_ref(single))
        for verb in ("Create", "Update", "Delete"):
            schemas[f"{verb}{single}Response"] = _envelope(_ref("UnifiedId"))
        media: dict[str, Any] = {"schema": _ref(input_name)}
        if resource.path in _EXAMPLES:
            media["example"] = _EXAMPLES[resource.path]
        body = {"required": True, "content": {"application/json": media}}
        filter_props: dict[str, Any] = {"updated_since": {"type": "string", "format": "date-time"}}
        filter_props.update({name: {"type": "string"} for name in _FILTERS[resource.path]})
        list_params = [
            *_HEADERS,
            {
                "name": "cursor",
                "in": "query",
                "schema": {"type": ["string", "null"]},
                "description": "meta.cursors.next",
            },
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20},
                "description": "Page size.",
            },
            {
                "name": "filter",
                "in": "query",
                "style": "deepObject",
                "explode": True,
                "schema": {"type": "object", "properties": filter_props, "additionalProperties": {"type": "string"}},
                "description": "Filters; one the connector cannot do is refused with UnsupportedFiltersError.",
            },
            {
                "name": "sort",
                "in": "query",
                "style": "deepObject",
                "explode": True,
                "schema": {
                    "type": "object",
                    "properties": {"by": {"type": "string"}, "direction": {"type": "string", "enum": ["asc", "desc"]}},
                    "additionalProperties": False,
                },
                "description": "Sort; a field the connector cannot sort on is refused with UnsupportedSortFieldError.",
            },
            _RAW,
            _FIELDS,
        ]
        paths[f"/accounting/{resource.path}"] = {
            "get": {
                "operationId": _operation_id(resource, "All"),
                "tags": [tag],
                "summary": f"List {resource.path}",
                "parameters": list_params,
                "responses": {"200": _json_answer(plural, f"Get{plural}Response"), **_errors(*reads)},
            },
            "post": {
                "operationId": _operation_id(resource, "Add"),
                "tags": [tag],
                "summary": f"Create a {single}",
                "parameters": [
                    *_HEADERS,
                    _header("Idempotency-Key", "Your key for this create: a retry with it yields the same record."),
                    _RAW,
                ],
                "requestBody": body,
                "responses": {"201": _json_answer(f"{single} created", f"Create{single}Response"), **_errors(*writes)},
            },
        }
        paths[f"/accounting/{resource.path}/{{id}}"] = {
            "get": {
                "operationId": _operation_id(resource, "One"),
                "tags": [tag],
                "summary": f"Get a {single}",
                "parameters": [_ID, *_HEADERS, _RAW, _FIELDS],
                "responses": {"200": _json_answer(single, f"Get{single}Response"), **_errors(*reads)},
            },
            "patch": {
                "operationId": _operation_id(resource, "Update"),
                "tags": [tag],
                "summary": f"Update a {single}: the fields the body sets",
                "parameters": [_ID, *_HEADERS, _RAW],
                "requestBody": body,
                "responses": {"200": _json_answer(f"{single} updated", f"Update{single}Response"), **_errors(*writes)},
            },
            "delete": {
                "operationId": _operation_id(resource, "Delete"),
                "tags": [tag],
                "summary": f"Delete a {single}",
                "parameters": [_ID, *_HEADERS, _RAW],
                "responses": {"200": _json_answer(f"{single} deleted", f"Delete{single}Response"), **_errors(*writes)},
            },
        }
    proxy_params = [
        *_HEADERS,
        _header("x-apideck-downstream-url", "A path under the provider's API root, or a URL under it.", required=True),
        _header("x-apideck-downstream-method", "The provider call's method (default: this request's)."),
    ]
    proxy_answer = {
        "description": "The provider's own answer, status and body as it sent them",
        "content": {"*/*": {"schema": {}}},
    }
    paths["/proxy"] = {
        method: {
            "operationId": f"proxy{method.capitalize()}",
            "tags": ["proxy"],
            "summary": f"{method.upper()} the provider's own API with the connection's credentials",
            "parameters": proxy_params,
            **({"requestBody": {"content": {"application/json": {"schema": {}}}}} if method != "get" else {}),
            "responses": {"default": proxy_answer},
        }
        for method in ("get", "post", "put", "patch", "delete")
    }
    paths["/health"] = {
        "get": {
            "operationId": "health",
            "tags": ["server"],
            "summary": "Liveness probe; needs no key",
            "security": [],
            "responses": {
                "200": {
                    "description": "Serving",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["status"],
                                "properties": {"status": {"type": "string"}},
                            }
                        }
                    },
                }
            },
        }
    }
    return paths


def openapi_document() -> dict[str, Any]:
    schemas = {**_shared_schemas(), **_record_schemas()}
    paths = _paths(schemas)
    try:
        release = version("unified-accounting")
    except PackageNotFoundError:
        release = "0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "unified-accounting: Apideck's accounting API, self-hosted",
            "version": release,
            "description": "Apideck's accounting paths, parameters and envelopes over the unified models. "
            "Authorization: Bearer <key from `unified keys create`>.",
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
