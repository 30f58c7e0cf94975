"""HTTP routes of quotas and the forecast."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from crm_shared.auth import Principal, PrincipalDep, Role, require_roles
from crm_shared.service import UowDep
from sales.clock import ClockDep
from sales.config import SalesSettings
from sales.forecast import rates, service
from sales.forecast.schemas import ForecastRead, GroupBy, Period, QuotaCreate, QuotaRead, QuotaUpdate
from sales.pipeline.schemas import Currency

ManagerDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.MANAGER))]
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def get_settings(request: Request) -> SalesSettings:
    """FastAPI dependency: the running service's settings."""
    return request.app.state.settings


SettingsDep = Annotated[SalesSettings, Depends(get_settings)]

router = APIRouter(tags=["forecast"])
routers = [router]


@router.post("/quotas", status_code=201)
async def set_quota(data: QuotaCreate, uow: UowDep, principal: ManagerDep, clock: ClockDep) -> QuotaRead:
    """Set a quota for a user or team over a month (YYYY-MM), quarter (YYYY-Qn) or year (manager or admin)."""
    async with uow:
        return QuotaRead.model_validate(
            await service.set_quota(uow=uow, principal=principal, data=data, now=clock.now())
        )


@router.put("/quotas/{quota_id}")
async def change_quota(
    quota_id: str, data: QuotaUpdate, uow: UowDep, principal: ManagerDep, clock: ClockDep
) -> QuotaRead:
    """Correct a quota's amount or currency (manager of its target, or admin)."""
    async with uow:
        return QuotaRead.model_validate(
            await service.change_quota(
                uow=uow, principal=principal, quota_id=quota_id, data=data, now=clock.now()
            )
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
    settings: SettingsDep,
    group_by: GroupBy = "owner",
    currency: Annotated[Currency, Query()] = "CNY",
) -> ForecastRead:
    """Weighted pipeline by forecast category, won, quota, attainment and year-end projection, in one
    currency (other currencies converted with the exchange rates; a missing rate answers 422)."""
    async with uow:
        return await service.get_forecast(
            uow=uow,
            principal=principal,
            period=period,
            group_by=group_by,
            currency=currency,
            base_currency=settings.base_currency,
            now=clock.now(),
        )


@router.put("/exchange-rates/{currency}")
async def set_exchange_rate(
    currency: Annotated[Currency, Path()],
    data: rates.RateUpdate,
    uow: UowDep,
    principal: AdminDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> rates.RateRead:
    """Set what one unit of a currency is worth in the base currency (admin only)."""
    base = settings.base_currency
    async with uow:
        rate = await rates.set_rate(
            uow=uow, currency=currency, base=base, data=data, user_id=principal.user_id, now=clock.now()
        )
        return rates.RateRead(
            currency=rate.currency, rate=rate.rate, base_currency=base, updated_at=rate.updated_at
        )


@router.get("/exchange-rates")
async def list_exchange_rates(uow: UowDep, _: PrincipalDep, settings: SettingsDep) -> list[rates.RateRead]:
    """The exchange rates against the base currency."""
    base = settings.base_currency
    async with uow:
        return [
            rates.RateRead(currency=r.currency, rate=r.rate, base_currency=base, updated_at=r.updated_at)
            for r in await rates.list_rates(uow=uow)
        ]
