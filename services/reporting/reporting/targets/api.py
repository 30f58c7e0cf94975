"""Target and forecast routes: JSON, or CSV with `?format=csv`."""

from datetime import datetime
from typing import Literal

from crm_shared.auth import PrincipalDep
from crm_shared.http.query import strict_router
from crm_shared.service import SnapshotUowDep
from reporting.clock import ClockDep
from reporting.csv_export import csv_response
from reporting.customers.loading import Basis
from reporting.rates_api import DefaultBaseDep
from reporting.targets.queries import forecast_as_of, targets_as_of

router = strict_router(prefix="/reports", tags=["reports"])
TARGET_COLUMNS = ("quota_id", "user_id", "name", "team_id", "period", "starts_on", "ends_on", "currency",
                  "target", "actual", "attainment", "elapsed", "projection", "projected_attainment",
                  "weighted_pipeline", "projection_with_pipeline", "attainment_with_pipeline",
                  "quota_amount", "quota_currency", "reason")


@router.get("/targets", response_model=None)
async def get_targets(
    uow: SnapshotUowDep, principal: PrincipalDep, clock: ClockDep, base: DefaultBaseDep,
    as_of: datetime | None = None,
    basis: Basis = "won", period: str | None = None, user_id: str | None = None, team_id: str | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the public query parameter's name
):
    """Quota attainment per user or team, period-end projections, and the year-end projection.

    Money is in the base currency (`currency`): a won deal at the rate in effect when first won, an order
    when first placed (those without a rate then are left out and listed per currency in `unconverted`);
    an open deal at the rate in effect at `as_of` (those without one are left out of the pipeline and
    listed in `unconverted_pipeline`); a target at the rate in effect when its period starts, else the
    latest rate known (`quota_amount` / `quota_currency` keep the quota as set). A quota whose currency has
    no rate keeps its own `currency`, with null attainments and a `reason`."""
    async with uow:
        body = await targets_as_of(uow=uow, principal=principal, as_of=as_of or clock(), basis=basis,
                                   period=period, user_id=user_id, team_id=team_id, default_base=base)
    if format == "json":
        return body
    rows = [["" if row.get(c) is None else row[c] for c in TARGET_COLUMNS] for row in body["rows"]]
    return csv_response(TARGET_COLUMNS, rows, "targets.csv")


@router.get("/forecast", response_model=None)
async def get_forecast(
    uow: SnapshotUowDep, principal: PrincipalDep, clock: ClockDep, base: DefaultBaseDep,
    as_of: datetime | None = None, group_by: Literal["month", "quarter", "year"] = "quarter",
    owner_id: str | None = None,
    team_id: str | None = None, format: Literal["json", "csv"] = "json",  # noqa: A002
):
    """Won and open deals per period and forecast category: count, amount, probability-weighted amount.

    Money is in the base currency (`currency`): a won deal at the rate in effect when first won, an open
    deal at the rate in effect at `as_of`; deals without a rate then are left out and listed per currency
    in `unconverted`."""
    async with uow:
        body = await forecast_as_of(uow=uow, principal=principal, as_of=as_of or clock(), group_by=group_by,
                                    owner_id=owner_id, team_id=team_id, default_base=base)
    if format == "json":
        return body
    rows = [[row["period"], category, cell["count"], cell["amount"], cell["weighted"]]
            for row in [*body["rows"], {"period": "total", "categories": body["total"]["categories"]}]
            for category, cell in row["categories"].items() if cell["count"]]
    return csv_response([group_by, "category", "count", "amount", "weighted"], rows, "forecast.csv")
