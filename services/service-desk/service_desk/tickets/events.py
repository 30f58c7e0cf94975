"""Ticket events: the full snapshot of a ticket with its SLA clocks, for any event class of the topic."""

from typing import TypeVar

from sqlalchemy import select

from crm_shared.events.service_desk import TicketSnapshot
from crm_shared.messaging.uow import UnitOfWork
from service_desk.clock import as_utc
from service_desk.sla.models import SlaClock
from service_desk.tickets.models import Ticket

E = TypeVar("E", bound=TicketSnapshot)

SNAPSHOT_FIELDS = (
    "subject",
    "channel",
    "category",
    "priority",
    "status",
    "account_id",
    "contact_id",
    "order_id",
    "queue_id",
    "assignee_id",
    "customer_tier",
    "sla_policy_id",
    "time_spent_minutes",
    "service_cost",
    "csat_rating",
)


async def clocks_of(uow: UnitOfWork, ticket_id: str) -> dict[str, SlaClock]:
    """The ticket's SLA clocks by target."""
    rows = await uow.session.execute(select(SlaClock).where(SlaClock.ticket_id == ticket_id))
    return {clock.target: clock for clock in rows.scalars()}


async def emit_ticket_event(uow: UnitOfWork, cls: type[E], ticket: Ticket, **extra) -> E:
    """Emit `cls` with the ticket's whole snapshot (plus `extra`) in the unit of work's transaction."""
    await uow.session.flush()
    clocks = await clocks_of(uow, ticket.id)
    fields = {name: getattr(ticket, name) for name in SNAPSHOT_FIELDS}
    fields.update(
        opened_at=as_utc(ticket.opened_at),
        first_response_at=as_utc(ticket.first_response_at),
        resolved_at=as_utc(ticket.resolved_at),
        closed_at=as_utc(ticket.closed_at),
    )
    for target, clock in clocks.items():
        fields[f"{target}_target_minutes"] = clock.target_minutes
        fields[f"{target}_due_at"] = as_utc(clock.due_at)
    fields["sla_paused"] = any(c.paused_at is not None and c.stopped_at is None for c in clocks.values())
    return uow.emit(cls(aggregate_id=ticket.id, **fields, **extra))
