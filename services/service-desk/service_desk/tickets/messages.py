"""Ticket conversation and cost use cases: agent replies, internal notes, customer messages, cost lines."""

import uuid
from datetime import datetime
from decimal import Decimal

from crm_shared.auth import Principal
from crm_shared.events.service_desk import TicketReopenedV1, TicketUpdatedV1
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from service_desk.interactions import record_interaction
from service_desk.sla import service as sla
from service_desk.tickets.domain import cost_amount, status_after_agent_reply, status_after_customer_message
from service_desk.tickets.events import emit_ticket_event
from service_desk.tickets.models import Ticket, TicketCost, TicketEntry
from service_desk.tickets.schemas import CostCreate


def _entry(
    ticket: Ticket,
    *,
    kind: str,
    author_type: str,
    author_id: str | None,
    channel: str,
    body: str,
    now: datetime,
    message_id: str | None = None,
) -> TicketEntry:
    return TicketEntry(
        id=new_id(),
        ticket_id=ticket.id,
        kind=kind,
        author_type=author_type,
        author_id=author_id,
        channel=channel,
        body=body,
        message_id=message_id,
        created_at=now,
    )


async def add_reply(
    *, uow: UnitOfWork, ticket: Ticket, principal: Principal, body: str, now: datetime
) -> TicketEntry:
    """A public answer to the customer: meets the first response, stops the next-update clock."""
    entry_id = str(uuid.uuid4())  # random, not time-ordered: a reply to its Message-ID joins the ticket
    entry = _entry(
        ticket,
        kind="reply",
        author_type="agent",
        author_id=principal.user_id,
        channel=ticket.channel,
        body=body,
        now=now,
        message_id=f"<{entry_id}@service-desk.crm>",
    )
    entry.id = entry_id
    uow.session.add(entry)
    changed = ["entries"]
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        changed.append("first_response_at")
    await sla.stop_clocks(uow=uow, ticket=ticket, targets=("first_response", "next_update"), now=now)
    new_status = status_after_agent_reply(ticket.status)
    if new_status:
        ticket.status = new_status
        changed.append("status")
    ticket.updated_at = now
    record_interaction(
        uow=uow,
        channel=ticket.channel,
        kind="ticket_reply",
        record_id=ticket.id,
        summary=body,
        contact_id=ticket.contact_id,
        account_id=ticket.account_id,
    )
    await emit_ticket_event(uow, TicketUpdatedV1, ticket, changed_fields=changed)
    return entry


async def add_note(
    *, uow: UnitOfWork, ticket: Ticket, principal: Principal, body: str, now: datetime
) -> TicketEntry:
    """An internal note: the customer never sees it and no SLA clock moves."""
    entry = _entry(
        ticket,
        kind="note",
        author_type="agent",
        author_id=principal.user_id,
        channel="internal",
        body=body,
        now=now,
    )
    uow.session.add(entry)
    ticket.updated_at = now
    await emit_ticket_event(uow, TicketUpdatedV1, ticket, changed_fields=["notes"])
    return entry


async def add_customer_message(
    *,
    uow: UnitOfWork,
    ticket: Ticket,
    channel: str,
    author: str | None,
    body: str,
    now: datetime,
    message_id: str | None = None,
) -> TicketEntry:
    """The customer wrote again: a waiting ticket opens, a finished one reopens; next update runs."""
    entry = _entry(
        ticket,
        kind="reply",
        author_type="customer",
        author_id=author,
        channel=channel,
        body=body,
        now=now,
        message_id=message_id,
    )
    uow.session.add(entry)
    old, new_status = ticket.status, status_after_customer_message(ticket.status)
    changed = ["entries"]
    if new_status:
        ticket.status = new_status
        changed.append("status")
        if new_status == "reopened":
            ticket.resolved_at = ticket.closed_at = None
            changed += ["resolved_at", "closed_at"]
        await sla.on_status_changed(uow=uow, ticket=ticket, old=old, now=now)
    if ticket.first_response_at is not None:
        await sla.start_clock(uow=uow, ticket=ticket, target="next_update", now=now)
        await sla.refresh_due(uow=uow, ticket=ticket)
    ticket.updated_at = now
    event = TicketReopenedV1 if new_status == "reopened" else TicketUpdatedV1
    await emit_ticket_event(uow, event, ticket, changed_fields=changed)
    return entry


async def add_cost(
    *,
    uow: UnitOfWork,
    ticket: Ticket,
    principal: Principal,
    data: CostCreate,
    hourly_rate: Decimal,
    now: datetime,
) -> TicketCost:
    """Book time, a part or an expense; the ticket's time spent and service cost add it up."""
    amount = cost_amount(
        kind=data.kind,
        minutes=data.minutes,
        quantity=data.quantity,
        unit_cost=data.unit_cost,
        hourly_rate=hourly_rate,
    )
    cost = TicketCost(
        id=new_id(),
        ticket_id=ticket.id,
        kind=data.kind,
        description=data.description,
        minutes=data.minutes if data.kind == "time" else 0,
        quantity=data.quantity,
        unit_cost=data.unit_cost,
        amount=amount,
        agent_id=principal.user_id,
        created_at=now,
    )
    uow.session.add(cost)
    ticket.time_spent_minutes += cost.minutes
    ticket.service_cost = Decimal(ticket.service_cost or 0) + amount
    ticket.updated_at = now
    await emit_ticket_event(
        uow, TicketUpdatedV1, ticket, changed_fields=["time_spent_minutes", "service_cost"]
    )
    return cost
