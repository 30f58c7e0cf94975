"""Kafka handler that stores the back-links of a converted lead when sales confirms the conversion."""

from crm_shared.events.sales import LeadConversionAppliedV1
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from leads.lifecycle import service


def register(handlers: EventHandlers) -> None:
    """Add the conversion back-link handler."""

    @handlers.on(LeadConversionAppliedV1)
    async def on_lead_conversion_applied(event: LeadConversionAppliedV1, uow: UnitOfWork) -> None:
        """Sales applied our conversion: store its account, contact and opportunity ids on the lead."""
        await service.store_back_links(uow=uow, event=event)
