"""Who sees which ticket: agents their queues and their own; managers their teams' queues and members."""

from sqlalchemy import ColumnElement, false, or_, select, true

from crm_shared.auth import Principal, Role
from service_desk.models import Agent
from service_desk.queues.models import Queue, QueueMember
from service_desk.tickets.models import Ticket


def visible_queue_ids(principal: Principal):
    """A subquery of the ids of the queues the principal works or manages."""
    return queue_ids_for(principal.role, principal.user_id, principal.team_id or None)


def queue_ids_for(role: Role, user_id, team_id):
    """`visible_queue_ids` from parts, which may be values or bind parameters (no team: None)."""
    if role is Role.MANAGER:
        condition = Queue.manager_id == user_id
        if team_id is not None:
            condition = or_(condition, Queue.team_id == team_id)
        return select(Queue.id).where(condition)
    return select(QueueMember.queue_id).where(QueueMember.agent_id == user_id)


def tickets_visible_to(principal: Principal) -> ColumnElement[bool]:
    """SQL condition for the tickets the principal may see."""
    if principal.role is Role.ADMIN:
        return true()
    if principal.role not in (Role.AGENT, Role.MANAGER) or not principal.user_id:
        return false()
    return visibility_for(principal.role, principal.user_id, principal.team_id or None)


def visibility_for(role: Role, user_id, team_id) -> ColumnElement[bool]:
    """The condition for an agent or a manager; the ids may be values or bind parameters (no team: None)."""
    condition = or_(Ticket.assignee_id == user_id, Ticket.queue_id.in_(queue_ids_for(role, user_id, team_id)))
    if role is Role.MANAGER and team_id is not None:
        team = select(Agent.id).where(Agent.team_id == team_id)
        condition = or_(condition, Ticket.assignee_id.in_(team))
    return condition
