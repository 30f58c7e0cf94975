"""The lead funnel as of X from the counters: the totals minus the contributions after X, per group.

Totals are kept per capture month, so a capture window is answered from the totals of the months it
covers whole, and from the contributions themselves (indexed by capture time) for the months it cuts.
"""

from datetime import datetime

from sqlalchemy import func, select

from crm_shared.auth import Principal, visible_to
from crm_shared.messaging.uow import UnitOfWork
from reporting.models import LeadFunnelDelta, LeadFunnelTotal
from reporting.versions import month_text, utc_naive

_GROUPS = {"source": "source", "campaign": "campaign", "owner": "owner_id", "team": "team_id",
           "region": "region", "industry": "industry"}
_FILTERS = ("source", "campaign", "owner_id", "team_id", "region", "industry")

Sums = dict[tuple[str | None, str, float | None], int]


async def funnel_sums(uow: UnitOfWork, principal: Principal, query, as_of: datetime) -> Sums:
    """{(group, stage, hours to first contact): leads} as of `as_of`, for the query's filters."""
    start = utc_naive(query.captured_from) if query.captured_from is not None else None
    end = utc_naive(query.captured_to) if query.captured_to is not None else None
    low = None if start is None else _month_ceiling(start)
    high = None if end is None else _month_floor(end)
    sums: Sums = {}
    if low is None or high is None or low < high:  # whole months: totals minus what came after X
        months = select(LeadFunnelTotal).where(*_where(LeadFunnelTotal, principal, query))
        if low is not None:
            months = months.where(LeadFunnelTotal.capture_month >= month_text(low))
        if high is not None:
            months = months.where(LeadFunnelTotal.capture_month < month_text(high))
        await _add(uow, sums, LeadFunnelTotal, LeadFunnelTotal.leads, query, months.subquery(), 1)
        await _add_deltas(uow, sums, principal, query, low, high, LeadFunnelDelta.at > as_of, -1)
        partial = [(start, low), (high, end)]
    else:
        partial = [(start, end)]
    for begin, stop in partial:  # cut months: the contributions up to X captured in the cut
        if begin is not None and stop is not None and begin < stop:
            await _add_deltas(uow, sums, principal, query, begin, stop, LeadFunnelDelta.at <= as_of, 1)
    return sums


async def _add_deltas(uow, sums: Sums, principal: Principal, query, begin, stop, when, sign: int) -> None:
    rows = select(LeadFunnelDelta).where(when, *_where(LeadFunnelDelta, principal, query))
    if begin is not None:
        rows = rows.where(LeadFunnelDelta.captured_at >= begin)
    if stop is not None:
        rows = rows.where(LeadFunnelDelta.captured_at < stop)
    await _add(uow, sums, LeadFunnelDelta, LeadFunnelDelta.delta, query, rows.subquery(), sign)


async def _add(uow, sums: Sums, table, amount, query, rows, sign: int) -> None:
    group = _GROUPS.get(query.group_by)
    key = rows.c[group] if group else None
    columns = [key.label("key")] if key is not None else []
    statement = (select(*columns, rows.c.stage, rows.c.hours, func.sum(rows.c[amount.key]).label("leads"))
                 .group_by(*columns, rows.c.stage, rows.c.hours))
    for row in await uow.session.execute(statement):
        at = (row.key if key is not None else None, row.stage, row.hours)
        sums[at] = sums.get(at, 0) + sign * int(row.leads)


def _where(table, principal: Principal, query) -> list:
    conditions = [visible_to(principal, table.owner_id, table.team_id)]
    for name in _FILTERS:
        value = getattr(query, name)
        if value is not None:
            conditions.append(getattr(table, name) == value)
    return conditions


def _month_floor(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _month_ceiling(moment: datetime) -> datetime:
    floor = _month_floor(moment)
    if floor == moment:
        return floor
    if floor.month == 12:
        return floor.replace(year=floor.year + 1, month=1)
    return floor.replace(month=floor.month + 1)
