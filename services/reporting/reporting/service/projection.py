"""Keep every ticket snapshot as a fact (insert-only, keyed by event id: replica-safe, commutative)."""

from collections.abc import Sequence

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.service_desk import SlaSignal, TicketSnapshot
from crm_shared.messaging.uow import UnitOfWork
from reporting.bulk import execute_many
from reporting.kinds import of_kind
from reporting.models import TicketFact
from reporting.service.counters import refresh_tickets
from reporting.versions import utc_naive, version_of

_RANK = {"service-desk.ticket.opened": 0}


def _at(moment):
    return utc_naive(moment) if moment is not None else None


def fact_row(event: TicketSnapshot) -> dict:
    """The fact a ticket snapshot becomes."""
    at = utc_naive(event.occurred_at)
    return {
        "ticket_id": event.aggregate_id, "event_id": event.id_text,
        "version": version_of(event, _RANK.get(event.event_type, 1)),
        "occurred_at": at, "event_type": event.event_type, "channel": event.channel,
        "priority": event.priority, "status": event.status, "queue_id": event.queue_id,
        "assignee_id": event.assignee_id, "account_id": event.account_id, "opened_at": _at(event.opened_at),
        "first_response_at": _at(event.first_response_at), "resolved_at": _at(event.resolved_at),
        "sla_target": event.sla_target if isinstance(event, SlaSignal) else None,
        "csat_rating": event.csat_rating, "service_cost": event.service_cost,
        "first_response_due_at": _at(event.first_response_due_at),
        "resolution_due_at": _at(event.resolution_due_at),
    }


async def record_ticket_facts(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Store the ticket snapshots among `events` (a fact already stored is left as it is)."""
    rows = [fact_row(e) for e in of_kind(events, TicketSnapshot)]
    if rows:
        insert = dialect_insert(uow.session)(TicketFact.__table__).on_conflict_do_nothing()
        await execute_many(uow.session, insert, rows)
        await refresh_tickets(uow, {row["ticket_id"] for row in rows})
