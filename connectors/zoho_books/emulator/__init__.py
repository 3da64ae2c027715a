"""A local Zoho Books: Zoho Accounts OAuth and the Books API v3 in one Starlette app, with an in-memory store.

Written from Zoho's documents (shared/reference: ZOHO_FACTS.md, Zoho's OpenAPI files, sample payloads), never
from the connector, so that tests against it prove the connector agrees with Zoho, not with itself. Built on the
emulator kit (``unified.emulator``): the server, clock, limits, faults, OAuth state, request log, controls and
fixture reading are the kit's; this package holds Zoho's routes, data, arithmetic, error shapes and webhooks.

Running it
----------
Command line (once listening, prints its URLs, the seeded credentials and the ``export`` lines after which
``unified`` commands in that shell talk to it; Ctrl-C stops it)::

    unified emulator zoho-books --port 8765 [--seed 7] [--contacts 300] [--invoices 1000] [--bills 200]
        [--expenses 200] [--fixture FILE] [--client-id ID] [--client-secret S] [--refresh-token T]
        [--organization-id ID] [--plan free|standard|professional|premium] [--window-seconds 60]
    python -m connectors.zoho_books.emulator --port 8765          # the same command

For load tests and demos, shrink time: ``--window-seconds 0.05`` makes the 100-request window 50 ms (the
"day" is always 1440 windows, and the OAuth refresh throttle window scales along).

Python::

    from connectors.zoho_books.emulator import ZohoBooksEmulator

    emu = ZohoBooksEmulator(seed=7, contacts=300, invoices=1000, plan="premium", window_seconds=60)
    with emu.serve() as running:              # uvicorn on a free 127.0.0.1 port, until the block ends
        running.api_url, running.accounts_url  # http://127.0.0.1:PORT/books/v3, http://127.0.0.1:PORT
        emu.client_id, emu.client_secret, emu.refresh_token, emu.organization_id
        ZohoBooksConnector(**emu.connector_settings())   # every setting the connector needs to reach it
    httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app))   # in-process, no socket

More keyword options: ``retry_after=False`` (429s without ``Retry-After``: Zoho does not document it),
``max_body_bytes`` (4 MiB), ``idle_timeout`` (5 s), ``clock`` (a ``unified.emulator.Clock``, e.g. frozen),
``daily_limit``, ``concurrency``, ``rate_limit``, ``organizations``, ``timeout_seconds``.

Data is generated on a background thread as the emulator is built (most of a second for the default
counts); requests, ``records()`` and ``store`` wait for it. ``wait_ready()`` waits explicitly.

What it serves
--------------
Zoho Accounts (every DC points here; ``api_domain`` and ``accounts-server`` are this server's URL):

- ``GET /oauth/v2/auth``: consent is granted at once; redirects to ``redirect_uri`` with ``code``,
  ``location`` (us), ``accounts-server`` and ``state`` (errors as ``?error=``). Codes live 60 s, once.
- ``POST /oauth/v2/token`` (parameters in the query or the form body): ``authorization_code``,
  ``refresh_token`` (no new refresh token), ``client_credentials``. Answers as Zoho does:
  ``{"access_token", "refresh_token"?, "api_domain", "token_type": "Bearer", "expires_in": 3600}``,
  ``{"error": "invalid_code"}`` for a used, expired or unknown code or refresh token, ``invalid_client``.
  Limits: 10 access tokens per refresh token per 10 minutes (HTTP 400, ``{"error": "Access Denied",
  "error_description": ...}``), 15 live access tokens per refresh token (the 16th ends the oldest), 20
  refresh tokens per client. An offline grant without ``prompt=consent`` gives no new refresh token when
  the client already holds one (as Zoho does).
- ``POST /oauth/v2/token/revoke?token=``: a refresh token and its access tokens, or one access token.
- ``GET /oauth/serverinfo``: ``{"result": "success", "locations": {...}}``.

Books API v3 under ``/books/v3``, also under the legacy ``/api/v3``, a doubled slash read as one
(``Authorization: Zoho-oauthtoken T`` or ``Bearer T``; missing or garbled: 401 code 14; unknown, expired or
revoked: 401 code 57; a token without the endpoint's scope from Zoho's ENDPOINTS.tsv: 401 code 57). Calls
name their organization with ``organization_id``; without it they are answered for the account's default
organization (``is_default_org``), as Zoho does; not this account's: 400 code 6041. Organizations never see
each other's data.

- organizations: ``GET /organizations``, ``GET|PUT /organizations/{id}``
- contacts: list, create, get, update, delete, bulk delete, ``PUT /contacts`` upsert, ``active`` /
  ``inactive``, contact persons (``/contacts/contactpersons...``, ``/contacts/{id}/contactpersons``)
- invoices: CRUD, upsert, bulk delete, ``status/sent|void|draft``, ``writeoff`` (and ``/cancel``),
  ``/payments``, ``GET /invoices/{id}/customfields``, ``PUT /invoice/{id}/customfields``
- customer payments: ``/customerpayments`` list, create (applies to invoices), get, delete
- bills: CRUD, upsert, ``status/open|void``, ``PUT /bill/{id}/customfields``
- expenses: CRUD and upsert; one amount on an expense account, or itemised ``line_items``
- items (CRUD, upsert, active/inactive, ``PUT /item/{id}/customfields``), chart of accounts (CRUD,
  active/inactive), ``/settings/taxes`` and ``/settings/taxgroups``, ``/settings/currencies``
- custom fields: ``GET /settings/customfields[?entity=contact|invoice|bill|expense|item]`` answers
  ``{"customfields": {"<entity>": [definitions]}}``; ``POST /settings/customfields`` (emulator addition:
  ``entity``, ``label``, ``data_type``, optional ``api_name``, ``values`` for dropdowns, ``is_unique``) and
  ``DELETE /settings/customfields/{id}`` add and remove definitions. Data types: string, multiline, email,
  url, phone, number, decimal, amount, percent, date, check_box, dropdown. Records carry
  ``custom_fields`` (customfield_id, api_name, label, data_type, value, value_formatted, ...) and
  ``custom_field_hash`` (``cf_x``, ``cf_x_unformatted``, ``cf_x_formatted``); writes name a field by
  customfield_id, api_name, label or index; an unknown name is a 400 naming it and the known ones.
  ``X-Unique-Identifier-Key`` / ``-Value`` (+ ``X-Upsert: true``) on ``PUT /<module>`` find a record by a
  unique custom field (seeded: ``cf_external_id``) and update it, or create it.
- users (read-only): ``GET /users`` (``filter_by`` Status.*, ``sort_column`` name|email|user_role|status,
  10 a page by default as users.yml says), ``GET /users/me``, ``GET /users/{user_id}``: the owner (admin,
  the current user) and a staff member per organization
- webhooks: ``GET|POST /settings/webhooks``, ``GET|PUT|DELETE /settings/webhooks/{id}`` (``url``,
  ``entity``, ``events`` created|updated|deleted, ``secret`` of 12-50 letters and digits, ``webhook_name``).

Envelope ``{"code": 0, "message": ..., "<resource>": {...}}``; creates answer 201; ids are 18-19 digit strings
past 2^53; unset scalars are ``""``; records carry every field of Zoho's documented example responses with its
documented JSON type (GST, locations, reverse charge, templates, tags... with neutral values where the
emulator has no behaviour for them), list rows what the documented rows carry; timestamps
``YYYY-MM-DDTHH:MM:SS+hhmm`` in the organization's zone; bodies as JSON or the legacy form field
``JSONString``. Not found: 404 code 1002 (``Invoice does not exist.``); bad query parameters: 400 code 2; bad
body fields: 400 code 4 with a message naming the field and the fix; malformed bodies (invalid JSON, numbers
past 64 characters or out of range, NaN, nesting past 64 levels): 400 code 4; bodies past ``max_body_bytes``:
413 code 4; unknown URL: 404 code 5; internal errors: 500 code 1000.

Lists take ``page`` and ``per_page`` (default and max 200) and answer ``page_context`` (page, per_page,
has_more_page, report_name, applied_filter, sort_column, sort_order). Rows leave out line items. Filters:
``filter_by`` (Zoho's Status.* / AccountType.* values, code 2 otherwise), ``status``, ``search_text``,
``contact_type``, ``customer_id``, ``vendor_id``, ``<name>``/``_startswith``/``_contains`` text filters,
``date``/``due_date`` with ``_start``, ``_end``, ``_before``, ``_after``, ``last_modified_time`` (modified
strictly after), ``sort_column`` and ``sort_order`` (A|D). Unknown parameters are ignored, as Zoho does.

Arithmetic (invoices and bills), in Decimal, rounded half up to the currency's precision: item_total = rate x
quantity - line discount (an amount or "10%", written back as "10.00%"); exclusive documents add each line's
tax; inclusive documents (``is_inclusive_tax``) back the tax out of each line, so ``sub_total`` and
``item_total`` are tax-exclusive, ``total`` equals the inclusive lines, and ``sub_total_inclusive_of_tax`` /
``item_total_inclusive_of_tax`` carry the inclusive figures. Tax groups apply their taxes together (a compound
tax on the line plus the others). An entity-level ``discount`` shrinks taxable amounts in proportion when
``is_discount_before_tax``, else comes off the total. ``shipping_charge`` and ``adjustment`` add to the total;
``balance`` = total - payments - credits - write-off (0 when void); status follows: draft, void, paid,
partially_paid, overdue (due date passed), sent (bills: open).

Limits, per organization, on Books calls (not on /oauth or /__emulator): at most ``rate_limit`` (100)
requests in any sliding window of ``window_seconds`` -> 429 code 44; a daily cap by plan (free 1000,
standard 2000, professional 5000, premium 10000; the day is 1440 windows from start) -> 429 code 45; more
than 5 (free) or 10 requests in flight -> 429 code 1070 (handlers run on worker threads, so calls overlap
as they do on Zoho). Each 429 has ``Retry-After`` (whole seconds, at least 1; left out with
``retry_after=False``) and ``X-Emulator-Retry-After`` (exact). Refused requests do not count against the
window or the day. Every Books answer, ``GET /organizations`` and errors included, carries
``X-Rate-Limit-Limit`` / ``-Remaining`` / ``-Reset`` for the daily cap (of the default organization when the
call names none or an unknown one). Connections idle for ``idle_timeout`` seconds are closed, fresh ones that
never send a request included.

Faults (``emu.faults`` or ``/__emulator/faults``), applied to OAuth and Books calls that pass
authentication and the limits: ``fail_next(n, kind, path=, method=)`` or ``fail_fraction(p, kind,
seed=, path=, method=)``, ``path`` a prefix with or without /books/v3. Kinds: "500" (code 1000), "503",
"html" (a 502 text/html proxy page), "timeout" (held ``timeout_seconds``, 30 by default, then closed
without an answer; ``release()``, ``clear()`` and stopping the server end holds), "drop" (closed without an
answer, not processed), "drop_after_commit" (processed and stored, then closed without an answer),
"expired_token" (401 code 57). In-process, a closed connection raises ``httpx.RemoteProtocolError``.

Webhooks: creates, updates and deletes of contacts, invoices, bills, expenses and items POST
``{"<entity>": {...record as GET returns it...}}`` to each matching webhook, on a background thread that
never delays the API answer, with ``X-Zoho-Webhook-Signature`` (hex HMAC-SHA256 of the raw body with the
secret) and two emulator additions: ``X-Zoho-Event`` (``invoice.created``, ``contact.deleted``, ...) and
``X-Zoho-Delivery-Id``. Failed deliveries are tried three times. ``emu.webhooks.flush()`` waits for them;
``emu.webhooks.deliveries`` lists them; ``emu.webhooks.transport`` can route them in-process.

Controls (JSON) under ``/__emulator``: ``GET health``; ``GET stats`` (requests, by_endpoint,
by_organization, by_status, by_fault, webhooks); ``GET requests`` (the newest 10,000 calls, no secrets);
``POST reset`` (``{"stats", "limits", "faults"}``, all by default); ``GET|POST|DELETE faults`` (POST
``{"kind", "count" | "fraction", "seed", "path", "method", "timeout_seconds"}``); ``POST tokens/expire``;
``GET time``, ``POST time/advance`` (``{"seconds": n}``, finite and >= 0, else 400 and nothing changes:
windows, days, codes and tokens follow the clock); ``GET webhooks/deliveries``. Python: ``emu.stats()``,
``reset_stats()``, ``reset_limits()``, ``request_log``, ``records(org_id, module)``, ``expire_tokens()``,
``advance_time(seconds)``, ``connector_settings()``.

Data: seeded and deterministic (same seed, same records and credentials on any machine and date):
organizations with their own base currency and zone (the first gets the counts given, the others a tenth),
8 currencies (JPY with 0 decimals), taxes 0% / 5% / 8.25% / 12.5% / 20%, a compound tax and a tax group,
a chart of accounts, items, custom fields of every data type on contacts, invoices, bills and expenses,
unicode names and addresses in several countries, inclusive and exclusive invoices, discounts, payments,
dates over the two years up to 2025-06-30. ``fixture=`` (a path or a dict, DESIGN section 3 shape) serves
captured Zoho records as given instead, filling in only missing ids and timestamps.

Known differences from real Zoho
--------------------------------
- Error codes Zoho does not publish (validation, duplicates, deletes refused) are emulator choices (mostly
  code 4); the HTTP status of codes 1002 (404) and 6041/2 (400) is inferred. ``invalid_code`` answers 200
  and the token throttle 400, as clients report.
- Status changes with time (sent -> overdue) happen when a document is written, not as days pass.
- ``GET /chartofaccounts/{id}`` answers the fields at the top level (Zoho's spec) and also under
  ``chart_of_account``; ``GET /settings/taxes/{id}`` answers ``tax`` as an object (the spec shows a list).
- Webhook signatures cover the raw body only (Books sends no query or form fields to sign).
- Where Zoho's documents disagree with the live API, the live API wins: ids and codes (zip, hsn_or_sac) are
  strings, items' ``tax_percentage`` a number (the example shows "70%"), the payments list key
  ``customerpayments`` (the spec says ``customer_payments``). ``plan_type`` numbers are emulator choices;
  a body too large is refused with code 4 (Zoho publishes no code for it).
- Not served: attachments, comments, e-mail and PDF endpoints, estimates, sales/purchase orders, credit
  notes, vendor payments, projects, banking and reports.
"""

from unified.emulator import FAULT_KINDS, FixtureError

from ._emulator import ZohoBooksEmulator
from ._webhooks import sign as sign_webhook

__all__ = ["FAULT_KINDS", "FixtureError", "ZohoBooksEmulator", "sign_webhook"]
