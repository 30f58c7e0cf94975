"""Which deals a lead source, a campaign or a product picks: the deal's lead (deal_origin -> lead_card),
the product lines of its latest snapshot."""

from sqlalchemy import select

from crm_shared.messaging.uow import UnitOfWork
from reporting.campaigns.models import DealOrigin
from reporting.models import LeadCard, SaleLineFact


def from_leads(source: str | None, campaign: str | None):
    """The deals opened from a lead of this source and campaign (as the lead card has them now): a select of
    opportunity ids, None when neither is asked."""
    if source is None and campaign is None:
        return None
    statement = select(DealOrigin.opportunity_id).join(LeadCard, LeadCard.lead_id == DealOrigin.lead_id)
    if source is not None:
        statement = statement.where(LeadCard.source == source)
    if campaign is not None:
        statement = statement.where(LeadCard.campaign == campaign)
    return statement


def with_product(product: str | None):
    """The deals that had a line of this product in some snapshot (a superset: `snapshots_selling` tells
    which snapshots), None when not asked."""
    if product is None:
        return None
    return select(SaleLineFact.record_id).where(SaleLineFact.product == product)


async def snapshots_selling(uow: UnitOfWork, product: str) -> set[str]:
    """The event ids of the snapshots with a line of this product."""
    rows = await uow.session.execute(select(SaleLineFact.event_id).where(SaleLineFact.product == product))
    return {event_id for (event_id,) in rows}
