"""Lead funnel counters: what each lead adds to the funnel, kept as deltas and running totals.

A lead (with a card and a capture) contributes, for every funnel stage it reached, +1 from the moment it
reached it, and -1 from the moment it was merged away (a duplicate leaves every count): the funnel as of X
is the sum of the contributions with `at <= X`. `lead_funnel_delta` keeps them, one row per lead, stage and
kind; `lead_funnel_total` keeps their sum per (capture month, stage, group columns, hours to first contact),
so the funnel as of X is the small totals table minus the few contributions after X.

When any event touches a lead, its contributions are recomputed from its card and stage facts (the same
rows the funnel used to join): the old ones are taken off the totals and the new ones added, in the same
transaction, so duplicates, replays and any arrival order end in the same rows. A rebuild folds the cards
and facts only, and makes every lead's contributions once at its end (`rebuild/funnel.py`,
`counter_store.DERIVED_LATER`).
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select

from crm_shared.messaging.uow import UnitOfWork
from reporting.bulk import execute_many
from reporting.counter_store import add_sums, bucket_of, lock_entities
from reporting.leads.funnel import COLUMNS, MERGED
from reporting.models import LeadCard, LeadFunnelDelta, LeadFunnelTotal, LeadStageFact
from reporting.versions import month_text

DIMENSIONS = ("source", "campaign", "owner_id", "team_id", "region", "industry")
TOTAL_KEY = ("capture_month", "stage", *DIMENSIONS, "hours")
_CARD_KEYS = ("lead_id", *DIMENSIONS)


def contributions(card: dict, stages: dict[str, datetime]) -> list[dict]:
    """What one lead adds to the funnel: its card's group columns (`card`) and when it first reached each
    stage (`stages`, naive UTC, may include `merged`). No card or no capture: nothing."""
    captured = stages.get("captured")
    if captured is None:
        return []
    merged = stages.get(MERGED)
    base = {"lead_id": card["lead_id"], "captured_at": captured, "capture_month": month_text(captured),
            **{name: card.get(name) for name in DIMENSIONS}}
    rows = []
    for stage in COLUMNS:
        reached = stages.get(stage)
        if reached is None:
            continue
        at = max(reached, captured)
        hours = max(0.0, (reached - captured).total_seconds() / 3600) if stage == "contacted" else None
        rows.append({**base, "stage": stage, "kind": "in", "at": at, "hours": hours, "delta": 1})
        if merged is not None:
            rows.append({**base, "stage": stage, "kind": "out", "at": max(at, merged), "hours": hours,
                         "delta": -1})
    return rows


def totals(deltas: Iterable[dict]) -> list[dict]:
    """Contributions summed per totals row."""
    summed: dict[tuple, dict] = {}
    for row in deltas:
        key = tuple(row[name] for name in TOTAL_KEY)
        total = summed.get(key)
        if total is None:
            named = dict(zip(TOTAL_KEY, key, strict=True))
            total = summed[key] = {"bucket": bucket_of(key), **named, "leads": 0}
        total["leads"] += row["delta"]  # a totals row sums the deltas under "leads"
    return list(summed.values())


async def refresh_leads(uow: UnitOfWork, lead_ids: set[str]) -> None:
    """Recompute the contributions of these leads from their card and stage facts."""
    if not lead_ids:
        return
    ids = sorted(lead_ids)
    session = uow.session
    await lock_entities(uow, "lead", ids)
    old = []
    for chunk in _chunks(ids):
        mine = LeadFunnelDelta.lead_id.in_(chunk)
        found = await session.execute(select(LeadFunnelDelta.__table__).where(mine).with_for_update())
        old.extend(dict(row._mapping) for row in found)
    stages: dict[str, dict[str, datetime]] = {}
    cards: dict[str, dict] = {}
    fact_columns = (LeadStageFact.lead_id, LeadStageFact.stage, LeadStageFact.reached_at)
    card_columns = [LeadCard.lead_id, *(getattr(LeadCard, name) for name in DIMENSIONS)]
    for chunk in _chunks(ids):
        for lead_id, stage, reached_at in await session.execute(
                select(*fact_columns).where(LeadStageFact.lead_id.in_(chunk))):
            stages.setdefault(lead_id, {})[stage] = reached_at
        for row in await session.execute(select(*card_columns).where(LeadCard.lead_id.in_(chunk))):
            cards[row[0]] = dict(zip(_CARD_KEYS, row, strict=True))
    new = [row for lead in ids if lead in cards for row in contributions(cards[lead], stages.get(lead, {}))]
    if _same(old, new):
        return
    had = sorted({row["lead_id"] for row in old})  # a lead without contributions has none to delete
    for chunk in _chunks(had):
        await session.execute(delete(LeadFunnelDelta).where(LeadFunnelDelta.lead_id.in_(chunk)))
    if new:
        await execute_many(session, LeadFunnelDelta.__table__.insert(), new)
    change = totals([*new, *({**row, "delta": -row["delta"]} for row in old)])
    await add_sums(uow, LeadFunnelTotal.__table__, change, ("leads",))


def _same(old: list[dict], new: list[dict]) -> bool:
    if len(old) != len(new) or not old:  # the usual case: new leads (or ones that still add nothing)
        return len(old) == len(new)

    def key(row: dict) -> tuple:
        return tuple(str(row[name]) for name in ("lead_id", "stage", "kind", "at", "captured_at", *DIMENSIONS,
                                                  "hours", "delta"))

    return sorted(map(key, old)) == sorted(map(key, new))


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
