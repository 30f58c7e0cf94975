"""SLA routes: calendars and policies (admins write, managers read), and a manual run of the checker."""

from fastapi import APIRouter

from service_desk.access import AdminPrincipal, LeadPrincipal, UowDep
from service_desk.clock import ClockDep
from service_desk.sla import admin
from service_desk.sla.schemas import CalendarCreate, CalendarRead, CheckResult, PolicyCreate, PolicyRead
from service_desk.sla.service import check_sla

router = APIRouter(prefix="/sla", tags=["sla"])


@router.post("/calendars", status_code=201)
async def create_calendar(data: CalendarCreate, uow: UowDep, _admin: AdminPrincipal) -> CalendarRead:
    """Create a business-hours calendar with holidays."""
    async with uow:
        calendar = await admin.create_calendar(uow=uow, data=data)
        await uow.commit()
        return CalendarRead.model_validate(calendar)


@router.get("/calendars")
async def list_calendars(uow: UowDep, _lead: LeadPrincipal) -> list[CalendarRead]:
    """Every calendar."""
    async with uow:
        return [CalendarRead.model_validate(c) for c in await admin.list_calendars(uow=uow)]


@router.post("/policies", status_code=201)
async def create_policy(data: PolicyCreate, uow: UowDep, _admin: AdminPrincipal) -> PolicyRead:
    """Create an SLA policy for a priority and a customer tier."""
    async with uow:
        policy = await admin.create_policy(uow=uow, data=data)
        await uow.commit()
        return PolicyRead.model_validate(policy)


@router.get("/policies")
async def list_policies(uow: UowDep, _lead: LeadPrincipal) -> list[PolicyRead]:
    """Every SLA policy."""
    async with uow:
        return [PolicyRead.model_validate(p) for p in await admin.list_policies(uow=uow)]


@router.post("/check")
async def run_check(uow: UowDep, _admin: AdminPrincipal, clock: ClockDep) -> CheckResult:
    """Run the SLA checker now (it also runs on its own every few seconds)."""
    async with uow:
        signals = await check_sla(uow=uow, now=clock())
        await uow.commit()
        return CheckResult(signals=signals)
