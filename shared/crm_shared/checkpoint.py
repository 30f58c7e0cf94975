"""SQLite only: WAL checkpoints off the request path, for every service on SQLite.

By default SQLite checkpoints inside the commit that takes the WAL past 1000 pages: that commit copies
the WAL into the database file and fsyncs it, tens of ms on a busy disk, and about one commit in a
hundred paid it (the desk's screen-pop p99, the leads intake's). A service's connections only do so
past `AUTOCHECKPOINT_PAGES` (a safety net for a process without the checkpointer, e.g. a test app
without its lifespan); the checkpointer, a background job of every SQLite service (`create_service_app`),
runs a PASSIVE checkpoint (it blocks neither readers nor writers) every
`<P>SQLITE_CHECKPOINT_INTERVAL_S` instead.

Under a steady stream of small commits (the intake at 1,000 posts/s commits every millisecond or two,
~12 pages, ~50 KB of WAL each) a PASSIVE checkpoint never catches up with the last frame, so the WAL is
never restarted and grows until the safety net, where the writer's own commit checkpoints: at 10,000
pages that was every 0.65 s at 1,000 posts/s, a 50-120 ms stall each time, the intake's p99 (83-123 ms).
At 200,000 pages (~800 MB of WAL with 4 KB pages, only under such a stream; it is a trigger, not a cap:
a long reader can hold the WAL past it; the file is cut back to `journal_size_limit` by the first
commit after it restarts) it is every ~14 s, under 1% of posts: p99 at 1,000/s 8.6-43.8 ms
in three runs of four (one 118), against 105-123 ms in runs interleaved with them at 10,000.
A RESTART checkpoint from the checkpointer (it waits for the writer) only moved the stall to it."""

import asyncio
import logging

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

AUTOCHECKPOINT_PAGES = 200_000
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
