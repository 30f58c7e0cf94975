"""SQLite only: WAL checkpoints off the request path, for every service on SQLite.

By default SQLite checkpoints inside the commit that takes the WAL past 1000 pages: that commit copies
the WAL into the database file and fsyncs it, tens of ms on a busy disk, and about one commit in a
hundred paid it (the desk's screen-pop p99, the leads intake's). A service's connections only do so
past `AUTOCHECKPOINT_PAGES` (a safety net for a process without the checkpointer, e.g. a test app
without its lifespan); the checkpointer, a background job of every SQLite service (`create_service_app`),
checkpoints every `<P>SQLITE_CHECKPOINT_INTERVAL_S` instead.

A PASSIVE checkpoint blocks neither readers nor writers, but under a steady stream of small commits (the
intake at 1,000 posts/s commits every millisecond or two, ~12 pages, ~50 KB of WAL each) it never catches
up with the last frame, so the WAL never restarts: it grew to the safety net, where the writer's own
commit checkpointed and then cut the file back (50-200 ms every ~14 s at 200,000 pages, the intake's
p99 at 1,000/s in two runs of three). So once the WAL is past `RESTART_PAGES` the checkpointer restarts it
itself, without waiting (`checkpoint`), in a round when no reader is using the WAL (a busy database can
hold it off for a while: under a stress of two writers and a reader most attempts gave up, and the WAL
grew on). The stall is the write lock held while the frames of the last few ms are copied and synced
(15-45 ms measured, every ~3 s at 1,000 posts/s).
"""

import asyncio
import logging
import sqlite3

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_shared.db import sqlite_file

AUTOCHECKPOINT_PAGES = 200_000
RESTART_PAGES = 32_768  # 128 MB of WAL with 4 KB pages (under `journal_size_limit`: its file is reused)
CATCH_UP_ROUNDS = 2  # PASSIVE copies before a restart, each of what was committed during the one before
log = logging.getLogger(__name__)


def defer_checkpoints(engine: AsyncEngine) -> None:
    """Connections of this SQLite engine leave checkpoints to `run_checkpointer` (up to the safety net)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _autocheckpoint(dbapi_conn, _record) -> None:  # noqa: ANN001
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()


async def checkpoint(engine: AsyncEngine, restart_pages: int = RESTART_PAGES) -> bool:
    """Copy what the WAL holds into the database file; past `restart_pages`, restart the WAL too. Returns
    whether the WAL was restarted or was short enough to be left.

    It runs on a worker thread, on a connection of its own without a busy timeout, opened for the round:
    none of the engine's pooled connections ever runs without theirs. The copies are PASSIVE: they block
    neither readers nor writers, and pay the fsyncs of what they copy. The restart is a RESTART checkpoint
    that takes the write lock only if no writer holds it, copies and syncs the few frames committed since
    the last copy, and restarts the WAL only if no reader is using it; otherwise it gives up at once (the
    next round tries again). With a busy timeout it would wait for the readers holding the write lock, in
    SQLite's sleeps of 1, 2, 5, 10... ms: a stall of every writer of ~90 ms."""
    path = sqlite_file(engine.url)
    if path is None:
        return True  # an in-memory database has no WAL
    return await asyncio.to_thread(_checkpoint_file, path, restart_pages)


def _checkpoint_file(path: str, restart_pages: int) -> bool:
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        _, frames, _ = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames < restart_pages:
            return True
        for _ in range(CATCH_UP_ROUNDS):
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        return not busy
    finally:
        connection.close()


async def run_checkpointer(engine: AsyncEngine, interval_s: float) -> None:
    """Checkpoint every `interval_s` until cancelled; a failure is logged and retried next time."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await checkpoint(engine)
        except Exception:  # noqa: BLE001 - a locked or busy database: the next round catches up
            log.warning("WAL checkpoint failed", exc_info=True)
