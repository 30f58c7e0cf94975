"""Every service on SQLite checkpoints its WAL in the background, not in the commits of its requests."""

from crm_shared.checkpoint import AUTOCHECKPOINT_PAGES
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
    assert cut_to == 64 * 1024 * 1024  # a WAL grown under a stream of commits shrinks when it restarts
    await app.state.ctx.engine.dispose()

    on_postgres = template.settings.model_copy(update={"database_url": "postgresql+asyncpg://x@127.0.0.1/none"})
    assert "wal-checkpointer" not in create_service_app(template.spec, on_postgres).state.ctx.spec.background
