"""A snapshot unit of work: an answer read in several statements sees one committed state."""

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from crm_shared.db import create_engine, session_factory
from crm_shared.messaging.tables import define_messaging_tables
from crm_shared.messaging.uow import UnitOfWork

metadata = MetaData()
counts = Table("counts", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))


async def _reads_around_a_commit(database_url: str, *, snapshot: bool) -> tuple[int, int]:
    """Two reads of one unit of work with another connection's commit between them."""
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(counts), [{"id": 1, "n": 1}])
    sessions = session_factory(engine)
    total = select(func.sum(counts.c.n))
    tables = define_messaging_tables(MetaData())
    try:
        async with UnitOfWork(sessions, tables, "test", snapshot=snapshot) as uow:
            first = (await uow.session.execute(total)).scalar_one()
            async with engine.begin() as writer:  # a consumer's commit lands mid-answer
                await writer.execute(insert(counts), [{"id": 2, "n": 10}])
            second = (await uow.session.execute(total)).scalar_one()
        return first, second
    finally:
        await engine.dispose()


async def test_a_snapshot_unit_of_work_reads_one_state(database_url):
    assert await _reads_around_a_commit(database_url, snapshot=True) == (1, 1)


async def test_without_a_snapshot_the_second_read_sees_the_commit(database_url):
    # why the answers need it: by default each statement reads the newest state, on both databases
    assert await _reads_around_a_commit(database_url, snapshot=False) == (1, 11)


async def test_a_snapshot_unit_of_work_does_not_commit_and_gives_its_connection_back(database_url):
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    uow = UnitOfWork(session_factory(engine), define_messaging_tables(MetaData()), "test", snapshot=True)
    try:
        async with uow:
            await uow.session.execute(select(func.count()).select_from(counts))
            with pytest.raises(RuntimeError, match="only reads"):
                await uow.commit()
        assert engine.pool.checkedout() == 0
        async with engine.begin() as writer:  # the connection came back without a transaction open
            await writer.execute(insert(counts), [{"id": 1, "n": 1}])
    finally:
        await engine.dispose()
