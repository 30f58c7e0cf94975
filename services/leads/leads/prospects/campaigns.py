"""Campaign use cases: each change emits the campaign's full snapshot (reporting computes ROI from it)."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm_shared.events.base import utcnow
from crm_shared.events.marketing import CampaignCreatedV1, CampaignUpdatedV1
from crm_shared.http.problems import ConflictError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from leads.prospects.models import Campaign
from leads.prospects.schemas import CampaignIn

FIELDS = ("name", "channel", "cost", "currency", "starts_on", "ends_on")


def _snapshot(campaign: Campaign) -> dict:
    return {field: getattr(campaign, field) for field in FIELDS}


async def create_campaign(*, uow: UnitOfWork, data: CampaignIn) -> Campaign:
    """Add a campaign."""
    now = utcnow()
    campaign = Campaign(id=new_id(), created_at=now, updated_at=now, **data.model_dump())
    uow.session.add(campaign)
    uow.emit(CampaignCreatedV1(aggregate_id=campaign.id, occurred_at=now, **_snapshot(campaign)))
    await _commit(uow, data.name)
    return campaign


async def update_campaign(*, uow: UnitOfWork, campaign_id: str, data: CampaignIn) -> Campaign:
    """Replace a campaign's fields; emits the snapshot naming what changed."""
    campaign = await uow.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFoundError(f"campaign {campaign_id} not found")
    changes = data.model_dump()
    changed = [field for field in FIELDS if changes[field] != getattr(campaign, field)]
    if not changed:
        return campaign
    for field in changed:
        setattr(campaign, field, changes[field])
    campaign.updated_at = utcnow()
    uow.emit(
        CampaignUpdatedV1(
            aggregate_id=campaign.id,
            occurred_at=campaign.updated_at,
            changed_fields=changed,
            **_snapshot(campaign),
        )
    )
    await _commit(uow, data.name)
    return campaign


async def list_campaigns(*, uow: UnitOfWork) -> list[Campaign]:
    """Every campaign, by name."""
    return list((await uow.session.execute(select(Campaign).order_by(Campaign.name))).scalars())


async def _commit(uow: UnitOfWork, name: str) -> None:
    try:
        await uow.commit()
    except IntegrityError as error:
        raise ConflictError(f"a campaign named {name} already exists", field="name") from error
