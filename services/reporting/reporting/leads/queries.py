"""Lead funnel answers: counts per stage reached by a date, grouped and filtered, visible to the caller."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select

from crm_shared.auth import Principal, visible_to
from crm_shared.messaging.uow import UnitOfWork
from reporting.leads.funnel import COLUMNS, rates, speed_to_lead_counted
from reporting.leads.sums import funnel_sums
from reporting.models import LeadFunnelDelta
from reporting.versions import utc_naive

GroupBy = Literal["source", "campaign", "owner", "team", "region", "industry", "none"]


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
    counts: dict[str | None, dict[str, int]] = {}
    speeds: dict[str | None, dict[float, int]] = {}
    for (group, stage, hours), leads in (await funnel_sums(uow, principal, query, as_of)).items():
        if not leads:
            continue
        counts.setdefault(group, dict.fromkeys(COLUMNS, 0))[stage] += leads
        if stage == "contacted" and hours is not None:
            spread = speeds.setdefault(group, {})
            spread[hours] = spread.get(hours, 0) + leads
    groups = {group: stages for group, stages in counts.items() if any(stages.values())}
    ordered = sorted(groups.items(), key=lambda g: (g[0] is None, g[0] or ""))
    rows = [_row(group, stages, speeds.get(group, {})) for group, stages in ordered]
    total = {stage: sum(r[stage] for r in rows) for stage in COLUMNS}
    every_speed: dict[float, int] = {}
    for group in groups:
        for hours, leads in speeds.get(group, {}).items():
            every_speed[hours] = every_speed.get(hours, 0) + leads
    return {"as_of": as_of.isoformat() + "Z", "group_by": query.group_by, "stages": list(COLUMNS),
            "rows": rows, "total": _row("total", total, every_speed)}


def _row(key: str | None, counts: dict[str, int], speeds: dict[float, int]) -> dict:
    return {"key": key, **{stage: counts.get(stage, 0) for stage in COLUMNS}, "rates": rates(counts),
            "speed_to_lead_hours": speed_to_lead_counted(speeds)}


async def captured_per_day(
    *, uow: UnitOfWork, principal: Principal, as_of: datetime, days: int
) -> list[dict]:
    """Leads captured per day over the `days` days up to `as_of` (days without leads count 0; a lead merged
    away by `as_of` not at all)."""
    end = utc_naive(as_of)
    start = (end - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = func.date(LeadFunnelDelta.captured_at)
    statement = (
        select(day.label("day"), func.sum(LeadFunnelDelta.delta).label("leads"))
        .where(LeadFunnelDelta.stage == "captured", LeadFunnelDelta.captured_at >= start,
               LeadFunnelDelta.captured_at <= end, LeadFunnelDelta.at <= end,
               visible_to(principal, LeadFunnelDelta.owner_id, LeadFunnelDelta.team_id))
        .group_by(day)
    )
    counts = {str(row.day): int(row.leads) for row in await uow.session.execute(statement)}
    dates = [(start + timedelta(days=offset)).date().isoformat() for offset in range(days)]
    return [{"day": d, "captured": counts.get(d, 0)} for d in dates]
