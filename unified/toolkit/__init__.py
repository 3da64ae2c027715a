"""The toolkit a connector is built on: the request loop, auth, write safety, paging and caches.

A connector holds only what is its provider's (settings, wire models, mapping, capabilities, its
:class:`Dialect`); the machinery is here, once::

    http = ApiClient(
        dialect=MyDialect(),                       # how the provider spells errors and rate-limit feedback
        base_url="https://api.example.com/v1",
        auth=TokenManager(OAuthClient(...), refresh_token=..., store=token_store),
        limiter_key="my-books:company-42",         # one budget per organization, shared in the process
        rate_limit=RateLimitPolicy(limit=60, window=60, max_concurrent=5, daily_limit=5000),
        writes=IdempotencyHeader("Idempotency-Key"),
    )
    body = await http.request("GET", "/invoices", params=...)
    created = await http.write("POST", "/invoices", json=..., idempotency_key=key)

See "Writing a connector" in docs/connectors.md.
"""

from unified.toolkit._cache import KeyedCache
from unified.toolkit._connector import ApiConnector
from unified.toolkit._http import (
    ApiClient,
    Auth,
    Call,
    Dialect,
    Lookup,
    RateLimitHit,
    Reply,
    error_by_status,
    number_header,
    path_only,
    resets_at_of,
    retry_after_seconds,
    unknown_outcome,
)
from unified.toolkit._models import clean, one_tax_inclusive_flag, read_model
from unified.toolkit._oauth import Grant, OAuthClient, TokenSet, check_state
from unified.toolkit._pacing import PacedTransport
from unified.toolkit._paging import (
    Offsets,
    PageNumbers,
    Position,
    ProviderCursor,
    decode_cursor,
    encode_cursor,
    fetch_details,
    updated_since,
)
from unified.toolkit._passthrough import apply_pass_through
from unified.toolkit._tokens import MemoryTokenStore, StoredTokens, TokenManager, TokenStore
from unified.toolkit._wire import (
    WireCodec,
    decimal_out,
    parse_bool,
    parse_decimal,
    parse_int,
    parse_iso_date,
    parse_iso_datetime,
    parse_text,
    prune,
    tolerant_converter,
)
from unified.toolkit._writes import IdempotencyHeader, LookupFirst, RequestIdParam, WriteSafety

__all__ = [
    "ApiClient",
    "ApiConnector",
    "Auth",
    "Call",
    "Dialect",
    "Grant",
    "IdempotencyHeader",
    "KeyedCache",
    "Lookup",
    "LookupFirst",
    "MemoryTokenStore",
    "OAuthClient",
    "Offsets",
    "PacedTransport",
    "PageNumbers",
    "Position",
    "ProviderCursor",
    "RateLimitHit",
    "Reply",
    "RequestIdParam",
    "StoredTokens",
    "TokenManager",
    "TokenSet",
    "TokenStore",
    "WireCodec",
    "WriteSafety",
    "apply_pass_through",
    "check_state",
    "clean",
    "decimal_out",
    "decode_cursor",
    "encode_cursor",
    "error_by_status",
    "fetch_details",
    "number_header",
    "one_tax_inclusive_flag",
    "parse_bool",
    "parse_decimal",
    "parse_int",
    "parse_iso_date",
    "parse_iso_datetime",
    "parse_text",
    "path_only",
    "prune",
    "read_model",
    "resets_at_of",
    "retry_after_seconds",
    "tolerant_converter",
    "unknown_outcome",
    "updated_since",
]
