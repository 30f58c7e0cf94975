"""The sums tables of a rebuild, made once at its end from the delta tables (`counter_store.DERIVED_LATER`).

Live, each refresh adds its changes to the sums rows they fall in. A rebuild makes the changes at its end
(`rebuild/funnel.py`, `rebuild/changes.py`) and then every sums table here: the changes grouped in SQL
per key, or per day and key where a day table sums them too (its groups then added up per key in Python
for the totals: one sort of the changes for both tables, not two), the sums that come to zero left out,
each group's bucket digested from its key as `counter_store.summed` digests it. The key's values come
back through the delta table's column types; live, a refresh digests the keys of the changes it makes as
the measures give them and of those it takes off as read back, so both already rely on a key digesting
alike either way: the measures give floats for the float columns (a whole 2 and 2.0 digest apart).
Grouping in SQL also makes -0.0 and 0.0 one key, where live they would be two buckets; no measure gives
-0.0 (the times and amounts are measured from zero up).
"""

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Date,
    Table,
    case,
    cast,
    delete,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.bulk import execute_many
from reporting.counter_models import LeadFunnelDelta, LeadFunnelTotal
from reporting.counter_store import Spec, bucket_of
from reporting.leads.counters import TOTAL_KEY
from reporting.opportunities.counters import SPEC as SALES
from reporting.service.counters import SPEC as SERVICE

BATCH = 10_000  # groups read and written at a time


@dataclass(frozen=True)
class Sums:
    """A sums table: which delta table it sums, by which columns, which of its columns sums which; and the
    table summing the same per day too, if any (both made from one grouping of the changes)."""

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


def day_of(at: ColumnElement, dialect: str) -> ColumnElement:
    """`counter_store.day_of` in SQL: the day D whose (D 00:00, D+1 00:00] holds `at` (naive UTC). SQLite
    keeps a datetime as its fixed-width text ('YYYY-MM-DD HH:MM:SS.ffffff'), so midnight exactly is the
    text's time part, and belongs to the day before."""
    if dialect == "postgresql":
        return cast(at - literal_column("INTERVAL '1 microsecond'"), Date)
    midnight = func.substr(at, 12) == "00:00:00.000000"
    day = case((midnight, func.date(func.substr(at, 1, 10), "-1 day")), else_=func.substr(at, 1, 10))
    return type_coerce(day, Date)  # read back as a date


async def make_sums(session: AsyncSession) -> None:
    """Replace every sums table's rows by the sums of the changes in its delta table (in the session's
    transaction)."""
    for sums in TABLES:
        for table in sums.tables:
            await session.execute(delete(table))
        await _fill(session, sums)


async def _fill(session: AsyncSession, sums: Sums) -> None:
    """One grouping of the changes: per key, or per day and key when there is a day table, whose groups'
    sums are then added up per key for the totals (whole numbers: the same sums as grouping per key)."""
    dialect = session.bind.dialect.name
    key = [sums.delta.c[name] for name in sums.key]
    if sums.day is not None:
        key.insert(0, day_of(sums.delta.c.at, dialect).label("day"))
    summed = [cast(func.sum(sums.delta.c[source]), sums.table.c[name].type).label(name)
              for name, source in sums.sums.items()]
    nonzero = or_(*(func.sum(sums.delta.c[source]) != 0 for source in sums.sums.values()))
    query = select(*key, *summed).group_by(*key).having(nonzero)
    names = [*(("day",) if sums.day is not None else ()), *sums.key]
    width = len(names)
    totals: dict[tuple, list] = {}  # key -> its sums over the days: as many as the totals table has rows
    result = await session.stream(query)
    async for batch in result.partitions(BATCH):
        rows = []
        for row in batch:
            values = tuple(row[:width])
            rows.append({"bucket": bucket_of(values), **dict(zip(names, values, strict=True)),
                         **dict(zip(sums.sums, row[width:], strict=True))})
            if sums.day is not None:
                total = totals.setdefault(values[1:], [0] * len(sums.sums))
                for index, value in enumerate(row[width:]):
                    total[index] += value
        await execute_many(session, (sums.table if sums.day is None else sums.day).insert(), rows)
    rows = [{"bucket": bucket_of(values), **dict(zip(sums.key, values, strict=True)),
             **dict(zip(sums.sums, total, strict=True))} for values, total in totals.items() if any(total)]
    for start in range(0, len(rows), BATCH):
        await execute_many(session, sums.table.insert(), rows[start:start + BATCH])
