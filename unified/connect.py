"""Connect an account: the OAuth code flow, for the CLI (a loopback callback) and for a product's own web callback.

A backend offers a :class:`ConnectProvider` (entry-point group ``unified.oauth``); :class:`ConnectFlow` drives it::

    flow = ConnectFlow(provider, redirect_uri="https://app.example.com/oauth/callback", vault=Vault())
    url, state = flow.start()                      # keep `state` in the user's session, redirect them to `url`
    ...
    # in the callback handler, with the query parameters of the redirect:
    connection = await flow.afinish(request.query_params, expected_state=session["state"],
                                    organization_id=chosen_id)     # or flow.finish(...) from sync code

The CLI runs the same flow with a tiny HTTP server on 127.0.0.1 receiving the redirect
(:func:`connect_in_browser`).
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import threading
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlsplit

from unified.errors import ConnectorTimeoutError, RequestValidationError, UnauthorizedError
from unified.vault import Connection, Vault

__all__ = [
    "OAUTH_GROUP",
    "Authorization",
    "ConnectFlow",
    "ConnectProvider",
    "LoopbackCallback",
    "OAuthConnectProvider",
    "Organization",
    "connect_in_browser",
]

OAUTH_GROUP = "unified.oauth"


@dataclass(frozen=True)
class Organization:
    """One organization (company, books) the authorized user can reach."""

    id: str
    name: str
    is_default: bool = False
    currency: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        parts = [self.name or "(unnamed)", f"id {self.id}"]
        if self.currency:
            parts.append(self.currency)
        if self.is_default:
            parts.append("default")
        return ", ".join(parts)


@runtime_checkable
class ConnectProvider(Protocol):
    """What a backend implements so its accounts can be connected with OAuth.

    ``grant`` is the provider's own token object: the flow only hands it back to the provider.
    """

    #: the connector's registry name (group ``unified.connectors``) that the connections are for
    connector: str

    def default_scopes(self) -> list[str]:
        """The scopes to ask for when the caller names none: enough for every unified resource."""
        ...

    def authorization_url(self, *, redirect_uri: str, state: str, scopes: Sequence[str]) -> str:
        """The URL the user consents at; it redirects to ``redirect_uri`` with ``code`` and ``state``."""
        ...

    async def exchange_code(self, params: Mapping[str, str], *, redirect_uri: str) -> Any:
        """Trade the redirect's code for tokens, honouring whatever else the redirect says (data center...)."""
        ...

    async def organizations(self, grant: Any) -> list[Organization]:
        """The organizations the tokens reach."""
        ...

    def connection(self, name: str, grant: Any, organization: Organization) -> Connection:
        """The connection to store: plain settings and secrets (client secret, tokens)."""
        ...


class OAuthConnectProvider:
    """A :class:`ConnectProvider` over the toolkit's :class:`~unified.toolkit.OAuthClient`: a connector supplies
    the client, its scopes, how to list the organizations a grant reaches, and which setting names one.

    ``settings`` are the connection's fixed settings (client id, URLs); the saved connection adds the
    organization (``organization_setting``), the tokens and their expiry, and the client secret.
    """

    connector: str = ""
    #: the connector setting that names the organization (organization_id, tenant_id, realm_id)
    organization_setting: str = "organization_id"

    def __init__(
        self,
        oauth: Any,
        *,
        scopes: Sequence[str],
        client_secret: Any,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.oauth = oauth
        self.scopes = list(scopes)
        self._client_secret = client_secret
        self.settings = {k: v for k, v in (settings or {}).items() if v is not None}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.oauth.client_id!r})"

    def default_scopes(self) -> list[str]:
        return list(self.scopes)

    def authorization_url(self, *, redirect_uri: str, state: str, scopes: Sequence[str]) -> str:
        url, _ = self.oauth.authorization_url(redirect_uri=redirect_uri, scopes=scopes, state=state)
        return str(url)

    async def exchange_code(self, params: Mapping[str, str], *, redirect_uri: str) -> Any:
        return await self.oauth.exchange_code(params.get("code", ""), redirect_uri=redirect_uri)

    async def organizations(self, grant: Any) -> list[Organization]:
        raise NotImplementedError

    def connection_settings(self, grant: Any, organization: Organization) -> dict[str, Any]:
        """Settings beyond the fixed ones and the organization (e.g. an API host the token response named)."""
        return {}

    def connection(self, name: str, grant: Any, organization: Organization) -> Connection:
        refresh = getattr(grant, "refresh_token", None)
        if not refresh:
            raise UnauthorizedError(
                f"{self.connector} answered the code exchange without a refresh token: connect again and accept "
                "offline access.",
                outcome="failed",
            )
        settings: dict[str, Any] = {
            "client_id": self.oauth.client_id,
            **self.settings,
            self.organization_setting: organization.id,
            "expires_at": grant.expires_at.isoformat(),
            **self.connection_settings(grant, organization),
        }
        secrets = {
            "client_secret": _reveal(self._client_secret),
            "refresh_token": _reveal(refresh),
            "access_token": _reveal(grant.access_token),
        }
        return Connection(name=name, connector=self.connector, settings=settings, secrets=secrets)


