"""Service route: JSON, or a flat table as CSV with `?format=csv`."""

from datetime import datetime
from typing import Literal

from crm_shared.auth import PrincipalDep
from crm_shared.http.query import strict_router
from crm_shared.service import SnapshotUowDep
from reporting.clock import ClockDep
from reporting.csv_export import csv_response
from reporting.json_answer import json_response
from reporting.period import PeriodDep, with_period
from reporting.service.queries import ServiceGroupBy, service_figures_as_of

router = strict_router(prefix="/reports", tags=["reports"])
CSV_COLUMNS = ("tickets", "backlog", "first_response_avg_min", "first_response_p90_min", "resolution_avg_min",
               "resolution_p90_min", "first_response_sla", "resolution_sla", "csat_average", "csat_ratings")


@router.get("/service", response_model=None)
async def get_service(
    uow: SnapshotUowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    period: PeriodDep,
    as_of: datetime | None = None,
    group_by: ServiceGroupBy = "none",
    queue_id: str | None = None,
    channel: str | None = None,
    assignee_id: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    size: str | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the public query parameter's name
):
    """Backlog, first-response and resolution times, SLA compliance and CSAT, per agent, queue or channel.

    `as_of`: what was known then (event time). `from` / `to`: which tickets count, half-open [from, to) by
    when each ticket was opened; each is then taken in its state at `as_of`. `assignee_id`: one agent's
    tickets (by the ticket's assignee at `as_of`)."""
    async with uow:
        figures = await service_figures_as_of(uow=uow, principal=principal, as_of=as_of or clock(),
                                              group_by=group_by, queue_id=queue_id, channel=channel,
                                              account={"region": region, "industry": industry, "size": size},
                                              period=period, assignee_id=assignee_id)
        figures = with_period(figures, period)
    if format == "json":
        return json_response(figures)
    rows = [[row["key"] or "", *_flat(row)] for row in [*figures["rows"], figures["total"]]]
    return csv_response([group_by, *CSV_COLUMNS], rows, "service.csv")


def _flat(row: dict) -> list:
    values = [row["tickets"], row["backlog"], row["first_response_minutes"]["average"],
              row["first_response_minutes"]["p90"], row["resolution_minutes"]["average"],
              row["resolution_minutes"]["p90"], row["sla"]["first_response"]["compliance"],
              row["sla"]["resolution"]["compliance"], row["csat"]["average"], row["csat"]["ratings"]]
    return ["" if value is None else value for value in values]
