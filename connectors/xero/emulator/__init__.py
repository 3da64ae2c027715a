"""A local Xero: the identity service, connections and the Accounting API in one Starlette app, in memory.

Written from Xero's documents (shared/reference/xero: XERO_FACTS.md and Xero's OpenAPI files
xero_accounting.yaml, xero-identity.yaml, xero-webhooks.yaml), never from the connector, so that tests against
it prove a client agrees with Xero, not with itself. Real Xero clients (an SDK generated from the OpenAPI
documents, an ETL tap) run against it with only their base URLs changed: api.xero.com, identity.xero.com and
login.xero.com are all its root URL.

Running it
----------
Command line (prints its URLs and, once listening, the ``export`` lines for ``unified``; Ctrl-C stops it)::

    unified emulator xero --port 8765 [--seed 7] [--contacts 300] [--invoices 1000] [--bills 200]
        [--expenses 200] [--fixture FILE] [--tenants 2] [--window-seconds 60] [--client-id ID]
        [--client-secret S] [--refresh-token T]
    python -m connectors.xero.emulator --port 8765          # the same command

Python::

    from connectors.xero.emulator import XeroEmulator

    emu = XeroEmulator(seed=7, contacts=300, invoices=1000, bills=200, expenses=200, tenants=2)
    with emu.serve() as running:              # uvicorn on a free 127.0.0.1 port, until the block ends
        XeroConnector(**running.connector_settings())
        # {client_id, client_secret, refresh_token, tenant_id, api_url, identity_url, login_url, window_seconds}
    httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app))   # in-process, no socket

Data is generated on a background thread as the emulator is built (about a second for the default counts);
requests, ``store``, ``records()`` and ``tenant_ids`` wait for it (``wait_ready()`` waits explicitly).

What it serves (paths in Xero's spelling or any other case)
----------------------------------------------------------
Identity (see ``_identity``): ``GET /identity/connect/authorize`` (consent at once; redirects with ``code``,
``scope``, ``state``), ``POST /connect/token`` (``authorization_code``, ``refresh_token``; client by HTTP
Basic or form fields; 30-minute access tokens; a refresh token when the scope has ``offline_access``, which
lives 60 days and ROTATES on every use, the previous one working once more within 30 minutes, then
``invalid_grant``), ``POST /connect/revocation`` (ends the refresh token, its access tokens and the
connections). Connections: ``GET /connections`` (every tenant of the login, ``?authEventId=``),
``DELETE /connections/{id}``.

Accounting API under ``/api.xro/2.0`` (``Authorization: Bearer``; ``xero-tenant-id`` on every call):

- Contacts: list, ``PUT``/``POST`` (one or many), ``GET``/``POST /Contacts/{ContactID or ContactNumber}``.
  IsCustomer/IsSupplier are set by ACCREC/ACCPAY documents and read-only (without moving UpdatedDateUTC, as
  Xero documents); contacts are archived (``ContactStatus: ARCHIVED``), never deleted, and lists leave
  archived ones out unless ``includeArchived=true``; names are unique among active contacts.
- Invoices, ACCREC (sales) and ACCPAY (bills) in one collection; CreditNotes (ACCRECCREDIT, ACCPAYCREDIT) with
  ``PUT /CreditNotes/{id}/Allocations``: list, ``PUT``/``POST``, ``GET``/``POST /Invoices/{InvoiceID or
  InvoiceNumber}``. Statuses DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED with Xero's rules: DRAFT and
  SUBMITTED may be edited, AUTHORISED or DELETED; AUTHORISED may be edited and VOIDED while nothing is paid
  or credited, never deleted or sent back; PAID comes from payments only; PAID, VOIDED and DELETED documents
  are "not of valid status for modification". Approved documents need a DueDate and an account code on every
  line. A Contact named by Name only that does not exist is created, as Xero does.
- Payments against AUTHORISED invoices (and credit notes): ``PUT``/``POST /Payments``; a payment covering
  what is due makes the invoice PAID; ``POST /Payments/{id} {"Status": "DELETED"}`` takes it back.
- BankTransactions: SPEND (expenses) and RECEIVE on a BANK account; deleted by ``Status: DELETED``.
- TaxRates (``PUT`` new ones get TaxType TAX001...; ``POST`` updates; ``GET /TaxRates/{TaxType}``),
  Accounts (``DELETE`` refused for system accounts and accounts with transactions), Items (by id or code;
  ``DELETE`` 204), TrackingCategories and their Options (two active categories at most), Organisation (also
  ``/Organisations``), Currencies. Tap-style readers of everything find the other collections
  (ManualJournals, Overpayments, Users, ...) served empty.

Answers as Xero writes them: ``{"Id", "Status": "OK", "ProviderName", "DateTimeUTC", "<Collection>": [...]}``,
PascalCase keys, ``/Date(1518685950940+0000)/`` dates with ``DateString`` companions, exact decimals.
Errors: 400 ``{"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception
occurred", "Elements": [...]}``, 400 PostDataInvalidException (14: JSON that cannot be read, a value of the
wrong type, naming its path; the whole call fails), 400 QueryParseException (16: where/order), 401
``{"Type": null, "Title": "Unauthorized", "Status": 401, "Detail": "AuthenticationUnsuccessful" (or
"TokenExpired: ...", or "AuthorizationUnsuccessful" for a token without the collection's scope), "Instance",
"Extensions": {}}``, 403 Forbidden (``AuthenticationUnsuccessful`` without a tenant header,
``AuthorizationUnsuccessful`` for a tenant that is unknown or not connected), 404 the text ``The resource
you're looking for cannot be found``, 405 for a known path and another method.

Writes: arrays in one PUT/POST, each element on its own (valid ones are stored even when others fail). With
``summarizeErrors=false``: 200 and every element in place, failed ones with ``ValidationErrors``,
``StatusAttributeString: "ERROR"`` and ``HasErrors``/``HasValidationErrors``; absent or true: 400
ValidationException listing the failed elements. ``Idempotency-Key`` (at most 128 characters) replays the
first answer of a key on the same endpoint for 24 hours (``Idempotency-Replayed: true``), whatever the body:
Xero documents only that a retry is not processed twice. Unknown fields are ignored, as Xero's reader does.

Lists: ``page`` (``pageSize`` default 100, capped at 1000; Xero's documents state no maximum, its clients
report 1000) with ``pagination {page, pageSize, pageCount, itemCount}``; without ``page`` every record, and
invoices and credit notes without their lines. ``If-Modified-Since`` (RFC 1123 or ISO 8601) keeps records
changed after it (not on TaxRates, TrackingCategories, Currencies, Organisation, as documented).
``where``/``order`` (see ``_query``: ``Type=="ACCREC"``, ``Contact.ContactID==guid("...")``,
``Date>=DateTime(2024,01,01)``, AND/OR/NOT, ``.Contains()``...), ``IDs``, ``Statuses``, ``ContactIDs``,
``InvoiceNumbers``, ``searchTerm``, ``summaryOnly``, ``includeArchived``, ``unitdp=4``.

Arithmetic (see ``_money``), in Decimal: LineAmount = Quantity x UnitAmount less DiscountRate/DiscountAmount,
to the cent; tax per line rounded half away from zero (Exclusive: x rate; Inclusive: x rate / (100 + rate);
NoTax: 0); compound rates tax the components before them; SubTotal, TotalTax, Total, AmountDue/AmountPaid/
AmountCredited follow. Line TaxType codes come from /TaxRates (else the account's or item's default), Item
codes fill in description, price and account, Tracking names or ids are checked (an unknown category or
option is refused, never dropped).

Limits, on Accounting API calls: per tenant 60 in any rolling minute (``window_seconds`` scales it), 5,000 in
a rolling 24 hours (1440 windows), 5 in flight; per app 10,000 a minute. Every answer carries
``X-DayLimit-Remaining``, ``X-MinLimit-Remaining``, ``X-AppMinLimit-Remaining``; a 429 has ``Retry-After``
(whole seconds), ``X-Rate-Limit-Problem`` (minute, day, concurrent, appminute) and the exact
``X-Emulator-Retry-After``. Refused calls count against nothing. Options: ``minute_limit``, ``day_limit``,
``concurrency``, ``app_minute_limit``.

Faults (``emu.faults`` or ``/__emulator/faults``), on identity and API calls that pass authentication and the
limits: ``fail_next(n, kind, path=, method=)``, ``fail_fraction(p, kind, seed=)``, ``path`` a prefix with or
without /api.xro/2.0. Kinds: "500", "503" (problem documents), "html" (a 502 text/html gateway page),
"timeout" (held, then closed), "drop" (closed, not processed), "drop_after_commit" (processed and stored,
then closed; the Idempotency-Key replays it), "expired_token" (401 TokenExpired).

Webhooks (see ``_webhooks``): ``emu.webhooks.subscribe(url, key=None)``; each call that creates or changes
contacts, invoices (bills too) or credit notes POSTs ``{"events": [...], "firstEventSequence",
"lastEventSequence", "entropy"}`` with ``x-xero-signature`` (base64 HMAC-SHA256 of the body with the webhook
key, ``emu.webhooks.key``); events name the record (resourceUrl, resourceId), never carry it; failed
deliveries are tried again. ``intent_to_receive()`` runs Xero's handshake (a good signature must get 200, a
bad one 401). ``flush()`` waits for deliveries, ``deliveries`` lists them, ``transport`` routes them in-process.

Controls (JSON) under ``/__emulator``: the kit's ``health``, ``stats``, ``requests`` (no secrets), ``reset``,
``faults``, ``tokens/expire``, ``time``, ``time/advance``; and ``GET|POST|DELETE webhooks`` (POST ``{"url",
"key", "categories"}``), ``POST webhooks/intent``, ``GET webhooks/deliveries``. Python: ``stats()``,
``request_log``, ``records(collection, tenant_id)``, ``tenant()``, ``connect_all()``, ``expire_tokens()``,
``advance_time(seconds)``, ``oauth``, ``limits``.

Data: seeded and deterministic (same seed, same records, ids and credentials on any machine and date):
tenants in NZ, UK, AU and US (the first gets the counts given, the others a tenth), each with its currencies
and rates, tax rates of 0%, 15%, 20% and its own region's, and a compound one, a chart of accounts, items,
tracking categories (one archived), contacts with unicode names and addresses (some archived), invoices and
bills in every status and all three LineAmountTypes, payments, credit notes, spend-money transactions, dates
over the two years up to 2025-06-30. ``fixture=`` (a path or a dict: ``{"tenants": [...], "Contacts": [...],
"Invoices": [...], ...}``, see ``_fixtures``) serves captured Xero records as given instead, filling in only
what is missing.

Known differences from real Xero
--------------------------------
- Answers are always JSON (Xero answers XML without ``Accept: application/json``); no id_token is issued.
- Error messages Xero does not publish are the emulator's wording in Xero's style.
- No attachments, history, PDFs, e-mail, reports, journals, prepayments/overpayments or purchase orders
  (those collections read as empty).
- Webhook deliveries go out at once, one per API call, not batched over time; retries are a few, not 24 hours.
- Connections' dates have no offset, as Xero's own example, though its document types them date-time.
"""

from ._emulator import XeroEmulator
from ._webhooks import sign as sign_webhook

__all__ = ["XeroEmulator", "sign_webhook"]
