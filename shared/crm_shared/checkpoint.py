"""SQLite only: WAL checkpoints off the request path, for every service on SQLite.

By default SQLite checkpoints inside the commit that takes the WAL past 1000 pages: that commit copies
the WAL into the database file and fsyncs it, tens of ms on a busy disk, and about one commit in a
hundred paid it (the desk's screen-pop p99, the leads intake's). A service's connections only do so
past `AUTOCHECKPOINT_PAGES` (a safety net for a process without the checkpointer, e.g. a test app
without its lifespan); the checkpointer, a background job of every SQLite service (`create_service_app`),
runs a PASSIVE checkpoint (it blocks neither readers nor writers) every
`<P>SQLITE_CHECKPOINT_INTERVAL_S` instead."""

import asyncio
import logging

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

AUTOCHECKPOINT_PAGES = 10_000  # about 40 MB of WAL
log = logging.getLogger(__name__)


def defer_checkpoints(engine: AsyncEngine) -> None:
    """Connections of this SQLite engine leave checkpoints to `run_checkpointer` (up to the safety net)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _autocheckpoint(dbapi_conn, _record) -> None:  # noqa: ANN001
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()


async def checkpoint(engine: AsyncEngine) -> None:
    """One PASSIVE checkpoint: copy what it can of the WAL into the database file."""
    async with engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


async def run_checkpointer(engine: AsyncEngine, interval_s: float) -> None:
    """Checkpoint every `interval_s` until cancelled; a failure is logged and retried next time."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await checkpoint(engine)
        except Exception:  # noqa: BLE001 - a locked or busy database: the next round catches up
            log.warning("WAL checkpoint failed", exc_info=True)
