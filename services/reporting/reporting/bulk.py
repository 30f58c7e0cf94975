"""Bulk statements at driver speed: one executemany per statement, without SQLAlchemy's per-row work.

`session.execute(statement, rows)` builds and processes a parameter dict per row (construct_params and
the bind processors: about 3 µs a row, the largest single cost of folding a chunk of events). Here the
statement is compiled once per call and the rows go to the driver as tuples, through the same bind
processors (SQLite datetimes are formatted by `datetime.isoformat`, checked against SQLAlchemy's own
processor first). A few rows (live consumption), or a statement this cannot run positionally, go through
`session.execute` as before: there SQLAlchemy's cached compilation is cheaper than compiling here.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

MIN_ROWS = 100  # below this, compiling the statement here costs more than it saves
_PROBES = (datetime(2001, 2, 3, 4, 5, 6, 7), datetime(1999, 12, 31, 23, 59, 59), datetime(987, 6, 5))


async def execute_many(session: AsyncSession, statement: Executable, rows: Sequence[dict],
                       *, min_rows: int | None = None) -> None:
    """Run `statement` with each of `rows` (dicts with the same keys) as one driver executemany."""
    if not rows:
        return
    min_rows = MIN_ROWS if min_rows is None else min_rows
    dialect = session.bind.dialect
    compiled = None if len(rows) < min_rows else statement.compile(dialect=dialect, column_keys=list(rows[0]))
    names = compiled.positiontup if compiled is not None and compiled.positional else None
    if not names or not set(names) <= rows[0].keys() or compiled.literal_execute_params:
        await session.execute(statement, list(rows))
        return
    get = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    processors = [(index, process) for index, name in enumerate(names)
                  if (process := _processor(compiled.binds[name].type, dialect)) is not None]
    if processors:
        tuples = []
        for row in rows:
            values = list(get(row))
            for index, process in processors:
                values[index] = process(values[index])
            tuples.append(tuple(values))
    else:
        tuples = [get(row) for row in rows]
    connection = await session.connection()
    await connection.exec_driver_sql(compiled.string, tuples)


def _processor(type_: Any, dialect: Any) -> Callable | None:
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    return _repeats(_fast_datetime(process) if dialect.name == "sqlite" else process)


def _repeats(process: Callable) -> Callable:
    """`process`, reusing its last answer for the same object (a chunk's rows share e.g. one timestamp)."""
    last: list = [_PROBES, None]

    def run(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return run


def _fast_datetime(process: Callable) -> Callable:
    """SQLite's datetime text via `isoformat` (several times faster), when it gives SQLAlchemy's strings."""
    def fast(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return process(value)

    try:  # only a processor that turns naive datetimes into exactly these strings is replaced
        same = all(process(probe) == probe.isoformat(" ", "microseconds") for probe in _PROBES)
    except (TypeError, ValueError, AttributeError):
        same = False
    return fast if same else process
