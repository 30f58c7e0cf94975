"""Reporting's Kafka handlers: thin translators into projection use cases."""

from crm_shared.events.leads import LeadCapturedV1
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from reporting import projections

handlers = EventHandlers(consumer="reporting")


@handlers.on(LeadCapturedV1)
async def on_lead_captured(event: LeadCapturedV1, uow: UnitOfWork) -> None:
    """Counts the new lead under its source."""
    await projections.count_captured_lead(uow=uow, event=event)
