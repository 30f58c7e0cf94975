"""Leads HTTP routes."""

from fastapi import APIRouter

from crm_shared.auth import PrincipalDep
from crm_shared.service import UowDep
from leads import service
from leads.schemas import LeadCreate, LeadRead

router = APIRouter(prefix="/leads", tags=["leads"])


@router.post("", status_code=201)
async def create_lead(data: LeadCreate, uow: UowDep, principal: PrincipalDep) -> LeadRead:
    """Capture a lead by hand; it is owned by the caller."""
    async with uow:
        lead = await service.capture_lead(uow=uow, data=data, principal=principal)
    return LeadRead.model_validate(lead)


@router.get("/{lead_id}")
async def read_lead(lead_id: str, uow: UowDep, principal: PrincipalDep) -> LeadRead:
    """One lead the caller may see."""
    async with uow:
        return LeadRead.model_validate(await service.get_lead(uow=uow, lead_id=lead_id, principal=principal))
