"""Pipeline use cases: the seeded default, configurable ordered stages."""

from datetime import datetime

from sqlalchemy import func, select, update

from crm_shared.http.problems import ConflictError, InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.org import check_team, commit_or_conflict
from sales.pipeline.domain import DEFAULT_PIPELINE, DEFAULT_STAGES, check_stage_list
from sales.pipeline.models import Pipeline, Stage, StageVisit
from sales.pipeline.schemas import PipelineCreate, PipelineRead, StageIn, StageRead, StagesReplace


async def ensure_default_pipeline(*, uow: UnitOfWork, now: datetime) -> None:
    """Seed the default pipeline when there is none (a no-op on later starts)."""
    found = await uow.session.execute(select(func.count()).select_from(Pipeline))
    if found.scalar_one():
        return
    stages = [
        StageIn(name=n, probability=p, forecast_category=c, type=t, rotting_days=r)
        for n, p, c, t, r in DEFAULT_STAGES
    ]
    data = PipelineCreate(name=DEFAULT_PIPELINE, is_default=True, stages=stages)
    try:
        await create_pipeline(uow=uow, data=data, now=now)
    except ConflictError:  # another replica seeded it first
        return


async def create_pipeline(*, uow: UnitOfWork, data: PipelineCreate, now: datetime) -> Pipeline:
    """Add a pipeline with its ordered stages; the new default replaces the old one."""
    check_stage_list(data.stages)
    await check_team(uow, data.team_id)
    if data.is_default:
        await uow.session.execute(update(Pipeline).values(is_default=False))
    pipeline = Pipeline(
        id=new_id(),
        name=data.name,
        team_id=data.team_id,
        is_default=data.is_default,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(pipeline)
    for position, stage in enumerate(data.stages):
        uow.session.add(_new_stage(pipeline.id, position, stage))
    await commit_or_conflict(uow, f"a pipeline named {data.name} already exists")
    return pipeline


async def replace_stages(
    *, uow: UnitOfWork, pipeline_id: str, data: StagesReplace, now: datetime
) -> Pipeline:
    """Set the pipeline's ordered stages: kept ones (by id) are updated, new ones added, missing ones
    removed unless opportunities still use them (409)."""
    check_stage_list(data.stages)
    pipeline = await get_pipeline(uow=uow, pipeline_id=pipeline_id)
    current = {stage.id: stage for stage in await stages_of(uow, pipeline.id)}
    kept = {stage.id for stage in data.stages if stage.id}
    if unknown := kept - current.keys():
        raise InvalidError(f"stages {sorted(unknown)} are not in this pipeline", field="stages")
    for stage_id in current.keys() - kept:
        used = await uow.session.execute(
            select(StageVisit.id).where(StageVisit.stage_id == stage_id).limit(1)
        )
        if used.first():
            raise ConflictError(f"stage {current[stage_id].name} has been used by opportunities")
        await uow.session.delete(current[stage_id])
    await uow.session.flush()
    for position, stage in enumerate(data.stages):
        if stage.id:
            existing = current[stage.id]
            # park the name first so a rename onto another stage's old name does not collide mid-flush
            existing.name = f"~{existing.id}"
        else:
            uow.session.add(_new_stage(pipeline.id, position, stage))
    await uow.session.flush()
    for position, stage in enumerate(data.stages):
        if stage.id:
            for field, value in stage.model_dump(exclude={"id"}).items():
                setattr(current[stage.id], field, value)
            current[stage.id].position = position
    pipeline.updated_at = now
    await commit_or_conflict(uow, "stage names must be unique within a pipeline")
    return pipeline


async def get_pipeline(*, uow: UnitOfWork, pipeline_id: str) -> Pipeline:
    """One pipeline, or not found."""
    pipeline = await uow.session.get(Pipeline, pipeline_id)
    if pipeline is None:
        raise NotFoundError(f"pipeline {pipeline_id} not found")
    return pipeline


async def default_pipeline(uow: UnitOfWork) -> Pipeline:
    """The default pipeline (the oldest one if none is marked)."""
    found = await uow.session.execute(
        select(Pipeline).order_by(Pipeline.is_default.desc(), Pipeline.created_at).limit(1)
    )
    pipeline = found.scalar_one_or_none()
    if pipeline is None:
        raise ConflictError("no pipeline exists")
    return pipeline


async def stages_of(uow: UnitOfWork, pipeline_id: str) -> list[Stage]:
    """The pipeline's stages in order."""
    found = await uow.session.execute(
        select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position)
    )
    return list(found.scalars())


async def list_pipelines(*, uow: UnitOfWork) -> list[PipelineRead]:
    """Every pipeline with its stages, the default first."""
    found = await uow.session.execute(select(Pipeline).order_by(Pipeline.is_default.desc(), Pipeline.name))
    return [await read_pipeline(uow, pipeline) for pipeline in found.scalars()]


async def read_pipeline(uow: UnitOfWork, pipeline: Pipeline) -> PipelineRead:
    """The pipeline as the API shows it."""
    stages = [StageRead.model_validate(stage) for stage in await stages_of(uow, pipeline.id)]
    return PipelineRead(
        id=pipeline.id,
        name=pipeline.name,
        team_id=pipeline.team_id,
        is_default=pipeline.is_default,
        stages=stages,
    )


def _new_stage(pipeline_id: str, position: int, stage: StageIn) -> Stage:
    return Stage(id=new_id(), pipeline_id=pipeline_id, position=position, **stage.model_dump(exclude={"id"}))
