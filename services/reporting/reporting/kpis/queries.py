"""Rep KPIs as they stood at a date, from the lead, deal and order projections."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from crm_shared.auth import Principal
from crm_shared.messaging.uow import UnitOfWork
from reporting.counter_sums import sums_as_of
from reporting.directory import user_names
from reporting.kpis.domain import kpi_rows
from reporting.kpis.money import converted_sales, group_targets, target_in_base, won_in_year
from reporting.kpis.period import deals_per_rep_in
from reporting.leads.queries import FunnelQuery, lead_funnel
from reporting.models import QuotaTarget
from reporting.opportunities.counters import SPEC
from reporting.opportunities.sums import owned
from reporting.period import ALWAYS, Period
from reporting.rates import DEFAULT_BASE, foreign_amounts, rates_as_of
from reporting.revenue.domain import summarize_totals
from reporting.revenue.queries import revenue_as_of
from reporting.versions import utc_naive


async def rep_kpis_as_of(*, uow: UnitOfWork, principal: Principal, as_of: datetime,
                         team_id: str | None = None, period: Period = ALWAYS,
                         default_base: str = DEFAULT_BASE) -> dict:
    """Per rep: leads handled, contacted, converted, speed to lead, deals, win rate, won and ordered, and
    what they won this year against their yearly target (a quota for the year of `as_of`). `period` keeps
    the leads captured, the deals created, won or lost and the orders placed in it (not the target).

    Money is in the base currency (`currency`): a won deal at the rate in effect when first won, an order
    when first placed, a target at the rate in effect when its year starts (as `/reports/targets`); amounts
    without a rate then are left out and listed per currency in `unconverted` (a target without one has no
    attainment)."""
    at = utc_naive(as_of)
    leads = await lead_funnel(uow=uow, principal=principal,
                              query=FunnelQuery(as_of=at, group_by="owner", team_id=team_id,
                                                captured_from=period.start, captured_to=period.end))
    if period:
        deals = await deals_per_rep_in(uow, principal, at, team_id, period)
        sold = await revenue_as_of(uow=uow, principal=principal, as_of=at, group_by="owner", team_id=team_id,
                                   period=period, default_base=default_base)
        ordered_rows = sold["ordered"]["rows"]
    else:
        deals, ordered = await _sales_per_rep(uow, principal, at, team_id)
        ordered_rows = summarize_totals(ordered, "owner")["rows"]
    rates = await rates_as_of(uow, at, default_base)
    unconverted = {"won": {}, "ordered": {}}
    foreign = await foreign_amounts(uow, rates.base)
    if foreign:  # the counters' sums mix currencies: take the money from the facts, converted
        won_amounts, ordered_rows, unconverted = await converted_sales(uow, principal, at, team_id, period,
                                                                      rates.base)
        for owner, rep in deals.items():
            rep["won_amount"] = won_amounts.get(owner, Decimal(0))
    rows = kpi_rows(leads["rows"], deals, ordered_rows)
    names = await user_names(uow=uow, user_ids=[row["owner_id"] for row in rows])
    year = f"{at.year:04d}"
    quotas = group_targets(await uow.session.execute(
        select(QuotaTarget.user_id, QuotaTarget.amount, QuotaTarget.currency)
        .where(QuotaTarget.period == year, QuotaTarget.user_id.is_not(None))))
    targets = {user_id: target_in_base(amounts, rates, at) for user_id, amounts in quotas.items()}
    if not targets:
        won_this_year = {}
    elif foreign:
        won_this_year = await won_in_year(uow, at, set(targets), rates)
    else:
        won_this_year = await _won_in_year(uow, at, set(targets))
    for row in rows:
        row["name"] = names.get(row["owner_id"] or "")
        target = targets.get(row["owner_id"]) if row["owner_id"] else None
        row["target"] = None if target is None else str(target)
        won = won_this_year.get(row["owner_id"], Decimal(0))
        row["target_attainment"] = round(float(won / target), 4) if target else None
    return {"as_of": at.isoformat() + "Z", "currency": rates.base, "rows": rows, "unconverted": unconverted}


async def _sales_per_rep(uow: UnitOfWork, principal: Principal, at: datetime,
                         team_id: str | None) -> tuple[dict[str | None, dict], dict[str | None, list]]:
    """Per owner of each deal's state at `at`: deals, won, lost, won amount; and per owner of each order
    placed by then: [count, amount] (one query)."""
    sums = await sums_as_of(uow, SPEC, at, group="owner_id", on_groups=owned(principal, None, team_id),
                            on_key=lambda table: [table.c.measure.in_(("current", "won", "lost", "ordered"))],
                            key=("measure",))
    reps: dict[str | None, dict] = {}
    ordered: dict[str | None, list] = {}
    for (owner, measure, *_key), (n, cents, _micros) in sums.items():
        if measure == "ordered":
            into = ordered.setdefault(owner, [0, Decimal(0)])
            into[0] += n
            into[1] += Decimal(cents).scaleb(-2)
            continue
        rep = reps.setdefault(owner, {"deals": 0, "won": 0, "lost": 0, "won_amount": Decimal(0)})
        rep["deals" if measure == "current" else measure] += n
        if measure == "won" and n:
            rep["won_amount"] += Decimal(cents).scaleb(-2)
    return reps, ordered


async def _won_in_year(uow: UnitOfWork, at: datetime, owners: set[str]) -> dict[str | None, Decimal]:
    """What these owners won (first won) in the year of `at`, as of `at`, whoever asks."""
    sums = await sums_as_of(uow, SPEC, at, group="owner_id",
                            on_groups=lambda table: [table.c.owner_id.in_(sorted(owners))],
                            on_key=lambda table: [table.c.measure == "won",
                                                  table.c.label.like(f"{at.year:04d}-%")],
                            key=("measure",))
    won: dict[str | None, Decimal] = defaultdict(Decimal)
    for (owner, *_key), (_n, cents, _micros) in sums.items():
        won[owner] += Decimal(cents).scaleb(-2)
    return won
