"""Lead funnel answers: counts per stage reached by a date, grouped and filtered, visible to the caller."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from crm_shared.auth import Principal, visible_to
from crm_shared.messaging.uow import UnitOfWork
from reporting.leads.funnel import COLUMNS, MERGED, rates, speed_to_lead
from reporting.models import LeadCard, LeadStageFact
from reporting.versions import utc_naive

GroupBy = Literal["source", "campaign", "owner", "team", "region", "industry", "none"]
_GROUP_COLUMNS = {"source": LeadCard.source, "campaign": LeadCard.campaign, "owner": LeadCard.owner_id,
                  "team": LeadCard.team_id, "region": LeadCard.region, "industry": LeadCard.industry}


@dataclass(frozen=True)
class FunnelQuery:
    """What to count: stages reached by `as_of`, for leads captured in [captured_from, captured_to)."""

    as_of: datetime
    group_by: GroupBy = "source"
    captured_from: datetime | None = None
    captured_to: datetime | None = None
    source: str | None = None
    campaign: str | None = None
    owner_id: str | None = None
    team_id: str | None = None
    region: str | None = None
    industry: str | None = None


async def lead_funnel(*, uow: UnitOfWork, principal: Principal, query: FunnelQuery) -> dict:
    """The funnel per group and in total, with stage-to-stage and overall conversion rates."""
    as_of = utc_naive(query.as_of)
    captured = aliased(LeadStageFact)
    key = _GROUP_COLUMNS.get(query.group_by)
    columns = [key.label("key")] if key is not None else []
    statement = (
        select(*columns, LeadStageFact.stage, func.count().label("leads"))
        .join(LeadCard, LeadCard.lead_id == LeadStageFact.lead_id)
        .join(captured, and_(captured.lead_id == LeadStageFact.lead_id, captured.stage == "captured"))
        .where(LeadStageFact.reached_at <= as_of, captured.reached_at <= as_of,
               visible_to(principal, LeadCard.owner_id, LeadCard.team_id), *_filters(query, captured, as_of))
        .group_by(*columns, LeadStageFact.stage)
    )
    groups: dict[str | None, dict[str, int]] = {}
    for row in await uow.session.execute(statement):
        group = row.key if key is not None else None
        groups.setdefault(group, dict.fromkeys(COLUMNS, 0))[row.stage] = row.leads
    speeds = await _first_contact_hours(uow, principal, query, as_of)
    ordered = sorted(groups.items(), key=lambda g: (g[0] is None, g[0] or ""))
    rows = [_row(group, counts, speeds.get(group, [])) for group, counts in ordered]
    total = {stage: sum(r[stage] for r in rows) for stage in COLUMNS}
    every_speed = [hours for values in speeds.values() for hours in values]
    return {"as_of": as_of.isoformat() + "Z", "group_by": query.group_by, "stages": list(COLUMNS),
            "rows": rows, "total": _row("total", total, every_speed)}


async def _first_contact_hours(
    uow: UnitOfWork, principal: Principal, query: FunnelQuery, as_of: datetime
) -> dict[str | None, list[float]]:
    """Hours from capture to first contact of each lead contacted by `as_of`, per group."""
    captured, contacted = aliased(LeadStageFact), aliased(LeadStageFact)
    key = _GROUP_COLUMNS.get(query.group_by)
    columns = [key.label("key")] if key is not None else []
    statement = (
        select(*columns, captured.reached_at.label("captured_at"), contacted.reached_at.label("contacted_at"))
        .select_from(LeadCard)
        .join(captured, and_(captured.lead_id == LeadCard.lead_id, captured.stage == "captured"))
        .join(contacted, and_(contacted.lead_id == LeadCard.lead_id, contacted.stage == "contacted"))
        .where(contacted.reached_at <= as_of, captured.reached_at <= as_of,
               visible_to(principal, LeadCard.owner_id, LeadCard.team_id), *_filters(query, captured, as_of))
    )
    speeds: dict[str | None, list[float]] = {}
    for row in await uow.session.execute(statement):
        hours = max(0.0, (row.contacted_at - row.captured_at).total_seconds() / 3600)
        speeds.setdefault(row.key if key is not None else None, []).append(hours)
    return speeds


def _filters(query: FunnelQuery, captured, as_of: datetime) -> list:
    conditions = [_not_merged(captured.lead_id, as_of)]
    if query.captured_from is not None:
        conditions.append(captured.reached_at >= utc_naive(query.captured_from))
    if query.captured_to is not None:
        conditions.append(captured.reached_at < utc_naive(query.captured_to))
    for value, column in ((query.source, LeadCard.source), (query.campaign, LeadCard.campaign),
                          (query.owner_id, LeadCard.owner_id), (query.team_id, LeadCard.team_id),
                          (query.region, LeadCard.region), (query.industry, LeadCard.industry)):
        if value is not None:
            conditions.append(column == value)
    return conditions


def _row(key: str | None, counts: dict[str, int], speeds: list[float]) -> dict:
    return {"key": key, **{stage: counts.get(stage, 0) for stage in COLUMNS}, "rates": rates(counts),
            "speed_to_lead_hours": speed_to_lead(speeds)}


def _not_merged(lead_id, as_of: datetime):
    """SQL: the lead had not been merged into another by `as_of` (a duplicate counts once)."""
    merged = aliased(LeadStageFact)
    return ~exists().where(merged.lead_id == lead_id, merged.stage == MERGED, merged.reached_at <= as_of)


async def captured_per_day(
    *, uow: UnitOfWork, principal: Principal, as_of: datetime, days: int
) -> list[dict]:
    """Leads captured per day over the `days` days up to `as_of` (days without leads count 0)."""
    end = utc_naive(as_of)
    start = (end - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = func.date(LeadStageFact.reached_at)
    statement = (
        select(day.label("day"), func.count().label("leads"))
        .join(LeadCard, LeadCard.lead_id == LeadStageFact.lead_id)
        .where(LeadStageFact.stage == "captured", LeadStageFact.reached_at >= start,
               _not_merged(LeadStageFact.lead_id, end),
               LeadStageFact.reached_at <= end, visible_to(principal, LeadCard.owner_id, LeadCard.team_id))
        .group_by(day)
    )
    counts = {str(row.day): row.leads for row in await uow.session.execute(statement)}
    dates = [(start + timedelta(days=offset)).date().isoformat() for offset in range(days)]
    return [{"day": d, "captured": counts.get(d, 0)} for d in dates]
