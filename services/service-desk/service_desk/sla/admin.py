"""SLA configuration use cases: calendars and policies."""

from sqlalchemy import select

from crm_shared.http.problems import ConflictError, InvalidError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from service_desk.sla.calendar import BusinessCalendar, CalendarError
from service_desk.sla.models import Calendar, SlaPolicy
from service_desk.sla.schemas import CalendarCreate, PolicyCreate


async def create_calendar(*, uow: UnitOfWork, data: CalendarCreate) -> Calendar:
    """A business-hours calendar, checked before it is stored."""
    hours = {str(day): [list(w) for w in windows] for day, windows in data.hours.items()}
    holidays = [d.isoformat() for d in data.holidays]
    try:
        BusinessCalendar.from_config(data.timezone, hours, holidays)
    except CalendarError as error:
        raise InvalidError(str(error), field="hours") from error
    if await uow.session.scalar(select(Calendar.id).where(Calendar.name == data.name)):
        raise ConflictError(f"a calendar named {data.name!r} exists")
    calendar = Calendar(id=new_id(), name=data.name, timezone=data.timezone, hours=hours, holidays=holidays)
    uow.session.add(calendar)
    return calendar


async def create_policy(*, uow: UnitOfWork, data: PolicyCreate) -> SlaPolicy:
    """An SLA policy (one per priority and tier)."""
    if data.calendar_id and await uow.session.get(Calendar, data.calendar_id) is None:
        raise InvalidError(f"calendar {data.calendar_id} not found", field="calendar_id")
    clash = select(SlaPolicy.id).where(
        (SlaPolicy.name == data.name)
        | (
            (SlaPolicy.priority.is_(None) if data.priority is None else SlaPolicy.priority == data.priority)
            & (SlaPolicy.tier.is_(None) if data.tier is None else SlaPolicy.tier == data.tier)
        )
    )
    if await uow.session.scalar(clash):
        raise ConflictError("a policy with this name, or for this priority and tier, exists")
    policy = SlaPolicy(id=new_id(), **data.model_dump())
    uow.session.add(policy)
    return policy


async def list_calendars(*, uow: UnitOfWork) -> list[Calendar]:
    """Every calendar by name."""
    return list((await uow.session.execute(select(Calendar).order_by(Calendar.name))).scalars())


async def list_policies(*, uow: UnitOfWork) -> list[SlaPolicy]:
    """Every policy by name."""
    return list((await uow.session.execute(select(SlaPolicy).order_by(SlaPolicy.name))).scalars())