def _reveal(value: Any) -> str:
    reveal = getattr(value, "reveal", None)
    return str(reveal() if callable(reveal) else value)


@dataclass
class Authorization:
    """A finished consent: the provider's tokens and the organizations they reach, before one is chosen."""

    provider: ConnectProvider
    grant: Any = field(repr=False)
    organizations: list[Organization]

    def choose(
        self,
        organization_id: str | None = None,
        choose: Callable[[list[Organization]], Organization] | None = None,
    ) -> Organization:
        """The organization named, else the only one, else the one ``choose`` picks."""
        listing = "; ".join(org.label() for org in self.organizations)
        if organization_id is not None:
            for org in self.organizations:
                if org.id == organization_id:
                    return org
            raise RequestValidationError(
                f"Organization {organization_id!r} is not one this account can reach; its organizations: "
                f"{listing or 'none'}.",
                field="organization_id",
            )
        if not self.organizations:
            raise RequestValidationError(
                "The account has no organization yet: create one in the accounting product, then connect again.",
                field="organization_id",
            )
        if len(self.organizations) == 1:
            return self.organizations[0]
        if choose is None:
            raise RequestValidationError(
                f"The account has {len(self.organizations)} organizations ({listing}); say which one with "
                "organization_id (CLI: --organization-id).",
                field="organization_id",
            )
        return choose(self.organizations)

    def connection(self, organization: Organization, *, name: str | None = None) -> Connection:
        return self.provider.connection(name or self.provider.connector, self.grant, organization)


