"""Ticket use cases: open, read, list, update, move through statuses, assign."""

import uuid
from datetime import datetime

from sqlalchemy import select

from crm_shared.auth import Principal, Role
from crm_shared.events.service_desk import (
    TicketClosedV1,
    TicketOpenedV1,
    TicketReopenedV1,
    TicketResolvedV1,
    TicketUpdatedV1,
)
from crm_shared.http.problems import ConflictError, InvalidError, NotFoundError
from crm_shared.messaging.uow import UnitOfWork
from service_desk.customers.models import Account
from service_desk.customers.service import get_contact
from service_desk.dispatch.service import assign_manually, dispatch
from service_desk.queues.models import Queue
from service_desk.sla import service as sla
from service_desk.tickets.domain import TransitionError, check_transition, is_active
from service_desk.tickets.events import emit_ticket_event
from service_desk.tickets.models import Ticket
from service_desk.tickets.schemas import TicketCreate, TicketUpdate
from service_desk.tickets.visibility import tickets_visible_to

STATUS_EVENTS = {"resolved": TicketResolvedV1, "closed": TicketClosedV1, "reopened": TicketReopenedV1}


async def _queue(uow: UnitOfWork, queue_id: str | None) -> Queue | None:
    if queue_id is None:
        return None
    queue = await uow.session.get(Queue, queue_id)
    if queue is None:
        raise InvalidError(f"queue {queue_id} not found", field="queue_id")
    return queue


async def _link_customer(
    uow: UnitOfWork, ticket: Ticket, contact_id: str | None, account_id: str | None
) -> None:
    """Set contact, account and tier; the account follows the contact unless given."""
    if contact_id:
        contact = await get_contact(uow=uow, contact_id=contact_id, field="contact_id")
        contact_id, account_id = contact.id, account_id or contact.account_id
    account = await uow.session.get(Account, account_id) if account_id else None
    if account_id and account is None:
        raise InvalidError(f"account {account_id} not found", field="account_id")
    ticket.contact_id, ticket.account_id = contact_id, account_id
    ticket.customer_tier = account.tier if account else None


async def open_ticket(
    *,
    uow: UnitOfWork,
    data: TicketCreate,
    now: datetime,
    opened_by: Principal | None = None,
    requester: str | None = None,
) -> Ticket:
    """Open a ticket on any channel: link the customer, start the SLA clocks, dispatch; emit it all."""
    await _queue(uow, data.queue_id)
    ticket = Ticket(
        id=str(uuid.uuid4()),  # random, not time-ordered: an email's [#id] tag routes it into the ticket
        subject=data.subject,
        description=data.description,
        channel=data.channel,
        category=data.category,
        priority=data.priority,
        status="new",
        skills=list(data.skills),
        queue_id=data.queue_id,
        order_id=data.order_id,
        requester=requester,
        opened_at=now,
        updated_at=now,
        time_spent_minutes=0,
    )
    await _link_customer(uow, ticket, data.contact_id, data.account_id)
    uow.session.add(ticket)
    await sla.start_sla(uow=uow, ticket=ticket, now=now)
    await emit_ticket_event(uow, TicketOpenedV1, ticket)
    by = opened_by.user_id if opened_by else "web"
    if data.assignee_id:
        await assign_manually(uow=uow, ticket=ticket, assignee_id=data.assignee_id, by=by)
    elif (
        not await dispatch(uow=uow, ticket=ticket)
        and opened_by
        and opened_by.role is Role.AGENT
        and not ticket.queue_id
    ):
        await assign_manually(uow=uow, ticket=ticket, assignee_id=opened_by.user_id, by=by)
    return ticket


async def get_ticket(*, uow: UnitOfWork, principal: Principal, ticket_id: str) -> Ticket:
    """A ticket the principal may see, or 404 (the same answer for missing and hidden)."""
    found = await uow.session.execute(
        select(Ticket).where(Ticket.id == ticket_id, tickets_visible_to(principal))
    )
    ticket = found.scalars().first()
    if ticket is None:
        raise NotFoundError(f"ticket {ticket_id} not found")
    return ticket


