"""A process that refreshes one vault connection's tokens once the start file appears, and prints the access
token it ends with (the rotation test runs two of these at once)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from unified.toolkit import OAuthClient, TokenManager
from unified.vault._postgres import PostgresVault


def wait_for(start: Path) -> None:
    """Both processes go at once: when the test creates the start file."""
    deadline = time.monotonic() + 30
    while not start.exists() and time.monotonic() < deadline:
        time.sleep(0.001)


async def main(url: str, schema: str, name: str, token_url: str) -> None:
    vault = PostgresVault(url=url, schema=schema)
    store = vault.token_store(name)
    stored = store.load()
    assert stored is not None
    oauth = OAuthClient("client-1", "secret-1", authorize_url=token_url, token_url=token_url)
    manager = TokenManager(oauth, refresh_token=stored.refresh_token, store=store)
    token = await manager.token()
    print(token.reveal(), manager.refresh_count, manager.adopted_count)


if __name__ == "__main__":
    wait_for(Path(sys.argv[5]))
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]))
