"""Where a group commit of the public intake goes: one dedupe query and the inserts of its new posts, in
one transaction (SQLite) or one statement with the query (PostgreSQL).

The intake is the hot path (thousands of posts a second on one worker), so a batch does not go through
the ORM: the inserts are compiled once and the rows reach the driver as tuples made by the columns' own
bind processors (`crm_shared.driver_insert`: the stored bytes are the ORM's).

- `SQLiteStore` owns one stdlib `sqlite3` connection on a thread of its own and runs a whole batch there
  in one call: a single hand-over per batch (aiosqlite would hand over several times per statement), and
  SQLite's own work runs with the GIL released, beside the event loop. A lock held by another writer is
  waited for on that thread (polled every half millisecond), not on the event loop. Its errors are raised
  as SQLAlchemy's (`IntegrityError`, `OperationalError`), as the rest of the service expects.
- `CoreStore` runs the batch on a Core connection: PostgreSQL's (one statement in autocommit, two when
  the batch meets stored posts; see the class), or an in-memory SQLite database's, which a second
  connection would not see.
"""

import asyncio
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_shared.checkpoint import AUTOCHECKPOINT_PAGES
from crm_shared.db import SQLITE_PRAGMAS, create_engine, sqlite_file
from crm_shared.driver_insert import DriverInsert, bind_processor
from crm_shared.messaging.tables import MessagingTables
from crm_shared.messaging.uow import OUTBOX_KEYS
from leads.forms.batch import Prepared, decide
from leads.forms.models import Submission
from leads.forms.service import DEDUPE_WINDOW

SUBMISSION_KEYS = (
    "id",
    "form_id",
    "idempotency_key",
    "fingerprint",
    "status",
    "quarantine_reason",
    "fields",
    "custom_fields",
    "utm",
    "referrer",
    "page_url",
    "visitor_id",
    "client_ip",
    "received_at",
)
_TABLE = Submission.__table__


def open_store(engine: AsyncEngine, tables: MessagingTables):
    """The store for this engine's database."""
    if sqlite_file(engine.url) is not None:
        return SQLiteStore(engine, tables)
    return CoreStore(engine, tables)


def stored_matches(batch: list[Prepared]) -> Select:
    """The stored submissions with a key or a fingerprint of the batch, whatever their age."""
    c = _TABLE.c
    keys, prints = [item.key for item in batch], {item.print_ for item in batch}
    return select(c.idempotency_key, c.form_id, c.fingerprint, c.id, c.received_at).where(
        or_(c.idempotency_key.in_(keys), c.fingerprint.in_(prints))
    )


# PostgreSQL's lookup as a driver statement with two arrays: `stored_matches` is built, compiled and its
# IN lists expanded for each batch, ~10% of the event loop's CPU with 32 posts in flight
MATCHES_BY_ARRAYS = (
    "SELECT idempotency_key, form_id, fingerprint, id, received_at FROM submission"
    " WHERE idempotency_key = ANY($1::varchar[]) OR fingerprint = ANY($2::varchar[])"
)


def _since(batch: list[Prepared]) -> datetime:
    return min(item.post.now for item in batch) - DEDUPE_WINDOW


class CoreStore:
    """A batch on a Core connection: PostgreSQL's through an engine of the store's own, or the service
    engine's (an in-memory SQLite database, which a second engine would not see).

    The dedupe lookup must stay two index probes per post however large the table. A table that has not
    been analyzed yet (a new deployment, or autovacuum off) has no statistics, and PostgreSQL then guesses
    that 32 fingerprints match a sixth of the rows: it scanned the whole table for each batch (8 ms at 6,000
    submissions, 33 ms at 20,000), or AND-ed in the `received_at` index's scan of every row of the last ten
    minutes. So the store's connections have `enable_seqscan=off`, and the lookup asks for the fingerprints
    whatever their age (`decide` keeps those within the dedupe window of each post): it reads back every
    stored submission with the same form and fields, at most one per ten minutes of identical posts.

    On PostgreSQL a batch is one statement and one round trip, with no transaction around it (its engine
    is in autocommit): the lookup, one statement text with two arrays (prepared once by asyncpg, whatever
    the batch's size), and both inserts (data-modifying `WITH`s, each table's rows as one array a column),
    which insert only if the lookup found nothing, and commit all or nothing by themselves. A batch that
    meets stored keys or fingerprints takes a second statement with the inserts of the posts that are new
    after all. A batch was five round trips (BEGIN, lookup, two inserts, COMMIT), and with 32 posts in
    flight the event loop waited on them. Another worker storing one of the keys first makes the statement
    fail whole, as the transaction did (`IntakeWriter` then stores the posts one by one).

    Its pool skips the pre-ping round trip (~7% of a batch's time): a batch that finds its connection
    broken is run once more on a new one (a statement that did land before the break makes the rerun find
    every post already stored, by its key)."""

    def __init__(self, engine: AsyncEngine, tables: MessagingTables):
        self._own = engine.dialect.name == "postgresql"
        self.submissions = DriverInsert(_TABLE, SUBMISSION_KEYS)
        self.outbox = DriverInsert(tables.outbox, OUTBOX_KEYS)
        if self._own:
            settings = {"server_settings": {"enable_seqscan": "off"}}
            self.engine = create_engine(
                engine.url,
                pool_size=2,
                pool_pre_ping=False,
                connect_args=settings,
                isolation_level="AUTOCOMMIT",
            )
            dialect, events_from = self.engine.dialect, len(SUBMISSION_KEYS) + 1
            inserts = self.submissions.unnest_sql(dialect), self.outbox.unnest_sql(dialect, first=events_from)
            self._inserts = f"WITH submissions AS ({inserts[0]}) {inserts[1]}"
            unless = " WHERE NOT EXISTS (SELECT FROM found)"
            self._unless_found = (
                f"WITH found AS ({MATCHES_BY_ARRAYS}),"
                f" submissions AS ({self.submissions.unnest_sql(dialect, first=3)}{unless}),"
                f" events AS ({self.outbox.unnest_sql(dialect, first=events_from + 2)}{unless})"
                " SELECT * FROM found"
            )
        else:
            self.engine = engine

    async def write(self, batch: list[Prepared]) -> list[tuple[str, bool]]:
        """Store the new posts of the batch and commit; (submission id, was already there) each."""
        try:
            return await self._write(batch)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            return await self._write(batch)  # the pool dropped the broken connection: on a new one

    async def _write(self, batch: list[Prepared]) -> list[tuple[str, bool]]:
        if self._own:
            return await self._write_postgresql(batch)
        async with self.engine.connect() as connection:
            results, new = decide(batch, await connection.execute(stored_matches(batch)))
            await self.submissions.run(connection, [batch[i].row for i in new])
            await self.outbox.run(connection, [batch[i].event for i in new])
            await connection.commit()
        return results

    async def _write_postgresql(self, batch: list[Prepared]) -> list[tuple[str, bool]]:
        """One round trip when nothing stored matches the batch's keys and fingerprints (nearly always):
        the lookup and the inserts of the posts new to each other in one statement, which inserts only if
        the lookup found nothing (all its parts see one snapshot). Else nothing was inserted; the posts new
        once the matches are known go in a second statement."""
        keys, prints = [item.key for item in batch], list({item.print_ for item in batch})
        results, new = decide(batch, ())
        async with self.engine.connect() as connection:
            found = (await connection.exec_driver_sql(self._unless_found, (keys, prints, *self._arrays(
                connection.dialect, batch, new)))).all()
            if not found:
                return results
            results, new = decide(batch, found)
            if new:
                await connection.exec_driver_sql(self._inserts, self._arrays(connection.dialect, batch, new))
        return results

    def _arrays(self, dialect: Dialect, batch: list[Prepared], new: list[int]) -> tuple[list, ...]:
        """The new posts' submission rows and events, one array a column (`DriverInsert.columns`)."""
        return (
            *self.submissions.columns(dialect, [batch[i].row for i in new]),
            *self.outbox.columns(dialect, [batch[i].event for i in new]),
        )

    async def close(self) -> None:
        """Close the store's own engine (the service engine is the service's)."""
        if self._own:
            await self.engine.dispose()


