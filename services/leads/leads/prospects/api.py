"""HTTP routes of prospects (list, verify) and campaigns."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from crm_shared.service import UowDep
from leads.deps import Manager
from leads.prospects import campaigns, service
from leads.prospects.schemas import CampaignIn, CampaignRead, ProspectRead

router = APIRouter(tags=["prospects and campaigns"])


@router.get("/prospects")
async def list_prospects(
    uow: UowDep,
    _: Manager,
    list_name: str | None = None,
    status: Literal["unverified", "verified"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ProspectRead]:
    """Imported prospects, in import order."""
    async with uow:
        rows = await service.list_prospects(uow=uow, list_name=list_name, status=status, limit=limit)
        return [ProspectRead.model_validate(row) for row in rows]


@router.post("/prospects/{prospect_id}/verify")
async def verify_prospect(
    prospect_id: str, request: Request, uow: UowDep, principal: Manager
) -> ProspectRead:
    """The prospect was confirmed: it becomes a lead (scored and routed) or joins its duplicate lead."""
    minutes = request.app.state.settings.speed_to_lead.default_target_minutes
    async with uow:
        prospect = await service.verify_prospect(
            uow=uow, prospect_id=prospect_id, principal=principal, first_contact_minutes=minutes
        )
        return ProspectRead.model_validate(prospect)


@router.post("/campaigns", status_code=201)
async def create_campaign(data: CampaignIn, uow: UowDep, _: Manager) -> CampaignRead:
    """Add a campaign with its cost."""
    async with uow:
        return CampaignRead.model_validate(await campaigns.create_campaign(uow=uow, data=data))


@router.get("/campaigns")
async def list_campaigns(uow: UowDep, _: Manager) -> list[CampaignRead]:
    """Every campaign."""
    async with uow:
        return [CampaignRead.model_validate(c) for c in await campaigns.list_campaigns(uow=uow)]


@router.put("/campaigns/{campaign_id}")
async def update_campaign(campaign_id: str, data: CampaignIn, uow: UowDep, _: Manager) -> CampaignRead:
    """Replace a campaign's fields (e.g. its cost)."""
    async with uow:
        return CampaignRead.model_validate(
            await campaigns.update_campaign(uow=uow, campaign_id=campaign_id, data=data)
        )
