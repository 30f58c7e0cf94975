"""The sums tables of a rebuild, made once at its end (`counter_store.DERIVED_LATER`).

Live, each refresh adds its changes to the sums rows they fall in. A rebuild makes the changes at its end
(`rebuild/funnel.py`, `rebuild/changes.py`) and then every sums table here: the counters' day rows from
the changes summed per day and key as they were made (`rebuild/changes.Days`), their totals those days
added up per key; the lead funnel's totals (no day table) by grouping its changes in SQL. The sums that
come to zero are left out, and each row's bucket is digested from its key as `counter_store.summed`
digests it: the key's values as the measures gave them (the counters'), or as read back through the delta
table's column types (the funnel's), which digest alike (the measures give floats for the float columns).
Keys that digest alike are one row, as live (a NaN is not equal to another NaN in Python, in JSON it is;
-0.0 and 0.0 are one key to Python and to SQL: no measure gives -0.0, the seconds an event carries are
made 0.0).
"""

from dataclasses import dataclass

from sqlalchemy import Table, cast, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.bulk import insert_new
from reporting.counter_models import LeadFunnelDelta, LeadFunnelTotal
from reporting.counter_store import Spec, bucket_of
from reporting.leads.counters import TOTAL_KEY
from reporting.opportunities.counters import SPEC as SALES
from reporting.rebuild.changes import Days, add_at
from reporting.service.counters import SPEC as SERVICE

BATCH = 10_000  # groups read and written at a time


@dataclass(frozen=True)
class Sums:
    """A sums table: which delta table it sums, by which columns, which of its columns sums which; and the
    table summing the same per day too, if any (its totals then the sum of its days)."""

    table: Table
    delta: Table
    key: tuple[str, ...]
    sums: dict[str, str]  # sums table column -> the delta column it sums
    day: Table | None = None

    @property
    def tables(self) -> tuple[Table, ...]:
        return (self.table,) if self.day is None else (self.table, self.day)


def _of(spec: Spec) -> Sums:
    return Sums(spec.total, spec.delta, (*spec.dims, *spec.key), {name: name for name in spec.sums}, spec.day)


# the deal and order counters share the sale tables, both kinds summed together as live
TABLES = (Sums(LeadFunnelTotal.__table__, LeadFunnelDelta.__table__, TOTAL_KEY, {"leads": "delta"}),
          _of(SALES), _of(SERVICE))


def _first(row: tuple) -> str:
    return row[0]


async def make_sums(session: AsyncSession, days: dict[Table, Days]) -> None:
    """Replace every sums table's rows: from `days` (`make_changes`'s sums, per day table) where the table
    has days, else by grouping the changes in its delta table (in the session's transaction)."""
    for sums in TABLES:
        for table in sums.tables:
            await session.execute(delete(table))
        if sums.day is None:
            await _grouped(session, sums)
        else:
            await _from_days(session, sums, days[sums.day])


async def _grouped(session: AsyncSession, sums: Sums) -> None:
    """The totals of the changes in the delta table, grouped per key in SQL."""
    key = [sums.delta.c[name] for name in sums.key]
    summed = [cast(func.sum(sums.delta.c[source]), sums.table.c[name].type).label(name)
              for name, source in sums.sums.items()]
    nonzero = or_(*(func.sum(sums.delta.c[source]) != 0 for source in sums.sums.values()))
    query = select(*key, *summed).group_by(*key).having(nonzero)
    width = len(sums.key)
    result = await session.stream(query)
    async for batch in result.partitions(BATCH):
        rows = [(bucket_of(tuple(row[:width])), *row) for row in batch]
        await insert_new(session, sums.table, rows, ("bucket", *sums.key, *sums.sums))


async def _from_days(session: AsyncSession, sums: Sums, days: Days) -> None:
    """The day rows of changes summed per (day, *key), and their totals per key: whole numbers, the same
    sums as summing the changes per key. A row is its bucket, as live: keys that digest alike are one row
    even where Python holds them apart (a NaN is not equal to another NaN, its JSON is)."""
    totals: Days = {}  # key -> its sums over the days: as many as the totals table has rows
    for slot, values in days.items():
        add_at(totals, slot[1:], list(values))
    names = (*sums.key, *sums.sums)
    await _insert(session, sums.day, _rows(days), ("bucket", "day", *names))
    await _insert(session, sums.table, _rows(totals), ("bucket", *names))


def _rows(summed: Days) -> list[tuple]:
    """(bucket, *key, *sums) a bucket, the sums that come to zero left out."""
    keys: dict[str, tuple] = {}  # bucket -> the first key digested to it
    sums: dict[str, list] = {}
    for key, values in summed.items():
        bucket = bucket_of(key)
        keys.setdefault(bucket, key)
        add_at(sums, bucket, list(values))
    return [(bucket, *keys[bucket], *values) for bucket, values in sums.items() if any(values)]


async def _insert(session: AsyncSession, table: Table, rows: list[tuple], columns: tuple[str, ...]) -> None:
    """The rows in the order of their bucket (the key): SQLite's key index then grows at its end (114,000
    day rows in digest order took 0.52 s, sorted 0.38 s), and a share's rows are read in that order when
    they are merged into the target's."""
    rows.sort(key=_first)
    for start in range(0, len(rows), BATCH):
        await insert_new(session, table, rows[start:start + BATCH], columns)
