"""HTTP routes of quotas and the forecast."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from crm_shared.auth import Principal, PrincipalDep, Role, require_roles
from crm_shared.service import UowDep
from sales.clock import ClockDep
from sales.forecast import service
from sales.forecast.schemas import ForecastRead, GroupBy, Period, QuotaCreate, QuotaRead
from sales.pipeline.schemas import Currency

ManagerDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.MANAGER))]

router = APIRouter(tags=["forecast"])
routers = [router]


@router.post("/quotas", status_code=201)
async def set_quota(data: QuotaCreate, uow: UowDep, principal: ManagerDep, clock: ClockDep) -> QuotaRead:
    """Set a quota for a user or team over a month (YYYY-MM), quarter (YYYY-Qn) or year (manager or admin)."""
    async with uow:
        return QuotaRead.model_validate(
            await service.set_quota(uow=uow, principal=principal, data=data, now=clock.now())
        )


@router.get("/quotas")
async def list_quotas(uow: UowDep, principal: PrincipalDep) -> list[QuotaRead]:
    """The quotas of the users and teams the caller sees."""
    async with uow:
        return [QuotaRead.model_validate(q) for q in await service.list_quotas(uow=uow, principal=principal)]


@router.get("/forecast")
async def get_forecast(
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    period: Annotated[Period, Query()],
    group_by: GroupBy = "owner",
    currency: Annotated[Currency, Query()] = "CNY",
) -> ForecastRead:
    """Weighted pipeline by forecast category, won, quota, attainment and year-end projection."""
    async with uow:
        return await service.get_forecast(
            uow=uow, principal=principal, period=period, group_by=group_by, currency=currency, now=clock.now()
        )
