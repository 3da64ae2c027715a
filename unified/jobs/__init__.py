"""Many organizations, many workers: sync jobs on procrastinate (PostgreSQL).

::

    export UNIFIED_DATABASE_URL=postgresql://app@db.internal/unified   # the store and the jobs
    export UNIFIED_VAULT_URL=$UNIFIED_DATABASE_URL                     # connections and tokens
    export UNIFIED_VAULT_KEY=...                                       # the same key on every machine
    export UNIFIED_REDIS_URL=redis://cache.internal:6379/0             # the shared rate budget
    unified worker --concurrency 8          # on each machine, as many as you like
    unified schedule                        # or let the workers' periodic schedule do it

A job syncs one connection's resource (:func:`sync_connection`, the unit of work any runner can call); one job
per connection runs at a time; a killed worker's job is queued again and resumes from its checkpoint. Virtual
webhooks: with a subscriber in the database's webhook tables (``unified webhooks add URL --db postgresql://...``)
each sync writes its changes to the shared outbox and whichever worker is free delivers them
(:func:`deliver_webhooks`). Needs ``pip install 'unified-accounting[worker]'``.
"""

from unified.jobs._deliver import deliver_webhooks, deliver_webhooks_blocking
from unified.jobs._unit import DATABASE_ENV, database_url, sync_connection, sync_connection_blocking

__all__ = [
    "DATABASE_ENV",
    "database_url",
    "deliver_webhooks",
    "deliver_webhooks_blocking",
    "sync_connection",
    "sync_connection_blocking",
]
