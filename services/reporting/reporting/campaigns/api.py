"""Campaign ROI route: JSON, or CSV with `?format=csv` (admins: campaign costs are company-wide)."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends

from crm_shared.auth import Principal, Role, require_roles
from crm_shared.http.query import strict_router
from crm_shared.service import SnapshotUowDep
from reporting.campaigns.queries import campaign_roi
from reporting.clock import ClockDep
from reporting.csv_export import csv_response
from reporting.json_answer import json_response
from reporting.period import PeriodDep, with_period

router = strict_router(prefix="/reports", tags=["reports"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
CSV_COLUMNS = ("campaign", "channel", "cost", "currency", "leads", "converted", "conversion_rate",
               "won_deals", "won_amount", "won_in_other_currencies", "cost_per_lead", "cost_per_won_deal",
               "roi")


@router.get("/campaigns", response_model=None)
async def get_campaigns(
    uow: SnapshotUowDep,
    principal: Admin,
    clock: ClockDep,
    period: PeriodDep,
    as_of: datetime | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the public query parameter's name
):
    """Marketing ROI per campaign: cost, leads, conversion rate, won deals, cost per lead and per won
    deal, and ROI ((won - cost) / cost, in the campaign's currency), as of a date by event time.

    `as_of`: what was known then (event time). `from` / `to`: which facts count, half-open [from, to): leads
    by their capture, won deals by when first won; the cost stays each campaign's whole cost."""
    async with uow:
        answer = await campaign_roi(uow=uow, principal=principal, as_of=as_of or clock(), period=period)
        answer = with_period(answer, period)
    if format == "json":
        return json_response(answer)
    rows = [["" if row[c] is None else row[c] for c in CSV_COLUMNS] for row in answer["rows"]]
    return csv_response(CSV_COLUMNS, rows, "campaigns.csv")
