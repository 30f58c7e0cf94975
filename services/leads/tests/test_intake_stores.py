"""The intake's stores: SQLite's write lock and connection, PostgreSQL's lookup plan, reconnect and
one-statement batch."""

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from intake_support import posts
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from crm_shared.db import create_engine
from crm_shared.migrations import upgrade
from crm_shared.testing import POSTGRES_URL, postgres_database
from leads.cli import MIGRATIONS
from leads.db import messaging
from leads.forms.batch import Post, prepare
from leads.forms.domain import Posted
from leads.forms.models import Submission
from leads.forms.stores import MATCHES_BY_ARRAYS, SUBMISSION_KEYS, CoreStore, SQLiteStore, _begin_immediate


def test_the_sqlite_store_polls_for_a_write_lock_held_by_another_connection(tmp_path):
    """The store's connection has no busy timeout of its own (SQLite's sleeps of 1, 2, 5, 10... ms): it
    polls for the lock until it is free, and gives up with the busy error at its own deadline."""
    path = str(tmp_path / "locks.db")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x)")
    store = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    store.execute("PRAGMA busy_timeout=0")
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as held:
        _begin_immediate(store, timeout_s=0.05)
    assert held.value.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY

    release = threading.Timer(0.1, holder.execute, ("COMMIT",))
    release.start()
    _begin_immediate(store)  # waits out the holder
    assert store.in_transaction and not holder.in_transaction
    store.execute("INSERT INTO t VALUES (1)")
    store.execute("COMMIT")
    release.join()
    assert holder.execute("SELECT x FROM t").fetchall() == [(1,)]


async def test_the_postgresql_store_finds_matches_by_index_in_a_table_never_analyzed():
    """Without statistics PostgreSQL guesses that a batch's fingerprints match a sixth of the table and
    scanned all of it for every batch, or all of the last ten minutes by `received_at`; the store's
    lookup probes the key and fingerprint indexes."""
    async with postgres_database(POSTGRES_URL) as url:
        await upgrade(MIGRATIONS, url)
        engine = create_engine(url)
        store = CoreStore(engine, messaging)
        try:
            for _ in range(10):
                await store.write(posts(300))
            again = posts(31)
            again.append(prepare([posts(1)[0].post], "test")[0])
            async with store.engine.connect() as connection:
                # the plan asyncpg's prepared statement gets from its sixth run on: a generic one
                raw = (await connection.get_raw_connection()).driver_connection
                await raw.execute("SET plan_cache_mode = force_generic_plan")
                lookup = [i.key for i in again], [i.print_ for i in again]
                explain = await raw.prepare("EXPLAIN " + MATCHES_BY_ARRAYS)
                alone = "\n".join(row[0] for row in await explain.fetch(*lookup))
                explain = await raw.prepare("EXPLAIN " + store._unless_found)  # with the batch's inserts
                arrays = store._arrays(engine.dialect, again, list(range(len(again))))
                batch = "\n".join(row[0] for row in await explain.fetch(*lookup, *arrays))
            for plan in (alone, batch):
                assert "Seq Scan" not in plan and "ix_submission_received_at" not in plan, plan
                assert "uq_submission_idempotency_key" in plan and "ix_submission_fingerprint" in plan, plan
        finally:
            await store.close()
            await engine.dispose()


async def test_the_sqlite_store_waits_for_another_connections_write_lock(tmp_path):
    """The store's own connection has no busy timeout: a batch that finds the write lock held polls until
    it is free, then commits (without the polling it would fail at once)."""
    url = f"sqlite+aiosqlite:///{tmp_path}/held.db"
    await upgrade(MIGRATIONS, url)
    engine = create_engine(url)
    store = SQLiteStore(engine, messaging)
    batch = posts(1)
    holder = sqlite3.connect(make_url(url).database, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")  # as the service's engine leaves it
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.2, holder.execute, ("COMMIT",))
    release.start()
    try:
        [(submission_id, duplicate)] = await store.write(batch)
    finally:
        release.join()
        await store.close()
        await engine.dispose()
    assert not duplicate
    stored = holder.execute("SELECT id FROM submission").fetchall()
    holder.close()
    assert stored == [(submission_id,)]


