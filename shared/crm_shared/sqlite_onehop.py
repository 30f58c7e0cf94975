"""SQLite through aiosqlite with one hand-over to its thread per statement, not four.

SQLAlchemy's aiosqlite cursor awaits aiosqlite for each DBAPI step: open a cursor, execute, fetch all
rows, close. Each is a hand-over to aiosqlite's thread and back (a queue put, the thread taking the GIL,
`call_soon_threadsafe`, the event loop waking on its self-pipe). Measured on a loaded 2-core machine: an
insert or a point select cost 470-483 µs of CPU through SQLAlchemy with the four hand-overs and 265-281 µs
with one (`bench`-style loop of 8,000 statements on one connection). Every service's rounds (a consumer
batch, a relay round, a dashboard recompute) are a dozen or more statements, so this is most of a round's
fixed cost.

`OneHopCursor` runs the four steps as one function on aiosqlite's thread (`aiosqlite.Connection._execute`,
the same queue aiosqlite's own methods use) and keeps the rows, description, row count and last row id.
The rest is SQLAlchemy's: its buffered-cursor fetches read the kept rows, errors go through the same
`_handle_exception`. Server-side cursors (`stream()`) keep SQLAlchemy's own class.

`install()` swaps the cursor class of SQLAlchemy's aiosqlite connection adapter; it leaves it alone (and
says so) if either library no longer has what this relies on (both are pinned in uv.lock; a test fails
when it is not installed, so an upgrade that changes them is noticed).
"""

import collections
import logging
from typing import Any

from sqlalchemy.dialects.sqlite import aiosqlite as sa_aiosqlite

log = logging.getLogger(__name__)


def _statement(connection: Any, many: bool, operation: str, parameters: Any) -> tuple:
    """On aiosqlite's thread: the statement's description, rows, row count and last row id."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(sa_aiosqlite.AsyncAdapt_aiosqlite_cursor):
    """A buffered aiosqlite cursor whose statement is one hand-over to aiosqlite's thread."""

    __slots__ = ("_description", "_rowcount", "_lastrowid", "_arraysize")

    def __init__(self, adapt_connection: Any):  # no aiosqlite cursor: the statement makes its own
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = {}
        self._rows = collections.deque()
        self._description, self._rowcount, self._lastrowid, self._arraysize = None, -1, None, 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return  # nothing open: the statement's cursor was closed on aiosqlite's thread

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        return None  # sqlite3 has one result set per statement

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None  # a no-op in sqlite3

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._run(False, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._run(True, operation, seq_of_parameters)

    async def _run(self, many: bool, operation: Any, parameters: Any) -> "OneHopCursor":
        connection = self._connection
        async with self._adapt_connection._execute_mutex:
            description, rows, self._rowcount, self._lastrowid = await connection._execute(
                _statement, connection._conn, many, operation, parameters
            )
        self._description, self._rows = description, collections.deque(rows)
        return self


# what `OneHopCursor.__init__` sets in place of the base cursor's own `__init__`
_BASE_SLOTS = ("_adapt_connection", "_connection", "_cursor", "_rows", "_soft_closed_memoized")


def install() -> bool:
    """Make SQLAlchemy's aiosqlite connections use `OneHopCursor`; False (and a warning) if a library
    changed what it relies on: the adapter's cursor class, the base cursor's state, aiosqlite's
    `_execute` and `_conn`, the connection's statement mutex. (A test fails when it is not installed.)"""
    adapter = getattr(sa_aiosqlite, "AsyncAdapt_aiosqlite_connection", None)
    try:
        import aiosqlite  # noqa: PLC0415 - only to check what it has

        usable = (
            adapter is not None
            and vars(adapter).get("_cursor_cls") in (sa_aiosqlite.AsyncAdapt_aiosqlite_cursor, OneHopCursor)
            and getattr(sa_aiosqlite.AsyncAdapt_dbapi_cursor, "__slots__", ()) == _BASE_SLOTS
            and "_execute_mutex" in getattr(sa_aiosqlite.AsyncAdapt_dbapi_connection, "__slots__", ())
            and hasattr(aiosqlite.Connection, "_execute")
            and hasattr(aiosqlite.Connection, "_conn")
        )
    except ImportError:
        usable = False
    if not usable:
        log.warning("aiosqlite or SQLAlchemy changed: SQLite statements keep SQLAlchemy's own cursor")
        return False
    adapter._cursor_cls = OneHopCursor
    return True
