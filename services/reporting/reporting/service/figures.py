"""Service rules, no I/O: from the ticket facts known at a date to backlog, times, SLA compliance, CSAT."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from reporting.opportunities.funnel import percentile

OPEN_STATUSES = frozenset({"new", "open", "pending", "reopened"})
BREACHED = "service-desk.ticket.sla-breached"
GROUPS = {"agent": "assignee_id", "queue": "queue_id", "channel": "channel", "priority": "priority"}
# each SLA clock: the fact field that stops it, and the one holding its due time (None: no SLA on it)
CLOCKS = {"first_response": ("first_response_at", "first_response_due_at"),
          "resolution": ("resolved_at", "resolution_due_at")}


def under_sla(facts: Iterable, due: str, read: Callable = getattr) -> bool:
    """Whether a ticket's clock ran under an SLA: a due time for it on any of its facts, or a fact stored
    before due times were kept (`sla_unknown`). `read(fact, field)`: `getattr`, or `dict.get` for rows."""
    return any(read(f, due) is not None or read(f, "sla_unknown") for f in facts)


@dataclass(frozen=True)
class TicketFact:
    """One ticket snapshot as the projection stored it."""

    ticket_id: str
    version: str
    occurred_at: datetime
    event_type: str
    channel: str
    priority: str
    status: str
    queue_id: str | None
    assignee_id: str | None
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    sla_target: str | None
    csat_rating: int | None
    account_id: str | None = None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    sla_unknown: bool | None = None


def service_figures(
    facts: Iterable[TicketFact], visible: Callable[[TicketFact], bool], group_by: str
) -> dict:
    """Per group (agent, queue, channel, priority or none) and in total: tickets, backlog, average and
    p90 minutes to first response and to resolution, SLA compliance per target, CSAT."""
    history: dict[str, list[TicketFact]] = defaultdict(list)
    for fact in facts:
        history[fact.ticket_id].append(fact)
    latest = {ticket: max(fs, key=lambda f: f.version) for ticket, fs in history.items()}
    groups: dict[str | None, list[str]] = defaultdict(list)
    for ticket, fact in sorted(latest.items()):
        if visible(fact):
            key = getattr(fact, GROUPS[group_by]) if group_by in GROUPS else None
            groups[key].append(ticket)
    rows = [_row(key, tickets, latest, history)
            for key, tickets in sorted(groups.items(), key=lambda g: (g[0] is None, g[0] or ""))]
    everyone = [ticket for tickets in groups.values() for ticket in tickets]
    return {"group_by": group_by, "rows": rows, "total": _row("total", everyone, latest, history)}


def _row(
    key, tickets: list[str], latest: dict[str, TicketFact], history: dict[str, list[TicketFact]]
) -> dict:
    now = [latest[t] for t in tickets]
    first = [_minutes(f.first_response_at - f.opened_at) for f in now if f.first_response_at]
    resolve = [_minutes(f.resolved_at - f.opened_at) for f in now if f.resolved_at]
    breached = {clock: {t for t in tickets for f in history[t] if f.event_type == BREACHED
                        and f.sla_target == clock} for clock in CLOCKS}
    ratings = [f.csat_rating for f in now if f.csat_rating is not None]
    return {
        "key": key, "tickets": len(now), "backlog": sum(f.status in OPEN_STATUSES for f in now),
        "first_response_minutes": _spread(first), "resolution_minutes": _spread(resolve),
        "sla": {clock: _compliance(clock, breached[clock], tickets, latest, history) for clock in CLOCKS},
        "csat": {"ratings": len(ratings),
                 "average": round(sum(ratings) / len(ratings), 2) if ratings else None},
    }


def _compliance(clock: str, breached: set[str], tickets: list[str], latest: dict, history: dict) -> dict:
    """Met = the clock stopped without a breach while under an SLA (a due time on any of the ticket's
    facts, or a fact stored before due times were); compliance = met / (met + breached). A clock without
    an SLA counts as neither."""
    stops, due = CLOCKS[clock]
    met = sum(1 for t in tickets if t not in breached and getattr(latest[t], stops)
              and under_sla(history[t], due))
    decided = met + len(breached)
    return {"met": met, "breached": len(breached), "compliance": round(met / decided, 4) if decided else None}


def _spread(values: list[float]) -> dict:
    if not values:
        return {"count": 0, "average": None, "p90": None}
    return {"count": len(values), "average": round(sum(values) / len(values), 1),
            "p90": round(percentile(values, 90), 1)}


def _minutes(delta) -> float:
    return delta.total_seconds() / 60
