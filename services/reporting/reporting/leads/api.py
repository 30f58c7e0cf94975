"""Lead funnel routes: JSON, or CSV with `?format=csv`."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query

from crm_shared.auth import PrincipalDep
from crm_shared.http.query import strict_router
from crm_shared.service import UowDep
from reporting.clock import ClockDep
from reporting.csv_export import csv_response
from reporting.json_answer import json_response
from reporting.leads.funnel import COLUMNS, STAGES
from reporting.leads.queries import FunnelQuery, GroupBy, lead_funnel

router = strict_router(prefix="/reports", tags=["reports"])


@router.get("/lead-funnel", response_model=None)
async def get_lead_funnel(
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
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
    """Leads that reached each funnel stage by `as_of`, per group, with conversion rates."""
    query = FunnelQuery(as_of=as_of or clock(), group_by=group_by, captured_from=captured_from,
                        captured_to=captured_to, source=source, campaign=campaign, owner_id=owner_id,
                        team_id=team_id, region=region, industry=industry)
    async with uow:
        funnel = await lead_funnel(uow=uow, principal=principal, query=query)
    if format == "json":
        return json_response(funnel)
    rate_names = [f"rate_{stage}" for stage in (*STAGES[1:], "overall")]
    rows = [[row["key"] or "", *(row[c] for c in COLUMNS), *(_rate(row, n[5:]) for n in rate_names)]
            for row in [*funnel["rows"], funnel["total"]]]
    return csv_response([group_by, *COLUMNS, *rate_names], rows, "lead-funnel.csv")


def _rate(row: dict, name: str) -> str:
    value = row["rates"][name]
    return "" if value is None else f"{value:.4f}"
