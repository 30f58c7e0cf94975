"""Every service on SQLite checkpoints its WAL in the background, not in the commits of its requests."""

import asyncio
import sqlite3

from sqlalchemy.engine import make_url

from crm_shared.checkpoint import AUTOCHECKPOINT_PAGES, checkpoint
from crm_shared.db import create_engine
from crm_shared.service import create_service_app
from minisvc import make_context


async def test_a_sqlite_service_gets_the_checkpointer_and_postgresql_does_not(sqlite_url, kafka_settings):
    template = make_context(sqlite_url, kafka_settings)
    app = create_service_app(template.spec, template.settings)
    assert "wal-checkpointer" in app.state.ctx.spec.background
    async with app.state.ctx.engine.connect() as connection:
        limit = (await connection.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar_one()
        cut_to = (await connection.exec_driver_sql("PRAGMA journal_size_limit")).scalar_one()
    assert limit == AUTOCHECKPOINT_PAGES  # commits leave checkpoints to the job (up to a safety net)
    assert cut_to == 256 * 1024 * 1024  # a WAL grown while restarts were held off shrinks when it restarts
    await app.state.ctx.engine.dispose()

    on_postgres = template.settings.model_copy(update={"database_url": "postgresql+asyncpg://x@127.0.0.1/none"})
    assert "wal-checkpointer" not in create_service_app(template.spec, on_postgres).state.ctx.spec.background


async def wal_frames(engine) -> int:
    """The frames the WAL holds (a PASSIVE checkpoint reports them)."""
    async with engine.connect() as connection:
        return (await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")).one()[1]


async def write_rows(engine, commits: int) -> None:
    async with engine.connect() as connection:
        await connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, body)")
        await connection.commit()
        for n in range(commits):
            await connection.exec_driver_sql(f"INSERT INTO note (body) VALUES ('{n:0>500}')")
            await connection.commit()


async def test_the_checkpointer_restarts_a_grown_wal_and_never_waits_for_a_reader(sqlite_url):
    """Past `restart_pages` the WAL is restarted, so the next commit writes from its start; while a reader
    uses the WAL the restart gives up at once (the engine's 30 s busy timeout is not waited) and the next
    round restarts it."""
    engine = create_engine(sqlite_url)
    try:
        await write_rows(engine, 60)
        assert await checkpoint(engine, restart_pages=10_000)  # short enough: copied, left as it is
        assert await wal_frames(engine) >= 60
        await write_rows(engine, 60)  # frames not yet copied

        reader = sqlite3.connect(make_url(sqlite_url).database, isolation_level=None)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM note").fetchone() == (120,)  # a snapshot in the WAL
        assert not await asyncio.wait_for(checkpoint(engine, restart_pages=50), timeout=10)
        reader.execute("COMMIT")
        reader.close()

        assert await checkpoint(engine, restart_pages=50)
        await write_rows(engine, 1)
        assert await wal_frames(engine) < 10  # the WAL started over: one commit's frames
    finally:
        await engine.dispose()



async def test_every_sqlite_commit_is_synced_before_it_returns(tmp_path):
    """`synchronous=FULL` on the services' connections: what was answered as stored survives a power cut
    (NORMAL syncs at checkpoints only). The intake's own connection: `test_intake_batches`."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/durable.db")
    try:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA synchronous")).scalar() == 2  # FULL
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        await engine.dispose()
