"""Which deals a lead source, a campaign or a product picks: the deal's lead (deal_origin -> lead_card),
the product lines of its latest snapshot."""

from collections.abc import Iterable

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


async def lead_origins(uow: UnitOfWork, opportunity_ids: Iterable[str | None]) -> dict[str, tuple]:
    """{deal: (source, campaign)} of those among these deals opened from a lead (as the lead card has them
    now); a deal from no lead, or whose lead reporting has not seen, is left out."""
    ids = sorted({i for i in opportunity_ids if i})
    found: dict[str, tuple] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        rows = await uow.session.execute(
            select(DealOrigin.opportunity_id, LeadCard.source, LeadCard.campaign)
            .join(LeadCard, LeadCard.lead_id == DealOrigin.lead_id)
            .where(DealOrigin.opportunity_id.in_(chunk)))
        found.update({deal: (source, campaign) for deal, source, campaign in rows})
    return found


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
