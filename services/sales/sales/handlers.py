"""Kafka subscribers of the sales service (consumer group "sales"): thin translators into use cases."""

from crm_shared.events import service_desk as tickets
from crm_shared.events.leads import LeadConvertedV1
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from sales.clock import Clock
from sales.conversion.service import convert_lead
from sales.desk_contacts import register as register_desk_contacts
from sales.health.service import apply_ticket_event

TICKET_EVENTS = (
    tickets.TicketOpenedV1,
    tickets.TicketUpdatedV1,
    tickets.TicketAssignedV1,
    tickets.TicketSlaBreachedV1,
    tickets.TicketResolvedV1,
    tickets.TicketClosedV1,
    tickets.TicketReopenedV1,
    tickets.TicketCsatRatedV1,
)


def build_handlers(clock: Clock) -> EventHandlers:
    """The sales service's handlers, reading time from `clock`."""
    handlers = EventHandlers(consumer="sales")

    @handlers.on(LeadConvertedV1)
    async def on_lead_converted(event: LeadConvertedV1, uow: UnitOfWork) -> None:
        """Create or link the account and contact of a converted lead; open its opportunity if asked."""
        await convert_lead(uow=uow, event=event, now=clock.now())

    async def on_ticket_changed(event: tickets.TicketSnapshot, uow: UnitOfWork) -> None:
        """Keep the account's open tickets, SLA breaches and satisfaction in step (account health)."""
        await apply_ticket_event(uow=uow, event=event)

    for event_cls in TICKET_EVENTS:
        handlers.on(event_cls)(on_ticket_changed)
    register_desk_contacts(handlers, clock)
    return handlers
