"""Forecast and quota use cases."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from crm_shared.auth import Principal, Role, can_see, visible_to
from crm_shared.events.sales import QuotaSetV1
from crm_shared.http.problems import ConflictError, InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.forecast.domain import Deal, forecast, period_range
from sales.forecast.models import Quota
from sales.forecast.rates import converter
from sales.forecast.schemas import CategoryFigures, ForecastLine, ForecastRead, QuotaCreate, QuotaUpdate
from sales.models import AppUser, Team
from sales.org import commit_or_conflict
from sales.ownership import visible
from sales.pipeline.domain import aware
from sales.pipeline.models import Opportunity


async def set_quota(*, uow: UnitOfWork, principal: Principal, data: QuotaCreate, now: datetime) -> Quota:
    """Add a quota for a user or team the caller manages (a manager: their team; an admin: anyone);
    emit `sales.quota.set`."""
    if data.user_id:
        user = await uow.session.get(AppUser, data.user_id)
        if user is None or not can_see(principal, user.id, user.team_id):
            raise InvalidError(f"user {data.user_id} is not someone you manage", field="user_id")
    elif await uow.session.get(Team, data.team_id) is None or (
        principal.role is not Role.ADMIN and data.team_id != principal.team_id
    ):
        raise InvalidError(f"team {data.team_id} is not a team you manage", field="team_id")
    starts_on, ends_on = period_range(data.period)
    same = await uow.session.execute(
        select(Quota.id).where(
            Quota.user_id == data.user_id if data.user_id else Quota.team_id == data.team_id,
            Quota.period == data.period,
        )
    )
    if same.first():  # one target per period, whatever its currency (amounts are converted, not added)
        raise ConflictError("that target already has a quota for the period (PUT /quotas/{id} corrects it)")
    quota = Quota(id=new_id(), starts_on=starts_on, ends_on=ends_on, created_at=now, **data.model_dump())
    uow.session.add(quota)
    _emit_set(uow, quota, now, [])
    await commit_or_conflict(uow, "that target already has a quota for the period")
    return quota


async def change_quota(
    *, uow: UnitOfWork, principal: Principal, quota_id: str, data: QuotaUpdate, now: datetime
) -> Quota:
    """Correct a quota's amount or currency; emit `sales.quota.set` again for the same id (it replaces)."""
    found = await uow.session.execute(_visible_quotas(principal).where(Quota.id == quota_id))
    quota = found.scalar_one_or_none()
    if quota is None:
        raise NotFoundError(f"quota {quota_id} not found")
    changes = data.model_dump(exclude_unset=True)
    changed = [field for field, value in changes.items() if getattr(quota, field) != value]
    if not changed:
        return quota
    for field in changed:
        setattr(quota, field, changes[field])
    _emit_set(uow, quota, now, changed)
    await commit_or_conflict(uow, "that target already has a quota for the period")
    return quota


def _emit_set(uow: UnitOfWork, quota: Quota, now: datetime, changed: list[str]) -> None:
    fields = ("user_id", "team_id", "period", "starts_on", "ends_on", "amount", "currency")
    uow.emit(
        QuotaSetV1(
            aggregate_id=quota.id,
            occurred_at=now,
            changed_fields=changed,
            **{field: getattr(quota, field) for field in fields},
        )
    )


async def list_quotas(*, uow: UnitOfWork, principal: Principal) -> list[Quota]:
    """The quotas of the users and teams the caller sees."""
    return list(
        (await uow.session.execute(_visible_quotas(principal).order_by(Quota.starts_on, Quota.id))).scalars()
    )


async def get_forecast(
    *,
    uow: UnitOfWork,
    principal: Principal,
    period: str,
    group_by: str,
    currency: str,
    base_currency: str,
    now: datetime,
) -> ForecastRead:
    """Weighted pipeline per forecast category, won, quota, attainment and year-end projection, by owner,
    team or in all, over the opportunities the caller sees; amounts and quotas in other currencies are
    converted to `currency` with the exchange rates (each amount rounded to the cent, then weighted)."""
    start, end = period_range(period)
    convert = await converter(uow=uow, base=base_currency, target=currency)
    query = visible(Opportunity, principal).where(Opportunity.status.in_(("open", "won")))
    key = {"owner": lambda o: o.owner_id, "team": lambda o: o.team_id, "all": lambda o: None}[group_by]
    deals = [
        Deal(
            group=key(o),
            status=o.status,
            forecast_category=o.forecast_category,
            probability=o.probability,
            amount=convert(o.amount, o.currency),
            expected_close_date=o.expected_close_date,
            closed_on=aware(o.closed_at).date() if o.closed_at else None,
        )
        for o in (await uow.session.execute(query)).scalars()
    ]
    quotas: dict[str | None, Decimal] = {}
    found = await uow.session.execute(
        _visible_quotas(principal).where(Quota.starts_on >= start, Quota.ends_on <= end)
    )
    for quota in found.scalars():
        amount = convert(quota.amount, quota.currency)
        if group_by == "owner" and quota.user_id:
            quotas[quota.user_id] = quotas.get(quota.user_id, Decimal(0)) + amount
        elif group_by in ("team", "all") and quota.team_id:
            group = quota.team_id if group_by == "team" else None
            quotas[group] = quotas.get(group, Decimal(0)) + amount
    convert.check()
    lines = forecast(deals, quotas, start, end, now.date())
    return ForecastRead(
        period=period,
        group_by=group_by,
        currency=currency,
        lines=[
            ForecastLine(
                group=line.group,
                weighted_pipeline=line.weighted_pipeline,
                won=line.won,
                quota=line.quota,
                attainment=line.attainment,
                year_end_projection=line.projection,
                categories={
                    name: CategoryFigures(count=int(f["count"]), amount=f["amount"], weighted=f["weighted"])
                    for name, f in line.categories.items()
                },
            )
            for line in lines
        ],
    )


def _visible_quotas(principal: Principal):
    users = select(AppUser.id).where(visible_to(principal, AppUser.id, AppUser.team_id))
    query = select(Quota)
    if principal.role is Role.ADMIN:
        return query
    return query.where(
        Quota.user_id.in_(users) | ((Quota.team_id == principal.team_id) & (Quota.team_id.is_not(None)))
    )
