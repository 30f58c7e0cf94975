"""Directory use cases: keep the replica of users and teams, answer who the desk's agents are."""

from datetime import UTC, datetime

from sqlalchemy import select

from crm_shared.events.sales import TeamSnapshot, UserSnapshot
from crm_shared.http.problems import NotFoundError
from crm_shared.messaging.uow import UnitOfWork
from service_desk.models import Agent, Team

DESK_ROLES = ("agent", "manager")
USER_FIELDS = {"name", "email", "phone", "role", "team_id", "region", "active", "capacity"}


def _is_stale(stored_at: datetime, occurred_at: datetime) -> bool:
    # SQLite hands timestamps back naive; they were written in UTC.
    if stored_at.tzinfo is None:
        stored_at = stored_at.replace(tzinfo=UTC)
    return occurred_at < stored_at


async def upsert_agent(*, uow: UnitOfWork, user: UserSnapshot) -> None:
    """Store the user's snapshot, unless the replica already holds a newer one."""
    agent = await uow.session.get(Agent, user.aggregate_id)
    if agent is None:
        agent = Agent(id=user.aggregate_id)
        uow.session.add(agent)
    elif _is_stale(agent.updated_at, user.occurred_at):
        return
    for name, value in user.model_dump(include=USER_FIELDS).items():
        setattr(agent, name, value)
    agent.updated_at = user.occurred_at


async def upsert_team(*, uow: UnitOfWork, team: TeamSnapshot) -> None:
    """Store the team's snapshot, unless the replica already holds a newer one."""
    row = await uow.session.get(Team, team.aggregate_id)
    if row is None:
        row = Team(id=team.aggregate_id)
        uow.session.add(row)
    elif _is_stale(row.updated_at, team.occurred_at):
        return
    row.name, row.manager_id, row.region = team.name, team.manager_id, team.region
    row.updated_at = team.occurred_at


async def list_agents(*, uow: UnitOfWork, include_inactive: bool = False) -> list[Agent]:
    """The desk's agents and managers by name; only active ones unless asked otherwise."""
    query = select(Agent).where(Agent.role.in_(DESK_ROLES)).order_by(Agent.name, Agent.id)
    if not include_inactive:
        query = query.where(Agent.active.is_(True))
    return list((await uow.session.execute(query)).scalars())


async def get_agent(*, uow: UnitOfWork, agent_id: str) -> Agent:
    """One agent or manager of the desk, active or not; anyone else is not found."""
    agent = await uow.session.get(Agent, agent_id)
    if agent is None or agent.role not in DESK_ROLES:
        raise NotFoundError(f"agent {agent_id} not found")
    return agent
