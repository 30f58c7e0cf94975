"""A rebuild loads its tables without their secondary indexes, and makes them once the rows are in.

The indexes that only reports read (by time, owner, team, month...) cost every inserted row a step in
each of their B-trees, in random order; made at the end, each is one sort. A fold itself looks records
up only by their primary keys, and upserts against primary keys or unique indexes, which stay. The
target is a fresh database nobody reads until the rebuild has finished (`rebuild_engine`).

The statements that make them again are kept in the target itself (`LEDGER`) until they have run: a
rebuild that stopped before (a broker that went away, a share that failed, a killed process) leaves
them there, and the next rebuild into that database, if it is still fresh, makes them first.

On the live consumer's database nothing here runs.
"""

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# the indexes a migration made that are not unique (SQLite's own, for keys, have no SQL text)
_SQLITE = text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
               " AND sql NOT LIKE 'CREATE UNIQUE %' ORDER BY name")
_POSTGRES = text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                 " AND indexdef NOT LIKE 'CREATE UNIQUE %' ORDER BY indexname")


LEDGER = "rebuild_deferred_index"


async def drop_secondary_indexes(engine: AsyncEngine) -> list[str]:
    """Drop the non-unique indexes; the statements that make them again, to give `create_indexes`."""
    async with engine.begin() as connection:
        await _restore(connection)
        query = _SQLITE if connection.dialect.name == "sqlite" else _POSTGRES
        found = (await connection.execute(query)).all()
        await connection.exec_driver_sql(f"CREATE TABLE {LEDGER} (statement TEXT NOT NULL)")
        for name, statement in found:
            await connection.execute(text(f"INSERT INTO {LEDGER} (statement) VALUES (:statement)"),
                                     {"statement": statement})
            await connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return [statement for _, statement in found]


async def create_indexes(engine: AsyncEngine, statements: list[str]) -> None:
    """Make the indexes `drop_secondary_indexes` dropped, now that the rows are in (and forget them)."""
    async with engine.begin() as connection:
        for statement in statements:
            await connection.exec_driver_sql(statement)
        await connection.exec_driver_sql(f"DROP TABLE IF EXISTS {LEDGER}")


async def _restore(connection: AsyncConnection) -> None:
    """The indexes an unfinished rebuild into this database dropped, made again."""
    if not await connection.run_sync(lambda sync: inspect(sync).has_table(LEDGER)):
        return
    for (statement,) in (await connection.exec_driver_sql(f"SELECT statement FROM {LEDGER}")).all():
        await connection.exec_driver_sql(statement)
    await connection.exec_driver_sql(f"DROP TABLE {LEDGER}")
