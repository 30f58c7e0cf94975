"""Queue use cases: create, change, list the ones a user works or manages; agents' availability and skills."""

from sqlalchemy import delete, select

from crm_shared.auth import Principal, Role
from crm_shared.http.problems import ConflictError, ForbiddenError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from service_desk.dispatch.service import desk_agent
from service_desk.models import Agent
from service_desk.queues.models import AgentProfile, Queue, QueueMember
from service_desk.queues.schemas import ProfileUpdate, QueueCreate, QueueRead, QueueUpdate
from service_desk.tickets.visibility import visible_queue_ids


async def read(uow: UnitOfWork, queue: Queue) -> QueueRead:
    """The queue with its member ids."""
    members = await uow.session.execute(
        select(QueueMember.agent_id).where(QueueMember.queue_id == queue.id).order_by(QueueMember.agent_id)
    )
    return QueueRead(
        id=queue.id,
        name=queue.name,
        team_id=queue.team_id,
        manager_id=queue.manager_id,
        skills=list(queue.skills or []),
        strategy=queue.strategy,
        members=list(members.scalars()),
    )


async def _set_members(uow: UnitOfWork, queue: Queue, members: list[str]) -> None:
    for agent_id in members:
        await desk_agent(uow, agent_id, field="members")
    await uow.session.execute(delete(QueueMember).where(QueueMember.queue_id == queue.id))
    for agent_id in dict.fromkeys(members):
        uow.session.add(QueueMember(queue_id=queue.id, agent_id=agent_id))


async def create_queue(*, uow: UnitOfWork, principal: Principal, data: QueueCreate) -> Queue:
    """A queue; a manager creates them for their own team only."""
    team_id = data.team_id
    if principal.role is Role.MANAGER:
        team_id = principal.team_id
    if await uow.session.scalar(select(Queue.id).where(Queue.name == data.name)):
        raise ConflictError(f"a queue named {data.name!r} exists")
    if data.manager_id:
        await desk_agent(uow, data.manager_id, field="manager_id")
    queue = Queue(
        id=new_id(),
        name=data.name,
        team_id=team_id,
        manager_id=data.manager_id,
        skills=list(data.skills),
        strategy=data.strategy,
    )
    uow.session.add(queue)
    await uow.session.flush()
    await _set_members(uow, queue, data.members)
    return queue


async def get_queue(*, uow: UnitOfWork, principal: Principal, queue_id: str) -> Queue:
    """A queue the principal works or manages (admins: any), or 404."""
    query = select(Queue).where(Queue.id == queue_id)
    if principal.role is not Role.ADMIN:
        query = query.where(Queue.id.in_(visible_queue_ids(principal)))
    queue = (await uow.session.execute(query)).scalars().first()
    if queue is None:
        raise NotFoundError(f"queue {queue_id} not found")
    return queue


async def list_queues(*, uow: UnitOfWork, principal: Principal) -> list[Queue]:
    """The queues the principal works or manages (admins: all)."""
    query = select(Queue).order_by(Queue.name)
    if principal.role is not Role.ADMIN:
        query = query.where(Queue.id.in_(visible_queue_ids(principal)))
    return list((await uow.session.execute(query)).scalars())


async def update_queue(*, uow: UnitOfWork, principal: Principal, queue: Queue, data: QueueUpdate) -> None:
    """Change a queue (its manager, or an admin)."""
    if principal.role is Role.AGENT:
        raise ForbiddenError("agents cannot change queues")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("manager_id"):
        await desk_agent(uow, changes["manager_id"], field="manager_id")
    if (members := changes.pop("members", None)) is not None:
        await _set_members(uow, queue, members)
    for name, value in changes.items():
        setattr(queue, name, value)


async def update_profile(
    *, uow: UnitOfWork, principal: Principal, agent_id: str, data: ProfileUpdate
) -> AgentProfile:
    """An agent sets their own availability; managers those of their team; admins anyone's."""
    agent = await uow.session.get(Agent, agent_id)
    allowed = (
        principal.role is Role.ADMIN
        or agent_id == principal.user_id
        or (principal.role is Role.MANAGER and agent is not None and agent.team_id == principal.team_id)
    )
    if agent is None or not allowed:
        raise NotFoundError(f"agent {agent_id} not found")
    await desk_agent(uow, agent_id, field="agent_id")
    profile = await uow.session.get(AgentProfile, agent_id)
    if profile is None:
        profile = AgentProfile(agent_id=agent_id, available=False, skills=[])
        uow.session.add(profile)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(profile, name, value)
    return profile
