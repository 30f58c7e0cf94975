"""Target and forecast answers: quotas, sales and open deals known at a date, as the caller may see them."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from crm_shared.auth import Principal, can_see
from crm_shared.messaging.uow import UnitOfWork
from reporting.customers.loading import Basis, sales_at
from reporting.models import DirectoryUser, OpportunityFact, QuotaTarget
from reporting.opportunities.queries import load_facts
from reporting.rates import DEFAULT_BASE, rates_as_of
from reporting.revenue.domain import in_base, won_sales
from reporting.targets.domain import Deal, Quota, attainment, deals_in_base, forecast, year_end
from reporting.versions import utc_naive

_DEAL = [OpportunityFact.__table__.c[name] for name in Deal.__dataclass_fields__]


async def latest_deals(uow: UnitOfWork, at: datetime) -> list[Deal]:
    """Every opportunity's latest state at `at` (naive UTC)."""
    rows = await uow.session.execute(
        select(*_DEAL, OpportunityFact.version).where(OpportunityFact.occurred_at <= at))
    latest: dict[str, tuple] = {}
    for row in rows:
        if row.opportunity_id not in latest or row.version > latest[row.opportunity_id][0]:
            latest[row.opportunity_id] = (row.version, Deal(*row[:-1]))
    return [deal for _, deal in latest.values()]


async def targets_as_of(*, uow: UnitOfWork, principal: Principal, as_of: datetime, basis: Basis,
                        period: str | None, user_id: str | None, team_id: str | None,
                        default_base: str = DEFAULT_BASE) -> dict:
    """Attainment of every quota the caller may see (a rep their own, a manager their team's and its
    members'), with period-end projections; and the year so far with its year-end projection.

    Money is in the base currency (`currency`): sales at the rate of when they were sold (those without
    one in `unconverted`), open deals at the rate in effect at `as_of` (those without one left out of
    the pipeline and listed in `unconverted_pipeline`), each target at the rate of its period's start
    (`domain.quota_in_base`)."""
    at = utc_naive(as_of)
    teams = {row.user_id: row.team_id for row in await uow.session.execute(
        select(DirectoryUser.user_id, DirectoryUser.team_id))}
    stored = (await uow.session.execute(select(QuotaTarget).order_by(QuotaTarget.quota_id))).scalars()
    quotas = [Quota(**{name: getattr(q, name) for name in Quota.__dataclass_fields__}) for q in stored]
    quotas = [q for q in quotas
              if (can_see(principal, q.user_id, teams.get(q.user_id)) if q.user_id else
                  can_see(principal, None, q.team_id))
              and period in (None, q.period) and user_id in (None, q.user_id)
              and team_id in (None, q.team_id)]
    rates = await rates_as_of(uow, at, default_base)
    sales, unconverted = [], defaultdict(Decimal)
    for sale in await sales_at(uow, at, basis):
        converted = in_base(sale, rates)
        if converted is not None:
            sales.append(converted)
        elif can_see(principal, sale.owner_id, sale.team_id):
            unconverted[sale.currency] += sale.amount
    deals, unconverted_pipeline = deals_in_base(
        await latest_deals(uow, at), rates, at,
        lambda deal: deal.in_pipeline and can_see(principal, deal.owner_id, deal.team_id))
    rows = [attainment(q, sales, deals, at.date(), rates) for q in quotas]
    names = {row.user_id: row.name for row in await uow.session.execute(
        select(DirectoryUser.user_id, DirectoryUser.name))}
    for row in rows:
        row["name"] = names.get(row["user_id"]) if row["user_id"] else None
    mine = [s for s in sales if can_see(principal, s.owner_id, s.team_id)]
    open_mine = [d for d in deals if can_see(principal, d.owner_id, d.team_id)]
    return {"as_of": at.isoformat() + "Z", "basis": basis, "currency": rates.base,
            "unconverted": {c: str(a) for c, a in sorted(unconverted.items())},
            "unconverted_pipeline": {c: str(a) for c, a in unconverted_pipeline.items()}, "rows": rows,
            "year_end": year_end(mine, open_mine, at.date())}


async def forecast_as_of(*, uow: UnitOfWork, principal: Principal, as_of: datetime, group_by: str,
                         owner_id: str | None, team_id: str | None,
                         default_base: str = DEFAULT_BASE) -> dict:
    """Won and open deals per period and forecast category, weighted by probability, as known at `as_of`.

    Money is in the base currency (`currency`): a won deal at the rate in effect when first won (a sale,
    as revenue counts it), an open deal at the rate in effect at `as_of` (not sold yet: what it is worth
    today). The deals without a rate then are left out and listed per currency in `unconverted`."""
    at = utc_naive(as_of)

    def visible(owner: str | None, team: str | None) -> bool:
        return can_see(principal, owner, team) and owner_id in (None, owner) and team_id in (None, team)

    rates = await rates_as_of(uow, at, default_base)
    won, unconverted = [], defaultdict(Decimal)
    for sale in won_sales(await load_facts(uow, at), lambda fact: visible(fact.owner_id, fact.team_id)):
        converted = in_base(sale, rates)
        if converted is None:
            unconverted[sale.currency] += sale.amount
        else:
            won.append(converted)
    deals, open_aside = deals_in_base(
        await latest_deals(uow, at), rates, at,
        lambda deal: deal.status == "open" and visible(deal.owner_id, deal.team_id))
    for currency, amount in open_aside.items():
        unconverted[currency] += amount
    return {"as_of": at.isoformat() + "Z", "currency": rates.base,
            "unconverted": {c: str(a) for c, a in sorted(unconverted.items())},
            **forecast(deals, won, group_by, visible)}
