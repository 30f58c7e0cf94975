"""Projection use cases: fold events into read models."""

from sqlalchemy import select

from crm_shared.db import dialect_insert
from crm_shared.events.leads import LeadCapturedV1
from crm_shared.messaging.uow import UnitOfWork
from reporting.models import LeadsBySource


async def count_captured_lead(*, uow: UnitOfWork, event: LeadCapturedV1) -> None:
    """Add one to the captured-leads count of the lead's source (atomic: replicas share the table)."""
    insert = dialect_insert(uow.session)(LeadsBySource).values(source=event.source, lead_count=1)
    await uow.session.execute(insert.on_conflict_do_update(
        index_elements=[LeadsBySource.source], set_={"lead_count": LeadsBySource.lead_count + 1}
    ))


async def leads_by_source(*, uow: UnitOfWork) -> dict[str, int]:
    """Captured leads per source."""
    rows = await uow.session.execute(select(LeadsBySource).order_by(LeadsBySource.source))
    return {row.source: row.lead_count for row in rows.scalars()}
