"""Opportunity funnel route: JSON, or the per-stage table as CSV with `?format=csv`."""

from datetime import datetime
from typing import Literal

from crm_shared.auth import PrincipalDep
from crm_shared.http.query import strict_router
from crm_shared.service import SnapshotUowDep
from reporting.clock import ClockDep
from reporting.csv_export import csv_response
from reporting.json_answer import json_response
from reporting.opportunities.queries import opportunity_funnel_as_of
from reporting.period import PeriodDep, with_period
from reporting.rates_api import DefaultBaseDep

router = strict_router(prefix="/reports", tags=["reports"])
CSV_COLUMNS = ("stage_id", "stage_name", "stage_type", "probability", "count", "amount", "entered",
               "advanced", "lost", "conversion_rate", "loss_rate", "avg_days_in_stage", "p90_days_in_stage")


@router.get("/opportunity-funnel", response_model=None)
async def get_opportunity_funnel(
    uow: SnapshotUowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    period: PeriodDep,
    base: DefaultBaseDep,
    as_of: datetime | None = None,
    pipeline_id: str | None = None,
    owner_id: str | None = None,
    team_id: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    size: str | None = None,
    source: str | None = None,
    campaign: str | None = None,
    product: str | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the public query parameter's name
):
    """Count and amount per stage, conversion, loss reasons, time in stage, win rate, the bottleneck.

    `as_of`: what was known then (event time). `from` / `to`: which deals count, half-open [from, to) by
    their creation (the deal's first event); each is then followed through every stage up to `as_of`.
    `source` / `campaign`: deals opened from a lead of that source / campaign; `product`: deals whose latest
    snapshot by `as_of` has a line of that product.

    Money is in the base currency (`currency`): a deal's current amount at the rate in effect at its
    latest snapshot by `as_of`, a won amount at the rate in effect when first won; amounts without a rate
    then are left out and listed per currency (a stage's `unconverted`, `won_unconverted`)."""
    account = {"region": region, "industry": industry, "size": size}
    async with uow:
        funnel = await opportunity_funnel_as_of(uow=uow, principal=principal, as_of=as_of or clock(),
                                                pipeline_id=pipeline_id, owner_id=owner_id, team_id=team_id,
                                                account=account, period=period,
                                                origin={"source": source, "campaign": campaign,
                                                        "product": product}, default_base=base)
        funnel = with_period(funnel, period)
    if format == "json":
        return json_response(funnel)
    rows = [["" if row[c] is None else row[c] for c in CSV_COLUMNS] for row in funnel["stages"]]
    return csv_response(CSV_COLUMNS, rows, "opportunity-funnel.csv")

