"""Who sees which ticket: agents their queues and their own; managers their teams' queues and members."""

from sqlalchemy import ColumnElement, false, or_, select, true

from crm_shared.auth import Principal, Role
from service_desk.models import Agent
from service_desk.queues.models import Queue, QueueMember
from service_desk.tickets.models import Ticket


def visible_queue_ids(principal: Principal):
    """A subquery of the ids of the queues the principal works or manages."""
    if principal.role is Role.MANAGER:
        condition = Queue.manager_id == principal.user_id
        if principal.team_id:
            condition = or_(condition, Queue.team_id == principal.team_id)
        return select(Queue.id).where(condition)
    return select(QueueMember.queue_id).where(QueueMember.agent_id == principal.user_id)


def tickets_visible_to(principal: Principal) -> ColumnElement[bool]:
    """SQL condition for the tickets the principal may see."""
    if principal.role is Role.ADMIN:
        return true()
    if principal.role not in (Role.AGENT, Role.MANAGER) or not principal.user_id:
        return false()
    condition = or_(
        Ticket.assignee_id == principal.user_id, Ticket.queue_id.in_(visible_queue_ids(principal))
    )
    if principal.role is Role.MANAGER and principal.team_id:
        team = select(Agent.id).where(Agent.team_id == principal.team_id)
        condition = or_(condition, Ticket.assignee_id.in_(team))
    return condition
