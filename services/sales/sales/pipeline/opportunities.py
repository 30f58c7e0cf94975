"""Opportunity use cases: open, change, move through stages (history kept), win or lose, list, stale."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from crm_shared.auth import Principal
from crm_shared.events.sales import (
    OpportunityLostV1,
    OpportunityOpenedV1,
    OpportunityStageChangedV1,
    OpportunityUpdatedV1,
    OpportunityWonV1,
)
from crm_shared.http.problems import ConflictError, InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.customers.accounts import get_account
from sales.customers.contacts import get_contact
from sales.customfields.service import checked_values
from sales.ownership import get_visible, resolve_owner
from sales.pipeline import records
from sales.pipeline.domain import rots_at, seconds_between
from sales.pipeline.models import Opportunity, Stage, StageVisit
from sales.pipeline.pipelines import default_pipeline, get_pipeline, stages_of
from sales.pipeline.schemas import ContactRoleIn, OpportunityCreate, OpportunityRead, OpportunityUpdate

UPDATABLE = ("name", "owner_id", "team_id", "amount", "currency", "expected_close_date", "custom_fields")


async def add_opportunity(
    *,
    uow: UnitOfWork,
    principal: Principal | None,
    data: OpportunityCreate,
    now: datetime,
    owner_id: str | None = None,
) -> Opportunity:
    """Add an opportunity in its first (or given) stage with `sales.opportunity.opened` (no commit)."""
    if principal is not None:
        await _visible_ref(
            get_account(uow=uow, principal=principal, account_id=data.account_id), "account_id"
        )
        await _check_contacts(uow, principal, data.contact_roles)
    pipeline = (
        await get_pipeline_ref(uow, data.pipeline_id) if data.pipeline_id else await default_pipeline(uow)
    )
    stages = await stages_of(uow, pipeline.id)
    stage = next((s for s in stages if s.id == data.stage_id), None) if data.stage_id else stages[0]
    if stage is None or stage.type != "open":
        raise InvalidError("stage must be an open stage of the pipeline", field="stage_id")
    owner, team = await resolve_owner(uow, principal, data.owner_id or owner_id)
    amount = (
        data.amount
        if data.amount is not None
        else sum((line.quantity * line.unit_price for line in data.lines), Decimal(0)).quantize(records.CENT)
    )
    opportunity = Opportunity(
        id=new_id(),
        name=data.name,
        account_id=data.account_id,
        pipeline_id=pipeline.id,
        owner_id=owner,
        team_id=team,
        amount=amount,
        currency=data.currency,
        expected_close_date=data.expected_close_date,
        source_type=data.source_type,
        source_id=data.source_id,
        custom_fields=await checked_values(
            uow, "opportunity", {}, data.custom_fields, enforce_required=principal is not None
        ),
        created_at=now,
        updated_at=now,
    )
    _enter(uow, opportunity, stage, now)
    uow.session.add(opportunity)
    await uow.session.flush()
    await records.set_lines(uow, opportunity.id, data.lines)
    await records.set_roles(uow, opportunity.id, data.contact_roles)
    uow.emit(OpportunityOpenedV1(occurred_at=now, **await records.snapshot(uow, opportunity)))
    return opportunity


async def open_opportunity(
    *, uow: UnitOfWork, principal: Principal, data: OpportunityCreate, now: datetime
) -> OpportunityRead:
    """Open an opportunity and emit `sales.opportunity.opened` in the same transaction."""
    opportunity = await add_opportunity(uow=uow, principal=principal, data=data, now=now)
    await uow.commit()
    return await records.read_one(uow, opportunity, now)


async def update_opportunity(
    *, uow: UnitOfWork, principal: Principal, opportunity_id: str, data: OpportunityUpdate, now: datetime
) -> OpportunityRead:
    """Change the fields sent; emit `sales.opportunity.updated` naming what changed."""
    opportunity = await get_opportunity(uow=uow, principal=principal, opportunity_id=opportunity_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("custom_fields") is not None:
        changes["custom_fields"] = await checked_values(
            uow, "opportunity", opportunity.custom_fields, changes["custom_fields"]
        )
    if "owner_id" in changes and changes["owner_id"] != opportunity.owner_id:
        changes["owner_id"], changes["team_id"] = await resolve_owner(uow, principal, changes["owner_id"])
    changed = [f for f in UPDATABLE if f in changes and changes[f] != getattr(opportunity, f)]
    for field in changed:
        setattr(opportunity, field, changes[field])
    if data.lines is not None:
        await records.set_lines(uow, opportunity.id, data.lines)
        changed.append("lines")
    if data.contact_roles is not None:
        await _check_contacts(uow, principal, data.contact_roles)
        await records.set_roles(uow, opportunity.id, data.contact_roles)
        changed.append("contact_roles")
    if changed:
        opportunity.updated_at = now
        uow.emit(
            OpportunityUpdatedV1(
                occurred_at=now, changed_fields=changed, **await records.snapshot(uow, opportunity)
            )
        )
        await uow.commit()
    return await records.read_one(uow, opportunity, now)


async def move_stage(
    *, uow: UnitOfWork, principal: Principal, opportunity_id: str, stage_id: str, now: datetime
) -> OpportunityRead:
    """Move an open opportunity to another open stage; emit `sales.opportunity.stage-changed`."""
    opportunity, target = await _target(uow, principal, opportunity_id, stage_id)
    if target.type != "open":
        raise InvalidError("won and lost stages are reached through /win and /lose", field="stage_id")
    return await _change_stage(uow, opportunity, target, now, OpportunityStageChangedV1)


async def close(
    *,
    uow: UnitOfWork,
    principal: Principal,
    opportunity_id: str,
    won: bool,
    reason: str,
    competitor: str | None,
    now: datetime,
) -> OpportunityRead:
    """Win or lose an open opportunity with a reason; emit `sales.opportunity.won` or `.lost`."""
    opportunity = await get_opportunity(uow=uow, principal=principal, opportunity_id=opportunity_id)
    stage_type = "won" if won else "lost"
    target = next(s for s in await stages_of(uow, opportunity.pipeline_id) if s.type == stage_type)
    opportunity, target = await _target(uow, principal, opportunity_id, target.id)
    opportunity.close_reason, opportunity.competitor, opportunity.closed_at = reason, competitor, now
    return await _change_stage(uow, opportunity, target, now, OpportunityWonV1 if won else OpportunityLostV1)


async def get_opportunity(*, uow: UnitOfWork, principal: Principal, opportunity_id: str) -> Opportunity:
    """One opportunity the caller may see, or not found."""
    return await get_visible(uow, Opportunity, opportunity_id, principal, "opportunity")


async def stage_history(*, uow: UnitOfWork, principal: Principal, opportunity_id: str) -> list[StageVisit]:
    """The stages the opportunity went through, in order, with entry, exit and duration."""
    await get_opportunity(uow=uow, principal=principal, opportunity_id=opportunity_id)
    found = await uow.session.execute(
        select(StageVisit).where(StageVisit.opportunity_id == opportunity_id).order_by(StageVisit.id)
    )
    return list(found.scalars())


async def get_pipeline_ref(uow: UnitOfWork, pipeline_id: str):
    """A pipeline an opportunity names (422 on `pipeline_id` if there is none)."""
    return await _visible_ref(get_pipeline(uow=uow, pipeline_id=pipeline_id), "pipeline_id")


def _enter(uow: UnitOfWork, opportunity: Opportunity, stage: Stage, now: datetime) -> None:
    """Put the opportunity in the stage, freezing the stage's probability and category as of now."""
    opportunity.stage_id, opportunity.status = stage.id, stage.type
    opportunity.probability, opportunity.forecast_category = stage.probability, stage.forecast_category
    opportunity.stage_entered_at, opportunity.rots_at = now, rots_at(now, stage.rotting_days, stage.type)
    uow.session.add(
        StageVisit(
            opportunity_id=opportunity.id,
            stage_id=stage.id,
            stage_name=stage.name,
            probability=stage.probability,
            forecast_category=stage.forecast_category,
            entered_at=now,
        )
    )


