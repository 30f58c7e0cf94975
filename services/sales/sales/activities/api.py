"""HTTP routes of activities and "my day"."""

from typing import Annotated

from fastapi import APIRouter, Depends

from crm_shared.auth import PrincipalDep
from crm_shared.service import UowDep
from sales.activities import service
from sales.activities.schemas import ActivityCreate, ActivityRead, ActivityUpdate, MyDay
from sales.clock import ClockDep
from sales.paging import CursorQuery, LimitQuery, Page

activities_router = APIRouter(prefix="/activities", tags=["activities"])
my_day_router = APIRouter(tags=["activities"])
routers = [activities_router, my_day_router]

FilterDep = Annotated[service.ActivityFilter, Depends(service.ActivityFilter)]


@activities_router.post("", status_code=201)
async def create_activity(
    data: ActivityCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ActivityRead:
    """Plan a task or log a call, meeting or note on a record the caller sees."""
    async with uow:
        activity = await service.create_activity(uow=uow, principal=principal, data=data, now=clock.now())
        return ActivityRead.model_validate(activity)


@activities_router.get("")
async def list_activities(
    uow: UowDep,
    principal: PrincipalDep,
    filters: FilterDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[ActivityRead]:
    """The activities the caller may see; filter by record, kind, owner, open."""
    async with uow:
        return await service.list_activities(
            uow=uow, principal=principal, filters=filters, cursor=cursor, limit=limit
        )


@activities_router.get("/{activity_id}")
async def read_activity(activity_id: str, uow: UowDep, principal: PrincipalDep) -> ActivityRead:
    """One activity the caller may see."""
    async with uow:
        activity = await service.get_activity(uow=uow, principal=principal, activity_id=activity_id)
        return ActivityRead.model_validate(activity)


@activities_router.patch("/{activity_id}")
async def update_activity(
    activity_id: str, data: ActivityUpdate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ActivityRead:
    """Change an activity; `done: true` completes it."""
    async with uow:
        activity = await service.update_activity(
            uow=uow, principal=principal, activity_id=activity_id, data=data, now=clock.now()
        )
        return ActivityRead.model_validate(activity)


@my_day_router.get("/my-day")
async def my_day(uow: UowDep, principal: PrincipalDep, clock: ClockDep) -> MyDay:
    """The caller's day: overdue and due tasks, reminders, stale deals, deals closing this month,
    invoices past due."""
    async with uow:
        return await service.my_day(uow=uow, principal=principal, now=clock.now())
