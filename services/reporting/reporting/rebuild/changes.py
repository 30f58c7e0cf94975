"""The counters' changes of a rebuild, made once at its end from the facts (`counter_store.DERIVED_LATER`).

Live, a batch recomputes the changes of each deal, order and ticket it touched from all the record's facts
(`counter_store.refresh`: the facts read back, `changes`, the old changes deleted and the new inserted).
In a rebuild a record's events are spread over many chunks as they were over its life (a deal moved over
weeks), so a refresh per chunk would recompute each record once per chunk it appears in, from all its
facts so far. A rebuild folds the facts only, and then computes every record's changes here, once, with
the same `counter_store.changed`: the facts are read in the order of their record (their key's first
column), a record at a time. The changes are written as they are made, and summed per day and key on the
way (`Days`): the sums tables are made from those sums (`rebuild/sums.py`), not by reading the changes
back.
"""

from collections.abc import Hashable

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.bulk import insert_new
from reporting.counter_store import Spec, changed, day_of
from reporting.opportunities.counters import SPEC as DEALS
from reporting.revenue.order_counters import SPEC as ORDERS
from reporting.service.counters import SPEC as TICKETS

SPECS = (DEALS, ORDERS, TICKETS)
BATCH = 10_000  # facts read, and changes written, at a time
Days = dict[tuple, list[int]]  # (day, *dims, *key) -> the changes' sums (`Spec.sums`) on that day


async def make_changes(session: AsyncSession, part: tuple[int, int] | None = None) -> dict[Table, Days]:
    """Add every record's changes (the delta tables hold none of these kinds yet), in the session's
    transaction; the changes summed per day and key, for each day table (deals and orders share theirs).
    PostgreSQL: `part` (index, count) makes those of one part of the records, by a hash of their id."""
    days: dict[Table, Days] = {}
    for spec in SPECS:
        await _fill(session, spec, days.setdefault(spec.day, {}), part)
    return days


def add_at(into: dict, key: Hashable, values: list) -> None:
    """`values` added to the sums `into` holds at `key` (kept as its sums if none: not copied)."""
    kept = into.get(key)
    if kept is None:
        into[key] = values
    else:
        for index, value in enumerate(values):
            kept[index] += value


def add_days(into: Days, more: Days) -> Days:
    """`into` with `more`'s sums added, slot by slot (it keeps `more`'s lists, and adds into them later)."""
    for slot, values in more.items():
        add_at(into, slot, values)
    return into


async def _fill(session: AsyncSession, spec: Spec, days: Days, part: tuple[int, int] | None) -> None:
    record_id = spec.facts.c[spec.id_column]
    names = (spec.id_column, *spec.fact_columns)
    query = select(record_id, *(spec.facts.c[name] for name in spec.fact_columns)).order_by(record_id)
    if part is not None:  # hashtext's sign bit dropped: a part number from 0 to count - 1
        index, count = part
        query = query.where(func.mod(func.hashtext(record_id).op("&")(0x7FFFFFFF), count) == index)
    columns = ("kind", "record_id", "seq", "at", *spec.dims, *spec.key, *spec.sums)
    rows: list[tuple] = []
    reprs: dict[tuple, str] = {}

    def add(record: str, facts: list[dict]) -> None:
        """The record's changes as delta rows, and into the sums of their day and key."""
        last, day = None, None
        for seq, (at, key, change) in enumerate(changed(spec, facts, reprs)):
            rows.append((spec.kind, record, seq, at, *key, *change))
            if at is not last:
                last, day = at, day_of(at)
            add_at(days, (day, *key), change)  # a list of its own: the row holds its values

    current, facts = None, []
    result = await session.stream(query)
    async for batch in result.partitions(BATCH):
        for row in batch:
            if row[0] != current:
                if facts:
                    add(current, facts)
                current, facts = row[0], []
            facts.append(dict(zip(names, row, strict=True)))
        if len(rows) >= BATCH:
            await insert_new(session, spec.delta, rows, columns)
            rows.clear()
    if facts:
        add(current, facts)
    await insert_new(session, spec.delta, rows, columns)
