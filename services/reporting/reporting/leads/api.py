"""Lead funnel routes: JSON, or CSV with `?format=csv`."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query

from crm_shared.auth import PrincipalDep
from crm_shared.http.problems import InvalidError
from crm_shared.http.query import strict_router
from crm_shared.service import SnapshotUowDep
from reporting.clock import ClockDep
from reporting.csv_export import csv_response
from reporting.json_answer import json_response
from reporting.leads.funnel import COLUMNS, STAGES
from reporting.leads.queries import FunnelQuery, GroupBy, lead_funnel
from reporting.period import PeriodDep, make_period, with_period
from reporting.prospects.queries import prospect_counts

router = strict_router(prefix="/reports", tags=["reports"])


@router.get("/lead-funnel", response_model=None)
async def get_lead_funnel(
    uow: SnapshotUowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    period: PeriodDep,
    as_of: Annotated[datetime | None, Query(description="Answer as it was at this time (event time)")] = None,
    group_by: GroupBy = "source",
    captured_from: datetime | None = None,
    captured_to: datetime | None = None,
    source: str | None = None,
    campaign: str | None = None,
    owner_id: str | None = None,
    team_id: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the public query parameter's name
):
    """Leads that reached each funnel stage by `as_of`, per group, with conversion rates; and the marketing
    KPI of prospects (people imported from purchased lists): imported, verified into a lead (new leads among
    them) and the conversion rate verified / imported, per the same group (prospects have no owner or team:
    admins only), by import time in the period.

    `as_of`: what was known then (event time). `from` / `to`: which leads count, half-open [from, to) by
    when each lead was captured (`captured_from` / `captured_to` are the same, under their older names)."""
    if period and (captured_from is not None or captured_to is not None):
        raise InvalidError("give the period as from/to or as captured_from/captured_to, not both",
                           field="captured_from" if captured_from is not None else "captured_to")
    if not period:
        period = make_period(captured_from, captured_to, names=("captured_from", "captured_to"))
    query = FunnelQuery(as_of=as_of or clock(), group_by=group_by, captured_from=period.start,
                        captured_to=period.end, source=source, campaign=campaign, owner_id=owner_id,
                        team_id=team_id, region=region, industry=industry)
    async with uow:
        funnel = await lead_funnel(uow=uow, principal=principal, query=query)
        funnel["prospects"] = await prospect_counts(uow, principal, query, query.as_of)
        funnel = with_period(funnel, period)
    if format == "json":
        return json_response(funnel)
    rate_names = [f"rate_{stage}" for stage in (*STAGES[1:], "overall")]
    prospects = {row["key"]: row for row in funnel["prospects"]["rows"]}
    leads = {row["key"]: row for row in funnel["rows"]}
    keys = sorted(leads.keys() | prospects.keys(), key=lambda key: (key is None, key or ""))
    rows = [_csv_row(leads.get(key), prospects.get(key), key, rate_names) for key in keys]
    rows.append(_csv_row(funnel["total"], funnel["prospects"]["total"], "total", rate_names))
    return csv_response([group_by, *COLUMNS, *rate_names, *PROSPECT_COLUMNS], rows, "lead-funnel.csv")


PROSPECT_COLUMNS = ("prospects_imported", "prospects_verified", "prospects_new_leads",
                    "prospects_conversion_rate")


def _csv_row(leads: dict | None, prospects: dict | None, key: str | None, rate_names: list[str]) -> list:
    counts = [leads[c] for c in COLUMNS] if leads else [0] * len(COLUMNS)
    rates = [_rate(leads["rates"][n[5:]]) if leads else "" for n in rate_names]
    found = prospects or {"imported": 0, "verified": 0, "new_leads": 0, "conversion_rate": None}
    return [key or "", *counts, *rates, found["imported"], found["verified"], found["new_leads"],
            _rate(found["conversion_rate"])]


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
