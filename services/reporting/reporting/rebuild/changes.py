"""The counters' changes of a rebuild, made once at its end from the facts (`counter_store.DERIVED_LATER`).

Live, a batch recomputes the changes of each deal, order and ticket it touched from all the record's facts
(`counter_store.refresh`: the facts read back, `changes`, the old changes deleted and the new inserted).
In a rebuild a record's events are spread over many chunks as they were over its life (a deal moved over
weeks), so a refresh per chunk would recompute each record once per chunk it appears in, from all its
facts so far. A rebuild folds the facts only, and then computes every record's changes here, once, with
the same `changes`: the facts are read in the order of their record (their key's first column), a
record at a time.
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.bulk import execute_many
from reporting.counter_store import Spec, changes
from reporting.opportunities.counters import SPEC as DEALS
from reporting.revenue.order_counters import SPEC as ORDERS
from reporting.service.counters import SPEC as TICKETS

SPECS = (DEALS, ORDERS, TICKETS)
BATCH = 10_000  # facts read, and changes written, at a time


async def make_changes(session: AsyncSession) -> None:
    """Add every record's changes (the delta tables hold none of these kinds yet), in the session's
    transaction."""
    for spec in SPECS:
        await _fill(session, spec)


async def _fill(session: AsyncSession, spec: Spec) -> None:
    record_id = spec.facts.c[spec.id_column]
    names = (spec.id_column, *spec.fact_columns)
    query = select(record_id, *(spec.facts.c[name] for name in spec.fact_columns)).order_by(record_id)
    rows: list[dict] = []
    current, facts = None, []
    result = await session.stream(query)
    async for batch in result.partitions(BATCH):
        for row in batch:
            if row[0] != current:
                if facts:
                    rows.extend(changes(spec, current, facts))
                current, facts = row[0], []
            facts.append(dict(zip(names, row, strict=True)))
        if len(rows) >= BATCH:
            await execute_many(session, spec.delta.insert(), rows)
            rows = []
    if facts:
        rows.extend(changes(spec, current, facts))
    if rows:
        await execute_many(session, spec.delta.insert(), rows)
