"""The stream refreshes only what a commit feeds, coalesces bursts, and says when the commit happened."""

import asyncio
import json
import time
from datetime import timedelta

from reporting_scenario import ticket_history
from reporting_support import ADMIN, NOW

from crm_shared.events.leads import LeadAssignedV1, LeadCapturedV1
from crm_shared.topics import INTERACTIONS, LEADS_LEAD, SALES_ORDER, SERVICE_DESK_TICKET
from reporting.live.api import _updates
from reporting.live.dashboard import SECTIONS, LiveDashboard, dashboard, sections_fed_by
from reporting.live.hub import EVERYTHING, hub


def lead(lead_id: str, source: str, hours_ago: float, owner: str | None = None) -> list:
    """A lead captured `hours_ago` before NOW, assigned to `owner` when given."""
    at = NOW - timedelta(hours=hours_ago)
    events = [LeadCapturedV1(aggregate_id=lead_id, name=lead_id, source=source, occurred_at=at)]
    if owner:
        events.append(LeadAssignedV1(aggregate_id=lead_id, owner_id=owner, team_id="team-1", occurred_at=at))
    return events


def test_each_family_feeds_its_sections_and_an_unknown_one_feeds_all():
    assert sections_fed_by({LEADS_LEAD.name}) == {"leads", "trend", "reps"}
    assert sections_fed_by({SERVICE_DESK_TICKET.name, SALES_ORDER.name}) == {"service", "reps"}
    assert sections_fed_by({INTERACTIONS.name}) == set()
    assert sections_fed_by({"crm.something.new.v1"}) == set(SECTIONS)
    assert sections_fed_by({EVERYTHING}) == set(SECTIONS)


async def test_a_commit_publishes_once_with_its_families(sqlite_reporting):
    subscription = hub.subscribe()
    try:
        before, started = hub.published, time.time()
        await sqlite_reporting.feed(*lead("p", "web_form", 1, "rep-1"), *ticket_history()[:2])
        families, since = subscription.take()
        assert hub.published == before + 1  # one transaction for the whole batch: one publication
        assert families == {LEADS_LEAD.name, SERVICE_DESK_TICKET.name}
        assert started <= since <= time.time()
        assert subscription.take() == (set(), None)
    finally:
        hub.unsubscribe(subscription)


async def test_live_dashboard_refreshes_stale_sections_only_and_matches_a_full_one(sqlite_reporting):
    ctx = sqlite_reporting.app.state.ctx
    board = LiveDashboard(ADMIN, days=14, reps_every_s=3600)
    first = await board.refresh(ctx.uow(), NOW)
    await sqlite_reporting.feed(*lead("q", "hotline", 1, "rep-1"), *ticket_history())
    board.invalidate({SERVICE_DESK_TICKET.name})
    only_service = await board.refresh(ctx.uow(), NOW)
    assert only_service["funnel"] == first["funnel"]  # the lead's section was not stale: kept
    assert only_service["service"]["tickets"] == 4
    board.invalidate({LEADS_LEAD.name})
    fresh = await board.refresh(ctx.uow(), NOW)
    assert fresh["funnel"]["captured"] == 1 and fresh["reps"] == first["reps"]  # the rep table waits
    assert "reps" in board.stale and 0 < board.reps_due_in() <= 3600
    board.reps_every_s = 0
    assert await board.refresh(ctx.uow(), NOW) == await dashboard(uow=ctx.uow(), principal=ADMIN, now=NOW)
    assert board.stale == set()


async def test_stream_push_after_a_commit_names_the_commit_time(sqlite_reporting):
    updates = _updates(sqlite_reporting.app.state.ctx, ADMIN, lambda: NOW, poll_s=30, days=14)
    first = await anext(updates)
    assert json.loads(first["data"])["funnel"]["captured"] == 0 and "comment" not in first
    next_update = asyncio.ensure_future(anext(updates))
    before = time.time()
    await sqlite_reporting.feed(*lead("r", "event", 0.5))
    pushed = await asyncio.wait_for(next_update, 5)
    assert json.loads(pushed["data"])["funnel"]["captured"] == 1
    committed, sent = (float(part.split("=")[1]) for part in pushed["comment"].split())
    assert before <= committed <= sent <= time.time()
    await updates.aclose()
