"""Leads use cases."""

from sqlalchemy import select

from crm_shared.auth import Principal, can_see
from crm_shared.events.base import utcnow
from crm_shared.http.problems import InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from leads.models import Lead, LeadInteraction
from leads.processing import normalize
from leads.processing.scorer import rescore
from leads.schemas import LeadCreate
from leads.snapshots import captured


async def capture_lead(*, uow: UnitOfWork, data: LeadCreate, principal: Principal, region: str) -> Lead:
    """Store a new lead owned by the caller, scored, with its events, in one transaction."""
    phone = normalize.phone(data.phone, region) if data.phone else None
    if data.phone and phone is None:
        raise InvalidError("not a valid phone number", field="phone")
    email = normalize.email(data.email)
    now = utcnow()
    lead = Lead(
        id=new_id(),
        status="new",
        owner_id=principal.user_id,
        team_id=principal.team_id,
        created_at=now,
        updated_at=now,
        name=normalize.name(data.name) or data.name,
        email=email,
        phone=phone,
        company=data.company,
        company_domain=normalize.company_domain(data.website, email),
        source=data.source,
        campaign=data.campaign,
        title=data.title,
        website=data.website,
        region=data.region,
        industry=data.industry,
        custom_fields={},
        score=0,
        score_breakdown=[],
        locked=False,
    )
    await rescore(uow=uow, lead=lead, trigger="captured", always=True, new=True)
    uow.session.add(lead)
    uow.emit(captured(lead))
    await uow.commit()
    return lead


async def get_lead(*, uow: UnitOfWork, lead_id: str, principal: Principal) -> Lead:
    """One lead the caller may see; another user's lead is not found."""
    lead = await uow.session.get(Lead, lead_id)
    if lead is None or not can_see(principal, lead.owner_id, lead.team_id):
        raise NotFoundError(f"lead {lead_id} not found")
    return lead


async def list_interactions(*, uow: UnitOfWork, lead_id: str, principal: Principal) -> list[LeadInteraction]:
    """The interactions of a lead the caller may see, oldest first."""
    await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    query = select(LeadInteraction).where(LeadInteraction.lead_id == lead_id)
    return list(
        (await uow.session.execute(query.order_by(LeadInteraction.occurred_at, LeadInteraction.id))).scalars()
    )
