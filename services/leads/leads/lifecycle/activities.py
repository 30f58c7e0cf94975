"""Activities and tasks on leads; a contact activity counts as the first contact."""

from datetime import datetime

from sqlalchemy import select

from crm_shared.auth import Principal
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.http.problems import NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from leads.lifecycle.domain import CHANNEL_OF, CONTACT_KINDS, check_unlocked
from leads.lifecycle.models import Activity, Task
from leads.lifecycle.schemas import ActivityCreate, TaskCreate
from leads.lifecycle.service import set_status
from leads.service import get_lead


async def log_activity(
    *, uow: UnitOfWork, lead_id: str, data: ActivityCreate, principal: Principal, now: datetime
) -> Activity:
    """Log a call, email, meeting or note; a call, email or meeting on a new lead marks it contacted."""
    lead = await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    check_unlocked(lead.locked, lead.id)
    activity = Activity(
        id=new_id(),
        lead_id=lead.id,
        kind=data.kind,
        subject=data.subject,
        notes=data.notes,
        occurred_at=data.occurred_at or now,
        created_by=principal.user_id,
    )
    uow.session.add(activity)
    if data.kind in CONTACT_KINDS:
        if lead.first_contacted_at is None:
            lead.first_contacted_at = activity.occurred_at
        if lead.status == "new":
            set_status(uow, lead, "contacted", principal.user_id, now)
    uow.emit(
        InteractionRecordedV1(
            aggregate_id=new_id(),
            occurred_at=activity.occurred_at,
            channel=CHANNEL_OF[data.kind],
            kind=data.kind,
            lead_id=lead.id,
            contact_id=lead.contact_id,
            account_id=lead.account_id,
            email=lead.email,
            phone=lead.phone,
            summary=data.subject,
            source_service="leads",
            record_id=activity.id,
        )
    )
    await uow.commit()
    return activity


async def list_activities(*, uow: UnitOfWork, lead_id: str, principal: Principal) -> list[Activity]:
    """A lead's activities, newest first."""
    await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    query = (
        select(Activity).where(Activity.lead_id == lead_id).order_by(Activity.occurred_at.desc(), Activity.id)
    )
    return list((await uow.session.execute(query)).scalars())


async def add_task(
    *, uow: UnitOfWork, lead_id: str, data: TaskCreate, principal: Principal, now: datetime
) -> Task:
    """Add a follow-up with a due date (owned by the lead's owner unless given)."""
    lead = await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    check_unlocked(lead.locked, lead.id)
    task = Task(
        id=new_id(),
        lead_id=lead.id,
        title=data.title,
        due_at=data.due_at,
        done=False,
        owner_id=data.owner_id or lead.owner_id or principal.user_id,
        created_by=principal.user_id,
        created_at=now,
    )
    uow.session.add(task)
    await uow.commit()
    return task


async def list_tasks(*, uow: UnitOfWork, lead_id: str, principal: Principal) -> list[Task]:
    """A lead's tasks, soonest due first."""
    await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    query = select(Task).where(Task.lead_id == lead_id).order_by(Task.done, Task.due_at, Task.id)
    return list((await uow.session.execute(query)).scalars())


async def complete_task(*, uow: UnitOfWork, lead_id: str, task_id: str, principal: Principal) -> Task:
    """Mark a task done."""
    await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    task = await uow.session.get(Task, task_id)
    if task is None or task.lead_id != lead_id:
        raise NotFoundError(f"task {task_id} not found")
    task.done = True
    await uow.commit()
    return task
