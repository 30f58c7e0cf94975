"""Replays give identical projections: in any order, in chunks, with duplicates, on SQLite or PostgreSQL."""

import random

import pytest
from reporting_scenario import history, opportunity_history, orders, ticket_history
from reporting_support import dump_projections, record

from crm_shared.messaging.uow import UnitOfWork
from reporting import bulk
from reporting.handlers import handlers
from reporting.models import messaging
from reporting.rebuild.applier import ChunkApplier
from reporting.rebuild.replay import finish_derived, rebuild_sessions


@pytest.mark.parametrize("derived_at_the_end", [False, True], ids=["as-live", "funnel-and-sums-at-the-end"])
async def test_chunked_shuffled_replay_equals_live_consumption(make_reporting, tmp_path, database_url,
                                                               monkeypatch, derived_at_the_end):
    events = history() + opportunity_history() + ticket_history() + orders()
    async with make_reporting(f"sqlite+aiosqlite:///{tmp_path}/live.db") as live:
        await live.feed(*events)
        expected = await dump_projections(live.app)
    assert len(expected["lead_stage_fact"]) == 15 and len(expected["lead_card"]) == 5

    monkeypatch.setattr(bulk, "MIN_ROWS", 1)  # the rebuild writes through the driver even in tiny chunks
    async with make_reporting(database_url) as rebuilt:
        # as live, or as a rebuild: the cards, facts and changes only, the lead funnel's contributions and the
        # sums made at the end (`rebuild/funnel.py`, `rebuild/sums.py`)
        ctx = rebuilt.app.state.ctx
        sessions = rebuild_sessions(ctx.engine) if derived_at_the_end else ctx.sessions
        applier = ChunkApplier(handlers, lambda: UnitOfWork(sessions, messaging, "reporting"))
        shuffled = [record(e, offset) for offset, e in enumerate(events + events[:4])]
        random.Random(6).shuffle(shuffled)
        for start in range(0, len(shuffled), 3):
            await applier.apply(shuffled[start:start + 3])
        if derived_at_the_end:
            await finish_derived(sessions)
        assert await dump_projections(rebuilt.app) == expected
        assert (applier.stats.applied, applier.stats.duplicates) == (len(events), 4)
        await applier.apply(shuffled)  # the whole replay again: nothing changes
        assert await dump_projections(rebuilt.app) == expected
