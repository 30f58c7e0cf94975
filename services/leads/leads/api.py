"""Leads HTTP routes: capture by hand, list and search, read one, its interactions."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from crm_shared.auth import PrincipalDep
from crm_shared.service import UowDep
from leads import service
from leads.lifecycle.schemas import UtcTime
from leads.lifecycle.search import LeadQuery, search_leads
from leads.schemas import InteractionRead, LeadCreate, LeadRead

router = APIRouter(prefix="/leads", tags=["leads"])
Sort = Literal["created_at", "-created_at", "score", "-score", "name", "-name"]


class LeadPage(BaseModel):
    """One page of leads and the cursor of the next (null at the end)."""

    items: list[LeadRead]
    next_cursor: str | None


@router.post("", status_code=201)
async def create_lead(data: LeadCreate, request: Request, uow: UowDep, principal: PrincipalDep) -> LeadRead:
    """Capture a lead by hand; it is owned by the caller."""
    region = request.app.state.settings.default_region
    async with uow:
        lead = await service.capture_lead(uow=uow, data=data, principal=principal, region=region)
        return LeadRead.model_validate(lead)


@router.get("")
async def list_leads(  # noqa: PLR0913 - one parameter per filter
    uow: UowDep,
    principal: PrincipalDep,
    status: Literal["new", "contacted", "qualified", "disqualified", "converted"] | None = None,
    owner_id: str | None = None,
    team_id: str | None = None,
    source: str | None = None,
    campaign: str | None = None,
    score_min: int | None = None,
    score_max: int | None = None,
    created_from: UtcTime | None = None,
    created_to: UtcTime | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Sort = "-created_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> LeadPage:
    """The leads the caller may see (rep: own, manager: team, admin: all), filtered, sorted, paged."""
    query = LeadQuery(
        status=status,
        owner_id=owner_id,
        team_id=team_id,
        source=source,
        campaign=campaign,
        score_min=score_min,
        score_max=score_max,
        created_from=created_from,
        created_to=created_to,
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    async with uow:
        leads, next_cursor = await search_leads(uow=uow, query=query, principal=principal)
        return LeadPage(items=[LeadRead.model_validate(lead) for lead in leads], next_cursor=next_cursor)


@router.get("/{lead_id}")
async def read_lead(lead_id: str, uow: UowDep, principal: PrincipalDep) -> LeadRead:
    """One lead the caller may see."""
    async with uow:
        return LeadRead.model_validate(await service.get_lead(uow=uow, lead_id=lead_id, principal=principal))


@router.get("/{lead_id}/interactions")
async def list_interactions(lead_id: str, uow: UowDep, principal: PrincipalDep) -> list[InteractionRead]:
    """Every interaction of a lead the caller may see, oldest first."""
    async with uow:
        rows = await service.list_interactions(uow=uow, lead_id=lead_id, principal=principal)
        return [InteractionRead.model_validate(row) for row in rows]
