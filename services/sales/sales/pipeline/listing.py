"""Listing opportunities: filters (stale ones included) and keyset pages, as far as the caller may see."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, union

from crm_shared.auth import Principal, Role, visible_to
from crm_shared.messaging.uow import UnitOfWork
from sales.paging import Page, encode_cursor, keyset
from sales.pipeline import records
from sales.pipeline.models import Opportunity
from sales.pipeline.schemas import OpportunityRead
from sales.pipeline.search import name_filter


@dataclass(frozen=True)
class OpportunityFilter:
    """List filters; `q` searches the name; `stale` keeps only deals past their stage's rotting days."""

    q: str | None = None
    status: str | None = None
    account_id: str | None = None
    pipeline_id: str | None = None
    stage_id: str | None = None
    owner_id: str | None = None
    team_id: str | None = None
    forecast_category: str | None = None
    stale: bool | None = None
    closing_from: date | None = None
    closing_to: date | None = None


async def list_opportunities(
    *,
    uow: UnitOfWork,
    principal: Principal,
    filters: OpportunityFilter,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> Page[OpportunityRead]:
    """The opportunities the caller may see, filtered, oldest first, a page at a time."""
    query = select(Opportunity)
    for field in (
        "status",
        "account_id",
        "pipeline_id",
        "stage_id",
        "owner_id",
        "team_id",
        "forecast_category",
    ):
        if (value := getattr(filters, field)) is not None:
            query = query.where(getattr(Opportunity, field) == value)
    if filters.q and filters.q.strip():
        query = await name_filter(uow, query, filters.q)
    if filters.stale is True:
        query = query.where(Opportunity.status == "open", Opportunity.rots_at <= now)
    elif filters.stale is False:
        query = query.where(
            (Opportunity.rots_at.is_(None)) | (Opportunity.rots_at > now) | (Opportunity.status != "open")
        )
    if filters.closing_from:
        query = query.where(Opportunity.expected_close_date >= filters.closing_from)
    if filters.closing_to:
        query = query.where(Opportunity.expected_close_date <= filters.closing_to)
    rows = list((await uow.session.execute(_visible_page(query, principal, cursor, limit))).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more else None
    return Page(items=await records.read_many(uow, rows, now), next_cursor=next_cursor)


def _visible_page(query, principal: Principal, cursor: str | None, limit: int):
    """One page of the query's rows the caller may see. A manager sees their team's rows or their own: the
    two are paged apart (each walks its own index in list order) and merged, which at a million rows is
    far cheaper than sorting every row matching `team = ? OR owner = ?`."""
    if principal.role is not Role.MANAGER or not principal.team_id:
        return keyset(
            query.where(visible_to(principal, Opportunity.owner_id, Opportunity.team_id)),
            Opportunity,
            cursor,
            limit,
        )
    branches = [
        query.where(Opportunity.team_id == principal.team_id),
        query.where(Opportunity.owner_id == principal.user_id),
    ]
    pages = [
        keyset(b.with_only_columns(Opportunity.id), Opportunity, cursor, limit).subquery() for b in branches
    ]
    candidates = union(*(select(page.c.id) for page in pages))
    return keyset(select(Opportunity).where(Opportunity.id.in_(candidates)), Opportunity, cursor, limit)