class SQLiteStore:
    """A batch in one call on a thread that owns its own connection to the service's SQLite file."""

    def __init__(self, engine: AsyncEngine, tables: MessagingTables):
        self.path = sqlite_file(engine.url)
        self.dialect = engine.dialect
        self.submissions = DriverInsert(_TABLE, SUBMISSION_KEYS)
        self.outbox = DriverInsert(tables.outbox, OUTBOX_KEYS)
        self.since = bind_processor(_TABLE.c.received_at.type, self.dialect)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="leads-intake-sqlite")
        self._connection: sqlite3.Connection | None = None

    async def write(self, batch: list[Prepared]) -> list[tuple[str, bool]]:
        """Store the new posts of the batch and commit; (submission id, was already there) each."""
        rows = self.submissions.tuples(self.dialect, [item.row for item in batch])
        events = self.outbox.tuples(self.dialect, [item.event for item in batch])
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._write, batch, rows, events)

    async def close(self) -> None:
        """Close the connection on its thread, then the thread."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._close)
        self._thread.shutdown(wait=False)

    def _write(self, batch: list[Prepared], rows: list[tuple], events: list[tuple]) -> list[tuple[str, bool]]:
        connection = self._connection or self._open()
        keys, prints = [item.key for item in batch], sorted({item.print_ for item in batch})
        query = (
            "SELECT idempotency_key, form_id, fingerprint, id, received_at FROM submission WHERE "
            f"idempotency_key IN ({_marks(keys)}) OR (fingerprint IN ({_marks(prints)}) AND received_at >= ?)"
        )
        try:
            _begin_immediate(connection)
            try:
                found = connection.execute(query, (*keys, *prints, self.since(_since(batch)))).fetchall()
                results, new = decide(batch, [(*row[:4], _aware(row[4])) for row in found])
                if new:
                    connection.executemany(self.submissions.sql(self.dialect), [rows[i] for i in new])
                    connection.executemany(self.outbox.sql(self.dialect), [events[i] for i in new])
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        except sqlite3.IntegrityError as error:
            raise IntegrityError("intake batch", None, error) from error
        except sqlite3.Error as error:
            raise OperationalError("intake batch", None, error) from error
        return results

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=True)
        # no busy wait of SQLite's own: `_begin_immediate` polls for the write lock
        for pragma in (*SQLITE_PRAGMAS, f"wal_autocheckpoint={AUTOCHECKPOINT_PAGES}", "busy_timeout=0"):
            connection.execute(f"PRAGMA {pragma}")
        self._connection = connection
        return connection

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _begin_immediate(connection: sqlite3.Connection, timeout_s: float = 30.0, poll_s: float = 0.0005) -> None:
    """Take the write lock, polling for it every `poll_s` while another connection holds it.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries: a lock held 6 ms (a
    checkpoint's fsync, another process's commit) cost the intake 8-18 ms, one held 20 ms cost 33. The
    other writers keep that handler, so the intake wins most races for the lock: with two intake workers
    polling, a third writer's p99 wait for the lock went from 8-33 ms to 54-79 ms in a stress test."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(poll_s)


def _marks(values: list) -> str:
    return ",".join("?" * len(values))


def _aware(text: str) -> datetime:
    """A stored SQLite timestamp (UTC text) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
