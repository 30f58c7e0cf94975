"""SQLite statements through aiosqlite take one hand-over to its thread each, and behave as before."""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.dialects.sqlite import aiosqlite as sa_aiosqlite
from sqlalchemy.exc import IntegrityError

from crm_shared import sqlite_onehop
from crm_shared.db import create_engine

metadata = MetaData()
item = Table(
    "item", metadata, Column("id", Integer, primary_key=True), Column("name", String(20), unique=True)
)


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/onehop.db")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


def test_the_one_hop_cursor_is_installed():
    assert sa_aiosqlite.AsyncAdapt_aiosqlite_connection._cursor_cls is sqlite_onehop.OneHopCursor
    assert sqlite_onehop.install() is True  # idempotent


def test_a_cursor_class_it_does_not_know_is_left_alone(monkeypatch):
    class UpstreamFix(sa_aiosqlite.AsyncAdapt_aiosqlite_cursor):
        __slots__ = ()

    monkeypatch.setattr(sa_aiosqlite.AsyncAdapt_aiosqlite_connection, "_cursor_cls", UpstreamFix)
    assert sqlite_onehop.install() is False
    assert sa_aiosqlite.AsyncAdapt_aiosqlite_connection._cursor_cls is UpstreamFix


async def test_a_statement_is_one_hand_over_to_aiosqlites_thread(engine):
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the transaction has begun
        driver = (await connection.get_raw_connection()).driver_connection
        queue, handed = driver._tx, []

        class Counting:  # the thread reads the queue it was given; the connection puts through this
            def put_nowait(self, job):
                handed.append(job)
                queue.put_nowait(job)

        driver._tx = Counting()
        try:
            rows = (await connection.execute(select(item.c.id).where(item.c.id > 0))).all()
            await connection.execute(insert(item), [{"name": "a"}, {"name": "b"}])
        finally:
            driver._tx = queue
    assert rows == [] and len(handed) == 2  # SQLAlchemy's own cursor: cursor, execute, fetchall, close


async def test_results_row_counts_ids_and_errors_as_sqlalchemy_gives_them(engine):
    async with engine.begin() as connection:
        first = await connection.execute(insert(item).values(name="one"))
        assert first.inserted_primary_key == (1,)  # the cursor's lastrowid
        await connection.execute(insert(item), [{"name": f"n{i}"} for i in range(5)])  # executemany
        changed = await connection.execute(update(item).where(item.c.id > 3).values(name=item.c.name + "!"))
        assert changed.rowcount == 3
        result = await connection.execute(select(item.c.name).order_by(item.c.id))
        assert result.fetchmany(2) == [("one",), ("n0",)]
        assert result.fetchone() == ("n1",)
        assert [row.name for row in result] == ["n2!", "n3!", "n4!"]
        assert (await connection.execute(select(item.c.id).where(item.c.id < 0))).first() is None
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert(item).values(name="one"))
    async with engine.connect() as connection:  # the failed transaction left nothing behind
        assert (await connection.execute(text("SELECT count(*) FROM item"))).scalar_one() == 6
        streamed = await connection.stream(select(item.c.id).order_by(item.c.id))  # server-side cursor
        assert [row.id async for row in streamed] == [1, 2, 3, 4, 5, 6]
