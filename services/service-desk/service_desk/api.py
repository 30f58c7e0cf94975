"""Service-desk HTTP routes."""

from fastapi import APIRouter

from crm_shared.auth import PrincipalDep
from service_desk import directory
from service_desk.access import UowDep
from service_desk.schemas import AgentRead

router = APIRouter(prefix="/agents", tags=["agents"])


@router.get("")
async def list_agents(
    uow: UowDep, _principal: PrincipalDep, include_inactive: bool = False
) -> list[AgentRead]:
    """The desk's agents and managers; active ones unless `include_inactive`."""
    async with uow:
        agents = await directory.list_agents(uow=uow, include_inactive=include_inactive)
        return [AgentRead.model_validate(agent) for agent in agents]


@router.get("/{agent_id}")
async def read_agent(agent_id: str, uow: UowDep, _principal: PrincipalDep) -> AgentRead:
    """One agent or manager of the desk, or 404."""
    async with uow:
        return AgentRead.model_validate(await directory.get_agent(uow=uow, agent_id=agent_id))
