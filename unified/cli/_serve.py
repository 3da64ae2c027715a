"""``unified serve`` (Apideck's accounting API over HTTP) and ``unified keys`` (the API keys that open it)."""

from __future__ import annotations

import copy
import os
from typing import Annotated, Any

import typer

__all__ = ["keys_app", "serve"]

keys_app = typer.Typer(
    help="API keys of `unified serve`: shown once when made, kept hashed in $UNIFIED_HOME/api_keys.db.",
    no_args_is_help=True,
)


def _err(message: str) -> None:
    typer.echo(message, err=True)


#: longer than clients keep idle connections (httpx: 5 s), so a client never reuses one the server is closing
KEEP_ALIVE_SECONDS = 65


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, plus the server's request log line (in every worker process)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["unified.server"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to bind; loopback unless you mean otherwise.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8080,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    rate_limit_wait: Annotated[
        float,
        typer.Option(
            "--rate-limit-wait",
            min=0.0,
            help="Seconds a request may wait for its provider's rate budget before it is answered 429.",
        ),
    ] = 10.0,
) -> None:
    """Serve Apideck's accounting API (/accounting/..., /proxy, /openapi.json) for the vault's connections.

    Every call needs Authorization: Bearer <key> (`unified keys create`, or UNIFIED_API_KEYS);
    x-apideck-consumer-id names the vault connection. The server does not start without a key.
    """
    import uvicorn

    from unified.server import RATE_WAIT_ENV, ApiKeys, ServerSettings, create_app
    from unified.vault import Vault

    settings = ServerSettings(rate_limit_wait=rate_limit_wait)
    keys = ApiKeys()
    count = keys.count()
    app = create_app(settings, keys=keys)  # refuses to go on without a key
    connections = Vault().names()
    _err(
        f"unified serve: {count} API key{'s' if count != 1 else ''}; consumers are vault connections "
        f"({', '.join(connections) or 'none saved yet: `unified connect`'})."
    )
    if workers > 1:
        _err(
            f"{workers} workers pace each provider's budget apart: together they may run into its limit, where the "
            "connectors honour its 429s. One worker keeps one budget per organization."
        )
        os.environ[RATE_WAIT_ENV] = str(rate_limit_wait)
        uvicorn.run(
            "unified.server:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_config=_log_config(),
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        return
    uvicorn.run(
        app, host=host, port=port, access_log=False, log_config=_log_config(), timeout_keep_alive=KEEP_ALIVE_SECONDS
    )


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Option("--name", help="What the key is for, e.g. billing-service.")] = "default",
) -> None:
    """Make a key; it is printed once, on stdout, and kept only as a hash."""
    from unified.server import ApiKeys

    keys = ApiKeys(extra=[])
    key, info = keys.create(name)
    keys.close()
    typer.echo(key)
    _err(f"Created API key {info.id} ({info.name}); it is shown this once: keep it where your secrets live.")


@keys_app.command("list")
def list_keys() -> None:
    """The keys made with `unified keys create`: id, name, created (never the keys themselves)."""
    from unified.server import API_KEYS_ENV, ApiKeys, env_keys

    keys = ApiKeys(extra=[])
    made = keys.list()
    keys.close()
    for info in made:
        typer.echo(f"{info.id}\t{info.name}\t{info.created_at.isoformat(timespec='seconds')}")
    extra = len(env_keys())
    _err(f"{len(made)} key{'s' if len(made) != 1 else ''} in {keys.path}; {extra} in {API_KEYS_ENV}.")


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(help="The key's id, as `unified keys list` shows it.")]) -> None:
    """Revoke a key: the server refuses it from its next request on."""
    from unified.server import ApiKeys

    keys = ApiKeys(extra=[])
    keys.revoke(key_id)
    keys.close()
    _err(f"Revoked API key {key_id}.")
