"""Queue routes and agent profiles (availability, skills)."""

from fastapi import APIRouter

from service_desk.access import DeskPrincipal, LeadPrincipal, UowDep
from service_desk.queues import service
from service_desk.queues.schemas import ProfileRead, ProfileUpdate, QueueCreate, QueueRead, QueueUpdate

router = APIRouter(tags=["queues"])


@router.post("/queues", status_code=201)
async def create_queue(data: QueueCreate, uow: UowDep, principal: LeadPrincipal) -> QueueRead:
    """Create a queue (managers: for their team)."""
    async with uow:
        queue = await service.create_queue(uow=uow, principal=principal, data=data)
        await uow.commit()
        return await service.read(uow, queue)


@router.get("/queues")
async def list_queues(uow: UowDep, principal: DeskPrincipal) -> list[QueueRead]:
    """The queues the caller works or manages."""
    async with uow:
        return [await service.read(uow, q) for q in await service.list_queues(uow=uow, principal=principal)]


@router.get("/queues/{queue_id}")
async def read_queue(queue_id: str, uow: UowDep, principal: DeskPrincipal) -> QueueRead:
    """One queue, or 404."""
    async with uow:
        return await service.read(
            uow, await service.get_queue(uow=uow, principal=principal, queue_id=queue_id)
        )


@router.patch("/queues/{queue_id}")
async def update_queue(queue_id: str, data: QueueUpdate, uow: UowDep, principal: DeskPrincipal) -> QueueRead:
    """Change a queue: name, manager, skills, strategy, members."""
    async with uow:
        queue = await service.get_queue(uow=uow, principal=principal, queue_id=queue_id)
        await service.update_queue(uow=uow, principal=principal, queue=queue, data=data)
        await uow.commit()
        return await service.read(uow, queue)


@router.put("/agents/{agent_id}/profile")
async def update_profile(
    agent_id: str, data: ProfileUpdate, uow: UowDep, principal: DeskPrincipal
) -> ProfileRead:
    """Set an agent's availability and skills."""
    async with uow:
        profile = await service.update_profile(uow=uow, principal=principal, agent_id=agent_id, data=data)
        await uow.commit()
        return ProfileRead.model_validate(profile)
