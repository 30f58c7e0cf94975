"""Rep KPI route: JSON, or CSV with `?format=csv`."""

from datetime import datetime
from typing import Literal

from crm_shared.auth import PrincipalDep
from crm_shared.http.query import strict_router
from crm_shared.service import SnapshotUowDep
from reporting.clock import ClockDep
from reporting.csv_export import csv_response
from reporting.json_answer import json_response
from reporting.kpis.queries import rep_kpis_as_of
from reporting.period import PeriodDep, with_period
from reporting.rates_api import DefaultBaseDep

router = strict_router(prefix="/reports", tags=["reports"])
CSV_COLUMNS = ("owner_id", "name", "leads", "contacted", "converted", "speed_to_lead_hours", "deals", "won",
               "lost", "win_rate", "won_amount", "ordered_amount", "target", "target_attainment")


@router.get("/rep-kpis", response_model=None)
async def get_rep_kpis(
    uow: SnapshotUowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    period: PeriodDep,
    base: DefaultBaseDep,
    as_of: datetime | None = None,
    team_id: str | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the public query parameter's name
):
    """Per rep: leads handled, speed to first contact, deals, win rate, won and ordered amounts.

    `as_of`: what was known then (event time). `from` / `to`: which facts count, half-open [from, to), each
    by its own date: leads by capture, deals by creation, wins and losses by when the deal was first won or
    lost (the win rate is won / (won + lost) in the period), orders by when first placed. The target and its
    attainment stay those of the year of `as_of`.

    Money is in the base currency (`currency`): won deals at the rate in effect when first won, orders
    when first placed, targets at `as_of`; amounts without a rate then are left out and listed per
    currency in `unconverted` ({"won": {...}, "ordered": {...}})."""
    async with uow:
        kpis = await rep_kpis_as_of(uow=uow, principal=principal, as_of=as_of or clock(), team_id=team_id,
                                    period=period, default_base=base)
        kpis = with_period(kpis, period)
    if format == "json":
        return json_response(kpis)
    rows = [["" if row[c] is None else row[c] for c in CSV_COLUMNS] for row in kpis["rows"]]
    return csv_response(CSV_COLUMNS, rows, "rep-kpis.csv")
