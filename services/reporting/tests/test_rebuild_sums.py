"""The sums tables a rebuild makes at its end from the changes (`reporting.rebuild.sums`) are the rows the
live refreshes keep: the same buckets, days and sums, the zero sums left out."""

from datetime import datetime

from reporting_support import dump_projections

from crm_shared.messaging.uow import UnitOfWork
from reporting.counter_store import add_summed, summed
from reporting.models import messaging
from reporting.opportunities.counters import SPEC as SALES
from reporting.rebuild.replay import finish_derived, rebuild_sessions


def change(record: str, seq: int, at: datetime, n: int, cents: int = 0, owner: str | None = "rep-1",
           value: float | None = None) -> dict:
    return {"kind": "opportunity", "record_id": record, "seq": seq, "at": at, "owner_id": owner,
            "team_id": None, "measure": "current", "stage_id": "s1", "label": None, "value": value, "n": n,
            "cents": cents, "micros": 0}


# midnight exactly belongs to the day before; a microsecond later to its own day
CHANGES = [
    change("D1", 0, datetime(2026, 3, 1, 0, 0, 0), 1, 500),
    change("D1", 1, datetime(2026, 3, 1, 0, 0, 0, 1), 1, 700),
    change("D2", 0, datetime(2026, 2, 28, 23, 59, 59, 999999), 1, 900, owner=None, value=2.5),
    change("D3", 0, datetime(2026, 1, 1, 0, 0, 0), 1, 100),  # New Year's midnight: the last day of 2025
    change("D4", 0, datetime(2026, 3, 2, 12, 0), 1, 300, owner="rep-2"),
    change("D4", 1, datetime(2026, 3, 3, 12, 0), -1, -300, owner="rep-2"),  # rep-2's total back to zero
]


async def test_sums_made_at_the_end_are_the_rows_live_refreshes_keep(make_reporting, database_url):
    async with make_reporting(database_url) as reporting:
        sessions = rebuild_sessions(reporting.app.state.ctx.engine)
        async with UnitOfWork(sessions, messaging, "reporting") as uow:
            await uow.session.execute(SALES.delta.insert(), CHANGES)
            await uow.commit()
        await finish_derived(sessions)
        rows = await dump_projections(reporting.app)

    for table, per_day in ((SALES.total, False), (SALES.day, True)):
        expected = add_summed(SALES, {}, summed(SALES, CHANGES, per_day))
        kept = sorted(tuple(row[c.name] for c in table.columns) for row in expected.values() if row["n"] or
                      row["cents"])
        assert rows[table.name] == kept, table.name
    days = {row[1].isoformat() for row in rows["sale_day"]}
    assert days == {"2026-02-28", "2026-03-01", "2025-12-31", "2026-03-02", "2026-03-03"}
    assert all(row[1] != "rep-2" for row in rows["sale_total"])  # summed to zero: no row
