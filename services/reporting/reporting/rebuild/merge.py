"""The shares of a parallel rebuild merged into its target, so that the rows are those one replay gives.

Each share folded whole records (a record's events on a topic share a partition), so most tables' rows
are disjoint between shares and are copied as they are: a copy that meets a row already there fails the
rebuild rather than choose between them. The exceptions, each with the rule one replay would have applied:

- sums kept per key over many records (captured leads per source, the funnel's, sales' and tickets'
  totals and day rows, which each share made from its changes at its end) are added, and totals that come
  back to zero are dropped, as `add_sums` drops them;
- a lead's stage facts keep the earliest time: a `LeadMergedV1` marks the lead it merged away as merged,
  and that lead's other facts may be in another share.

That last fact is also the one fold that reads another record's rows: the merged lead's funnel counters
were made without it in its own share, so `refresh_across_shares` makes them again from the merged facts
(and its sums as live refreshes do).
"""

import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from crm_shared.messaging.uow import UnitOfWork
from reporting.leads.counters import refresh_leads
from reporting.leads.funnel import MERGED
from reporting.models import LeadsBySource, LeadStageFact, messaging
from reporting.rebuild.indexes import LEDGER
from reporting.rebuild.sums import TABLES

# table -> (its key, the columns added on a clash, whether a row whose sums are all zero is dropped)
SUMMED = {
    LeadsBySource.__table__.name: (("source",), ("lead_count",), False),
    **{table.name: (("bucket",), tuple(sums.sums), True) for sums in TABLES for table in sums.tables},
}
# table -> (its key, the column whose earliest value is kept on a clash)
EARLIEST = {LeadStageFact.__table__.name: (("lead_id", "stage"), "reached_at")}
NOT_MERGED = {"alembic_version", LEDGER}  # the schema's version; the indexes the rebuild makes at the end


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def merge_statements(table: str, columns: list[str], share: str) -> list[str]:
    """The statements adding share `share`'s rows of `table` to the target's."""
    names = ", ".join(map(_quoted, columns))
    copy = f"INSERT INTO main.{_quoted(table)} ({names}) SELECT {names} FROM {share}.{_quoted(table)}"
    if table in SUMMED:
        key, sums, drop_zero = SUMMED[table]
        added = ", ".join(f"{_quoted(n)} = {_quoted(n)} + excluded.{_quoted(n)}" for n in sums)
        statements = [f"{copy} WHERE true ON CONFLICT ({', '.join(map(_quoted, key))}) DO UPDATE SET {added}"]
        if drop_zero:
            zero = " AND ".join(f"{_quoted(n)} = 0" for n in sums)
            statements.append(f"DELETE FROM main.{_quoted(table)} WHERE {zero}")
        return statements
    if table in EARLIEST:
        key, column = EARLIEST[table]
        earliest = f"{_quoted(column)} = min({_quoted(column)}, excluded.{_quoted(column)})"
        return [f"{copy} WHERE true ON CONFLICT ({', '.join(map(_quoted, key))}) DO UPDATE SET {earliest}"]
    return [copy]


def merge_shares(target: Path, shares: list[Path]) -> None:
    """Add every share's rows to the target (migrated, empty), in one transaction."""
    connection = sqlite3.connect(target, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=OFF")  # a rebuild's target: see `rebuild_engine`
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            if name not in NOT_MERGED]
        for index, share in enumerate(shares):
            connection.execute(f"ATTACH DATABASE ? AS share{index}", (str(share),))
        connection.execute("BEGIN")
        for table in tables:
            columns = [row[1] for row in connection.execute(f"PRAGMA main.table_info({_quoted(table)})")]
            for index in range(len(shares)):
                for statement in merge_statements(table, columns, f"share{index}"):
                    connection.execute(statement)
        connection.execute("COMMIT")
    finally:
        connection.close()


async def refresh_across_shares(sessions: async_sessionmaker, chunk: int = 5000) -> None:
    """Make again, from the merged facts, the funnel counters of every lead merged away, and their sums."""
    async with UnitOfWork(sessions, messaging, "reporting") as uow:
        merged = select(LeadStageFact.lead_id).where(LeadStageFact.stage == MERGED)
        leads = sorted((await uow.session.execute(merged)).scalars())
    for start in range(0, len(leads), chunk):
        async with UnitOfWork(sessions, messaging, "reporting") as uow:
            await refresh_leads(uow, set(leads[start:start + chunk]))
            await uow.commit()


def copy_file(source: Path, path: Path) -> None:
    """A copy of the migrated, empty target for a share (SQLite's backup: whole, whatever its WAL holds)."""
    remove_file(path)
    origin, copy = sqlite3.connect(source), sqlite3.connect(path)
    try:
        origin.backup(copy)
    finally:
        origin.close()
        copy.close()


def remove_file(path: Path) -> None:
    """A share's database file, its WAL and shared memory, gone."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
