"""Driver-level inserts store exactly what the ORM would: the same text for timestamps and JSON."""

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, Column, Date, DateTime, Integer, MetaData, String, Table, select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

from crm_shared.db import UtcDateTime, create_engine, json_text
from crm_shared.driver_insert import DriverInsert, bind_processor

MOMENTS = [
    datetime(2026, 12, 4, 5, 0, 0, 123, tzinfo=UTC),
    datetime(2026, 12, 4, 5, 0, tzinfo=timezone(timedelta(hours=8))),  # stored as 2026-12-03 21:00 UTC
    datetime(999, 1, 1, tzinfo=UTC),
]


@pytest.mark.parametrize("dialect", [SQLiteDialect_aiosqlite(), PGDialect_asyncpg()], ids=["sqlite", "pg"])
def test_the_fast_timestamp_text_is_sqlalchemys(dialect):
    fast = bind_processor(UtcDateTime(), dialect)
    own = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    for moment in MOMENTS:
        assert (fast(moment) if fast else moment) == (own(moment) if own else moment)
    if fast is not None:  # a naive time is refused as by the type itself, never stored as if UTC
        with pytest.raises(ValueError, match="naive"):
            fast(datetime(2026, 1, 1))


@pytest.mark.parametrize("type_", [Date(), DateTime()], ids=["date", "datetime"])
def test_the_fast_date_text_is_sqlalchemys(type_):
    dialect = SQLiteDialect_aiosqlite()
    fast, own = bind_processor(type_, dialect), type_.dialect_impl(dialect).bind_processor(dialect)
    values = [date(2026, 12, 5), date(999, 1, 2), date(1, 1, 1)] if isinstance(type_, Date) else \
        [datetime(2026, 12, 5, 1, 2, 3, 4), datetime(999, 1, 2)]
    for value in values:
        assert fast(value) == own(value)
    assert fast(None) is own(None) is None


async def test_rows_read_back_as_inserted(tmp_path):
    metadata = MetaData()
    table = Table("t", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)),
                  Column("data", JSON), Column("at", UtcDateTime()))
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/d.db")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        rows = [{"id": n, "name": f"n{n}", "data": {"k": [n, "é"]}, "at": MOMENTS[n]} for n in range(3)]
        await DriverInsert(table, ("id", "name", "data", "at")).run(connection, rows)
        await connection.execute(table.insert(), [{**rows[0], "id": 10}])  # the ORM/Core path
        stored = (await connection.execute(select(table).order_by(table.c.id))).all()
        raw = (await connection.exec_driver_sql("SELECT data, at FROM t ORDER BY id")).all()
    await engine.dispose()
    assert [(r.id, r.name, r.data, r.at) for r in stored[:3]] == [
        (n, f"n{n}", {"k": [n, "é"]}, MOMENTS[n].astimezone(UTC)) for n in range(3)
    ]
    assert raw[0] == raw[3]  # the same bytes as SQLAlchemy's own insert


@pytest.mark.parametrize("value", [{"name": "张三", "n": 1.5, "none": None, "list": [1, "x"]}, {}, {1: "a"},
                                   [2**70], {"nested": {"deep": [True, False]}}])
def test_json_text_reads_back_as_json_dumps_would(value):
    assert json.loads(json_text(value)) == json.loads(json.dumps(value))


async def test_json_columns_read_back_through_both_paths(tmp_path):
    metadata = MetaData()
    table = Table("j", metadata, Column("id", Integer, primary_key=True), Column("data", JSON))
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/j.db")
    values = [{"名": "值", "big": 2**70}, {"k": [1, 2.5, None]}]
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await DriverInsert(table, ("id", "data")).run(connection, [{"id": 0, "data": values[0]}])
        await connection.execute(table.insert(), [{"id": 1, "data": values[1]}])
        stored = (await connection.execute(select(table.c.data).order_by(table.c.id))).scalars().all()
    await engine.dispose()
    assert stored == values