async def _change_stage(uow: UnitOfWork, opportunity: Opportunity, target: Stage, now: datetime, event_cls):
    previous = await uow.session.get(Stage, opportunity.stage_id)
    found = await uow.session.execute(
        select(StageVisit).where(StageVisit.opportunity_id == opportunity.id, StageVisit.left_at.is_(None))
    )
    visit = found.scalar_one()
    visit.left_at, visit.duration_seconds = now, seconds_between(visit.entered_at, now)
    _enter(uow, opportunity, target, now)
    opportunity.updated_at = now
    uow.emit(
        event_cls(
            occurred_at=now,
            changed_fields=["stage_id"],
            from_stage_id=previous.id,
            from_stage_name=previous.name,
            to_stage_id=target.id,
            to_stage_name=target.name,
            seconds_in_previous_stage=visit.duration_seconds,
            **await records.snapshot(uow, opportunity),
        )
    )
    await uow.commit()
    return await records.read_one(uow, opportunity, now)


async def _target(uow: UnitOfWork, principal: Principal, opportunity_id: str, stage_id: str):
    opportunity = await get_opportunity(uow=uow, principal=principal, opportunity_id=opportunity_id)
    if opportunity.status != "open":
        raise ConflictError(f"opportunity {opportunity_id} is already {opportunity.status}")
    target = await uow.session.get(Stage, stage_id)
    if target is None or target.pipeline_id != opportunity.pipeline_id:
        raise InvalidError("stage is not in the opportunity's pipeline", field="stage_id")
    if target.id == opportunity.stage_id:
        raise ConflictError("the opportunity is already in that stage")
    return opportunity, target


async def _check_contacts(uow: UnitOfWork, principal: Principal, roles: list[ContactRoleIn]) -> None:
    for index, role in enumerate(roles):
        await _visible_ref(
            get_contact(uow=uow, principal=principal, contact_id=role.contact_id),
            f"contact_roles.{index}.contact_id",
        )


async def _visible_ref(lookup, field: str):
    """Await a lookup; a record that is not there (or not the caller's) is a 422 on `field`."""
    try:
        return await lookup
    except NotFoundError as error:
        raise InvalidError(str(error), field=field) from error
