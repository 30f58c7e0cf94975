"""Dispatch use cases: assign a ticket by its queue's strategy, or by hand; every decision is an event."""

from sqlalchemy import func, select

from crm_shared.events.service_desk import TicketAssignedV1
from crm_shared.http.problems import InvalidError
from crm_shared.messaging.uow import UnitOfWork
from service_desk.dispatch.domain import Candidate, choose
from service_desk.models import Agent
from service_desk.queues.models import AgentProfile, Queue, QueueMember
from service_desk.tickets.domain import DONE
from service_desk.tickets.events import emit_ticket_event
from service_desk.tickets.models import Ticket

DESK_ROLES = ("agent", "manager")


async def candidates(uow: UnitOfWork, queue_id: str) -> list[Candidate]:
    """The queue's active members with their availability, load, capacity and skills."""
    load = (
        select(Ticket.assignee_id, func.count().label("n"))
        .where(Ticket.status.not_in(DONE))
        .group_by(Ticket.assignee_id)
        .subquery()
    )
    rows = await uow.session.execute(
        select(Agent.id, Agent.capacity, AgentProfile.available, AgentProfile.skills, load.c.n)
        .join(QueueMember, QueueMember.agent_id == Agent.id)
        .outerjoin(AgentProfile, AgentProfile.agent_id == Agent.id)
        .outerjoin(load, load.c.assignee_id == Agent.id)
        .where(QueueMember.queue_id == queue_id, Agent.active.is_(True))
    )
    return [
        Candidate(agent_id, bool(available), n or 0, capacity or 0, frozenset(skills or ()))
        for agent_id, capacity, available, skills, n in rows
    ]


async def dispatch(*, uow: UnitOfWork, ticket: Ticket, strategy: str | None = None) -> bool:
    """Assign by the queue's strategy (or the one given); False when nobody fits or dispatch is manual."""
    queue = await uow.session.get(Queue, ticket.queue_id) if ticket.queue_id else None
    strategy = strategy or (queue.strategy if queue else "manual")
    if queue is None or strategy == "manual":
        return False
    decision = choose(
        strategy,
        await candidates(uow, queue.id),
        required_skills=ticket.skills or queue.skills,
        last_assignee_id=queue.last_assignee_id,
    )
    if decision is None:
        return False
    previous, ticket.assignee_id = ticket.assignee_id, decision.agent_id
    queue.last_assignee_id = decision.agent_id
    await emit_ticket_event(
        uow,
        TicketAssignedV1,
        ticket,
        strategy=strategy,
        reason=decision.reason,
        previous_assignee_id=previous,
    )
    return True


async def desk_agent(uow: UnitOfWork, agent_id: str, field: str = "assignee_id") -> Agent:
    """An active agent or manager of the desk, or a 422 on `field`."""
    agent = await uow.session.get(Agent, agent_id)
    if agent is None or agent.role not in DESK_ROLES or not agent.active:
        raise InvalidError(f"{agent_id} is not an active agent of the desk", field=field)
    return agent


async def assign_manually(*, uow: UnitOfWork, ticket: Ticket, assignee_id: str, by: str) -> None:
    """Give the ticket to a named agent."""
    await desk_agent(uow, assignee_id)
    if ticket.assignee_id == assignee_id:
        return
    previous, ticket.assignee_id = ticket.assignee_id, assignee_id
    await emit_ticket_event(
        uow,
        TicketAssignedV1,
        ticket,
        strategy="manual",
        reason=f"assigned by {by}",
        previous_assignee_id=previous,
    )
