"""Alembic plumbing shared by every service: an async env.py body and a programmatic upgrade."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, pool
from sqlalchemy.ext.asyncio import create_async_engine


def keep_unmapped(prefixes: tuple[str, ...]):
    """An autogenerate `include_object` that leaves alone the tables and indexes a migration made by
    hand and the models do not map (SQLite FTS5 tables, a pg_trgm GIN index): autogenerate would
    otherwise offer to drop them."""

    def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001 - Alembic's hook
        hand_made = type_ in ("table", "index") and reflected and compare_to is None
        return not (hand_made and (name or "").startswith(prefixes))

    return include_object


def env_options(metadata: MetaData, unmapped: tuple[str, ...] = ()) -> dict:
    """The Alembic options of every service (also used to compare the migrated schema with the models)."""
    return {"target_metadata": metadata, "render_as_batch": True, "compare_type": True,
            "include_object": keep_unmapped(unmapped)}


def schema_drift(connection, metadata: MetaData, unmapped: tuple[str, ...] = ()) -> list:
    """What autogenerate would change to make the migrated database match the models (sync connection)."""
    context = MigrationContext.configure(connection, opts=env_options(metadata, unmapped))
    return compare_metadata(context, metadata)


def run_env(context, metadata: MetaData, default_url: str, unmapped: tuple[str, ...] = ()) -> None:
    """The body of a service's migrations/env.py, online (async engine) or offline."""
    url = context.config.get_main_option("sqlalchemy.url") or default_url
    options = env_options(metadata, unmapped)
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
