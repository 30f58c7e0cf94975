"""HTTP routes of the lead lifecycle: status, edits, reassignment, conversion, merge, activities, tasks."""

from fastapi import APIRouter, Request

from crm_shared.auth import PrincipalDep
from crm_shared.service import UowDep
from leads.deps import ClockDep, Manager
from leads.lifecycle import activities, service, speed
from leads.lifecycle.schemas import (
    ActivityCreate,
    ActivityRead,
    Assignment,
    ConvertRequest,
    FirstContactTarget,
    LeadUpdate,
    MergeRequest,
    StatusChange,
    TaskCreate,
    TaskRead,
)
from leads.schemas import LeadRead

router = APIRouter(prefix="/leads", tags=["leads"])
teams = APIRouter(tags=["speed to lead"])


@router.patch("/{lead_id}")
async def update_lead(
    lead_id: str, data: LeadUpdate, request: Request, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> LeadRead:
    """Edit a lead's fields; it is rescored."""
    region = request.app.state.settings.default_region
    async with uow:
        lead = await service.update_lead(
            uow=uow, lead_id=lead_id, data=data, principal=principal, region=region, now=clock()
        )
        return LeadRead.model_validate(lead)


@router.post("/{lead_id}/status")
async def change_status(
    lead_id: str, data: StatusChange, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> LeadRead:
    """Move a lead: new → contacted → qualified | disqualified (with a reason)."""
    async with uow:
        lead = await service.change_status(
            uow=uow, lead_id=lead_id, data=data, principal=principal, now=clock()
        )
        return LeadRead.model_validate(lead)


@router.post("/{lead_id}/assign")
async def reassign(lead_id: str, data: Assignment, uow: UowDep, principal: Manager) -> LeadRead:
    """A manager or admin hands the lead to another rep."""
    async with uow:
        return LeadRead.model_validate(
            await service.reassign(uow=uow, lead_id=lead_id, data=data, principal=principal)
        )


@router.post("/{lead_id}/convert")
async def convert(
    lead_id: str, data: ConvertRequest, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> LeadRead:
    """Convert a qualified lead into an account, contact and (optionally) an opportunity; locks it."""
    async with uow:
        lead = await service.convert(uow=uow, lead_id=lead_id, data=data, principal=principal, now=clock())
        return LeadRead.model_validate(lead)


@router.post("/{lead_id}/merge")
async def merge(
    lead_id: str, data: MergeRequest, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> LeadRead:
    """Merge another lead into this one: its interactions, activities, tasks and submissions move here."""
    async with uow:
        lead = await service.merge(
            uow=uow, lead_id=lead_id, other_id=data.other_lead_id, principal=principal, now=clock()
        )
        return LeadRead.model_validate(lead)


@router.post("/{lead_id}/activities", status_code=201)
async def log_activity(
    lead_id: str, data: ActivityCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ActivityRead:
    """Log a call, email, meeting or note."""
    async with uow:
        activity = await activities.log_activity(
            uow=uow, lead_id=lead_id, data=data, principal=principal, now=clock()
        )
        return ActivityRead.model_validate(activity)


@router.get("/{lead_id}/activities")
async def list_activities(lead_id: str, uow: UowDep, principal: PrincipalDep) -> list[ActivityRead]:
    """A lead's activities, newest first."""
    async with uow:
        rows = await activities.list_activities(uow=uow, lead_id=lead_id, principal=principal)
        return [ActivityRead.model_validate(row) for row in rows]


@router.post("/{lead_id}/tasks", status_code=201)
async def add_task(
    lead_id: str, data: TaskCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> TaskRead:
    """Add a follow-up with a due date."""
    async with uow:
        task = await activities.add_task(
            uow=uow, lead_id=lead_id, data=data, principal=principal, now=clock()
        )
        return TaskRead.model_validate(task)


@router.get("/{lead_id}/tasks")
async def list_tasks(lead_id: str, uow: UowDep, principal: PrincipalDep) -> list[TaskRead]:
    """A lead's tasks, soonest due first."""
    async with uow:
        return [
            TaskRead.model_validate(t)
            for t in await activities.list_tasks(uow=uow, lead_id=lead_id, principal=principal)
        ]


@router.post("/{lead_id}/tasks/{task_id}/complete")
async def complete_task(lead_id: str, task_id: str, uow: UowDep, principal: PrincipalDep) -> TaskRead:
    """Mark a task done."""
    async with uow:
        task = await activities.complete_task(uow=uow, lead_id=lead_id, task_id=task_id, principal=principal)
        return TaskRead.model_validate(task)


@teams.put("/teams/{team_id}/first-contact-target", status_code=204)
async def set_first_contact_target(team_id: str, data: FirstContactTarget, uow: UowDep, _: Manager) -> None:
    """Set a team's first-contact target in minutes."""
    async with uow:
        await speed.set_target(uow=uow, team_id=team_id, minutes=data.minutes)


@teams.post("/speed-to-lead/check")
async def check_speed_to_lead(request: Request, uow: UowDep, _: Manager, clock: ClockDep) -> dict[str, int]:
    """Run the first-contact check now (it also runs periodically); how many leads were warned or breached."""
    fraction = request.app.state.settings.speed_to_lead.warn_fraction
    async with uow:
        return await speed.check_first_contact(uow=uow, now=clock(), warn_fraction=fraction)