async def test_the_postgresql_store_runs_a_batch_again_when_its_connection_broke():
    """The store's pool does not ping a connection before a batch: one that the server closed meanwhile
    fails the batch's first statement, and the batch is run again on a new connection."""
    async with postgres_database(POSTGRES_URL) as url:
        await upgrade(MIGRATIONS, url)
        engine = create_engine(url)
        store = CoreStore(engine, messaging)
        try:
            await store.write(posts(1))  # the store's pool now holds an idle connection
            async with engine.connect() as admin:
                killed = await admin.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                assert any(killed.scalars())
            [(submission_id, duplicate)] = await store.write(posts(1))
            assert not duplicate
            async with engine.connect() as connection:
                stored = await connection.execute(
                    text("SELECT id FROM submission WHERE id = :id"), {"id": submission_id}
                )
                assert stored.scalar_one() == submission_id
        finally:
            await store.close()
            await engine.dispose()


async def test_the_postgresql_store_stores_each_value_as_given_in_one_statement():
    """PostgreSQL's batch inserts both tables in one statement of arrays: every value comes back as the
    post made it (text, JSON, empty values, time zone), and a value too long for its column is refused,
    never cut (the arrays are of unbounded types)."""
    async with postgres_database(POSTGRES_URL) as url:
        await upgrade(MIGRATIONS, url)
        engine = create_engine(url)
        store = CoreStore(engine, messaging)
        form = SimpleNamespace(
            id="f-2", name="联系我们", source="web_form", campaign=None, default_team_id=None
        )
        posted = Posted(
            fields={"name": '张伟 "Z"', "email": "z@例子.cn"},
            custom_fields={"budget": "€5k"},
            utm={"utm_source": "wechat"},
            page_url="https://例子.cn/a?b=1",
            visitor_id="v-9",
        )
        now = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
        batch = prepare(
            [
                Post(
                    form=form,
                    posted=posted,
                    idempotency_key=None,
                    quarantine_reason="honeypot",
                    client_ip="10.0.0.1",
                    now=now,
                )
            ],
            "test",
        )
        try:
            assert await store.write(batch) == [(batch[0].row["id"], False)]
            async with engine.connect() as connection:
                row = (
                    await connection.execute(select(*(Submission.__table__.c[k] for k in SUBMISSION_KEYS)))
                ).one()
                event = (await connection.execute(select(messaging.outbox))).one()
            assert dict(zip(SUBMISSION_KEYS, row, strict=True)) == batch[0].row
            assert event.payload == batch[0].event["payload"] and event.headers == batch[0].event["headers"]
            assert (event.event_id, event.aggregate_id, event.sent_at) == (
                batch[0].event["event_id"],
                batch[0].row["id"],
                None,
            )
            too_long = prepare(
                [
                    Post(
                        form=form,
                        posted=Posted(fields={"email": "y@x.cn"}, visitor_id="v" * 101),
                        idempotency_key=None,
                        quarantine_reason=None,
                        client_ip="10.0.0.1",
                        now=now,
                    )
                ],
                "test",
            )
            with pytest.raises(DBAPIError, match="too long"):
                await store.write(too_long)
        finally:
            await store.close()
            await engine.dispose()


async def test_the_sqlite_stores_own_connection_syncs_every_commit(tmp_path):
    """The intake's connection has the services' pragmas: each group commit synced before the answers."""
    store = SQLiteStore(create_engine(f"sqlite+aiosqlite:///{tmp_path}/durable.db"), messaging)
    loop = asyncio.get_running_loop()
    try:
        connection = await loop.run_in_executor(store._thread, store._open)
        pragma = await loop.run_in_executor(
            store._thread, lambda: connection.execute("PRAGMA synchronous").fetchone()[0])
        assert pragma == 2  # FULL
    finally:
        await store.close()
