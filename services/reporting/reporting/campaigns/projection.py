"""Fold campaign snapshots (newest by event time wins) and the lead origin of deals (insert-only)."""

from collections.abc import Sequence

from sqlalchemy import case

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.marketing import CampaignSnapshot
from crm_shared.events.sales import OpportunitySnapshot
from crm_shared.messaging.uow import UnitOfWork
from reporting.campaigns.models import CampaignCard, DealOrigin
from reporting.kinds import of_kind
from reporting.versions import version_of

_COLUMNS = ("name", "channel", "cost", "currency", "starts_on", "ends_on", "version")


async def record_campaigns(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Upsert the campaigns among `events` (each keeps its newest snapshot) and note which deals were
    opened from a lead."""
    latest: dict[str, dict] = {}
    origins: dict[str, dict] = {}
    for event in of_kind(events, (CampaignSnapshot, OpportunitySnapshot)):
        if isinstance(event, CampaignSnapshot):
            row = {"campaign_id": event.aggregate_id, "name": event.name[:200], "channel": event.channel,
                   "cost": event.cost, "currency": event.currency, "starts_on": event.starts_on,
                   "ends_on": event.ends_on, "version": version_of(event)}
            if event.aggregate_id not in latest or row["version"] > latest[event.aggregate_id]["version"]:
                latest[event.aggregate_id] = row
        elif isinstance(event, OpportunitySnapshot) and event.source_type == "lead" and event.source_id:
            origins[event.aggregate_id] = {"opportunity_id": event.aggregate_id, "lead_id": event.source_id}
    if latest:
        insert = dialect_insert(uow.session)(CampaignCard.__table__)
        newer = insert.excluded.version > CampaignCard.version
        set_ = {c: case((newer, insert.excluded[c]), else_=getattr(CampaignCard, c)) for c in _COLUMNS}
        upsert = insert.on_conflict_do_update(index_elements=[CampaignCard.campaign_id], set_=set_)
        await uow.session.execute(upsert, sorted(latest.values(), key=lambda r: r["campaign_id"]))
    if origins:
        insert = dialect_insert(uow.session)(DealOrigin.__table__).on_conflict_do_nothing()
        await uow.session.execute(insert, sorted(origins.values(), key=lambda r: r["opportunity_id"]))
