"""An INSERT run at driver speed: compiled once per dialect, the rows sent as one executemany of tuples.

`connection.execute(insert(table), rows)` builds and processes a parameter dict per row (construct_params
and the bind processors). For a hot path that stores many rows a second, `DriverInsert` compiles the
statement once and hands the driver tuples made by the columns' own bind processors, so the stored bytes
are exactly the ORM's (JSON text, UTC timestamps). A driver that does not take positional parameters
goes through `connection.execute` as usual.
"""

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

_PROBES = (datetime(2001, 2, 3, 4, 5, 6, 7), datetime(1999, 12, 31, 23, 59, 59), datetime(987, 6, 5))


class DriverInsert:
    """`INSERT INTO table (keys...)`, run with dict rows holding exactly `keys`."""

    def __init__(self, table: Table, keys: Sequence[str]):
        self.table, self.keys = table, tuple(keys)
        self._compiled: dict[str, tuple[str, Callable[[dict], tuple], list, tuple] | None] = {}

    async def run(self, connection: AsyncConnection, rows: Sequence[dict]) -> None:
        """Insert `rows` in the connection's transaction."""
        if not rows:
            return
        if self.sql(connection.dialect) is None:
            await connection.execute(insert(self.table), list(rows))
            return
        await connection.exec_driver_sql(self.sql(connection.dialect), self.tuples(connection.dialect, rows))

    def sql(self, dialect: Dialect) -> str | None:
        """The statement's text for this dialect's driver, or None when its driver takes no positional
        parameters."""
        compiled = self._compiled_for(dialect)
        return compiled[0] if compiled else None

    def tuples(self, dialect: Dialect, rows: Sequence[dict]) -> list[tuple]:
        """The rows as the driver's parameter tuples, in the statement's order (`sql` must not be None)."""
        _, get, processors, _ = self._compiled_for(dialect)
        return driver_tuples(rows, get, processors)

    def unnest_sql(self, dialect: Dialect, first: int = 1) -> str:
        """PostgreSQL: the insert as `INSERT INTO table (columns) SELECT * FROM unnest($first::type[], ...)`,
        the rows sent as one array a column (`columns`): a single statement whatever the rows' count, which
        can share a round trip and a transaction with another (a data-modifying `WITH`), where
        `executemany` is a statement of its own. The arrays are of the columns' types without their
        lengths: an explicit cast to `varchar(n)` would cut a longer value, the insert refuses it."""
        compiled = self._compiled_for(dialect)
        if compiled is None:
            raise ValueError(f"{dialect.name}+{dialect.driver} takes no positional parameters")
        quote = dialect.identifier_preparer.quote
        names = compiled[3]
        arrays = ", ".join(
            f"${first + i}::{_unbounded(self.table.c[name].type, dialect)}[]" for i, name in enumerate(names)
        )
        table = dialect.identifier_preparer.format_table(self.table)
        return f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) SELECT * FROM unnest({arrays})"

    def columns(self, dialect: Dialect, rows: Sequence[dict]) -> list[list]:
        """The rows, as `tuples` makes them, as one list a column, in `unnest_sql`'s order."""
        if not rows:
            return [[] for _ in self._compiled_for(dialect)[3]]
        return [list(column) for column in zip(*self.tuples(dialect, rows), strict=True)]

    def _compiled_for(self, dialect: Dialect) -> tuple[str, Callable[[dict], tuple], list, tuple] | None:
        key = f"{dialect.name}+{dialect.driver}"
        if key not in self._compiled:
            self._compiled[key] = self._compile(dialect)
        return self._compiled[key]

    def _compile(self, dialect: Dialect) -> tuple[str, Callable[[dict], tuple], list, tuple] | None:
        compiled = insert(self.table).compile(dialect=dialect, column_keys=list(self.keys))
        names = compiled.positiontup if compiled.positional else None
        if not names:
            return None
        missing = set(names) - set(self.keys)
        if missing:  # a column with a Python-side default that the rows do not carry
            raise ValueError(f"rows for {self.table.name} must carry {sorted(missing)}")
        get = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
        processors = [
            (index, process)
            for index, name in enumerate(names)
            if (process := bind_processor(compiled.binds[name].type, dialect)) is not None
        ]
        return compiled.string, get, processors, tuple(names)


def _unbounded(type_: Any, dialect: Dialect) -> str:
    """The column type's name on this dialect without a length: `VARCHAR(36)` -> `VARCHAR`."""
    return re.sub(r"\(\d+\)", "", type_.compile(dialect=dialect))


def driver_tuples(rows: Sequence[dict], get: Callable[[dict], tuple], processors: list) -> list[tuple]:
    """Each row's values (`get`) as a tuple, the (index, processor) pairs applied to their places."""
    if not processors:
        return [get(row) for row in rows]
    tuples = []
    for row in rows:
        values = list(get(row))
        for index, process in processors:
            values[index] = process(values[index])
        tuples.append(tuple(values))
    return tuples


def bind_processor(type_: Any, dialect: Dialect) -> Callable | None:
    """The column type's bind processor on this dialect, made cheaper where the answer is the same."""
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    return _repeats(_fast_datetime(_fast_date(process)) if dialect.name == "sqlite" else process)


def _repeats(process: Callable) -> Callable:
    """`process`, reusing its last answer for the same object (a batch's rows share e.g. one timestamp)."""
    last: list = [_PROBES, None]

    def run(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return run


def _fast_datetime(process: Callable) -> Callable:
    """SQLite's datetime text via `isoformat` (several times faster), for the values whose text it gives
    exactly as SQLAlchemy would: naive datetimes, and UTC ones for a type that stores them as naive UTC
    (the project's `UtcDateTime`). Checked against the processor itself first; anything else goes to it."""
    naive = _same(process, _PROBES)
    utc = _same(process, tuple(probe.replace(tzinfo=UTC) for probe in _PROBES))

    def fast(value: Any) -> Any:
        if type(value) is datetime:
            zone = value.tzinfo
            if zone is None and naive:
                return value.isoformat(" ", "microseconds")  # (a `replace` costs as much as the text)
            if zone is UTC and utc:
                return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return process(value)

    return fast if naive or utc else process


def _fast_date(process: Callable) -> Callable:
    """SQLite's date text via `isoformat` (SQLAlchemy's own formats it with a dict, several times slower),
    when the processor gives that text for dates (checked first); anything else goes to it."""
    try:
        same = all(process(probe.date()) == probe.date().isoformat() for probe in _PROBES)
    except (TypeError, ValueError, AttributeError):
        same = False

    def fast(value: Any) -> Any:
        return value.isoformat() if type(value) is date else process(value)

    return fast if same else process


def _same(process: Callable, probes: tuple[datetime, ...]) -> bool:
    try:
        return all(
            process(probe) == probe.replace(tzinfo=None).isoformat(" ", "microseconds") for probe in probes
        )
    except (TypeError, ValueError, AttributeError):
        return False
