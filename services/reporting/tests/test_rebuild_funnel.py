"""The lead funnel contributions a rebuild makes at its end in SQL (`reporting.rebuild.funnel`) are the rows
`contributions` gives live, to the bit: stages, times, months, group columns, hours and merges."""

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from crm_shared.messaging.uow import UnitOfWork
from reporting.counter_models import LeadFunnelDelta
from reporting.leads.counters import DIMENSIONS, contributions
from reporting.leads.funnel import MERGED
from reporting.models import LeadCard, LeadStageFact, messaging
from reporting.rebuild.funnel import make_funnel
from reporting.rebuild.replay import rebuild_sessions

START = datetime(2025, 12, 31, 23, 59, 59, 999_999)  # the month changes a microsecond later


def leads(count: int) -> tuple[list[dict], list[dict]]:
    """Random cards and stage facts, with the edges spelled out first."""
    rng = random.Random(11)
    cards, facts = [], []

    def lead(lead_id: str, stages: dict[str, datetime], card: bool = True) -> None:
        if card:
            cards.append({"lead_id": lead_id, **{name: rng.choice([None, f"{name}-{rng.randrange(3)}"])
                                                  for name in DIMENSIONS}})
        facts.extend({"lead_id": lead_id, "stage": stage, "reached_at": at} for stage, at in stages.items())

    micro = timedelta(microseconds=1)
    lead("same-instant", {"captured": START, "contacted": START})
    lead("contacted-first", {"captured": START, "contacted": START - micro})  # 0 hours, at the capture
    lead("next-month", {"captured": START + micro, "contacted": START + timedelta(days=400, microseconds=7)})
    lead("merged", {"captured": START, "contacted": START + micro, MERGED: START + timedelta(hours=1)})
    lead("merged-first", {"captured": START, "qualified": START + timedelta(days=2), MERGED: START - micro})
    lead("no-card", {"captured": START, "contacted": START + micro}, card=False)
    lead("no-capture", {"contacted": START, "qualified": START + micro})
    lead("disqualified", {"captured": START, "disqualified": START + timedelta(seconds=1)})
    lead("merged-only", {MERGED: START})
    # spans a double does not count exactly in microseconds (2**53 us, 285 years: a mistyped year), and
    # years below 1000 (their text and month still fixed-width)
    lead("long-span", {"captured": datetime(999, 1, 1), "contacted": datetime(2025, 6, 1, 12, 0, 0, 277)})
    lead("long-span-merged", {"captured": datetime(1700, 3, 1), "contacted": datetime(1990, 7, 9, 0, 0, 0, 1),
                              MERGED: datetime(1990, 7, 9, 0, 0, 0, 2)})
    # (a second after datetime.min, which asyncpg stores as -infinity)
    lead("year-1", {"captured": datetime(1, 1, 1, 0, 0, 1), "contacted": datetime(1, 1, 1, 0, 0, 2)})
    for index in range(count):
        captured = START + timedelta(microseconds=rng.randrange(-10**13, 10**13))
        stages = {"captured": captured}
        for stage in ("contacted", "qualified", "converted", "disqualified", MERGED):
            if rng.random() < 0.5:
                stages[stage] = captured + timedelta(microseconds=rng.randrange(-10**9, 10**12))
        lead(f"L{index}", stages, card=rng.random() < 0.95)
    return cards, facts


def expected(cards: list[dict], facts: list[dict]) -> list[tuple]:
    stages: dict[str, dict[str, datetime]] = {}
    for fact in facts:
        stages.setdefault(fact["lead_id"], {})[fact["stage"]] = fact["reached_at"]
    rows = [row for card in cards for row in contributions(card, stages.get(card["lead_id"], {}))]
    return sorted(as_tuple(row) for row in rows)


def as_tuple(row) -> tuple:
    names = ("lead_id", "stage", "kind", "at", "captured_at", "capture_month", *DIMENSIONS, "hours", "delta")
    return tuple(row[name] for name in names)


async def test_contributions_made_in_sql_are_those_made_live(make_reporting, database_url):
    cards, facts = leads(2000)
    async with make_reporting(database_url) as reporting:
        sessions = rebuild_sessions(reporting.app.state.ctx.engine)
        async with UnitOfWork(sessions, messaging, "reporting") as uow:
            await uow.session.execute(LeadCard.__table__.insert(), cards)
            await uow.session.execute(LeadStageFact.__table__.insert(), facts)
            await uow.commit()
        async with sessions() as session, session.begin():
            await make_funnel(session)
        async with sessions() as session:
            made = sorted(as_tuple(row._mapping) for row in await session.execute(
                select(LeadFunnelDelta.__table__)))

    wanted = expected(cards, facts)
    assert len(wanted) > 4000 and any(row[2] == "out" for row in wanted)
    assert made == wanted
    hours = {row[0]: row[-2] for row in made if row[1] == "contacted" and row[2] == "in"}
    assert hours["same-instant"] == 0.0 and hours["contacted-first"] == 0.0
    assert hours["long-span"] == 8997372.000000078  # live's; dividing the double of the count gives ...076
    assert not [row for row in made if row[0] in ("no-card", "no-capture", "merged-only")]
