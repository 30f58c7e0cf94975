"""Service counters: what each ticket adds to the service figures over time (counter_store.py).

A ticket, in the state of its latest fact and with the SLA clocks whose breach was signalled by then,
adds to its group (agent, queue, channel, priority): one ticket, one backlog ticket when open, its minutes
to first response and to resolution, its CSAT rating, and per clock an SLA breached, or met once stopped
under an SLA (a due time on any fact known by then, or a fact stored before due times were kept).
"""

from reporting.counter_store import Spec, refresh
from reporting.models import TicketDay, TicketDelta, TicketFact, TicketTotal
from reporting.service.figures import BREACHED, CLOCKS, OPEN_STATUSES, under_sla

DIMENSIONS = ("assignee_id", "queue_id", "channel", "priority")
FACT_COLUMNS = ("version", "occurred_at", "event_type", "status", "opened_at", "first_response_at",
                "resolved_at", "sla_target", "csat_rating", "first_response_due_at", "resolution_due_at",
                "sla_unknown", *DIMENSIONS)


def measures(known: list[dict]) -> dict[tuple, list[int]]:
    """What a ticket adds given the facts known of it: {(*group, measure, value): [n]}."""
    state = max(known, key=lambda f: f["version"])
    breached = {f["sla_target"] for f in known if f["event_type"] == BREACHED}
    dims = tuple(state[name] for name in DIMENSIONS)
    found: list[tuple[str, float | None]] = [("tickets", None)]
    if state["status"] in OPEN_STATUSES:
        found.append(("backlog", None))
    for clock, (stops, due) in CLOCKS.items():
        at = state[stops]
        if at is not None:
            found.append((clock, (at - state["opened_at"]).total_seconds() / 60))
        if clock in breached:
            found.append((f"{clock}_breached", None))
        elif at is not None and under_sla(known, due, dict.get):
            found.append((f"{clock}_met", None))
    if state["csat_rating"] is not None:
        found.append(("csat", float(state["csat_rating"])))
    return {(*dims, measure, value): [1] for measure, value in found}


SPEC = Spec(kind="ticket", facts=TicketFact.__table__, id_column="ticket_id", fact_columns=FACT_COLUMNS,
            measures=measures, dims=DIMENSIONS, key=("measure", "value"), sums=("n",),
            delta=TicketDelta.__table__, total=TicketTotal.__table__, day=TicketDay.__table__)


async def refresh_tickets(uow, ticket_ids: set[str]) -> None:
    """Recompute the changes of these tickets from all their facts."""
    await refresh(uow, SPEC, ticket_ids)
