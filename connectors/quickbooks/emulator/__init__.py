"""A local QuickBooks Online: Intuit OAuth 2.0 and the Accounting API v3 in one app, in memory, on the emulator kit.

Written from Intuit's documents (shared/reference/quickbooks: QUICKBOOKS_FACTS.md and Intuit's XSD schemas,
whose element names are the JSON keys) and from how widely used clients call QuickBooks (python-quickbooks
with intuit-oauth, singer-io's tap-quickbooks), never from the connector: those clients run against it
unchanged with only their base URLs changed.

Running it
----------
Command line (prints the companies, credentials and ``export`` lines once listening; Ctrl-C stops it)::

    unified emulator quickbooks --port 8765 [--seed 7] [--contacts 300] [--invoices 1000] [--bills 200]
        [--expenses 200] [--fixture FILE] [--window-seconds 60] [--realms 1] [--client-id ID]
        [--client-secret S] [--refresh-token T] [--realm-id ID] [--webhook-url URL]
        [--webhook-format legacy|cloudevents]
    python -m connectors.quickbooks.emulator --port 8765          # the same command

Python::

    from connectors.quickbooks.emulator import QuickBooksEmulator

    emu = QuickBooksEmulator(seed=7, contacts=300, invoices=1000, bills=200, expenses=200, realms=1)
    with emu.serve() as running:               # uvicorn on a free 127.0.0.1 port, until the block ends
        running.connector_settings()           # client_id, client_secret, refresh_token, realm_id,
                                               # api_url, oauth_url, appcenter_url (all the root), window_seconds
    httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app))   # in-process, no socket

Everything is under one root: ``/v3/company/{realmId}/...`` (quickbooks.api.intuit.com),
``/oauth2/v1/tokens/bearer`` and ``/oauth2/v1/tokens/revoke`` (oauth.platform.intuit.com), ``/connect/oauth2``
(appcenter.intuit.com) and ``/.well-known/openid_configuration`` (also ``openid_sandbox_configuration``:
point intuit-oauth's discovery URL here and it finds the rest). requests-oauthlib clients refuse plain http
unless ``OAUTHLIB_INSECURE_TRANSPORT=1``.

OAuth 2.0
---------
- ``GET /connect/oauth2?client_id&redirect_uri&scope&state``: consent at once for the first company
  (``realmId=`` picks another); redirects with ``code``, ``state`` and ``realmId``. Codes live 10 minutes, once.
- ``POST /oauth2/v1/tokens/bearer`` (form body; client by HTTP Basic, or client_id/client_secret in the
  body): ``authorization_code`` and ``refresh_token``. Answers ``{"token_type": "bearer", "access_token",
  "expires_in": 3600, "refresh_token", "x_refresh_token_expires_in"}``. Every refresh ROTATES the refresh token:
  the one sent is superseded and answers 400 ``{"error": "invalid_grant"}`` from then on
  (``refresh_grace_seconds`` lets it work once more for a while). Unknown, expired, used or revoked: 400
  ``invalid_grant``; bad client: 401 ``invalid_client``.
- ``POST /oauth2/v1/tokens/revoke`` (``{"token": ...}`` as JSON or form, HTTP Basic): a refresh token with its
  access tokens, or one access token; 200.
- The seeded refresh token reaches every company; a consent reaches the company chosen.

Accounting API
--------------
``Authorization: Bearer <token>`` (missing, unknown, expired: 401 Fault code 100, type AUTHENTICATION); a
company the token does not reach: 403 code 120. Entity names in paths ignore case (``/invoice/42``).

- ``GET /{entity}/{id}``; ``POST /{entity}`` creates (no Id) or updates (Id and the current SyncToken; full,
  or ``"sparse": true``); ``?operation=delete`` deletes a transaction (``{"Id", "SyncToken"}``; answers
  ``{"<Entity>": {"Id", "status": "Deleted", "domain": "QBO"}}``), ``?operation=void`` voids an invoice.
  Name lists (Customer, Vendor, Item, Account, Class, Department, Term) are not deleted: send ``Active:
  false`` (delete answers code 500 Unsupported Operation). Entities: Customer, Vendor, Invoice, Bill,
  Purchase (expenses), Payment (applied to invoices through ``LinkedTxn``), Item, Account, Class, Department,
  Term, TaxCode, TaxRate and TaxAgency (read; ``POST /taxservice/taxcode`` makes codes and rates),
  CompanyInfo (``/companyinfo/{realmId}``), Preferences (``/preferences``).
- ``GET /query?query=`` and ``POST /query`` (Content-Type application/text): ``select * | count(*) | Prop, ...
  from Entity where ... and ... orderby|order by ... startposition n maxresults n`` (up to 1000, default 100)
  with ``= < > <= >= != in (...) like '%x%'``; keywords, entity and property names in any case. Answers
  ``{"QueryResponse": {"<Entity>": [...], "startPosition", "maxResults", "totalCount"}, "time"}`` (maxResults
  and totalCount count this page, as Intuit's do); nothing found: ``{"QueryResponse": {}}``; count(*):
  ``{"totalCount": n}``. Name lists answer active records unless the query names Active (``Active IN (true,
  false)``). Bad syntax: 400 code 4000 (QueryParserError); an unknown property or entity, maxresults over
  1000: code 4001 (QueryValidationError). Entities Intuit has but the emulator holds none of answer empty.
- ``GET /cdc?entities=A,B&changedSince=T``: records changed at or after T and deletions as ``{"Id",
  "status": "Deleted", "MetaData": {"LastUpdatedTime"}}``, one QueryResponse per entity, at most 1,000
  objects in all (the oldest first). An older changedSince answers from the 30-day horizon. TaxCode, TaxRate
  and TaxAgency are not tracked (code 500).
- ``POST /batch``: ``{"BatchItemRequest": [{"bId", "operation", "<Entity>": {...}} | {"bId", "Query"}]}``, at
  most 30 items, run one after another; ``{"BatchItemResponse": [{"bId", "<Entity>" | "QueryResponse" |
  "Fault"}]}``.
- ``?requestid=`` (at most 50 characters) on a POST replays the first answer to that id, faults included.
- ``?minorversion=`` is accepted; below 75 is served as 75 (Intuit retired 1-74); not a number: code 2010.
- ``GET /reports/ProfitAndLoss`` (``start_date``, ``end_date``, ``summarize_column_by=Days|Total``): income from
  invoices and expenses from bills and purchases, net of tax.

Faults: ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type": "ValidationFault"}, "time"}``
with HTTP 400: 610 object not found, 2010 unknown property or malformed body, 2020 required field missing,
2050 string too long, 2500 a reference to a missing or inactive entity (items, accounts, customers, vendors,
tax codes, classes, departments, terms must exist), 5010 stale SyncToken, 6000 business rules (over-payment,
a line without a tax code, multicurrency), 6210 duplicate DocNumber, 6240 duplicate name (Customer and
Vendor DisplayNames share one namespace), 500 unsupported operation; 429 code 3001 (type SERVICE); 500/503
code 10000 (SystemFault).

Writes compute what QuickBooks computes: Id, SyncToken (+1 on every write, including an invoice a payment
changes), MetaData (the company's offset), DisplayName from name parts, FullyQualifiedName, DocNumber (next
number), DueDate (from the term), TotalAmt, Balance (invoices less payments; customers' and vendors' open
balances), line Ids, the invoice's SubTotalLineDetail line and TxnTaxDetail. Empty strings and nulls clients
send for unset fields are left out.

Tax (non-US model): each line's TaxCodeRef names a TaxCode whose SalesTaxRateList (invoices) or
PurchaseTaxRateList (bills, purchases) lists TaxRates. ``GlobalTaxCalculation`` TaxExcluded (line Amount net;
per rate, tax = NetAmountTaxable x rate, rounded half up to the cent), TaxInclusive (the amount sent is gross,
or the line's TaxInclusiveAmt when given; Amount becomes net, TaxInclusiveAmt keeps the gross; TotalAmt is the
gross total) and NotApplicable (no tax). ``TxnTaxDetail`` is ``{"TxnTaxCodeRef"?, "TotalTax", "TaxLine":
[{"Amount", "DetailType": "TaxLineDetail", "TaxLineDetail": {"TaxRateRef", "PercentBased", "TaxPercent",
"NetAmountTaxable"}}]}``. See ``_tax.py``.

Limits, per company (realmId): 500 requests in any sliding ``window_seconds`` (60), 10 in flight, 40 batch
requests a window; optionally ``per_second`` (Intuit documents 10). Refused requests do not count. A 429
carries the 3001 fault, ``Retry-After`` (whole seconds; ``retry_after=False`` leaves it out: Intuit only says
"wait 60 seconds"), ``X-Emulator-Retry-After`` (exact) and ``X-Emulator-Limit``. Every answer carries
``intuit_tid``.

Faults (``emu.faults`` or ``/__emulator/faults``): the kit's kinds on OAuth and API calls; "500"/"503" as
SystemFault, "html" a 502 page, "expired_token" a 401 code 100; ``path`` prefixes match with or without
``/v3/company/{realmId}``.

Webhooks: with ``webhook_url`` set, every API call that writes POSTs one delivery, signed with
``intuit-signature`` (base64 HMAC-SHA256 of the body keyed by ``emu.verifier_token``), in the legacy
``eventNotifications`` shape or as CloudEvents 1.0 (``webhook_format``; ``POST /__emulator/webhooks {"url",
"format"}`` changes both); ``emu.deliveries.flush()`` waits, ``GET /__emulator/webhooks/deliveries`` lists them.

Data: seeded and deterministic (the same seed gives the same companies, records and credentials anywhere, any
day): non-US companies (Canada with GST, HST and a GST+PST code; then the UK with VAT; then Australia with GST),
the chart of accounts, terms, classes, departments, items, customers and vendors (contacts split two to one),
invoices (a mix of the three tax modes, about 45% paid by payments), bills and purchases over the two years up to
2025-06-30; later companies get a tenth. ``fixture=`` serves ``{"realms": [CompanyInfo...], "Customer": [...],
"Invoice": [...], ...}`` as given (see ``_fixtures.py``).

Known differences from real QuickBooks Online
---------------------------------------------
- JSON only: ``Accept: application/xml`` is answered in JSON (Intuit answers XML without an Accept header).
- Refresh tokens rotate on every refresh (Intuit often hands back the same value for about a day); the
  exported seeded refresh token is therefore good for one refresh: store the new one.
- No OpenID ``id_token`` (no JWKS); ``/v1/openid_connect/userinfo`` answers a fixed user.
- Inactive customers and vendors keep their DisplayName (QuickBooks appends "(deleted)") and free it for
  reuse. A line's Amount is not checked against UnitPrice x Qty.
- Not served: DiscountLineDetail and GroupLineDetail lines, BillPayment and other transaction types
  (queries on them answer empty), attachments, PDFs, send, multicurrency, US Automated Sales Tax, reports
  other than ProfitAndLoss, webhook aggregation (one delivery per call, at once), the 10 requests a second
  rule unless ``per_second`` is given.
- Intuit's texts for faults it does not document are the emulator's; 6210 follows the project's facts (some
  Intuit pages give 6140); an unknown entity name in a query is a 4001.
"""

from unified.emulator import FixtureError

from ._emulator import QuickBooksEmulator
from ._errors import QBOFault
from ._query import QueryError
from ._webhooks import sign as sign_webhook
from ._webhooks import verify as verify_webhook

__all__ = ["FixtureError", "QBOFault", "QueryError", "QuickBooksEmulator", "sign_webhook", "verify_webhook"]
