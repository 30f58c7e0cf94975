"""Kafka handlers that store the back-links of converted leads when sales confirms them."""

from crm_shared.events.sales import AccountCreatedV1, ContactCreatedV1
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from leads.models import Lead


def register(handlers: EventHandlers) -> None:
    """Add the conversion back-link handlers."""

    @handlers.on(AccountCreatedV1)
    async def on_account_created(event: AccountCreatedV1, uow: UnitOfWork) -> None:
        """An account made from one of our leads: remember it on the lead."""
        await link(uow, event.source_type, event.source_id, account_id=event.aggregate_id)

    @handlers.on(ContactCreatedV1)
    async def on_contact_created(event: ContactCreatedV1, uow: UnitOfWork) -> None:
        """A contact made from one of our leads: remember it on the lead."""
        await link(uow, event.source_type, event.source_id, contact_id=event.aggregate_id)


async def link(uow: UnitOfWork, source_type: str | None, source_id: str | None, **ids: str) -> None:
    """Store the sales record's id on the lead it came from (ignored for other sources)."""
    if source_type != "lead" or not source_id:
        return
    lead = await uow.session.get(Lead, source_id)
    if lead is not None:
        for field, value in ids.items():
            setattr(lead, field, value)
