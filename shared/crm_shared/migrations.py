"""Alembic plumbing shared by every service: an async env.py body and a programmatic upgrade."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.ext.asyncio import create_async_engine


def run_env(context, metadata: MetaData, default_url: str) -> None:
    """The body of a service's migrations/env.py, online (async engine) or offline."""
    url = context.config.get_main_option("sqlalchemy.url") or default_url
    options = {"target_metadata": metadata, "render_as_batch": True, "compare_type": True}
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection) -> None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()

    async def online() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(online())


def alembic_config(script_location: Path, database_url: str) -> Config:
    """An Alembic config for a service's migrations folder and database."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


async def upgrade(script_location: Path, database_url: str) -> None:
    """Bring the database to the newest revision (in a thread: env.py runs its own event loop)."""
    await asyncio.to_thread(command.upgrade, alembic_config(script_location, database_url), "head")