class ConnectFlow:
    """The OAuth code flow for one provider and one redirect URI; stores the connection when given a vault."""

    def __init__(
        self,
        provider: ConnectProvider,
        *,
        redirect_uri: str,
        vault: Vault | None = None,
        scopes: Sequence[str] | None = None,
    ) -> None:
        if not redirect_uri:
            raise RequestValidationError(
                "redirect_uri is empty: pass the URL of your OAuth callback.", field="redirect_uri"
            )
        self.provider = provider
        self.redirect_uri = redirect_uri
        self.vault = vault
        self.scopes = list(scopes) if scopes else provider.default_scopes()

    def start(self, *, state: str | None = None) -> tuple[str, str]:
        """The authorization URL to send the user to, and the ``state`` to keep until the redirect comes back."""
        state = state or secrets.token_urlsafe(24)
        url = self.provider.authorization_url(redirect_uri=self.redirect_uri, state=state, scopes=self.scopes)
        return url, state

    async def authorize(self, params: Mapping[str, str], expected_state: str) -> Authorization:
        """Check the redirect, exchange its code, and list the organizations the tokens reach."""
        query = {key: str(value) for key, value in params.items()}
        check_state(expected_state, query.get("state"))
        if "error" in query:
            reason = query.get("error_description") or query["error"]
            raise UnauthorizedError(
                f"The authorization was refused ({reason}); start the connect flow again and accept the consent.",
                outcome="failed",
            )
        if not query.get("code"):
            raise RequestValidationError(
                "The redirect carries no `code`: pass every query parameter of the redirect to finish().",
                field="code",
            )
        grant = await self.provider.exchange_code(query, redirect_uri=self.redirect_uri)
        organizations = await self.provider.organizations(grant)
        return Authorization(self.provider, grant, organizations)

    async def afinish(
        self,
        params: Mapping[str, str],
        expected_state: str,
        *,
        organization_id: str | None = None,
        name: str | None = None,
        choose: Callable[[list[Organization]], Organization] | None = None,
    ) -> Connection:
        """Finish the flow from the redirect's query parameters: the connection (saved when the flow has a vault).

        With several organizations and no ``organization_id``, ``choose`` picks one (else an error lists them).
        """
        authorization = await self.authorize(params, expected_state)
        organization = authorization.choose(organization_id, choose)
        connection = authorization.connection(organization, name=name)
        if self.vault is not None:
            connection = self.vault.save(connection)
        return connection

    def finish(
        self,
        params: Mapping[str, str],
        expected_state: str,
        *,
        organization_id: str | None = None,
        name: str | None = None,
        choose: Callable[[list[Organization]], Organization] | None = None,
    ) -> Connection:
        """:meth:`afinish` for blocking code (a sync web framework); not for use inside an event loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("ConnectFlow.finish() was called inside an event loop: use `await flow.afinish(...)`.")
        return asyncio.run(
            self.afinish(params, expected_state, organization_id=organization_id, name=name, choose=choose)
        )


def check_state(expected: str, received: str | None) -> None:
    """Refuse a redirect whose ``state`` is not the one the flow started with (forged, or from another attempt)."""
    if not expected or received is None or not hmac.compare_digest(expected.encode(), received.encode()):
        raise UnauthorizedError(
            "The OAuth redirect's state does not match the one this connect flow started with: the redirect is "
            "forged or from an older attempt. Start the connect flow again.",
            outcome="failed",
        )


# -- the loopback callback the CLI listens on ---------------------------------------------------------------

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>unified connect</title></head>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body></html>"
)


class LoopbackCallback:
    """A one-shot HTTP server on 127.0.0.1 that receives the OAuth redirect at ``/callback``.

    ``port=0`` picks a free port; a provider that needs the exact redirect URI registered is given
    a fixed one.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, path: str = "/callback") -> None:
        self._host = host
        self._port = port
        self.path = path
        self._received: dict[str, str] | None = None
        self._event = threading.Event()
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def redirect_uri(self) -> str:
        if self._server is None:
            raise RuntimeError("The loopback callback is not started: use it as a context manager.")
        return f"http://{self._host}:{self._server.server_port}{self.path}"

    def __enter__(self) -> LoopbackCallback:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != owner.path:
                    self._reply(404, "Not found", "This server only receives the OAuth redirect.")
                    return
                params = dict(parse_qsl(url.query, keep_blank_values=True))
                if "error" in params:
                    self._reply(400, "Not connected", "The authorization was refused; you can close this window.")
                else:
                    self._reply(200, "Connected", "You can close this window and go back to the terminal.")
                owner._deliver(params)

            def _reply(self, status: int, title: str, text: str) -> None:
                body = _PAGE.format(title=title, text=text).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the query string carries the authorization code."""

        try:
            self._server = HTTPServer((self._host, self._port), Handler)
        except OSError as exc:
            raise RequestValidationError(
                f"Cannot listen on {self._host}:{self._port} for the OAuth redirect ({exc.strerror}); choose "
                "another port with --port.",
                field="port",
            ) from None
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="unified-oauth-callback", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._event.set()  # a waiter still blocked (the user pressed Ctrl-C) returns at once
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def _deliver(self, params: dict[str, str]) -> None:
        if self._received is None:  # one-shot: a second (replayed) redirect is ignored
            self._received = params
            self._event.set()

    def wait(self, timeout: float) -> dict[str, str]:
        """The redirect's query parameters, once it arrives."""
        if not self._event.wait(timeout) or self._received is None:
            raise ConnectorTimeoutError(
                f"No OAuth redirect arrived within {timeout:g} seconds: open the URL above in a browser on this "
                "machine and accept, or raise --timeout.",
                outcome="failed",
            )
        return self._received


async def connect_in_browser(
    flow_factory: Callable[[str], ConnectFlow],
    *,
    port: int = 0,
    open_browser: Callable[[str], Any] | None = webbrowser.open,
    announce: Callable[[str], None] = print,
    timeout: float = 300.0,  # noqa: ASYNC109 - how long the user has to consent, not a call's timeout
    organization_id: str | None = None,
    name: str | None = None,
    choose: Callable[[list[Organization]], Organization] | None = None,
) -> Connection:
    """The CLI's flow: listen on 127.0.0.1, show (and open) the authorization URL, wait for the redirect, finish.

    ``flow_factory`` builds the flow for the loopback's redirect URI; ``open_browser=None`` only prints the URL.
    """
    with LoopbackCallback(port=port) as callback:
        flow = flow_factory(callback.redirect_uri)
        url, state = flow.start()
        announce(url)
        if open_browser is not None:
            open_browser(url)
        params = await asyncio.to_thread(callback.wait, timeout)
    return await flow.afinish(params, state, organization_id=organization_id, name=name, choose=choose)