async def list_tickets(
    *,
    uow: UnitOfWork,
    principal: Principal,
    status: str | None = None,
    queue_id: str | None = None,
    assignee_id: str | None = None,
    contact_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Ticket]:
    """The tickets the principal may see, newest first, filtered."""
    query = select(Ticket).where(tickets_visible_to(principal))
    for column, value in (
        (Ticket.status, status),
        (Ticket.queue_id, queue_id),
        (Ticket.assignee_id, assignee_id),
        (Ticket.contact_id, contact_id),
    ):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(Ticket.opened_at.desc(), Ticket.id).limit(limit).offset(offset)
    return list((await uow.session.execute(query)).scalars())


async def agent_queue(*, uow: UnitOfWork, principal: Principal, limit: int = 200) -> list[Ticket]:
    """My active tickets and my queues' unassigned ones, most urgent SLA first (no SLA last)."""
    visible = tickets_visible_to(principal)
    mine_or_open = (Ticket.assignee_id == principal.user_id) | Ticket.assignee_id.is_(None)
    query = (
        select(Ticket)
        .where(visible, mine_or_open, Ticket.status.not_in(("resolved", "closed")))
        .order_by(Ticket.sla_due_at.is_(None), Ticket.sla_due_at, Ticket.opened_at)
        .limit(limit)
    )
    return list((await uow.session.execute(query)).scalars())


async def update_ticket(*, uow: UnitOfWork, ticket: Ticket, data: TicketUpdate, now: datetime) -> list[str]:
    """Change the given fields; emit the snapshot with what changed (nothing changed, nothing emitted)."""
    changes = data.model_dump(exclude_unset=True)
    if "queue_id" in changes:
        await _queue(uow, changes["queue_id"])
    changed = []
    if "contact_id" in changes and (contact_id := changes.pop("contact_id")) != ticket.contact_id:
        before = (ticket.account_id, ticket.customer_tier)
        await _link_customer(uow, ticket, contact_id, None)
        changed.append("contact_id")
        changed += [
            n
            for n, old in zip(("account_id", "customer_tier"), before, strict=True)
            if getattr(ticket, n) != old
        ]
    for name, value in changes.items():
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.append(name)
    if {"priority", "customer_tier"} & set(changed):
        await sla.retarget_sla(uow=uow, ticket=ticket, now=now)
    if changed:
        ticket.updated_at = now
        await emit_ticket_event(uow, TicketUpdatedV1, ticket, changed_fields=changed)
    return changed


async def change_status(*, uow: UnitOfWork, ticket: Ticket, status: str, now: datetime) -> None:
    """Move the ticket along a valid transition; the SLA clocks pause, resume or stop with it."""
    old = ticket.status
    try:
        check_transition(old, status)
    except TransitionError as error:
        raise ConflictError(str(error)) from error
    ticket.status, ticket.updated_at = status, now
    changed = ["status"]
    if status == "resolved":
        ticket.resolved_at = now
        changed.append("resolved_at")
    elif status == "closed":
        ticket.closed_at = now
        changed.append("closed_at")
    elif status == "reopened":
        ticket.resolved_at = ticket.closed_at = None
        changed += ["resolved_at", "closed_at"]
    await sla.on_status_changed(uow=uow, ticket=ticket, old=old, now=now)
    await emit_ticket_event(uow, STATUS_EVENTS.get(status, TicketUpdatedV1), ticket, changed_fields=changed)


async def assign(
    *, uow: UnitOfWork, ticket: Ticket, assignee_id: str | None, strategy: str | None, by: str
) -> None:
    """Assign by hand or by a dispatch strategy; 409 when a strategy finds nobody."""
    if not is_active(ticket.status):
        raise ConflictError(f"a {ticket.status} ticket is not assigned")
    if assignee_id:
        await assign_manually(uow=uow, ticket=ticket, assignee_id=assignee_id, by=by)
    elif not await dispatch(uow=uow, ticket=ticket, strategy=strategy or None):
        raise ConflictError(
            "no available agent with room fits this ticket (or the queue dispatches manually)"
        )


async def retier_open_tickets(*, uow: UnitOfWork, account_id: str, tier: str | None, now: datetime) -> int:
    """The account's tier changed: its open tickets take the new tier and the SLA policy it selects."""
    found = await uow.session.execute(
        select(Ticket).where(Ticket.account_id == account_id, Ticket.status.not_in(("resolved", "closed")))
    )
    tickets = list(found.scalars())
    for ticket in tickets:
        ticket.customer_tier, ticket.updated_at = tier, now
        await sla.retarget_sla(uow=uow, ticket=ticket, now=now)
        await emit_ticket_event(uow, TicketUpdatedV1, ticket, changed_fields=["customer_tier"])
    return len(tickets)
