"""Revenue route: JSON, or CSV with `?format=csv` (one line per group and kind)."""

from datetime import datetime
from typing import Literal

from crm_shared.auth import PrincipalDep
from crm_shared.http.query import strict_router
from crm_shared.service import SnapshotUowDep
from reporting.clock import ClockDep
from reporting.csv_export import csv_response
from reporting.json_answer import json_response
from reporting.period import PeriodDep, with_period
from reporting.rates_api import DefaultBaseDep
from reporting.revenue.queries import revenue_as_of

router = strict_router(prefix="/reports", tags=["reports"])
CSV_COLUMNS = ("count", "amount", "share", "vs_previous", "vs_year_before")


@router.get("/revenue", response_model=None)
async def get_revenue(
    uow: SnapshotUowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    period: PeriodDep,
    base: DefaultBaseDep,
    as_of: datetime | None = None,
    group_by: Literal["owner", "team", "month", "quarter", "year", "region", "industry", "size",
                      "product", "source", "campaign"] = "month",
    owner_id: str | None = None,
    team_id: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    size: str | None = None,
    product: str | None = None,
    source: str | None = None,
    campaign: str | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the public query parameter's name
):
    """Won and ordered amounts by rep, team, period, product, the customer's region, industry or size, or
    the lead source and campaign, shares, change on the period and year before.

    `as_of`: what was known then (event time). `from` / `to`: which sales count, half-open [from, to) by
    the date each sale is dated with: a deal by when it was first won, an order by when it was first
    placed (neither draft nor cancelled). `source` / `campaign`: sales whose deal was opened from a lead of
    that source / campaign (a won deal's own lead, an order's deal's; an order made from no deal has none:
    it matches no filter and groups under the null key, empty in CSV).

    Money is in the base currency (`currency`): a deal converted at the rate in effect when first won,
    an order at the rate in effect when first placed; amounts without a rate then are left out and shown
    per currency in `won.total.unconverted` / `ordered.total.unconverted`."""
    async with uow:
        revenue = await revenue_as_of(uow=uow, principal=principal, as_of=as_of or clock(), group_by=group_by,
                                      owner_id=owner_id, team_id=team_id,
                                      account={"region": region, "industry": industry, "size": size,
                                               "product": product}, period=period,
                                      origin={"source": source, "campaign": campaign}, default_base=base)
        revenue = with_period(revenue, period)
    if format == "json":
        return json_response(revenue)
    rows = [[kind, row["key"] or "", *("" if row.get(c) is None else row[c] for c in CSV_COLUMNS)]
            for kind in ("won", "ordered") for row in revenue[kind]["rows"]]
    return csv_response(["kind", group_by, *CSV_COLUMNS], rows, "revenue.csv")
