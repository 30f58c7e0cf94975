"""Bulk statements at driver speed: one executemany per statement, without SQLAlchemy's per-row work.

`session.execute(statement, rows)` builds and processes a parameter dict per row (construct_params and
the bind processors: about 3 µs a row, the largest single cost of folding a chunk of events). Here the
statement is compiled once per call and the rows go to the driver as tuples, through the same bind
processors (SQLite datetimes are formatted by `datetime.isoformat`, checked against SQLAlchemy's own
processor first). A few rows (live consumption), or a statement this cannot run positionally, go through
`session.execute` as before: there SQLAlchemy's cached compilation is cheaper than compiling here.
"""

from collections.abc import Sequence
from operator import itemgetter

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from crm_shared.driver_insert import bind_processor, driver_tuples

MIN_ROWS = 100  # below this, compiling the statement here costs more than it saves


async def execute_many(session: AsyncSession, statement: Executable, rows: Sequence[dict] | Sequence[tuple],
                       *, min_rows: int | None = None, columns: Sequence[str] | None = None) -> None:
    """Run `statement` with each of `rows` as one driver executemany: dicts with the same keys, or tuples
    of the values of `columns` (no dict a row where the caller makes the values in order)."""
    if not rows:
        return
    min_rows = MIN_ROWS if min_rows is None else min_rows
    dialect = session.bind.dialect
    keys = list(rows[0]) if columns is None else list(columns)
    compiled = None if len(rows) < min_rows else statement.compile(dialect=dialect, column_keys=keys)
    names = compiled.positiontup if compiled is not None and compiled.positional else None
    if not names or not set(names) <= set(keys) or compiled.literal_execute_params:
        await session.execute(statement, list(rows) if columns is None else
                              [dict(zip(columns, row, strict=True)) for row in rows])
        return
    places = names if columns is None else [keys.index(name) for name in names]
    get = itemgetter(*places) if len(places) > 1 else lambda row, place=places[0]: (row[place],)
    processors = [(index, process) for index, name in enumerate(names)
                  if (process := bind_processor(compiled.binds[name].type, dialect)) is not None]
    connection = await session.connection()
    await connection.exec_driver_sql(compiled.string, driver_tuples(rows, get, processors))
