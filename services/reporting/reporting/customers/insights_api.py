"""Customer answers: the 80/20 Pareto, RFM segments, key-customer tiers and churn risk (JSON or CSV)."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Depends, Query

from crm_shared.auth import PrincipalDep
from crm_shared.http.query import strict_router
from crm_shared.service import SnapshotUowDep
from reporting.clock import ClockDep
from reporting.csv_export import csv_response
from reporting.customers.loading import Basis, CustomerFilter, load_customers
from reporting.customers.risk import churn_risk, key_customers
from reporting.customers.value import pareto, rfm
from reporting.rates import rates_as_of
from reporting.rates_api import DefaultBaseDep
from reporting.versions import utc_naive

router = strict_router(prefix="/reports/customers", tags=["reports"])
Format = Literal["json", "csv"]
CARD = ("account_id", "name", "owner_id", "team_id", "region", "industry", "size")
FilterDep = Annotated[CustomerFilter, Depends()]


def _csv(rows: list[dict], columns: tuple[str, ...], filename: str):
    return csv_response(columns, [["" if row.get(c) is None else row[c] for c in columns] for row in rows],
                        filename)


async def _customers(uow, principal, as_of, basis, only, default_base):
    """(as of, the customers, the answer's money head): money in the base currency (`currency`), a won
    deal at the rate in effect when first won, an order when first placed; sales without a rate then are
    left out and listed per currency in `unconverted` (of the customers answered about)."""
    at = utc_naive(as_of)
    async with uow:
        rates = await rates_as_of(uow, at, default_base)
        customers = await load_customers(uow=uow, principal=principal, at=at, basis=basis, only=only,
                                         rates=rates)
    aside: dict[str, Decimal] = defaultdict(Decimal)
    for found in customers:
        for currency, amount in found.unconverted.items():
            aside[currency] += amount
    head = {"as_of": at.isoformat() + "Z", "basis": basis, "currency": rates.base,
            "unconverted": {c: str(a) for c, a in sorted(aside.items())}}
    return at, customers, head


@router.get("/pareto", response_model=None)
async def get_pareto(
    uow: SnapshotUowDep, principal: PrincipalDep, clock: ClockDep, only: FilterDep, base: DefaultBaseDep,
    as_of: datetime | None = None, basis: Basis = "ordered",
    measure: Literal["revenue", "margin"] = "revenue",
    sold_from: datetime | None = None, sold_to: datetime | None = None,
    threshold: Annotated[float, Query(gt=0, le=1)] = 0.8, format: Format = "json",  # noqa: A002
):
    """Customers ranked by revenue (or margin) with running shares: who makes 80 % of it. Money is in the
    base currency: a won deal at the rate in effect when first won, an order when first placed; sales
    without a rate then are listed per currency in `unconverted`, not added in."""
    at, customers, head = await _customers(uow, principal, as_of or clock(), basis, only, base)
    start, end = (utc_naive(t) if t else None for t in (sold_from, sold_to))
    body = {**head,
            **pareto(customers, measure=measure, start=start, end=end, threshold=threshold)}
    if format == "json":
        return body
    columns = ("rank", *CARD, "revenue", "value", "share", "cumulative_share", "customer_share", "vital_few")
    return _csv(body["rows"], columns, "customers-pareto.csv")


@router.get("/rfm", response_model=None)
async def get_rfm(uow: SnapshotUowDep, principal: PrincipalDep, clock: ClockDep, only: FilterDep,
                  base: DefaultBaseDep,
                  as_of: datetime | None = None, basis: Basis = "ordered", format: Format = "json"):  # noqa: A002
    """Recency, frequency and monetary scores (1-5) and the segment of every customer who bought."""
    at, customers, head = await _customers(uow, principal, as_of or clock(), basis, only, base)
    body = {**head, **rfm(customers, at=at)}
    if format == "json":
        return body
    columns = (*CARD, "last_purchase", "recency_days", "frequency", "monetary", "r", "f", "m", "segment")
    return _csv(body["rows"], columns, "customers-rfm.csv")


@router.get("/key", response_model=None)
async def get_key_customers(
    uow: SnapshotUowDep, principal: PrincipalDep, clock: ClockDep, only: FilterDep, base: DefaultBaseDep,
    as_of: datetime | None = None, basis: Basis = "ordered",
    days: Annotated[int, Query(ge=1, le=3650)] = 365, format: Format = "json",  # noqa: A002
):
    """Key-customer score (value, growth, tickets, SLA breaches, CSAT) and tier A/B/C, parts shown."""
    at, customers, head = await _customers(uow, principal, as_of or clock(), basis, only, base)
    body = {**head, **key_customers(customers, at=at, days=days)}
    if format == "json":
        return body
    parts = tuple(body["weights"])
    rows = [{**row, **{f"part_{name}": row["components"][name] for name in parts}} for row in body["rows"]]
    columns = (*CARD, "score", "tier", "revenue", "previous_revenue", "tickets", "sla_breaches",
               "csat_average", *(f"part_{name}" for name in parts))
    return _csv(rows, columns, "customers-key.csv")


@router.get("/churn-risk", response_model=None)
async def get_churn_risk(
    uow: SnapshotUowDep, principal: PrincipalDep, clock: ClockDep, only: FilterDep, base: DefaultBaseDep,
    as_of: datetime | None = None, basis: Basis = "ordered",
    days: Annotated[int, Query(ge=1, le=3650)] = 90,
    csat_drop: Annotated[float, Query(gt=0, le=4)] = 1.0, format: Format = "json",  # noqa: A002
):
    """Customers with no purchase or no contact in `days`, or falling CSAT, each with the reasons."""
    at, customers, head = await _customers(uow, principal, as_of or clock(), basis, only, base)
    body = {**head,
            **churn_risk(customers, at=at, days=days, csat_drop=csat_drop)}
    if format == "json":
        return body
    rows = [{**row, "reasons": " ".join(r["reason"] for r in row["reasons"])} for row in body["rows"]]
    columns = (*CARD, "risk", "reasons", "last_purchase", "last_contact", "revenue")
    return _csv(rows, columns, "customers-churn-risk.csv")
