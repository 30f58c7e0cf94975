"""Rep KPIs as they stood at a date, from the lead, deal and order projections."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from crm_shared.auth import Principal, can_see
from crm_shared.messaging.uow import UnitOfWork
from reporting.directory import user_names
from reporting.kpis.domain import deals_per_rep, kpi_rows
from reporting.leads.queries import FunnelQuery, lead_funnel
from reporting.models import OrderFact, QuotaTarget
from reporting.opportunities.queries import load_facts, visibility
from reporting.revenue.domain import summarize, won_sales
from reporting.revenue.orders import OrderState, ordered_sales
from reporting.versions import utc_naive

_ORDER_FIELDS = [OrderFact.__table__.c[name] for name in OrderState.__dataclass_fields__]


async def rep_kpis_as_of(*, uow: UnitOfWork, principal: Principal, as_of: datetime,
                         team_id: str | None = None) -> dict:
    """Per rep: leads handled, contacted, converted, speed to lead, deals, win rate, won and ordered, and
    what they won this year against their yearly target (a quota for the year of `as_of`)."""
    at = utc_naive(as_of)
    leads = await lead_funnel(uow=uow, principal=principal,
                              query=FunnelQuery(as_of=at, group_by="owner", team_id=team_id))
    facts = await load_facts(uow, at)
    deals = deals_per_rep(facts, visibility(principal, None, team_id))
    states = [OrderState(**row._mapping)
              for row in await uow.session.execute(select(*_ORDER_FIELDS).where(OrderFact.occurred_at <= at))]
    ordered = ordered_sales(states, lambda s: can_see(principal, s.owner_id, s.team_id)
                            and team_id in (None, s.team_id))
    rows = kpi_rows(leads["rows"], deals, summarize(ordered, "owner")["rows"])
    names = await user_names(uow=uow, user_ids=[row["owner_id"] for row in rows])
    year = f"{at.year:04d}"
    targets: dict[str, Decimal] = defaultdict(Decimal)
    for user_id, amount in await uow.session.execute(
            select(QuotaTarget.user_id, QuotaTarget.amount)
            .where(QuotaTarget.period == year, QuotaTarget.user_id.is_not(None))):
        targets[user_id] += amount
    won_this_year: dict[str | None, Decimal] = defaultdict(Decimal)
    for sale in won_sales(facts, lambda fact: fact.owner_id in targets) if targets else ():
        if sale.at.year == at.year:
            won_this_year[sale.owner_id] += sale.amount
    for row in rows:
        row["name"] = names.get(row["owner_id"] or "")
        target = targets.get(row["owner_id"]) if row["owner_id"] else None
        row["target"] = None if target is None else str(target)
        row["target_attainment"] = (round(float(won_this_year[row["owner_id"]] / target), 4) if target
                                    else None)
    return {"as_of": at.isoformat() + "Z", "rows": rows}
