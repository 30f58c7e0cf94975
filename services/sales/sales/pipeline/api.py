"""HTTP routes of pipelines and opportunities."""

from typing import Annotated

from fastapi import APIRouter, Depends

from crm_shared.auth import Principal, PrincipalDep, Role, require_roles
from crm_shared.service import UowDep
from sales.clock import ClockDep
from sales.paging import CursorQuery, LimitQuery, Page
from sales.pipeline import listing, opportunities, pipelines
from sales.pipeline.schemas import (
    CloseLost,
    CloseWon,
    OpportunityCreate,
    OpportunityRead,
    OpportunityUpdate,
    PipelineCreate,
    PipelineRead,
    StageMove,
    StagesReplace,
    StageVisitRead,
)

ManagerDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.MANAGER))]
FilterDep = Annotated[listing.OpportunityFilter, Depends(listing.OpportunityFilter)]

pipelines_router = APIRouter(prefix="/pipelines", tags=["pipelines"])
opportunities_router = APIRouter(prefix="/opportunities", tags=["opportunities"])
routers = [pipelines_router, opportunities_router]


@pipelines_router.post("", status_code=201)
async def create_pipeline(data: PipelineCreate, uow: UowDep, _: ManagerDep, clock: ClockDep) -> PipelineRead:
    """Add a pipeline with its ordered stages (manager or admin)."""
    async with uow:
        pipeline = await pipelines.create_pipeline(uow=uow, data=data, now=clock.now())
        return await pipelines.read_pipeline(uow, pipeline)


@pipelines_router.get("")
async def list_pipelines(uow: UowDep, _: PrincipalDep) -> list[PipelineRead]:
    """Every pipeline with its stages, the default first."""
    async with uow:
        return await pipelines.list_pipelines(uow=uow)


@pipelines_router.get("/{pipeline_id}")
async def read_pipeline(pipeline_id: str, uow: UowDep, _: PrincipalDep) -> PipelineRead:
    """One pipeline with its stages."""
    async with uow:
        return await pipelines.read_pipeline(
            uow, await pipelines.get_pipeline(uow=uow, pipeline_id=pipeline_id)
        )


@pipelines_router.put("/{pipeline_id}/stages")
async def replace_stages(
    pipeline_id: str, data: StagesReplace, uow: UowDep, _: ManagerDep, clock: ClockDep
) -> PipelineRead:
    """Set the pipeline's ordered stages (send `id` to keep a stage; manager or admin)."""
    async with uow:
        pipeline = await pipelines.replace_stages(
            uow=uow, pipeline_id=pipeline_id, data=data, now=clock.now()
        )
        return await pipelines.read_pipeline(uow, pipeline)


@opportunities_router.post("", status_code=201)
async def open_opportunity(
    data: OpportunityCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> OpportunityRead:
    """Open an opportunity on an account the caller sees."""
    async with uow:
        return await opportunities.open_opportunity(uow=uow, principal=principal, data=data, now=clock.now())


@opportunities_router.get("")
async def list_opportunities(
    uow: UowDep,
    principal: PrincipalDep,
    filters: FilterDep,
    clock: ClockDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[OpportunityRead]:
    """The opportunities the caller may see; `stale=true` lists deals past their stage's rotting days."""
    async with uow:
        return await listing.list_opportunities(
            uow=uow, principal=principal, filters=filters, cursor=cursor, limit=limit, now=clock.now()
        )


@opportunities_router.get("/{opportunity_id}")
async def read_opportunity(
    opportunity_id: str, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> OpportunityRead:
    """One opportunity the caller may see."""
    async with uow:
        opportunity = await opportunities.get_opportunity(
            uow=uow, principal=principal, opportunity_id=opportunity_id
        )
        return await opportunities.records.read_one(uow, opportunity, clock.now())


@opportunities_router.patch("/{opportunity_id}")
async def update_opportunity(
    opportunity_id: str, data: OpportunityUpdate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> OpportunityRead:
    """Change an opportunity's data (name, owner, amount, currency, close date, lines, contact roles)."""
    async with uow:
        return await opportunities.update_opportunity(
            uow=uow, principal=principal, opportunity_id=opportunity_id, data=data, now=clock.now()
        )


@opportunities_router.post("/{opportunity_id}/stage")
async def move_stage(
    opportunity_id: str, data: StageMove, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> OpportunityRead:
    """Move an open opportunity to another open stage."""
    async with uow:
        return await opportunities.move_stage(
            uow=uow,
            principal=principal,
            opportunity_id=opportunity_id,
            stage_id=data.stage_id,
            now=clock.now(),
        )


@opportunities_router.post("/{opportunity_id}/win")
async def win(
    opportunity_id: str, data: CloseWon, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> OpportunityRead:
    """Win an open opportunity (a reason is required)."""
    async with uow:
        return await opportunities.close(
            uow=uow,
            principal=principal,
            opportunity_id=opportunity_id,
            won=True,
            reason=data.reason,
            competitor=data.competitor,
            now=clock.now(),
        )


@opportunities_router.post("/{opportunity_id}/lose")
async def lose(
    opportunity_id: str, data: CloseLost, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> OpportunityRead:
    """Lose an open opportunity (a reason is required; name the competitor if there is one)."""
    async with uow:
        return await opportunities.close(
            uow=uow,
            principal=principal,
            opportunity_id=opportunity_id,
            won=False,
            reason=data.reason,
            competitor=data.competitor,
            now=clock.now(),
        )


@opportunities_router.get("/{opportunity_id}/stage-history")
async def stage_history(opportunity_id: str, uow: UowDep, principal: PrincipalDep) -> list[StageVisitRead]:
    """The stages the opportunity went through, with entered, left and duration in seconds."""
    async with uow:
        visits = await opportunities.stage_history(
            uow=uow, principal=principal, opportunity_id=opportunity_id
        )
        return [StageVisitRead.model_validate(visit) for visit in visits]
