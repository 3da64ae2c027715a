"""Nightly sync: every connection saved in the vault, each into its own SQLite file. Run it from cron::

    # m h dom mon dow   command
    15 2 * * *  /srv/app/venv/bin/python /srv/app/examples/nightly_sync.py --data-dir /var/lib/accounting
    15 3 * * 0  /srv/app/venv/bin/python /srv/app/examples/nightly_sync.py --data-dir /var/lib/accounting --full

Connections come from the vault (``UNIFIED_HOME``, default ``~/.unified``), saved by ``unified connect`` or by
the web app's OAuth callback (``examples/fastapi_app.py``). A night's run fetches only what changed; ``--full``
lists everything and looks for deletions too. A connection another run is still syncing (last night's, running
late) is skipped, not synced twice. One line per connection on stdout; exit code 1 when any failed.

Try it against the local emulator::

    unified emulator zoho-books &          # prints the UNIFIED_ZOHO_* exports: paste them
    unified connections add acme           # saves them as the connection "acme"
    python examples/nightly_sync.py --data-dir ./nightly
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from unified.errors import UnifiedError
from unified.sync import SQLiteStore, SyncEngine, SyncLockedError, SyncReport
from unified.vault import Vault

logger = logging.getLogger("nightly_sync")


def sync_connection(vault: Vault, name: str, data_dir: Path, *, full: bool = False) -> SyncReport:
    """Sync one saved connection into ``data_dir/<name>.db``; refreshed tokens are written back to the vault."""
    connector = vault.connector(name)
    store = SQLiteStore(data_dir / f"{name}.db")
    engine = SyncEngine(connector, store, connection=name)
    try:
        return engine.run_sync(full=full)
    finally:
        engine.close(close_connector=True)
        store.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sync every saved connection into its own SQLite file.")
    parser.add_argument("--data-dir", type=Path, required=True, help="Where the <connection>.db files live.")
    parser.add_argument("--connection", action="append", help="Only this connection (repeatable).")
    parser.add_argument("--full", action="store_true", help="List everything and look for deletions.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    vault = Vault()
    names = args.connection or vault.names()
    if not names:
        print(f"No connections in the vault at {vault.home}: connect one with `unified connect NAME` first.")
        return 1
    args.data_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in names:
        try:
            report = sync_connection(vault, name, args.data_dir, full=args.full)
        except SyncLockedError as exc:
            print(f"{name}: skipped, {exc.message}")
        except UnifiedError as exc:  # one connection's trouble (revoked consent, rate limit) stops only that one
            failed += 1
            print(f"{name}: failed, {exc}")
        except Exception as exc:  # a damaged saved connection, say: logged, and the others still run
            failed += 1
            logger.exception("The sync of %s failed", name)
            print(f"{name}: failed, {type(exc).__name__}: {exc}")
        else:
            print(
                f"{name}: {report.created} created, {report.updated} updated, {report.deleted} deleted, "
                f"{report.unchanged} unchanged; {report.list_calls + report.detail_calls} calls in "
                f"{report.duration:.1f} s"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
