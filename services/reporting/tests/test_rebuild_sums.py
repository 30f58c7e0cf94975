"""The sums tables a rebuild makes at its end (`reporting.rebuild.sums`: the counters' changes summed per
day and key as `rebuild/changes.py` makes them) are the rows live refreshes keep: live's `summed` of the
very changes made, the same buckets, days and sums, the zero sums left out."""

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from reporting_scenario import deal_moved, deal_opened, opportunity_history, orders, ticket_history
from reporting_support import dump_projections, record
from sqlalchemy import select

from crm_shared.events.sales import OpportunityLostV1
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.testing import POSTGRES_URL, postgres_database
from reporting import bulk
from reporting.counter_store import add_summed, summed
from reporting.handlers import handlers
from reporting.models import messaging
from reporting.opportunities.counters import SPEC as SALES
from reporting.rebuild.applier import ChunkApplier
from reporting.rebuild.changes import add_days, make_changes
from reporting.rebuild.replay import finish_derived, rebuild_sessions
from reporting.service.counters import SPEC as SERVICE

MIDNIGHT, NEW_YEAR = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def when(event, moment: datetime):
    return event.model_copy(update={"occurred_at": moment})


# midnight exactly belongs to the day before, a microsecond later to its own day; New Year's midnight is the
# last day of the year before
EDGES = [when(deal_opened("O5", 0, 300), MIDNIGHT),
         when(deal_moved("O5", "s1", "s2", 0, 300, 0), MIDNIGHT + TICK),
         when(deal_opened("O6", 0, 700), NEW_YEAR),
         when(deal_moved("O6", "s1", "lost", 0, 700, 1, OpportunityLostV1, "timing"), NEW_YEAR + TICK)]


async def test_sums_made_at_the_end_are_live_sums_of_the_changes_made(make_reporting, database_url,
                                                                       monkeypatch):
    monkeypatch.setattr(bulk, "MIN_ROWS", 1)  # every statement through the driver, as a large rebuild's
    events = opportunity_history() + orders() + ticket_history() + EDGES
    async with make_reporting(database_url) as reporting:
        sessions = rebuild_sessions(reporting.app.state.ctx.engine)
        applier = ChunkApplier(handlers, lambda: UnitOfWork(sessions, messaging, "reporting"))
        await applier.apply([record(event, offset) for offset, event in enumerate(events)])
        await finish_derived(sessions)
        rows = await dump_projections(reporting.app)

    zeros = 0
    for spec in (SALES, SERVICE):
        names = [column.name for column in spec.delta.columns]
        changes = [dict(zip(names, row, strict=True)) for row in rows[spec.delta.name]]
        assert {change["kind"] for change in changes} >= {spec.kind}
        for table, per_day in ((spec.total, False), (spec.day, True)):
            expected = add_summed(spec, {}, summed(spec, changes, per_day))
            kept = sorted(tuple(row[c.name] for c in table.columns) for row in expected.values()
                          if any(row[name] for name in spec.sums))
            zeros += len(expected) - len(kept)
            assert rows[table.name] == kept, table.name
    assert zeros  # some keys' changes summed to zero (a deal's stage left the same day): no rows for them
    days = {row[1].isoformat() for row in rows["sale_day"]}
    assert {"2026-02-28", "2026-03-01", "2025-12-31", "2026-01-01"} <= days


def with_seconds(event, seconds: bytes):
    """The event's record with its seconds in the stage left written as `seconds` (JSON takes NaN)."""
    made, written = record(event), b'"seconds_in_previous_stage":0.0'
    assert written in made.value
    value = made.value.replace(written, b'"seconds_in_previous_stage":' + seconds)
    return dataclasses.replace(made, value=value, serialized_value_size=len(value))


@pytest.mark.parametrize("seconds", [b"NaN", b"-0.0"])
async def test_keys_python_holds_apart_or_together_are_the_rows_live_keeps(make_reporting, database_url,
                                                                           tmp_path, seconds):
    """Two deals of one rep leave a stage the same day with NaN seconds (a NaN is not equal to another in
    Python, its JSON digest is one bucket), or one with -0.0 and one with 0.0 (equal, two reprs: made 0.0)."""
    second = b"0.0" if seconds == b"-0.0" else seconds  # -0.0 first: the key a sums row would keep
    records = [record(deal_opened("O1", 0, 100)), record(deal_opened("O2", 0, 200)),
               with_seconds(deal_moved("O1", "s1", "s2", 1, 100, 0), seconds),
               with_seconds(deal_moved("O2", "s1", "s2", 1, 200, 0), second)]
    async with another(database_url, tmp_path) as live_url, make_reporting(live_url) as live:
        await live.app.state.ctx.processor.process_batch(tuple(records))
        expected = await dump_projections(live.app)
    async with make_reporting(database_url) as reporting:
        sessions = rebuild_sessions(reporting.app.state.ctx.engine)
        applier = ChunkApplier(handlers, lambda: UnitOfWork(sessions, messaging, "reporting"))
        await applier.apply(records)
        await finish_derived(sessions)
        rows = await dump_projections(reporting.app)
    for table in ("sale_delta", "sale_total", "sale_day"):  # repr: a NaN is not equal to itself
        assert repr(rows[table]) == repr(expected[table]), table
    assert "-0.0" not in repr(rows["sale_total"])  # an event's -0.0 seconds are 0.0: one key in any order
    stored_nan = not (seconds == b"NaN" and database_url.startswith("sqlite"))  # SQLite: NaN read as NULL
    assert len([row for row in rows["sale_total"] if row[3] == "seconds"]) == stored_nan  # one bucket


@contextlib.asynccontextmanager
async def another(database_url: str, tmp_path) -> AsyncIterator[str]:
    """A second fresh database of the same kind (SQLite keeps -0.0 as 0.0, PostgreSQL as -0.0)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path}/live.db"
        return
    async with postgres_database(POSTGRES_URL) as url:
        yield url


async def test_parts_of_the_records_make_every_change_once(make_reporting):
    """PostgreSQL's parallel end (`rebuild/derive.py`; SQLite's shares each make their own changes): two
    parts of the records, by a hash of their id, make between them every change and every day's sums, none
    twice."""
    events = opportunity_history() + orders() + ticket_history() + EDGES
    async with postgres_database(POSTGRES_URL) as database_url, make_reporting(database_url) as reporting:
        sessions = rebuild_sessions(reporting.app.state.ctx.engine)
        applier = ChunkApplier(handlers, lambda: UnitOfWork(sessions, messaging, "reporting"))
        await applier.apply([record(event, offset) for offset, event in enumerate(events)])
        made = []
        for part in (None, (0, 2), (1, 2)):
            async with sessions() as session:
                async with session.begin():
                    days = await make_changes(session, part)
                    changes = {row for spec in (SALES, SERVICE) for row in
                               (await session.execute(select(spec.delta))).all()}
                    await session.rollback()
            made.append((changes, days))
    (every, all_days), (first, first_days), (second, second_days) = made
    assert first and second and not first & second and first | second == every
    for table, days in all_days.items():
        assert add_days(dict(first_days[table]), second_days[table]) == days, table.name
