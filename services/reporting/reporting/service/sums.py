"""Service figures as of X from the counters (service/counters.py), per group."""

import math
from datetime import datetime

from crm_shared.auth import Principal, Role, visible_to
from crm_shared.messaging.uow import UnitOfWork
from reporting.counter_sums import sums_as_of
from reporting.service.counters import SPEC
from reporting.service.figures import GROUPS

Histogram = dict[float | None, int]


async def service_from_counters(*, uow: UnitOfWork, principal: Principal, at: datetime, group_by: str,
                                queue_id: str | None, channel: str | None,
                                assignee_id: str | None = None) -> dict:
    """The same figures as `service_figures` over the facts known at `at` (naive UTC)."""

    def on_groups(table) -> list:
        conditions = [] if principal.role is Role.ADMIN else [visible_to(principal, table.c.assignee_id)]
        if queue_id is not None:
            conditions.append(table.c.queue_id == queue_id)
        if channel is not None:
            conditions.append(table.c.channel == channel)
        if assignee_id is not None:
            conditions.append(table.c.assignee_id == assignee_id)
        return conditions

    sums = await sums_as_of(uow, SPEC, at, group=GROUPS.get(group_by),
                            on_groups=on_groups)
    groups: dict[str | None, dict[str, Histogram]] = {}
    for (group, measure, value), (n,) in sums.items():
        histogram = groups.setdefault(group, {}).setdefault(measure, {})
        histogram[value] = histogram.get(value, 0) + n
    kept = {group: measures for group, measures in groups.items() if _count(measures.get("tickets", {}))}
    rows = [_row(group, measures) for group, measures in sorted(kept.items(),
                                                                 key=lambda g: (g[0] is None, g[0] or ""))]
    everything: dict[str, Histogram] = {}
    for measures in kept.values():
        for measure, histogram in measures.items():
            into = everything.setdefault(measure, {})
            for value, n in histogram.items():
                into[value] = into.get(value, 0) + n
    return {"group_by": group_by, "rows": rows, "total": _row("total", everything)}


def _row(key, measures: dict[str, Histogram]) -> dict:
    def count(name: str) -> int:
        return _count(measures.get(name, {}))

    ratings = measures.get("csat", {})
    rated = _count(ratings)
    return {
        "key": key, "tickets": count("tickets"), "backlog": count("backlog"),
        "first_response_minutes": _spread(measures.get("first_response", {})),
        "resolution_minutes": _spread(measures.get("resolution", {})),
        "sla": {clock: _compliance(count(f"{clock}_met"), count(f"{clock}_breached"))
                for clock in ("first_response", "resolution")},
        "csat": {"ratings": rated,
                 "average": round(sum(v * n for v, n in ratings.items()) / rated, 2) if rated else None},
    }


def _compliance(met: int, breached: int) -> dict:
    decided = met + breached
    return {"met": met, "breached": breached, "compliance": round(met / decided, 4) if decided else None}


def _spread(histogram: Histogram) -> dict:
    count = _count(histogram)
    if not count:
        return {"count": 0, "average": None, "p90": None}
    return {"count": count, "average": round(weighted_average(histogram), 1),
            "p90": round(nearest_rank(histogram, 90), 1)}


def weighted_average(histogram: Histogram) -> float:
    return sum(value * n for value, n in sorted(histogram.items()) if n) / _count(histogram)


def nearest_rank(histogram: Histogram, pct: float) -> float:
    """The nearest-rank percentile of the values counted (as `percentile` of the values listed)."""
    rank = max(0, math.ceil(pct / 100 * _count(histogram)) - 1)
    for value, n in sorted(histogram.items()):
        if rank < n:
            return value
        rank -= n
    raise IndexError(rank)


def _count(histogram: Histogram) -> int:
    return sum(histogram.values())
