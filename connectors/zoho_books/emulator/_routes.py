"""The Books API v3 routes: method, path template, the OAuth scope Zoho requires (ENDPOINTS.tsv), handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from . import (
    _accounts,
    _contacts,
    _currencies,
    _documents,
    _expenses,
    _items,
    _payments,
    _settings,
    _taxes,
    _users,
    _webhooks,
)
from ._call import Call, Reply
from ._resources import (
    Resource,
    bulk_delete,
    create_record,
    custom_fields_update,
    delete_record,
    get_record,
    list_records,
    update_record,
    upsert_record,
)

Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    scope: str
    handler: Handler
    pattern: re.Pattern[str] = field(compare=False, default=re.compile(""))


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{regex}/?$")


def _crud(resource: Resource, path: str, family: str, *, upsert: bool = False, bulk: bool = False) -> list[Route]:
    item = f"{path}/{{{resource.id_field}}}"
    routes = [
        (("GET", path, "READ", partial(list_records, resource))),
        (("POST", path, "CREATE", partial(create_record, resource))),
        (("GET", item, "READ", partial(get_record, resource))),
        (("PUT", item, "UPDATE", partial(update_record, resource))),
        (("DELETE", item, "DELETE", partial(delete_record, resource))),
    ]
    if upsert:
        routes.append(("PUT", path, "UPDATE", partial(upsert_record, resource)))
    if bulk:
        routes.append(("DELETE", path, "DELETE", partial(bulk_delete, resource)))
    return [_route(method, template, f"ZohoBooks.{family}.{op}", handler) for method, template, op, handler in routes]


def _route(method: str, template: str, scope: str, handler: Handler) -> Route:
    return Route(method, template, scope, handler, _compile(template))


def _build() -> list[Route]:
    contacts, invoices, bills = _contacts.RESOURCE, _documents.INVOICES, _documents.BILLS
    c, i, b, s = "ZohoBooks.contacts", "ZohoBooks.invoices", "ZohoBooks.bills", "ZohoBooks.settings"
    inv, bill = _documents.INVOICE, _documents.BILL
    routes = [
        # Literal paths first, so that /contacts/contactpersons is not read as a contact id.
        _route("POST", "/contacts/contactpersons", f"{c}.CREATE", _contacts.create_person),
        _route("GET", "/contacts/contactpersons/{contact_person_id}", f"{c}.READ", _contacts.get_person),
        _route("PUT", "/contacts/contactpersons/{contact_person_id}", f"{c}.UPDATE", _contacts.update_person),
        _route("DELETE", "/contacts/contactpersons/{contact_person_id}", f"{c}.DELETE", _contacts.delete_person),
        _route("GET", "/contacts/{contact_id}/contactpersons", f"{c}.READ", _contacts.list_persons),
        _route("GET", "/contacts/{contact_id}/contactpersons/{contact_person_id}", f"{c}.READ", _contacts.get_person),
        _route("POST", "/contacts/{contact_id}/active", f"{c}.CREATE", _contacts.mark(True)),
        _route("POST", "/contacts/{contact_id}/inactive", f"{c}.CREATE", _contacts.mark(False)),
        *_crud(contacts, "/contacts", "contacts", upsert=True, bulk=True),
        _route("POST", "/invoices/{invoice_id}/status/sent", f"{i}.CREATE", _documents.mark_status(inv, "sent")),
        _route("POST", "/invoices/{invoice_id}/status/void", f"{i}.CREATE", _documents.mark_status(inv, "void")),
        _route("POST", "/invoices/{invoice_id}/status/draft", f"{i}.CREATE", _documents.mark_status(inv, "draft")),
        _route("POST", "/invoices/{invoice_id}/writeoff", f"{i}.CREATE", _documents.write_off(cancel=False)),
        _route("POST", "/invoices/{invoice_id}/writeoff/cancel", f"{i}.CREATE", _documents.write_off(cancel=True)),
        _route("GET", "/invoices/{invoice_id}/payments", f"{i}.READ", _payments.invoice_payments),
        _route("GET", "/invoices/{invoice_id}/customfields", f"{i}.READ", _documents.custom_fields_get),
        _route("PUT", "/invoice/{invoice_id}/customfields", f"{i}.UPDATE", custom_fields_update(invoices)),
        *_crud(invoices, "/invoices", "invoices", upsert=True, bulk=True),
        _route("POST", "/bills/{bill_id}/status/open", f"{b}.CREATE", _documents.mark_status(bill, "open")),
        _route("POST", "/bills/{bill_id}/status/void", f"{b}.CREATE", _documents.mark_status(bill, "void")),
        _route("PUT", "/bill/{bill_id}/customfields", f"{b}.UPDATE", custom_fields_update(bills)),
        *_crud(bills, "/bills", "bills", upsert=True),
        *_crud(_expenses.RESOURCE, "/expenses", "expenses", upsert=True),
        _route("POST", "/items/{item_id}/active", f"{s}.CREATE", _items.mark(True)),
        _route("POST", "/items/{item_id}/inactive", f"{s}.CREATE", _items.mark(False)),
        _route("PUT", "/item/{item_id}/customfields", f"{s}.UPDATE", custom_fields_update(_items.RESOURCE)),
        *_crud(_items.RESOURCE, "/items", "settings", upsert=True),
        _route("GET", "/chartofaccounts/{account_id}", "ZohoBooks.accountants.READ", _accounts.get_account),
        _route("POST", "/chartofaccounts/{account_id}/active", "ZohoBooks.accountants.CREATE", _accounts.mark(True)),
        _route("POST", "/chartofaccounts/{account_id}/inactive", "ZohoBooks.accountants.CREATE", _accounts.mark(False)),
        *_crud(_accounts.RESOURCE, "/chartofaccounts", "accountants"),
        _route("POST", "/settings/taxgroups", f"{s}.CREATE", _taxes.create_group),
        _route("GET", "/settings/taxgroups/{tax_group_id}", f"{s}.READ", _taxes.get_group),
        _route("PUT", "/settings/taxgroups/{tax_group_id}", f"{s}.UPDATE", _taxes.update_group),
        _route("DELETE", "/settings/taxgroups/{tax_group_id}", f"{s}.DELETE", _taxes.delete_group),
        *_crud(_taxes.RESOURCE, "/settings/taxes", "settings"),
        *_crud(_currencies.RESOURCE, "/settings/currencies", "settings"),
        _route(
            "GET",
            "/customerpayments/{payment_id}",
            "ZohoBooks.customerpayments.READ",
            partial(get_record, _payments.RESOURCE),
        ),
        _route(
            "DELETE", "/customerpayments/{payment_id}", "ZohoBooks.customerpayments.DELETE", _payments.delete_payment
        ),
        _route(
            "GET", "/customerpayments", "ZohoBooks.customerpayments.READ", partial(list_records, _payments.RESOURCE)
        ),
        _route(
            "POST", "/customerpayments", "ZohoBooks.customerpayments.CREATE", partial(create_record, _payments.RESOURCE)
        ),
        _route("GET", "/settings/customfields", f"{s}.READ", _settings.list_customfields),
        _route("POST", "/settings/customfields", f"{s}.CREATE", _settings.create_customfield),
        _route("DELETE", "/settings/customfields/{customfield_id}", f"{s}.DELETE", _settings.delete_customfield),
        _route("POST", "/settings/webhooks", f"{s}.CREATE", _webhooks.create_webhook),
        _route("GET", "/settings/webhooks/{webhook_id}", f"{s}.READ", _webhooks.get_webhook),
        _route("DELETE", "/settings/webhooks/{webhook_id}", f"{s}.DELETE", _webhooks.delete_webhook),
        _route("PUT", "/settings/webhooks/{webhook_id}", f"{s}.UPDATE", partial(update_record, _webhooks.RESOURCE)),
        _route("GET", "/settings/webhooks", f"{s}.READ", partial(list_records, _webhooks.RESOURCE)),
        _route("GET", "/users/me", f"{s}.READ", _users.current_user),
        _route("GET", "/users/{user_id}", f"{s}.READ", _users.get_user),
        _route("GET", "/users", f"{s}.READ", _users.list_users),
    ]
    return routes


ROUTES = _build()


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path parameters, whether the path exists under another method)."""
    path_known = False
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            if route.method == method:
                return route, found.groupdict(), True
            path_known = True
    return None, {}, path_known
