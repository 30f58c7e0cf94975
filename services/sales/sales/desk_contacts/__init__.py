"""Contacts the service desk captured from unknown callers: sales creates or links them (it owns contacts);
numbers agents linked to a contact: sales adds them."""

from crm_shared.events.service_desk import ContactCapturedV1, ContactPhoneLinkedV1
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from sales.clock import Clock
from sales.desk_contacts.service import add_linked_phone, take_on_desk_contact


def register(handlers: EventHandlers, clock: Clock) -> None:
    """Add the handlers of `service-desk.contact.captured` and `service-desk.contact.phone-linked`."""

    @handlers.on(ContactCapturedV1)
    async def on_desk_contact_captured(event: ContactCapturedV1, uow: UnitOfWork) -> None:
        """Create the contact the desk captured, or link an existing one with its phone or email."""
        await take_on_desk_contact(uow=uow, event=event, now=clock.now())

    @handlers.on(ContactPhoneLinkedV1)
    async def on_desk_phone_linked(event: ContactPhoneLinkedV1, uow: UnitOfWork) -> None:
        """Add the number an agent linked to the contact."""
        await add_linked_phone(uow=uow, event=event, now=clock.now())
