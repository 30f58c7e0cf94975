"""HTTP routes of prospects (import, list, verify) and campaigns."""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile

from crm_shared.http.uploads import UPLOAD, csv_rows, upload_text
from crm_shared.service import CtxDep, UowDep
from leads.deps import Manager
from leads.prospects import campaigns, service
from leads.prospects.domain import column_map
from leads.prospects.schemas import CampaignIn, CampaignRead, ProspectImportRead, ProspectRead

router = APIRouter(tags=["prospects and campaigns"])


@router.post("/prospects/import", max_body_size=UPLOAD)
async def import_prospects(
    file: Annotated[UploadFile, File(description="CSV with a header line, the CLI's columns")],
    list_name: Annotated[str, Query(min_length=1, max_length=200)],
    request: Request,
    ctx: CtxDep,
    _: Manager,
    campaign: Annotated[str | None, Query(max_length=100)] = None,
) -> ProspectImportRead:
    """Import a purchased list as `leads.cli import-prospects` does (validated, deduplicated within the
    file and against prospects and leads, a commit per 500 rows); the rows not imported, and why. The file
    is read whole first: one that is not readable CSV, or names no column a prospect has, is a 422."""
    header, rows = csv_rows(await upload_text(file), _needs_a_known_column)
    report = await service.import_rows(
        uow_factory=ctx.uow,
        rows=enumerate(rows, start=2),  # row 1 is the header, as in the CLI's report
        columns=column_map(header),
        list_name=list_name,
        campaign=campaign,
        region=request.app.state.settings.default_region,
    )
    return ProspectImportRead.model_validate(report, from_attributes=True)


def _needs_a_known_column(header: list[str]) -> str | None:
    if column_map(header):
        return None
    return "the first line must be a header naming at least one known column (name, email, phone, company...)"


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
