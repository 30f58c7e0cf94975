"""Leads use cases."""

from uuid import uuid4

from crm_shared.auth import Principal, can_see
from crm_shared.events.base import utcnow
from crm_shared.events.leads import LeadCapturedV1
from crm_shared.http.problems import NotFoundError
from crm_shared.messaging.uow import UnitOfWork
from leads.models import Lead
from leads.schemas import LeadCreate


async def capture_lead(*, uow: UnitOfWork, data: LeadCreate, principal: Principal) -> Lead:
    """Store a new lead owned by the caller, and its `leads.lead.captured` event, in one transaction."""
    lead = Lead(
        id=str(uuid4()),
        status="new",
        owner_id=principal.user_id,
        team_id=principal.team_id,
        created_at=utcnow(),
        **data.model_dump(),
    )
    uow.session.add(lead)
    uow.emit(
        LeadCapturedV1(
            aggregate_id=lead.id,
            occurred_at=lead.created_at,
            name=lead.name,
            email=lead.email,
            phone=lead.phone,
            company=lead.company,
            source=lead.source,
            campaign=lead.campaign,
            owner_id=lead.owner_id,
            team_id=lead.team_id,
            status=lead.status,
        )
    )
    await uow.commit()
    return lead


async def get_lead(*, uow: UnitOfWork, lead_id: str, principal: Principal) -> Lead:
    """One lead the caller may see; another user's lead is not found."""
    lead = await uow.session.get(Lead, lead_id)
    if lead is None or not can_see(principal, lead.owner_id, lead.team_id):
        raise NotFoundError(f"lead {lead_id} not found")
    return lead
