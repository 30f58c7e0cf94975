"""Tickets HTTP routes: open, list, read, change, reply, note, cost, status, assign; the agent queue."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from crm_shared.auth import PrincipalDep
from service_desk.access import DeskPrincipal, UowDep
from service_desk.channels.calls import attach_ticket
from service_desk.clock import ClockDep
from service_desk.csat.tokens import csat_url
from service_desk.tickets import messages, service
from service_desk.tickets.events import clocks_of
from service_desk.tickets.models import Ticket, TicketCost, TicketEntry
from service_desk.tickets.schemas import (
    Assignment,
    CostCreate,
    CostRead,
    EntryRead,
    MessageCreate,
    SlaClockRead,
    StatusChange,
    TicketCreate,
    TicketDetail,
    TicketRead,
    TicketUpdate,
)

router = APIRouter(tags=["tickets"])


async def detail(uow, request: Request, ticket: Ticket) -> TicketDetail:
    """The ticket with its entries, costs, SLA clocks and (once resolved) its satisfaction link."""
    entries = (
        await uow.session.execute(
            select(TicketEntry)
            .where(TicketEntry.ticket_id == ticket.id)
            .order_by(TicketEntry.created_at, TicketEntry.id)
        )
    ).scalars()
    costs = (
        await uow.session.execute(
            select(TicketCost)
            .where(TicketCost.ticket_id == ticket.id)
            .order_by(TicketCost.created_at, TicketCost.id)
        )
    ).scalars()
    clocks = sorted((await clocks_of(uow, ticket.id)).values(), key=lambda c: c.target)
    return TicketDetail(
        **TicketRead.model_validate(ticket).model_dump(),
        entries=[EntryRead.model_validate(e) for e in entries],
        costs=[CostRead.model_validate(c) for c in costs],
        sla=[SlaClockRead.model_validate(c) for c in clocks],
        csat_url=csat_url(request.app.state.settings, ticket),
    )


@router.post("/tickets", status_code=201)
async def open_ticket(
    data: TicketCreate, request: Request, uow: UowDep, principal: DeskPrincipal, clock: ClockDep
) -> TicketDetail:
    """Open a ticket (e.g. while the caller is on the line)."""
    async with uow:
        ticket = await service.open_ticket(uow=uow, data=data, now=clock(), opened_by=principal)
        if data.call_id:
            await attach_ticket(uow=uow, principal=principal, call_id=data.call_id, ticket=ticket)
        await uow.commit()
        return await detail(uow, request, ticket)


@router.get("/tickets")
async def list_tickets(
    uow: UowDep,
    principal: PrincipalDep,
    status: str | None = None,
    queue_id: str | None = None,
    assignee_id: str | None = None,
    contact_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[TicketRead]:
    """The tickets the caller may see, newest first."""
    async with uow:
        tickets = await service.list_tickets(
            uow=uow,
            principal=principal,
            status=status,
            queue_id=queue_id,
            assignee_id=assignee_id,
            contact_id=contact_id,
            limit=limit,
            offset=offset,
        )
        return [TicketRead.model_validate(t) for t in tickets]


@router.get("/agent-queue")
async def agent_queue(uow: UowDep, principal: DeskPrincipal) -> list[TicketRead]:
    """My tickets and my queues' unassigned tickets, most urgent SLA first."""
    async with uow:
        return [TicketRead.model_validate(t) for t in await service.agent_queue(uow=uow, principal=principal)]


@router.get("/tickets/{ticket_id}")
async def read_ticket(ticket_id: str, request: Request, uow: UowDep, principal: PrincipalDep) -> TicketDetail:
    """One ticket with its conversation, costs and SLA clocks, or 404."""
    async with uow:
        ticket = await service.get_ticket(uow=uow, principal=principal, ticket_id=ticket_id)
        return await detail(uow, request, ticket)


@router.patch("/tickets/{ticket_id}")
async def update_ticket(
    ticket_id: str,
    data: TicketUpdate,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> TicketDetail:
    """Change a ticket's fields."""
    async with uow:
        ticket = await service.get_ticket(uow=uow, principal=principal, ticket_id=ticket_id)
        await service.update_ticket(uow=uow, ticket=ticket, data=data, now=clock())
        await uow.commit()
        return await detail(uow, request, ticket)


@router.post("/tickets/{ticket_id}/status")
async def change_status(
    ticket_id: str,
    data: StatusChange,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> TicketDetail:
    """Move a ticket to another status (409 when the move is not allowed)."""
    async with uow:
        ticket = await service.get_ticket(uow=uow, principal=principal, ticket_id=ticket_id)
        await service.change_status(uow=uow, ticket=ticket, status=data.status, now=clock())
        await uow.commit()
        return await detail(uow, request, ticket)


@router.post("/tickets/{ticket_id}/replies", status_code=201)
async def reply(
    ticket_id: str, data: MessageCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> EntryRead:
    """A public reply to the customer."""
    async with uow:
        ticket = await service.get_ticket(uow=uow, principal=principal, ticket_id=ticket_id)
        entry = await messages.add_reply(
            uow=uow, ticket=ticket, principal=principal, body=data.body, now=clock()
        )
        await uow.commit()
        return EntryRead.model_validate(entry)


@router.post("/tickets/{ticket_id}/notes", status_code=201)
async def note(
    ticket_id: str, data: MessageCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> EntryRead:
    """An internal note, never shown to the customer."""
    async with uow:
        ticket = await service.get_ticket(uow=uow, principal=principal, ticket_id=ticket_id)
        entry = await messages.add_note(
            uow=uow, ticket=ticket, principal=principal, body=data.body, now=clock()
        )
        await uow.commit()
        return EntryRead.model_validate(entry)


@router.post("/tickets/{ticket_id}/costs", status_code=201)
async def add_cost(
    ticket_id: str, data: CostCreate, request: Request, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> CostRead:
    """Book time spent, a part or an expense on the ticket."""
    async with uow:
        ticket = await service.get_ticket(uow=uow, principal=principal, ticket_id=ticket_id)
        cost = await messages.add_cost(
            uow=uow,
            ticket=ticket,
            principal=principal,
            data=data,
            now=clock(),
            hourly_rate=request.app.state.settings.hourly_rate,
        )
        await uow.commit()
        return CostRead.model_validate(cost)


@router.post("/tickets/{ticket_id}/assign")
async def assign(
    ticket_id: str, data: Assignment, request: Request, uow: UowDep, principal: PrincipalDep
) -> TicketDetail:
    """Assign by hand, or by the queue's (or a named) dispatch strategy."""
    async with uow:
        ticket = await service.get_ticket(uow=uow, principal=principal, ticket_id=ticket_id)
        await service.assign(
            uow=uow, ticket=ticket, assignee_id=data.assignee_id, strategy=data.strategy, by=principal.user_id
        )
        await uow.commit()
        return await detail(uow, request, ticket)
