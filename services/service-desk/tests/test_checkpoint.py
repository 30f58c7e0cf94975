"""SQLite: the desk's connections leave WAL checkpoints to the background checkpointer (no commit of a
request pays one), which copies the WAL into the database file; PostgreSQL has neither."""

import sqlite3

from sqlalchemy.engine import make_url

from crm_shared.checkpoint import AUTOCHECKPOINT_PAGES, checkpoint
from service_desk.config import ServiceDeskSettings
from service_desk.main import create_app


def calls_in_the_database_file(desk) -> int:
    """The calls the main database file holds, ignoring the WAL (`immutable` reads the file alone)."""
    path = make_url(desk.app.state.settings.database_url).database
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as db:
        return db.execute("SELECT count(*) FROM call").fetchone()[0]


async def test_requests_do_not_checkpoint_and_the_checkpointer_does(lite_desk):
    engine = lite_desk.app.state.ctx.engine
    assert "wal-checkpointer" in lite_desk.app.state.ctx.spec.background
    for n in range(3):
        call = await lite_desk.client.post(
            "/calls", json={"caller": f"+861370000{n:04d}"}, headers=lite_desk.as_("a-1")
        )
        assert call.status_code == 201, call.text
    async with engine.connect() as connection:
        limit = (await connection.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar_one()
    assert limit == AUTOCHECKPOINT_PAGES
    assert calls_in_the_database_file(lite_desk) == 0  # committed, still in the WAL only
    await checkpoint(engine)
    assert calls_in_the_database_file(lite_desk) == 3


def test_postgresql_gets_no_checkpointer_and_no_pre_ping():
    settings = ServiceDeskSettings(
        database_url="postgresql+asyncpg://desk@127.0.0.1/none", run_migrations=False
    )
    app = create_app(settings, run_sla_checker=False)
    assert app.state.ctx.spec.background == {}
    assert app.state.ctx.engine.pool._pre_ping is False  # no ping round trip per request
